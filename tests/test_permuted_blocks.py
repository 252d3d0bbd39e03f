"""Permuted blocks (trial/randomize.py): the places built from key ranks equal those of a stable
argsort of each block's keys (the construction used before, kept here as the reference), ties
included, for every number of places asked for; and each block is balanced 1:1."""

from __future__ import annotations

import numpy as np
import pytest

from survtrial.protocol import load_builtin
from survtrial.trial.randomize import permuted_block_sequences


class _Streams:
    """Fixed draws: block sizes and keys rounded to one decimal, so that ties are common."""

    xp = np

    def __init__(self, seed: int, n: int) -> None:
        rng = np.random.default_rng(seed)
        self.n = n
        self._rng = rng

    def integers(self, purpose, high, *shape):
        return self._rng.integers(0, high, size=(self.n, *shape))

    def random(self, purpose, *shape):
        return np.round(self._rng.random(size=(self.n, *shape)), 1)


def _reference(size_idx, keys, sizes, ratio, length):
    """The earlier construction: stable argsort of the keys (unused positions last), the
    treatment at sorted place i that of position order[i], blocks laid end to end."""
    r, c, _ = size_idx.shape
    size = sizes[size_idx]
    bmax = int(sizes.max())
    pos = np.arange(bmax)
    n_ctrl = size * ratio[0] // ratio.sum()
    keys = np.where(pos < size[..., None], keys, 2.0)
    order = np.argsort(keys, axis=-1, kind="stable")
    arm = (order >= n_ctrl[..., None]).astype(np.int8).reshape(r, c, -1)
    valid = (pos < size[..., None]).reshape(r, c, -1)
    place = np.cumsum(valid, axis=-1) - 1
    keep = valid & (place < length)
    seq = np.zeros((r, c, length), dtype=np.int8)
    i, cc, _ = np.nonzero(keep)
    seq[i, cc, place[keep]] = arm[keep]
    return seq


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("needed", [None, 1, 7, 40])
def test_places_equal_a_stable_argsort(seed, needed):
    p = load_builtin("aall1731")  # blocks of 2, 4 or 6, 1:1
    sizes = np.asarray(p.randomization.block_sizes)
    ratio = np.array([p.control.ratio, p.experimental.ratio])
    length, n_cells, r = 60, 3, 5
    got = permuted_block_sequences(_Streams(seed, r), p, n_cells, length, needed)
    replay = _Streams(seed, r)
    n_blocks = length // int(sizes.min()) + 1
    size_idx = replay.integers("block_size", len(sizes), n_cells, n_blocks)
    keys = replay.random("block_keys", n_cells, n_blocks, int(sizes.max()))
    want = _reference(size_idx, keys, sizes, ratio, length)
    assert (keys[..., :1] == keys[..., 1:2]).any()  # ties are there to be broken
    places = length if needed is None else needed
    np.testing.assert_array_equal(got, want[..., :places])


def test_blocks_are_balanced():
    p = load_builtin("aall1731")
    seq = permuted_block_sequences(_Streams(9, 4), p, 2, 600)
    # every complete block is 1:1, so after any block boundary the arms are equal; over the
    # sequence the imbalance never exceeds half the largest block
    imbalance = np.abs(np.cumsum(2 * seq.astype(int) - 1, axis=-1))
    assert imbalance.max() <= 3
    assert (imbalance == 0).sum(axis=-1).min() >= 600 // 6
