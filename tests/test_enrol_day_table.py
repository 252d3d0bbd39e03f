"""The enrolment kernel's day lookup (a bucket table, then corrected) against numpy's
searchsorted: cum[d] <= arrival < cum[d + 1], on accrual curves built to be awkward (days of
no accrual, a slow ramp, arrivals exactly on a day's boundary, a single day)."""

import numpy as np
import pytest

from survtrial.trial.enrol_kernels import enrol_flow


def _reference(draws, cum):
    arrivals = np.cumsum(draws, axis=1)
    day = (np.searchsorted(cum, arrivals, side="right") - 1).astype(float)
    day[arrivals > cum[-1]] = np.inf
    return day


def _days(draws, cum):
    r, n = draws.shape
    out = enrol_flow(
        draws,
        cum,
        np.zeros((r, n), dtype=np.int64),
        np.full((r, n), -1, dtype=np.int64),
        10**9,
        np.array([0]),
        np.array([0.0]),
    )
    return out[0]


def _curves(rng):
    flat = np.cumsum(np.r_[0.0, np.full(400, 2.0)])  # uniform accrual, 2 a day
    ramp = np.cumsum(np.r_[0.0, np.linspace(1e-9, 3.0, 500) ** 3])  # from almost nothing
    pauses = np.r_[0.0, rng.exponential(1.0, 600) * (rng.random(600) < 0.6)]  # 40% closed days
    tiny = np.cumsum(np.r_[0.0, np.full(300, 1e-7), np.full(50, 5.0)])  # many buckets
    return {
        "flat": flat,
        "ramp": ramp,
        "pauses": np.cumsum(pauses),
        "tiny": tiny,
        "one day": np.array([0.0, 3.0]),
        "integers": np.cumsum(np.r_[0.0, rng.integers(0, 4, 300)]).astype(float),
    }


@pytest.mark.parametrize("name", ["flat", "ramp", "pauses", "tiny", "one day", "integers"])
def test_days_equal_searchsorted(name):
    rng = np.random.default_rng(20261126)
    cum = _curves(rng)[name]
    total = cum[-1]
    r, n = 6, 700
    draws = rng.exponential(total / n * 1.2, (r, n))
    # rows whose arrivals fall exactly on boundaries: differences of chosen cum values
    picks = np.sort(rng.choice(cum[1:], size=(2, n)), axis=1)
    draws[:2] = np.diff(np.c_[np.zeros(2), picks], axis=1)
    got = _days(draws, cum)
    np.testing.assert_array_equal(got, _reference(draws, cum))
    assert np.isfinite(got).any()


def test_bucket_count_is_bounded():
    cum = np.cumsum(np.r_[0.0, np.full(10, 1e-12), np.full(10, 1e6)])
    draws = np.full((1, 50), 4e5)
    np.testing.assert_array_equal(_days(draws, cum), _reference(draws, cum))
