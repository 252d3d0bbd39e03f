"""Operating characteristics accumulate chunk by chunk in memory that does not grow with the
replicates (simulate.characteristics.RunningCharacteristics): the same numbers, bit for bit,
whatever the chunks; the median hazard ratio exact up to EXACT_MEDIAN_VALUES replicates a
scenario and within a relative LOG_STEP of it past that."""

from __future__ import annotations

import math

import numpy as np
import pytest

import survtrial.simulate.characteristics as ch
from survtrial.protocol import builtin_text
from survtrial.simulate import simulate
from survtrial.simulate.characteristics import (
    RunningCharacteristics,
    characteristics,
    mean,
    median,
)
from survtrial.simulate.chunk import ChunkResult

TWO_ARM = builtin_text("two_arm_example")


def _rows(res: ChunkResult, a: int, b: int) -> ChunkResult:
    return ChunkResult(**{f: getattr(res, f)[a:b] for f in ChunkResult.__dataclass_fields__})


@pytest.fixture(scope="module")
def kept():
    sim = simulate(TWO_ARM, "t.toml", "t", replicates=500, seed=5)
    s = sim.scenarios[0]
    return s, [lk.name for lk in s.protocol.monitoring.looks]


@pytest.mark.parametrize("cuts", [[1], [64, 128, 499], [7, 8, 300], list(range(1, 500, 37))])
def test_the_same_bits_whatever_the_chunks(kept, cuts):
    s, looks = kept
    res = s.replicates
    running = RunningCharacteristics(len(looks))
    for a, b in zip([0, *cuts], [*cuts, res.replicate.size], strict=True):
        running.add(_rows(res, a, b))
    assert running.result({}, looks) == characteristics({}, looks, res) == s.characteristics


def test_against_numpy_on_the_whole_arrays(kept):
    """Sequential shifted sums against numpy's pairwise mean and two-pass SD: the same to
    1e-12 relative (they differ only in rounding)."""
    s, _ = kept
    res, c = s.replicates, s.characteristics
    r = np.arange(res.replicate.size)
    hr = res.hazard_ratio[r, res.stop_look]
    assert c.hazard_ratio_at_stop_mean.estimate == pytest.approx(np.mean(hr), rel=1e-12)
    se = np.std(hr, ddof=1) / math.sqrt(hr.size)
    assert c.hazard_ratio_at_stop_mean.mc_se == pytest.approx(se, rel=1e-12)
    assert c.hazard_ratio_at_stop_median.estimate == np.median(hr)
    assert c.expected_events.estimate == pytest.approx(np.mean(res.stop_events), rel=1e-12)
    held = res.stop_look >= 1
    years = res.look_day[held, 1] / 365.25
    assert c.by_look[1].analysis_time_years.estimate == pytest.approx(np.mean(years), rel=1e-12)
    assert c.by_look[1].reached.estimate == np.mean(held)


def test_mean_and_median_of_hand_values():
    v = np.array([1.0, 2.0, 4.0, np.nan])
    assert mean(v).estimate == pytest.approx(7 / 3)
    assert mean(v).mc_se == pytest.approx(np.std([1, 2, 4], ddof=1) / math.sqrt(3))
    assert median(v).estimate == 2.0
    assert mean(np.array([np.inf])) == ch.Estimate(None, None)


def test_the_median_past_the_exact_limit_is_within_a_grid_step(monkeypatch):
    """Past EXACT_MEDIAN_VALUES the values are counted on the log grid, and no longer kept:
    the median is then within a relative LOG_STEP (3.05e-5) of the exact one, for odd and
    even counts."""
    monkeypatch.setattr(ch, "EXACT_MEDIAN_VALUES", 1000)
    rng = np.random.default_rng(1)
    for n in (4001, 4000):
        values = np.exp(rng.normal(-0.3, 0.2, n))
        m, med = ch._Moments(), ch._Median()
        for part in np.array_split(values, 9):
            m.add(part)
            med.add(part)
        assert med.counts is not None and med.values == []
        assert med.counts.sum() == n
        exact = float(np.median(values))
        assert abs(med.estimate(m).estimate / exact - 1) <= ch.LOG_STEP
