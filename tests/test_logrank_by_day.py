"""The log-rank of the looks by counting days (stats.batch.logrank_z_by_day) equals the sorted
runs' (logrank_z of build_runs) bit for bit, and both equal survtrial.stats.logrank (R's
survdiff, tested elsewhere) trial by trial; the counting declines (None) where it must."""

from __future__ import annotations

import numpy as np
import pytest

from survtrial.stats import batch as bs
from survtrial.stats import logrank


def _batch(seed: int, r: int = 12, n: int = 300, n_keys: int = 3, days: int = 200):
    rng = np.random.default_rng(seed)
    time = rng.integers(0, days, size=(r, n)).astype(float)  # many ties, day 0 included
    event = rng.random((r, n)) < 0.4
    key = rng.integers(-1, n_keys, size=(r, n))  # -1: not in the analysis
    key[0, :] = -1  # a trial with nobody in it
    key[1, :] = 0  # a trial with one stratum only
    arm = rng.integers(0, 2, size=(r, n))
    arm[2, :] = 1  # a trial with one arm only
    return time, event, key, n_keys, arm


@pytest.mark.parametrize("seed", range(8))
def test_counting_equals_sorting_bit_for_bit(seed):
    time, event, key, n_keys, arm = _batch(seed)
    by_day = bs.logrank_z_by_day(time, event, key, n_keys, arm)
    assert by_day is not None
    runs = bs.build_runs(time, event.astype(np.int64), key, n_keys, arm=arm)
    sorted_z = bs.logrank_z(runs)[0]
    np.testing.assert_array_equal(by_day, sorted_z)  # NaN where no variance, in both
    assert np.isnan(by_day[0]) and np.isnan(by_day[2])


@pytest.mark.parametrize("seed", range(3))
def test_counting_equals_the_one_trial_logrank(seed):
    time, event, key, n_keys, arm = _batch(seed, r=6)
    z = bs.logrank_z_by_day(time, event, key, n_keys, arm)
    for i in range(3, 6):
        m = key[i] >= 0
        res = logrank(time[i][m], event[i][m].astype(int), arm[i][m], strata=key[i][m])
        # survtrial.stats.logrank: z of the second group (arm 1), as here
        assert z[i] == pytest.approx(res.z, rel=1e-12)


def test_counting_declines_where_it_must():
    time, event, key, n_keys, arm = _batch(1)
    assert bs.logrank_z_by_day(time + 0.5, event, key, n_keys, arm) is None  # not whole days
    long, key_long = time.copy(), key.copy()
    long[3, 0], key_long[3, 0] = 1e6, 0  # a day grid far larger than the patients
    assert bs.logrank_z_by_day(long, event, key_long, n_keys, arm) is None
    long[3, 0], key_long[3, 0] = 1e6, -1  # out of the analysis: its time does not count
    assert bs.logrank_z_by_day(long, event, key_long, n_keys, arm) is not None
    assert bs.logrank_z_by_day(time, event, np.full_like(key, -1), n_keys, arm) is None
