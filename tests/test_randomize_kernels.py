"""The compiled permuted-block kernel (trial/randomize_kernels.py) gives the arms of the array
construction (trial/randomize.py, kept for the GPU) bit for bit: on synthetic batches with ties
in randomization day, 1 to 8 cells, one with no patients, block sizes [2],
[2, 4], [2, 4, 6] and [3, 6] at 2:1, patients not randomized in between, days out of column
order and NaN; and on real enrolments of of_hr075 and aall1731. A perturbed input changes the
arms (so these comparisons can fail)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from survtrial.arrays import true_first
from survtrial.protocol import load_builtin, parse_protocol
from survtrial.trial._rng import BLOCK, BlockStreams
from survtrial.trial.enrol import capacity, enrol
from survtrial.trial.randomize import binomials, randomize
from survtrial.trial.randomize_kernels import permuted_block_arms

FIXTURE = Path(__file__).parent / "reference" / "fixtures" / "simulate" / "of_hr075.toml"


class _Streams:
    """Seeded draws, rounded to one decimal (so that 0 and 1 occur: the first and the last
    arrangement); ``flip_keys``: 1 - u (other arrangements)."""

    xp = np

    def __init__(self, seed: int, n: int, flip_keys: bool = False) -> None:
        self.n = n
        self._rng = np.random.default_rng(seed)
        self._flip = flip_keys

    def integers(self, purpose, high, *shape):
        return self._rng.integers(0, high, size=(self.n, *shape))

    def random(self, purpose, *shape):
        u = np.round(self._rng.random(size=(self.n, *shape)), 1)
        return 1.0 - u if self._flip else u


def _protocol(stratify_by, n_strata, block_sizes, ratio=(1, 1)):
    """The protocol fields randomize reads."""
    return SimpleNamespace(
        randomization=SimpleNamespace(
            method="permuted_blocks", stratify_by=stratify_by, block_sizes=block_sizes
        ),
        population=SimpleNamespace(strata=[f"s{i}" for i in range(n_strata)]),
        control=SimpleNamespace(ratio=ratio[0]),
        experimental=SimpleNamespace(ratio=ratio[1]),
        accrual=SimpleNamespace(target_randomized=10**6),  # no cap below the patients
    )


def _enrolment(seed, r, n, n_strata, used_strata, p_randomized=0.7, days=12, shuffle=False):
    """A batch with randomized patients among the others, ties in day (``days`` distinct days),
    days in column order unless ``shuffle``; strata drawn among ``used_strata`` only."""
    rng = np.random.default_rng(seed)
    randomized = rng.random((r, n)) < p_randomized
    randomized[0] = False  # a replicate with nobody randomized
    day = rng.integers(0, days, size=(r, n)).astype(float)
    if not shuffle:
        day = np.sort(day, axis=1)
    stratum = np.asarray(used_strata)[rng.integers(0, len(used_strata), size=(r, n))]
    assert max(used_strata) < n_strata
    return SimpleNamespace(
        enrolled=np.ones((r, n), dtype=bool),
        randomized=randomized,
        rand_day=np.where(randomized, day, np.inf),
        stratum=np.where(randomized, stratum, -1),
        male=rng.random((r, n)) < 0.5,
        randomized_first=true_first(randomized),
    )


def _both(p, e, seed, flip_keys=False):
    r = e.randomized.shape[0]
    kernel = randomize(p, _Streams(seed, r, flip_keys), e, kernel=True)
    array = randomize(p, _Streams(seed, r, flip_keys), e, kernel=False)
    return kernel, array


CASES = [  # stratify_by, strata, the strata used, block sizes, ratio: 1 to 8 cells
    ([], 1, [0], [2], (1, 1)),
    (["risk_group"], 1, [0], [2, 4], (1, 1)),
    (["sex"], 3, [0, 2], [2, 4, 6], (1, 1)),
    (["risk_group"], 3, [0, 2], [3, 6], (2, 1)),  # stratum 1: a cell with no patients
    (["risk_group", "sex"], 2, [0, 1], [2, 4], (1, 1)),
    (["sex", "risk_group"], 4, [0, 1, 3], [2, 4, 6], (1, 1)),  # 8 cells, 2 empty
    (["risk_group", "sex"], 4, [1, 2, 3], [3, 6], (2, 1)),
    ([], 1, [0], [16], (1, 1)),  # 12,870 arrangements: the kernel's largest table
    (["risk_group"], 2, [0, 1], [18, 20], (1, 1)),  # more: decoded place by place
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("shuffle", [False, True])
def test_kernel_equals_the_array_code(case, seed, shuffle):
    stratify_by, n_strata, used, sizes, ratio = case
    p = _protocol(stratify_by, n_strata, sizes, ratio)
    e = _enrolment(seed, 9, 90, n_strata, used, shuffle=shuffle)
    kernel, array = _both(p, e, seed)
    assert kernel.dtype == array.dtype == np.int64
    np.testing.assert_array_equal(kernel, array)
    np.testing.assert_array_equal(kernel >= 0, e.randomized)
    assert (kernel[1:] == 1).any() and (kernel[1:] == 0).any()
    # several blocks in a cell: more patients in a stratum of a replicate than a block
    assert ((e.stratum == used[0]).sum(axis=1) > 2 * max(sizes)).any()


def test_nan_days_sort_last():
    p = _protocol(["risk_group", "sex"], 2, [2, 4])
    e = _enrolment(5, 6, 80, 2, [0, 1], shuffle=True)
    e.rand_day[e.randomized & (np.arange(80) % 7 == 0)] = np.nan
    kernel, array = _both(p, e, 5)
    np.testing.assert_array_equal(kernel, array)


def test_a_perturbed_input_changes_the_arms():
    p = _protocol(["risk_group"], 2, [2, 4, 6])
    e = _enrolment(3, 8, 120, 2, [0, 1])
    base, _ = _both(p, e, 3)
    # other uniforms: other arrangements
    kernel, array = _both(p, e, 3, flip_keys=True)
    np.testing.assert_array_equal(kernel, array)
    assert (kernel != base).any()
    # a later randomization day for the first randomized patient of a replicate: an other order
    i, j = 1, int(e.randomized_first[1, 0])
    e.rand_day[i, j] = 1e6
    kernel, array = _both(p, e, 3)
    np.testing.assert_array_equal(kernel, array)
    assert (kernel[i] != base[i]).any()
    assert (kernel[2:] == base[2:]).all()  # the other replicates keep their arms


def test_a_cell_beyond_the_cells_is_an_error():
    e = _enrolment(4, 3, 30, 2, [0, 1])
    stratum = np.where(e.randomized, 2, -1)  # 2 strata: cells 0 and 1 only
    block_u = np.zeros((3, 2, 16))
    with pytest.raises(ValueError, match="cell"):
        permuted_block_arms(
            e.rand_day, e.randomized, e.randomized_first, stratum, e.male, 1, 0, 2, [2],
            block_u, (1, 1), binomials(2),
        )  # fmt: skip


@pytest.mark.parametrize("name", ["of_hr075", "aall1731"])
def test_real_enrolments(name):
    p = parse_protocol(FIXTURE.read_text(), str(FIXTURE)) if name == "of_hr075" else (
        load_builtin(name)
    )  # fmt: skip
    for seed, b0, nb, n in [(1, 0, 1, BLOCK), (7, 3, 2, 2 * BLOCK - 3)]:
        s_kernel, s_array = BlockStreams(seed, b0, nb, n), BlockStreams(seed, b0, nb, n)
        e = enrol(p, s_kernel, capacity(p))
        e_again = enrol(p, s_array, capacity(p))
        kernel = randomize(p, s_kernel, e, kernel=True)
        array = randomize(p, s_array, e_again, kernel=False)
        np.testing.assert_array_equal(kernel, array)
        np.testing.assert_array_equal(kernel >= 0, e.randomized)
        # both drew from the same purpose streams
        assert s_kernel._drawn == s_array._drawn and ("block_arrangement", None) in s_kernel._drawn
