"""Kaplan-Meier, log-rank, RMST and milestone survival against R survival.

Fixtures: tests/reference/make_reference.R (R survival 3.5-3), one JSON per data set. Every
estimate is compared at relative tolerance 1e-8: these are closed-form computations (sums and
products over risk sets), so the only differences from R are floating-point summation order,
far below 1e-8 relative; atol 1e-12 covers values that are exactly 0 in R.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from survtrial.stats import kaplan_meier, logrank, milestone_difference, rmst
from tests.helpers import as_array, assert_close, fixture_names, reference_data, reference_fixture

logrank_module = importlib.import_module("survtrial.stats.logrank")

NAMES = fixture_names("survival")
RTOL = 1e-8
ATOL = 1e-12  # values that are exactly 0 in R


def test_enough_reference_sets():
    assert len(NAMES) >= 20


def _curve_checks(km, ref, what):
    assert_close(km.time, ref["time"], RTOL, ATOL, what=f"{what} time")
    for ours, theirs in [
        (km.n_risk, "n_risk"),
        (km.n_event, "n_event"),
        (km.n_censor, "n_censor"),
        (km.survival, "surv"),
        (km.cumulative_hazard_std_err, "std_err_cumhaz"),
    ]:
        assert_close(ours, ref[theirs], RTOL, ATOL, what=f"{what} {theirs}")
    for method in ("log", "log-log", "plain"):
        ci = km.confidence_interval(0.95, method)
        assert_close(ci.low, ref[f"lower_{method}"], RTOL, ATOL, what=f"{what} lower {method}")
        assert_close(ci.high, ref[f"upper_{method}"], RTOL, ATOL, what=f"{what} upper {method}")


def _having(key: str) -> list[str]:
    """Sets whose fixture has ``key`` (R writes no full curve for n > 20,000, no stratified
    test for a single stratum, no milestone difference for three groups)."""
    return [n for n in NAMES if key in reference_fixture("survival", n)]


@pytest.mark.parametrize("name", _having("km_all"))
def test_kaplan_meier_curves(name):
    ref = reference_fixture("survival", name)
    df = reference_data(name)
    _curve_checks(kaplan_meier(df.time, df.status), ref["km_all"], f"{name} pooled")
    for label, curve in ref["km_by_group"].items():
        sub = df[df.group == label]
        _curve_checks(kaplan_meier(sub.time, sub.status), curve, f"{name} {label}")


@pytest.mark.parametrize("name", NAMES)
def test_kaplan_meier_at_times(name):
    """summary(survfit(...), times = grid, extend = TRUE): S(t), its SE and numbers at risk."""
    ref = reference_fixture("survival", name)
    df = reference_data(name)
    summ = ref["km_summary"]
    strata = np.atleast_1d(summ["strata"])
    for label in ref["groups"]:
        sel = strata == f"group={label}"
        sub = df[df.group == label]
        km = kaplan_meier(sub.time, sub.status)
        times = np.atleast_1d(summ["time"])[sel]
        assert_close(km.survival_at(times), np.array(summ["surv"])[sel], RTOL, ATOL, what="surv")
        assert_close(km.std_err_at(times), as_sel(summ["std_err"], sel), RTOL, ATOL, what="std.err")
        assert_close(km.n_risk_at(times), as_sel(summ["n_risk"], sel), RTOL, ATOL, what="n.risk")
    km = kaplan_meier(df.time, df.status)
    allref = ref["km_summary_all"]
    assert_close(km.survival_at(allref["time"]), allref["surv"], RTOL, ATOL, what="pooled surv")
    assert_close(km.std_err_at(allref["time"]), allref["std_err"], RTOL, ATOL, what="pooled se")


def as_sel(values, sel):
    return as_array(values)[sel]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("method", ["log", "log-log", "plain"])
def test_median_with_ci(name, method):
    ref = reference_fixture("survival", name)["median"][method]
    df = reference_data(name)
    got = []
    for label in reference_fixture("survival", name)["groups"]:
        sub = df[df.group == label]
        got.append(tuple(kaplan_meier(sub.time, sub.status).median(0.95, method)))
    got = np.array(got)
    assert_close(got[:, 0], ref["median"], RTOL, ATOL, what="median")
    assert_close(got[:, 1], ref["lower"], RTOL, ATOL, what="median lower")
    assert_close(got[:, 2], ref["upper"], RTOL, ATOL, what="median upper")


LOGRANK_CASES = [
    ("logrank", False, 0.0),
    ("logrank_rho1", False, 1.0),
    ("logrank_rho05", False, 0.5),
    ("logrank_strat", True, 0.0),
    ("logrank_strat_rho1", True, 1.0),
]


@pytest.mark.parametrize(
    ("name", "key", "stratified", "rho"),
    [(n, *case) for case in LOGRANK_CASES for n in _having(case[0])],
)
@pytest.mark.parametrize("path", ["one_pass", "per_stratum"])
def test_logrank(name, key, stratified, rho, path, monkeypatch):
    # both kernels (one argsort for small samples, per-stratum merges for large) on every set
    monkeypatch.setattr(logrank_module, "_ONE_PASS_MAX_ROWS", 10**12 if path == "one_pass" else 0)
    ref = reference_fixture("survival", name)[key]
    df = reference_data(name)
    res = logrank(df.time, df.status, df.group, df.strata if stratified else None, rho=rho)
    assert_close(res.statistic, ref["chisq"], RTOL, atol=1e-10, what="chisq")
    assert res.df == ref["df"]
    assert_close(res.pvalue, ref["pvalue"], 1e-7, atol=1e-14, what="p")
    assert_close(res.observed, ref["observed"], RTOL, ATOL, what="observed")
    assert_close(res.expected, ref["expected"], RTOL, ATOL, what="expected")
    assert_close(res.variance.ravel(), np.array(ref["var"], dtype=float).ravel(), RTOL, 1e-10)
    if res.groups.shape[0] == 2 and res.variance[1, 1] > 0:
        assert res.z**2 == pytest.approx(res.statistic, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_rmst(name):
    ref = reference_fixture("survival", name)
    df = reference_data(name)
    for entry in ref["rmst"]:
        res = rmst(df.time, df.status, df.group, entry["tau"])
        assert_close(res.rmst, entry["rmean"], RTOL, ATOL, what="rmean")
        assert_close(res.std_err, entry["se"], RTOL, ATOL, what="se(rmean)")
        if "difference" in entry:
            assert_close(res.difference, entry["difference"], RTOL, atol=1e-10)
            assert_close(res.difference_std_err, entry["difference_se"], RTOL, ATOL)
            assert_close(
                tuple(res.difference_confidence_interval()), entry["difference_ci"], RTOL, ATOL
            )
            assert_close(res.difference_pvalue, entry["difference_p"], 1e-7, atol=1e-14)
            assert_close(res.ratio, entry["ratio"], RTOL, ATOL)
            assert_close(tuple(res.ratio_confidence_interval()), entry["ratio_ci"], RTOL, ATOL)
            assert_close(res.ratio_pvalue, entry["ratio_p"], 1e-7, atol=1e-14)


@pytest.mark.parametrize("name", _having("milestone"))
def test_milestone(name):
    ref = reference_fixture("survival", name)["milestone"]
    df = reference_data(name)
    res = milestone_difference(df.time, df.status, df.group, ref["time"])
    assert_close(res.survival, ref["surv"], RTOL, ATOL)
    assert_close(res.std_err, ref["std_err"], RTOL, ATOL)
    assert_close(res.difference, ref["difference"], RTOL, atol=1e-12)
    assert_close(res.difference_std_err, ref["difference_se"], RTOL, ATOL)
