"""Vectorized kernels against survtrial.stats (independent implementations), trial by trial."""

from __future__ import annotations

import numpy as np
import pytest

from survtrial.stats import batch as bs
from survtrial.stats import kaplan_meier, logrank, rmst
from survtrial.stats.cox import cox

R, N = 5, 240


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(20240630)
    time = np.ceil(rng.exponential(300, (R, N)))  # whole days: many ties
    cause = np.where(rng.random((R, N)) < 0.6, rng.integers(1, 3, (R, N)), 0)
    arm = rng.integers(0, 2, (R, N))
    stratum = rng.integers(0, 2, (R, N))
    key = np.where(rng.random((R, N)) < 0.9, stratum, -1)
    return time, cause, (cause > 0).astype(int), arm, stratum, key


def test_kaplan_meier(data):
    time, _, ev, arm, stratum, key = data
    runs = bs.build_runs(time, ev, np.where(key >= 0, arm * 2 + stratum, -1), 4)
    for t in (0.0, 57.0, 200.0, 650.0, 1e4):
        s, se, nr = bs.km_at(runs, t)
        for r in range(R):
            for g in range(4):
                m = (key[r] >= 0) & (arm[r] * 2 + stratum[r] == g)
                km = kaplan_meier(time[r][m], ev[r][m])
                # products are taken as sums of logs: agreement to rounding (~1e-12)
                assert s[r, g] == pytest.approx(km.survival_at(t)[0], abs=1e-10)
                if km.survival_at(t)[0] > 0:
                    assert se[r, g] == pytest.approx(km.std_err_at(t)[0], abs=1e-10)
                assert nr[r, g] == km.n_risk_at(t)[0]


def test_kaplan_meier_on_a_grid(data):
    """km_on_grid (one cumulative sum for every grid time, the figure's curves) equals km_at
    at each time exactly and survtrial.stats' Kaplan-Meier to rounding, beyond the last time of
    the whole batch too (5000 days: km_at gave 1 there before)."""
    time, _, ev, arm, stratum, key = data
    runs = bs.build_runs(time, ev, np.where(key >= 0, arm * 2 + stratum, -1), 4)
    grid = np.array([0.0, 1.0, 57.0, 57.5, 200.0, 650.0, 5000.0])
    curves = bs.km_on_grid(runs, grid)
    assert curves.shape == (R, 4, grid.size)
    for g, t in enumerate(grid):
        np.testing.assert_array_equal(curves[..., g], bs.km_at(runs, t)[0])
    m = (key[0] >= 0) & (arm[0] * 2 + stratum[0] == 3)
    km = kaplan_meier(time[0][m], ev[0][m])
    np.testing.assert_allclose(curves[0, 3], km.survival_at(grid), rtol=0, atol=1e-10)


def test_stratified_logrank_and_cox(data):
    time, _, ev, arm, stratum, key = data
    runs = bs.build_runs(time, ev, key, 2, arm=arm)
    z, _, _ = bs.logrank_z(runs)
    beta, se = bs.cox_binary(runs)
    for r in range(R):
        m = key[r] >= 0
        lr = logrank(time[r][m], ev[r][m], arm[r][m], strata=stratum[r][m])
        assert z[r] == pytest.approx(lr.z, abs=1e-10)
        for s in (0, 1):
            ms = m & (stratum[r] == s)
            c = cox(time[r][ms], ev[r][ms], arm[r][ms].astype(float))
            assert beta[r, s] == pytest.approx(float(np.ravel(c.coef)[0]), abs=1e-7)
            assert se[r, s] == pytest.approx(float(np.ravel(c.std_err)[0]), abs=1e-7)


def test_rmst_cif_and_median(data):
    time, cause, ev, arm, _, key = data
    keya = np.where(key >= 0, arm, -1)
    runs = bs.build_runs(time, ev, keya, 2)
    area, se = bs.rmst_at(runs, np.full((R, 1), 500.0))
    runs_c = bs.build_runs(time, cause, keya, 2, n_causes=2)
    cif = bs.cumulative_incidence_at(runs_c, 400.0, 1)
    med = bs.km_median(runs)
    competing = pytest.importorskip("survtrial.stats.competing")
    for r in range(R):
        m = key[r] >= 0
        ref = rmst(time[r][m], ev[r][m], arm[r][m], 500.0)
        np.testing.assert_allclose(area[r], ref.rmst, atol=1e-9)
        np.testing.assert_allclose(se[r], ref.std_err, atol=1e-9)
        ci = competing.cumulative_incidence(time[r][m], cause[r][m], group=arm[r][m])
        for g in (0, 1):
            assert cif[r, g] == pytest.approx(ci.curves[(1, g)].estimate_at(400.0)[0], abs=1e-10)
            km = kaplan_meier(time[r][m & (arm[r] == g)], ev[r][m & (arm[r] == g)])
            assert med[r, g] == km.median().estimate


def test_segment_time_order_is_lexsorts():
    """The integer-key sort of whole-day times gives lexsort's order exactly (ties by index);
    other times take lexsort itself."""
    rng = np.random.default_rng(5)
    seg = rng.integers(0, 40, 5000)
    days = np.ceil(rng.exponential(200, 5000))  # many ties
    for t in (days, days + rng.random(5000) / 3):
        scale = float(t.max()) + 2.0
        np.testing.assert_array_equal(
            bs._segment_time_order(seg, t, scale), np.lexsort((t, seg))
        )
