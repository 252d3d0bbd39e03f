"""Random streams for batches of replicate trials, independent of how the batch is chunked.

Replicates are grouped in fixed blocks of :data:`BLOCK` replicates; block ``b`` draws from its own
``numpy.random.Generator`` seeded with child ``b`` of ``SeedSequence(seed).spawn``. A chunk is
a run of whole blocks, so replicate ``r`` gets the same numbers whatever the chunk size and
whatever the total number of replicates (a block is always drawn in full, then trimmed).
"""

from __future__ import annotations

import numpy as np

BLOCK = 16


class BlockStreams:
    """Draw arrays of shape ``(replicates, ...)`` from per-block generators."""

    def __init__(self, seed: int, first_block: int, n_blocks: int, n_replicates: int) -> None:
        children = np.random.SeedSequence(seed).spawn(first_block + n_blocks)[first_block:]
        self.gens = [np.random.Generator(np.random.PCG64(c)) for c in children]
        self.n = n_replicates

    def _draw(self, name: str, shape: tuple[int, ...], **kw) -> np.ndarray:
        parts = [getattr(g, name)(size=(BLOCK, *shape), **kw) for g in self.gens]
        return np.concatenate(parts, axis=0)[: self.n]

    def random(self, *shape: int) -> np.ndarray:
        return self._draw("random", shape)

    def exponential(self, *shape: int) -> np.ndarray:
        return self._draw("standard_exponential", shape)

    def normal(self, *shape: int) -> np.ndarray:
        return self._draw("standard_normal", shape)

    def integers(self, high: int, *shape: int) -> np.ndarray:
        return self._draw("integers", shape, low=0, high=high)


def blocks_for(n_replicates: int) -> int:
    return -(-n_replicates // BLOCK)
