"""Permuted blocks (trial/randomize.py): a block's arrangement is the one of the drawn rank
among all arrangements of its control and experimental places in lexicographic order (checked
against itertools.combinations, which enumerates them in that order), every arrangement is
reached equally often, blocks are laid end to end, and each block is balanced."""

from __future__ import annotations

from itertools import combinations
from math import comb
from types import SimpleNamespace

import numpy as np
import pytest

from survtrial.protocol import load_builtin
from survtrial.trial.randomize import (
    binomials,
    block_sizes_and_ranks,
    permuted_block_draws,
    permuted_block_sequences,
)


class _Streams:
    """Seeded uniforms for the two draws (block size, arrangement)."""

    xp = np

    def __init__(self, seed: int, n: int) -> None:
        self.n = n
        self._rng = np.random.default_rng(seed)

    def random(self, purpose, *shape):
        return self._rng.random(size=(self.n, *shape))


def _protocol(block_sizes, ratio=(1, 1)):
    return SimpleNamespace(
        randomization=SimpleNamespace(block_sizes=block_sizes),
        control=SimpleNamespace(ratio=ratio[0]),
        experimental=SimpleNamespace(ratio=ratio[1]),
    )


def _reference(size, rank, ratio, length):
    """Blocks end to end; block (size s, rank m): control at the places of the m-th k-subset
    of range(s) in itertools.combinations' (lexicographic) order, k = s * ratio[0] / unit."""
    r, c, _ = size.shape
    seq = np.zeros((r, c, length), dtype=np.int8)
    for i in range(r):
        for cc in range(c):
            place = 0
            for s, m in zip(size[i, cc], rank[i, cc], strict=True):
                k = s * ratio[0] // sum(ratio)
                control = list(combinations(range(s), k))[m]
                for pos in range(s):
                    if place + pos < length:
                        seq[i, cc, place + pos] = 0 if pos in control else 1
                place += s
                if place >= length:
                    break
    return seq


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("needed", [None, 1, 7, 40])
@pytest.mark.parametrize(("sizes", "ratio"), [([2, 4, 6], (1, 1)), ([3, 6], (2, 1))])
def test_arrangement_of_the_drawn_rank(seed, needed, sizes, ratio):
    p = _protocol(sizes, ratio)
    length, n_cells, r = 60, 3, 5
    got = permuted_block_sequences(_Streams(seed, r), p, n_cells, length, needed)
    size, rank = permuted_block_draws(_Streams(seed, r), p, n_cells, length)
    want = _reference(size, rank, ratio, length)
    places = length if needed is None else needed
    np.testing.assert_array_equal(got, want[..., :places])


@pytest.mark.parametrize(("sizes", "ratio"), [([2, 4, 6], (1, 1)), ([3, 6], (2, 1))])
def test_every_size_and_arrangement_equally_likely(sizes, ratio):
    """Over 6,000 x 3 cells x 21+ blocks, each size's share and each arrangement's share within
    a size are within 5 binomial SEs of uniform (a miscount of one arrangement would be tens of
    SEs off)."""
    p = _protocol(sizes, ratio)
    size, rank = permuted_block_draws(_Streams(5, 6000), p, 3, 60)
    n = size.size
    for s in sizes:
        share = (size == s).mean()
        assert abs(share - 1 / len(sizes)) < 5 * np.sqrt(share * (1 - share) / n)
        k = s * ratio[0] // sum(ratio)
        counts = np.bincount(rank[size == s], minlength=comb(s, k))
        assert counts.size == comb(s, k)  # no rank beyond the arrangements
        expected = counts.sum() / comb(s, k)
        assert np.abs(counts - expected).max() < 5 * np.sqrt(expected)


@pytest.mark.parametrize(("sizes", "ratio"), [([2, 4, 6], (1, 1)), ([3, 6], (2, 1)), ([4], (1, 1))])
def test_size_and_rank_of_one_uniform(sizes, ratio):
    """u S: the size at floor(u S), the rank from the fraction; the ends of [0, 1) give the
    first size's first arrangement and the last size's last (never a rank past it)."""
    p = _protocol(sizes, ratio)
    s_last = sizes[-1]
    k = s_last * ratio[0] // sum(ratio)
    u = np.array([0.0, np.nextafter(1.0, 0.0), (1 + 0.5) / len(sizes) if len(sizes) > 1 else 0.5])
    size, rank = block_sizes_and_ranks(np, u, p)
    assert size[0] == sizes[0] and rank[0] == 0
    assert size[1] == s_last and rank[1] == comb(s_last, k) - 1
    if len(sizes) > 1:  # the middle of the second size's interval: its middle arrangement
        k1 = sizes[1] * ratio[0] // sum(ratio)
        assert size[2] == sizes[1] and rank[2] == comb(sizes[1], k1) // 2
    else:
        assert rank[2] == comb(s_last, k) // 2


def test_binomials():
    table = binomials(6)
    assert table[6, 3] == 20 and table[4, 2] == 6 and table[3, 4] == 0 and table[0, 0] == 1


def test_blocks_are_balanced():
    p = load_builtin("aall1731")
    seq = permuted_block_sequences(_Streams(9, 4), p, 2, 600)
    # every complete block is 1:1, so after any block boundary the arms are equal; over the
    # sequence the imbalance never exceeds half the largest block
    imbalance = np.abs(np.cumsum(2 * seq.astype(int) - 1, axis=-1))
    assert imbalance.max() <= 3
    assert (imbalance == 0).sum(axis=-1).min() >= 600 // 6
