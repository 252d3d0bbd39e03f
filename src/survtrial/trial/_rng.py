"""Random streams for batches of replicate trials: one stream per block of replicates and per
purpose, independent of how the batch is chunked and of which other draws a protocol makes.

Replicates are grouped in fixed blocks of ``backend.block`` replicates (:data:`BLOCK` on the
CPU). Every draw names its purpose (arrival times, block arrangements, the latent time of cause
k, ...); block ``b`` draws purpose ``p`` (index ``k`` for an indexed purpose) from its own
generator, seeded with ``SeedSequence(seed, spawn_key=(b, p))`` (``(b, p, k)``): child p (then
k) of child b of ``SeedSequence(seed).spawn``; numpy's PCG64 on the CPU, cuRAND's Philox on the
GPU (:mod:`survtrial.arrays`). So

* replicate ``r`` gets the same numbers whatever the chunk size and the total number of
  replicates (a block is always drawn in full, then trimmed);
* a step draws only what the protocol uses (no loss to follow-up: no draws for it), and a draw
  that one scenario makes and another does not changes no other number: scenarios that differ
  in one setting share every other stream (common random numbers);
* a purpose is drawn at most once per batch (a second draw is a programming error).

Scenarios that share a step share its draws too: streams made with the same ``shared`` dict
(same seed and blocks) draw each (purpose, index, shape) once, and the others get a copy.
"""

from __future__ import annotations

import numpy as np

from survtrial.arrays import CPU, Backend

BLOCK = CPU.block

# the purposes' spawn-key numbers: fixed forever (a new purpose is appended, never inserted)
PURPOSES = {
    "arrival": 0,  # enrolment: inter-arrival times of the accrual process (exponential)
    "sex": 1,
    "age": 2,
    "wbc": 3,
    "risk_group": 4,
    "exclusion": 5,  # indexed by exclusion step
    "block_size": 6,  # no longer drawn (a block's one uniform gives its size too)
    "block_arrangement": 7,  # permuted blocks: one uniform a block, its size and arrangement
    "minimization_choice": 8,
    "minimization_tie": 9,
    "body_size": 10,  # indexed: 0 the shared size deviate, 1 the weight's own deviate
    "event": 11,  # indexed by event cause: the latent time's unit exponential
    "cure": 12,  # indexed by event cause
    "death_after_event": 13,
    "loss_to_follow_up": 14,
    "adverse_event": 15,  # indexed: 2 j whether entry j occurs, 2 j + 1 its onset
}


class BlockStreams:
    """Draw arrays of shape ``(replicates, ...)`` from per-block, per-purpose generators."""

    def __init__(
        self, seed: int, first_block: int, n_blocks: int, n_replicates: int,
        backend: Backend = CPU, shared: dict | None = None,
    ) -> None:  # fmt: skip
        self.seed = seed
        self.blocks = range(first_block, first_block + n_blocks)
        self.backend = backend
        self.xp = backend.xp
        self.block = backend.block
        self.n = n_replicates
        self._drawn: set[tuple[str, int | None]] = set()
        # draws kept for other streams of the same seed and blocks (scenarios of one chunk):
        # (purpose, index, kind, shape, options) -> a private copy of the numbers
        self._shared = shared

    def _claim(self, purpose: str, index: int | None) -> None:
        """Record that this stream draws ``purpose`` (``index``): a known purpose, once."""
        if purpose not in PURPOSES:
            raise ValueError(f"unknown random stream purpose {purpose!r}")
        if (purpose, index) in self._drawn:
            raise RuntimeError(f"random stream {purpose!r} {index} drawn twice in one batch")
        self._drawn.add((purpose, index))

    def _generators(self, purpose: str, index: int | None) -> list:
        self._claim(purpose, index)
        key = (PURPOSES[purpose],) if index is None else (PURPOSES[purpose], index)
        return [
            self.backend.generator(np.random.SeedSequence(self.seed, spawn_key=(b, *key)))
            for b in self.blocks
        ]

    def _draw(self, purpose: str, index: int | None, name: str, shape: tuple[int, ...], out=None,
              **kw):  # fmt: skip
        """The draws (replicates, *shape); into ``out`` of that shape when given (straight, on
        the CPU, where the chunk is whole blocks; else copied). With ``shared`` streams, a copy
        of the numbers another stream drew already, or drawn here and a copy kept."""
        if self._shared is None:
            return self._generate(purpose, index, name, shape, out, **kw)
        key = (purpose, index, name, shape, tuple(sorted(kw.items())))
        kept = self._shared.get(key)
        if kept is None:
            drawn = self._generate(purpose, index, name, shape, out, **kw)
            self._shared[key] = drawn.copy()
            return drawn
        self._claim(purpose, index)
        if out is None:
            return kept.copy()
        out[...] = kept
        return out

    def _generate(self, purpose: str, index: int | None, name: str, shape: tuple[int, ...],
                  out=None, **kw):  # fmt: skip
        gens = self._generators(purpose, index)
        if self.xp is np and name != "integers":  # each block straight into its rows
            rows = self.block * len(gens)
            direct = (out is not None and out.shape == (rows, *shape)
                      and out.flags.c_contiguous)  # fmt: skip
            full = out if direct else np.empty((rows, *shape))
            for i, g in enumerate(gens):
                getattr(g, name)(out=full[i * self.block : (i + 1) * self.block])
            if direct:
                return out
            drawn = full[: self.n]
        else:
            parts = [getattr(g, name)(size=(self.block, *shape), **kw) for g in gens]
            drawn = self.xp.concatenate(parts, axis=0)[: self.n]
        if out is None:
            return drawn
        out[...] = drawn
        return out

    def random(self, purpose: str, *shape: int, index: int | None = None, out=None):
        """Uniforms on [0, 1); into ``out`` (replicates, *shape) when given."""
        return self._draw(purpose, index, "random", shape, out)

    def exponential(self, purpose: str, *shape: int, index: int | None = None, out=None):
        """Unit exponentials; into ``out`` (replicates, *shape) when given."""
        return self._draw(purpose, index, "standard_exponential", shape, out)

    def normal(self, purpose: str, *shape: int, index: int | None = None):
        """Standard normals."""
        return self._draw(purpose, index, "standard_normal", shape)

    def integers(self, purpose: str, high: int, *shape: int, index: int | None = None):
        """Integers uniform on 0 .. high - 1."""
        return self._draw(purpose, index, "integers", shape, low=0, high=high)
