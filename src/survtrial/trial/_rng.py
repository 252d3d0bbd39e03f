"""Random streams for batches of replicate trials, independent of how the batch is chunked.

Replicates are grouped in fixed blocks of ``backend.block`` replicates (:data:`BLOCK` on the
CPU); block ``b`` draws from its own generator seeded with child ``b`` of
``SeedSequence(seed).spawn`` (numpy's PCG64 on the CPU, cuRAND's Philox on the GPU,
:mod:`survtrial.arrays`). A chunk is a run of whole blocks, so replicate ``r`` gets the same
numbers whatever the chunk size and whatever the total number of replicates (a block is always
drawn in full, then trimmed).
"""

from __future__ import annotations

import numpy as np

from survtrial.arrays import CPU, Backend

BLOCK = CPU.block


class BlockStreams:
    """Draw arrays of shape ``(replicates, ...)`` from per-block generators, on ``backend``."""

    def __init__(
        self, seed: int, first_block: int, n_blocks: int, n_replicates: int,
        backend: Backend = CPU,
    ) -> None:  # fmt: skip
        # child b of SeedSequence(seed).spawn(...), made directly: no spawning of the b before
        children = [
            np.random.SeedSequence(seed, spawn_key=(b,))
            for b in range(first_block, first_block + n_blocks)
        ]
        self.backend = backend
        self.xp = backend.xp
        self.block = backend.block
        self.gens = [backend.generator(c) for c in children]
        self.n = n_replicates

    def _draw(self, name: str, shape: tuple[int, ...], **kw):
        if self.xp is np and name != "integers":  # each block straight into its rows
            out = np.empty((self.block * len(self.gens), *shape))
            for i, g in enumerate(self.gens):
                getattr(g, name)(out=out[i * self.block : (i + 1) * self.block])
            return out[: self.n]
        parts = [getattr(g, name)(size=(self.block, *shape), **kw) for g in self.gens]
        return self.xp.concatenate(parts, axis=0)[: self.n]

    def random(self, *shape: int):
        return self._draw("random", shape)

    def exponential(self, *shape: int):
        return self._draw("standard_exponential", shape)

    def normal(self, *shape: int):
        return self._draw("standard_normal", shape)

    def integers(self, high: int, *shape: int):
        return self._draw("integers", shape, low=0, high=high)

