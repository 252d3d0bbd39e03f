"""Cox proportional hazards (survtrial.stats.cox) against R's coxph, by hand, and on bad input.

Fixtures: tests/reference/make_cox_reference.R (R survival 3.5-3), one JSON per reference data
set, read together with the data CSVs; R is not needed to run these tests.

Tolerance: relative 1e-6 (atol 1e-12 for values that are 0 in R, and for a log-likelihood
that is ~1e-8 in a diverging fit). The fits are iterative: R stops once the log-likelihood
changes by a relative 1e-9, so its coefficients carry an iteration error of order 1e-5 relative
to the true maximum; matching R rather than the maximum is possible only because cox() takes
exactly R's Newton steps (same start, same step halving, same stopping rule, same iteration
count, which is checked exactly). What remains is floating-point summation order: ~1e-12
relative on ordinary fits, up to ~3e-7 on the four degenerate fits where a coefficient runs
to infinity (information ~1e-9 computed with cancellation). 1e-6 is above both and far below
anything a real discrepancy (a wrong tie rule, risk set or step) produces.

The exception are the fits R itself warns about (single_event: 1 event; tiny_five x1 + x2;
all_censored_group by group, where one group has no events): the likelihood is flat in some
direction, so rounding at 1e-16 moves the iterates by up to ~1e-6 (a coefficient that R leaves
at 1.3e-7 is 5.3e-7 here). Those are compared at rtol 1e-5 / atol 1e-6, and must still give
R's iteration count and R's warning.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import re
import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from survtrial import InputError
from survtrial.stats.cox import ConvergenceWarning, cox
from tests.helpers import (
    as_array,
    assert_close,
    fixture_names,
    reference_data,
    reference_fixture,
)

RTOL = 1e-6
ATOL = 1e-12
# fits that R itself flags (a coefficient running to infinity, or no convergence): see above
DEGENERATE_RTOL = 1e-5
DEGENERATE_ATOL = 1e-6
NAMES = [name for name in fixture_names("cox") if name != "step_halving"]
HALVING = reference_fixture("cox", "step_halving")["sets"]


def _listify(v):
    return [v] if isinstance(v, str) else list(v)


def _cases(na: bool) -> list[tuple[str, str]]:
    """(set, fit) pairs; ``na``: the fits where R reports an NA coefficient."""
    return [
        (name, key)
        for name in NAMES
        for key, fit in reference_fixture("cox", name)["fits"].items()
        if bool(_listify(fit["na_covariates"])) == na
    ]


CASES = _cases(na=False)
NA_CASES = _cases(na=True)


def _inputs(name: str, fit: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The data set and the covariates of one fixture fit (factor levels as R coded them)."""
    df = reference_data(name)
    levels = _listify(reference_fixture("cox", name)["group_levels"])
    cols = {}
    for c in _listify(fit["covariates"]):
        if c.startswith("group"):
            level = c[len("group") :]
            assert level in levels[1:], c
            cols[c] = (df["group"].astype(str) == level).astype(float)
        else:
            cols[c] = df[c].astype(float)
    return df, pd.DataFrame(cols)


def _tolerances(ref: dict) -> tuple[float, float]:
    return (DEGENERATE_RTOL, DEGENERATE_ATOL) if _listify(ref["warnings"]) else (RTOL, ATOL)


def _fit(name: str, key: str):
    fit = reference_fixture("cox", name)["fits"][key]
    df, x = _inputs(name, fit)
    kwargs = dict(
        strata=df["strata"].to_numpy() if fit["strata"] else None,
        ties=fit["ties"],
        robust=bool(fit["robust"]),
        cluster=df["strata"].to_numpy() if fit["cluster"] else None,
    )
    r_warnings = _listify(fit["warnings"])
    if r_warnings:
        with pytest.warns(ConvergenceWarning) as record:
            res = cox(df["time"], df["status"], x, **kwargs)
        ours = " ".join(str(w.message) for w in record)
        for msg in r_warnings:
            if "Ran out of iterations" in msg:
                assert "ran out of iterations" in ours
            if "may be infinite" in msg:
                for idx in re.findall(r"\d+", msg.split(";")[0]):
                    assert repr(res.covariate_names[int(idx) - 1]) in ours
    else:
        res = cox(df["time"], df["status"], x, **kwargs)  # warnings are errors in pytest.ini
    return res, fit


def test_enough_reference_fits():
    assert len(NAMES) >= 20
    assert len(CASES) >= 100
    assert NA_CASES  # at least one fit where R reports an NA coefficient
    keys = {key for _, key in CASES}
    assert {"x1x2_efron", "x1x2_breslow", "group_efron", "x1_strata_efron"} <= keys
    assert any("robust" in k for k in keys) and any("cluster" in k for k in keys)


@pytest.mark.parametrize(("name", "key"), CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_against_r_coxph(name, key):
    res, ref = _fit(name, key)
    p = len(_listify(ref["covariates"]))
    what = f"{name} {key}"
    rtol, atol = _tolerances(ref)
    assert res.covariate_names == tuple(_listify(ref["covariates"]))
    assert res.iterations == ref["iter"], what
    assert res.converged == (ref["iter"] <= 20)
    assert res.n == ref["n"] and res.n_events == ref["nevent"]
    assert_close(res.coef, ref["coef"], rtol, atol, what=f"{what} coef")
    assert_close(res.variance.ravel(), np.ravel(ref["var"]), rtol, atol, what=f"{what} var")
    assert_close(res.loglik, ref["loglik"], rtol, atol, what=f"{what} loglik")
    assert_close(res.score_statistic, ref["score"], rtol, atol, what=f"{what} score")
    assert_close(res.wald_statistic, ref["wald_test"], rtol, atol, what=f"{what} wald")
    assert_close(res.z, ref["z"], rtol, atol, what=f"{what} z")
    assert_close(res.pvalue, ref["pz"], rtol, atol, what=f"{what} Pr(>|z|)")
    for test, theirs in [
        (res.likelihood_ratio_test, "logtest"),
        (res.score_test, "sctest"),
        (res.wald_test, "waldtest"),
    ]:
        stat, df_, pvalue = as_array(ref[theirs])
        assert test.df == df_ == p
        assert_close(test.statistic, stat, rtol, atol, what=f"{what} {theirs}")
        assert_close(test.pvalue, pvalue, rtol, atol, what=f"{what} {theirs} p")
    for level, low, high in [(0.95, "conf_low", "conf_high"), (0.9, "conf90_low", "conf90_high")]:
        ci = res.confidence_interval(level)
        assert_close(ci.low, ref[low], rtol, atol, what=f"{what} {low}")
        assert_close(ci.high, ref[high], rtol, atol, what=f"{what} {high}")
    if ref["robust"] or ref["cluster"]:
        assert res.robust
        assert_close(
            res.naive_variance.ravel(), np.ravel(ref["naive_var"]), rtol, atol, what=f"{what} nv"
        )
        stat, _, pvalue = as_array(ref["robscore"])
        assert_close(res.robust_score_test.statistic, stat, rtol, atol, what=f"{what} rscore")
        assert_close(res.robust_score_test.pvalue, pvalue, rtol, atol, what=f"{what} rscore p")
    else:
        assert res.naive_variance is None and res.robust_score_test is None


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("index", range(len(HALVING)), ids=[str(s["seed"]) for s in HALVING])
def test_step_halving_path_against_r(index, ties):
    # R's fit with iter.max = 0, 1, 2, ...: each returns the last accepted beta, so the whole
    # Newton path, with its repeated step halvings, must be R's (see make_cox_reference.R)
    data = HALVING[index]
    ref = data["fits"][ties]
    time, status, x = (np.asarray(data[k], dtype=float) for k in ("time", "status", "x"))
    res = cox(time, status, x, ties=ties)
    assert res.iterations == ref["iter"] and res.converged
    assert_close(res.coef, ref["coef"], RTOL, ATOL, what="coef")
    assert_close(res.variance.ravel(), np.ravel(ref["var"]), RTOL, ATOL, what="var")
    assert_close(res.loglik, ref["loglik"], RTOL, ATOL, what="loglik")
    assert_close(res.score_statistic, ref["score"], RTOL, ATOL, what="score")
    assert_close(res.wald_statistic, ref["wald_test"], RTOL, ATOL, what="wald")
    moved = [step["coef"] for step in ref["path"]]
    assert len(set(moved)) < len(moved) - 1  # some steps were rejected (halving)
    for step in ref["path"]:
        k = step["iter_max"]
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            res_k = cox(time, status, x, ties=ties, max_iterations=k)
        assert bool(record) == bool(_listify(step["warnings"])), k
        assert res_k.iterations == step["iter"], k
        assert_close(res_k.coef, step["coef"], RTOL, ATOL, what=f"coef at iter.max={k}")
        assert_close(res_k.loglik, step["loglik"], RTOL, ATOL, what=f"loglik at iter.max={k}")
        assert_close(
            res_k.variance.ravel(), np.ravel(step["var"]), RTOL, ATOL, what=f"var iter.max={k}"
        )


STRATA_CASES = [(n, k) for n, k in CASES if "strata" in k]


@pytest.mark.parametrize(("name", "key"), STRATA_CASES, ids=[f"{n}-{k}" for n, k in STRATA_CASES])
def test_many_strata_code_path_against_r(name, key, monkeypatch):
    # beyond MAX_BLOCK_STRATA strata the sums run over all strata at once and the sum before
    # each stratum is subtracted; force that path on the stratified fixture fits
    # the module, not the function that survtrial.stats exports under the same name
    cox_module = importlib.import_module("survtrial.stats._cox_kernel")
    monkeypatch.setattr(cox_module, "MAX_BLOCK_STRATA", 1)
    res, ref = _fit(name, key)
    rtol, atol = _tolerances(ref)
    assert res.iterations == ref["iter"]
    assert_close(res.coef, ref["coef"], rtol, atol, what="coef")
    assert_close(res.variance.ravel(), np.ravel(ref["var"]), rtol, atol, what="var")
    assert_close(res.loglik, ref["loglik"], rtol, atol, what="loglik")


@pytest.mark.parametrize(("name", "key"), NA_CASES, ids=[f"{n}-{k}" for n, k in NA_CASES])
def test_singular_where_r_gives_na(name, key):
    # e.g. lung: x2 (ph.ecog) is also the stratum, so it is constant within every stratum
    fit = reference_fixture("cox", name)["fits"][key]
    names = "|".join(repr(c) for c in _listify(fit["na_covariates"]))
    with pytest.raises(InputError, match=rf"singular at column ({names})"):
        _fit(name, key)


@pytest.mark.parametrize("name", ["freireich", "aml"])
def test_constant_x2_sets_raise_where_r_gives_na(name):
    # x2 is 0 for everyone in these sets; coxph reports its coefficient as NA
    assert reference_fixture("cox", name)["x2_constant"]
    df = reference_data(name)
    with pytest.raises(InputError, match=r"'x2' is constant"):
        cox(df["time"], df["status"], df[["x1", "x2"]])


# --- a hand-worked example ----------------------------------------------------------------------
# times 1, 2, 2, 3+, 4 with x = 1, 0, 1, 0, 1 (3+ censored). At beta = 0 every r = 1:
#   t=1: 5 at risk, 3 with x=1, 1 event (x=1)
#   t=2: 4 at risk, 2 with x=1, 2 events (x=0 and x=1)
#   t=4: 1 at risk, 1 with x=1, 1 event (x=1)
# Breslow: U(0) = sum over events (x - mean at risk), I(0) = sum d m (1 - m) (x is 0/1),
# log L(0) = -sum d log(n at risk).
HAND_T = [1, 2, 2, 3, 4]
HAND_E = [1, 1, 1, 0, 1]
HAND_X = [1, 0, 1, 0, 1]
HAND_RISK = [(5, 3, 1), (4, 2, 2), (1, 1, 1)]  # (at risk, with x = 1, events)


def _hand_u0_i0():
    u0 = Fraction(sum(x for x, e in zip(HAND_X, HAND_E, strict=True) if e))
    i0 = Fraction(0)
    for n_risk, n_one, d in HAND_RISK:
        m = Fraction(n_one, n_risk)
        u0 -= d * m
        i0 += d * m * (1 - m)
    return u0, i0


def test_hand_fractions():
    u0, i0 = _hand_u0_i0()
    assert u0 == Fraction(2, 5)
    assert i0 == Fraction(37, 50)


def test_hand_breslow_one_step_and_score():
    u0, i0 = _hand_u0_i0()
    res = cox(HAND_T, HAND_E, HAND_X, ties="breslow", max_iterations=1)
    # one Newton step from 0: beta_1 = U(0) / I(0) = 20/37; score test U(0)^2 / I(0) = 8/37
    assert res.coef[0] == pytest.approx(float(u0 / i0), rel=1e-14)
    assert float(u0 / i0) == pytest.approx(20 / 37, rel=1e-15)
    assert res.score_statistic == pytest.approx(float(u0 * u0 / i0), rel=1e-14)
    assert res.loglik[0] == pytest.approx(-math.log(5 * 4 * 4 * 1), rel=1e-14)
    # R's coxph(iter.max = 1): not converged, iter = 2, no warning (R warns only if iter.max > 1)
    assert not res.converged and res.iterations == 2
    # the variance returned is I(beta_1)^-1, I(b) = sum d m(1 - m), m = n1 e^b / (n0 + n1 e^b)
    eb = math.exp(20 / 37)
    info = sum(d * (k * eb) * (n - k) / (n - k + k * eb) ** 2 for n, k, d in HAND_RISK)
    assert res.variance[0, 0] == pytest.approx(1 / info, rel=1e-13)


def test_hand_breslow_zero_iterations_and_mle():
    _, i0 = _hand_u0_i0()
    res0 = cox(HAND_T, HAND_E, HAND_X, ties="breslow", max_iterations=0)
    assert res0.coef[0] == 0 and res0.iterations == 0
    assert res0.variance[0, 0] == pytest.approx(float(1 / i0), rel=1e-14)  # 50/37
    assert res0.loglik[0] == res0.loglik[1]
    # the maximum: U(b) = 2 - 3e/(3e + 2) - 2e/(e + 1) = 0  <=>  3e^2 - 3e - 4 = 0, e = e^b
    res = cox(HAND_T, HAND_E, HAND_X, ties="breslow")
    e = (3 + math.sqrt(57)) / 6
    assert res.converged
    assert res.coef[0] == pytest.approx(math.log(e), rel=1e-8)  # iteration error only
    info = 6 * e / (3 * e + 2) ** 2 + 2 * e / (e + 1) ** 2
    assert res.variance[0, 0] == pytest.approx(1 / info, rel=1e-7)
    loglik = 2 * math.log(e) - math.log(3 * e + 2) - 2 * math.log(2 * e + 2)
    assert res.loglik[1] == pytest.approx(loglik, rel=1e-12)
    lr, p = res.likelihood_ratio_test
    assert lr == pytest.approx(2 * (loglik + math.log(80)), rel=1e-10)
    assert p == pytest.approx(math.erfc(math.sqrt(lr / 2)), rel=1e-10)  # chi-square, 1 df


def test_hand_efron_loglik_at_zero():
    # Efron splits the two tied events at t=2: denominators 4 and 4 - 2/2 = 3
    res = cox(HAND_T, HAND_E, HAND_X, ties="efron", max_iterations=1)
    assert res.loglik[0] == pytest.approx(-math.log(5 * 4 * 3 * 1), rel=1e-14)
    # at beta = 0 both Efron terms have mean 1/2 and variance 1/4: same U(0), I(0) as Breslow
    assert res.coef[0] == pytest.approx(20 / 37, rel=1e-14)


# --- behaviour ------------------------------------------------------------------------------------


def _sim(n=400, seed=1, ties=None):
    rng = np.random.default_rng(seed)
    x1 = rng.standard_normal(n)
    trt = rng.integers(0, 2, n).astype(float)
    st = rng.integers(0, 3, n)
    t = rng.exponential(1 / np.exp(0.4 * x1 - 0.5 * trt + 0.3 * st))
    c = rng.exponential(1.5, n)
    time = np.minimum(t, c)
    if ties:
        time = np.ceil(time / ties) * ties
    return time, (t <= c).astype(int), x1, trt, st


def _same(a, b, rtol=1e-10):
    np.testing.assert_allclose(a.coef, b.coef, rtol=rtol)
    np.testing.assert_allclose(a.variance, b.variance, rtol=rtol)
    np.testing.assert_allclose(a.loglik, b.loglik, rtol=rtol)
    assert a.iterations == b.iterations


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_row_order_does_not_matter(ties):
    time, ev, x1, trt, st = _sim(ties=0.1)
    perm = np.random.default_rng(7).permutation(time.shape[0])
    x = np.column_stack([x1, trt])
    a = cox(time, ev, x, strata=st, ties=ties, robust=True)
    b = cox(time[perm], ev[perm], x[perm], strata=st[perm], ties=ties, robust=True)
    _same(a, b)
    np.testing.assert_allclose(a.naive_variance, b.naive_variance, rtol=1e-10)


def test_binary_kernel_agrees_with_general_kernel():
    # a 0/1 covariate takes the covariate-pattern kernel; coded 0/2 it is centred and scaled
    # and goes through the general one: the coefficient halves, the rest is the same
    time, ev, _, trt, st = _sim(ties=0.05)
    for ties in ("efron", "breslow"):
        a = cox(time, ev, trt, strata=st, ties=ties, robust=True)
        b = cox(time, ev, 2 * trt, strata=st, ties=ties, robust=True)
        np.testing.assert_allclose(a.coef, 2 * b.coef, rtol=1e-10)
        np.testing.assert_allclose(a.variance, 4 * b.variance, rtol=1e-10)
        np.testing.assert_allclose(a.loglik, b.loglik, rtol=1e-12)
        np.testing.assert_allclose(a.score_statistic, b.score_statistic, rtol=1e-10)
        np.testing.assert_allclose(a.robust_score_statistic, b.robust_score_statistic, rtol=1e-10)


def test_efron_equals_breslow_without_tied_events():
    time, ev, x1, *_ = _sim()
    assert np.unique(time[ev == 1]).shape[0] == ev.sum()
    _same(cox(time, ev, x1, ties="efron"), cox(time, ev, x1, ties="breslow"), rtol=1e-13)


def test_ties_make_efron_differ_from_breslow():
    time, ev, x1, *_ = _sim(ties=0.25)
    a, b = cox(time, ev, x1, ties="efron"), cox(time, ev, x1, ties="breslow")
    assert abs(a.coef[0] - b.coef[0]) > 1e-4


def test_cluster_of_singletons_is_plain_robust():
    time, ev, x1, trt, st = _sim(ties=0.1)
    a = cox(time, ev, np.column_stack([x1, trt]), strata=st, robust=True)
    b = cox(time, ev, np.column_stack([x1, trt]), strata=st, cluster=np.arange(time.shape[0]))
    _same(a, b, rtol=1e-12)
    assert b.robust


def test_strata_labels_any_type():
    time, ev, x1, _, st = _sim()
    a = cox(time, ev, x1, strata=st)
    b = cox(time, ev, x1, strata=np.array(["s" + str(s) for s in st]))
    _same(a, b, rtol=1e-13)
    assert a.n_strata == 3
    assert cox(time, ev, x1, strata=np.zeros(time.shape[0])).coef == pytest.approx(
        cox(time, ev, x1).coef, rel=1e-13
    )


def test_covariate_forms_and_names():
    time, ev, x1, trt, _ = _sim()
    assert cox(time, ev, x1).covariate_names == ("x",)
    assert cox(time, ev, np.column_stack([x1, trt])).covariate_names == ("x1", "x2")
    df = pd.DataFrame({"age": x1, "arm": trt})
    kept = (time.copy(), ev.copy(), df.copy())
    res = cox(time, ev, df, robust=True)
    np.testing.assert_array_equal(time, kept[0])  # inputs are not modified
    np.testing.assert_array_equal(ev, kept[1])
    pd.testing.assert_frame_equal(df, kept[2])
    res = cox(time, ev, df)
    assert res.covariate_names == ("age", "arm")
    assert cox(time, ev, df["arm"]).covariate_names == ("arm",)
    _same(res, cox(list(time), list(ev), np.column_stack([x1, trt])), rtol=1e-14)
    assert cox(time, ev.astype(bool), trt).coef == pytest.approx(cox(time, ev, trt).coef)


def test_rescaling_a_covariate_rescales_its_coefficient():
    time, ev, x1, trt, st = _sim()
    a = cox(time, ev, np.column_stack([x1, trt]), strata=st)
    b = cox(time, ev, np.column_stack([10 * x1 + 3, trt]), strata=st)
    np.testing.assert_allclose(a.coef, b.coef * [10, 1], rtol=1e-9)
    np.testing.assert_allclose(a.loglik, b.loglik, rtol=1e-12)
    assert a.wald_statistic == pytest.approx(b.wald_statistic, rel=1e-9)


def test_result_object():
    time, ev, x1, trt, _ = _sim()
    res = cox(time, ev, np.column_stack([x1, trt]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.coef = np.zeros(2)
    with pytest.raises(ValueError):
        res.coef[0] = 1.0
    np.testing.assert_allclose(res.hazard_ratio, np.exp(res.coef))
    np.testing.assert_allclose(res.std_err, np.sqrt(np.diag(res.variance)))
    stat, p = res.wald_test
    assert res.wald_test.df == 2 and 0 <= p <= 1 and stat > 0
    low, high = res.confidence_interval(0.9)
    assert np.all(low < res.hazard_ratio) and np.all(res.hazard_ratio < high)
    assert res.confidence_interval().confidence_level == 0.95
    with pytest.raises(InputError, match="confidence_level"):
        res.confidence_interval(1.5)
    assert res.pvalue.shape == (2,)


def test_large_sample_sort_matches_lexsort():
    # the packed-key sort (stratum, time bits, index) must order exactly like a stable lexsort,
    # including times that agree in all but their last bits
    from survtrial.stats._cox_fit import sort_order as _sort_order

    rng = np.random.default_rng(11)
    n = 300_000
    base = rng.exponential(5.0, n // 2)
    t = np.concatenate([base, base * (1 + rng.integers(-2, 3, n // 2) * 2e-16)])
    t[::7] = np.round(t[::7], 1)
    codes = rng.integers(0, 5, n)
    counts = np.bincount(codes)
    order, ts = _sort_order(t, codes, counts)
    ref = np.lexsort((t, codes))
    np.testing.assert_array_equal(order, ref)
    np.testing.assert_array_equal(ts, t[ref])
    order1, _ = _sort_order(t, None, None)
    np.testing.assert_array_equal(order1, np.argsort(t, kind="stable"))


def test_non_convergence_warns():
    # one event, at the largest x: the likelihood increases without bound in beta
    time = np.arange(1.0, 11.0)
    ev = np.zeros(10, dtype=int)
    ev[0] = 1
    x = np.linspace(0, 1, 10)[::-1].copy()
    with pytest.warns(ConvergenceWarning, match="infinite|iterations"):
        res = cox(time, ev, x)
    assert res.coef[0] > 5


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_monotone_likelihood_against_r(ties):
    """Issue 8, defect 9: a coefficient running to -infinity (make_cox_monotone_reference.R).

    With group 1 as the reference, R stops after 2 iterations at about -47 and warns "Loglik
    converged before variable 1; coefficient may be infinite"; survtrial used to cancel the
    tiny information (~1.7e-19) to 0 and raise "singular". Tolerance RTOL (1e-6) on every
    number (the agreement is ~1e-14 on coef and score, ~5e-13 on the variance 5.7e18, which
    is 1 / information). With group 0 as the reference the first Newton step lands where the
    information is exactly 0 in double precision: R reports NA, survtrial the InputError.
    """
    data = reference_fixture("cox_monotone", "monotone")
    time, status, group = (np.asarray(data[k], dtype=float) for k in ("time", "status", "group"))
    ref = data["fits"][f"reference_group1_{ties}"]
    assert ref["x"] == "1 - group" and not ref["coef_is_na"]
    (r_warning,) = _listify(ref["warnings"])
    r_warning = re.sub(r"\s+", " ", r_warning).replace(" ;", ";").strip()
    with pytest.warns(ConvergenceWarning) as record:
        res = cox(time, status, 1 - group, ties=ties)
    assert len(record) == 1 and r_warning in str(record[0].message)
    assert r_warning == "Loglik converged before variable 1; coefficient may be infinite."
    assert res.converged and res.iterations == ref["iter"]
    assert_close(res.coef, ref["coef"], RTOL, ATOL, what="coef")
    assert_close(res.variance.ravel(), np.ravel(ref["var"]), RTOL, ATOL, what="var")
    assert_close(res.loglik, ref["loglik"], RTOL, ATOL, what="loglik")
    assert_close(res.score_statistic, ref["score"], RTOL, ATOL, what="score")

    ref_na = data["fits"][f"reference_group0_{ties}"]
    assert ref_na["x"] == "group" and ref_na["coef_is_na"] and ref_na["iter"] == 2
    with pytest.raises(InputError, match=r"column 'x'.*R reports NA"):
        cox(time, status, group, ties=ties)


def test_no_warning_on_ordinary_fit():
    time, ev, x1, *_ = _sim()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cox(time, ev, x1).converged


# --- bad input ------------------------------------------------------------------------------------

T5 = [1.0, 2.0, 3.0, 4.0, 5.0]
E5 = [1, 0, 1, 1, 0]
X5 = [0.5, -1.0, 0.2, 1.3, -0.4]


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        (dict(time=[1.0, np.nan, 3, 4, 5]), r"time.*index 1"),
        (dict(time=[1.0, 2, -3, 4, 5]), r"time.*index 2.*negative"),
        (dict(time=[1.0, 2, 3, np.inf, 5]), r"time.*index 3"),
        (dict(event=[1, 0, 2, 1, 0]), r"event.*index 2"),
        (dict(event=[1, 0, 1]), r"event.*3 values"),
        (dict(event=[0, 0, 0, 0, 0]), r"event.*no events"),
        (dict(covariates=[0.5, 1.0, np.nan, 2.0, 1.0]), r"'x'.*index 2"),
        (dict(covariates=[0.5, 1.0, 2.0]), r"covariates.*3 values"),
        (dict(covariates=np.ones((4, 2))), r"covariates.*4 rows"),
        (dict(covariates=np.ones((5, 2, 1))), r"covariates.*shape"),
        (dict(covariates=[2.0] * 5), r"'x' is constant"),
        (dict(covariates=["a", "b", "a", "b", "a"]), r"'x' is not numeric"),
        (dict(strata=["a", None, "b", "a", "b"]), r"strata.*index 1"),
        (dict(strata=["a", "b"]), r"strata"),
        (dict(cluster=[1, 2, 3]), r"cluster"),
        (dict(ties="exact"), r"ties"),
        (dict(max_iterations=-1), r"max_iterations"),
        (dict(max_iterations=2.5), r"max_iterations"),
        (dict(eps=0.0), r"eps"),
    ],
)
def test_bad_input(kwargs, pattern):
    args = dict(time=T5, event=E5, covariates=X5)
    args.update(kwargs)
    with pytest.raises(InputError, match=pattern):
        cox(**args)


def test_bad_covariate_names_column_and_row():
    time, ev, x1, trt, _ = _sim(n=50)
    df = pd.DataFrame({"age": x1, "arm": trt})
    df.loc[7, "arm"] = np.nan
    df.loc[9, "age"] = np.nan
    with pytest.raises(InputError, match=r"'arm'.*index 7"):
        cox(time, ev, df)
    df2 = pd.DataFrame({"age": x1, "site": ["a"] * 50})
    with pytest.raises(InputError, match=r"'site' is not numeric"):
        cox(time, ev, df2)


def test_collinear_covariates_are_singular():
    time, ev, x1, trt, _ = _sim(n=80)
    df = pd.DataFrame({"age": x1, "arm": trt, "age2": 2 * x1 + 1})
    with pytest.raises(InputError, match=r"singular.*'age2'"):
        cox(time, ev, df)
    # not constant, but constant among the subjects at risk at every event time: x differs only
    # for a subject censored before the first event, so the information about x is zero
    time = np.array([0.5, 1, 2, 3, 4, 5, 6, 7])
    ev = np.array([0, 1, 1, 1, 1, 0, 0, 0])
    x = np.array([1.0, 0, 0, 0, 0, 0, 0, 0])
    z = np.array([1.0, 0, 1, 0, 1, 0, 1, 0])
    with pytest.raises(InputError, match=r"singular at column 'x2'"):
        cox(time, ev, np.column_stack([z, x]))
    with pytest.raises(InputError, match=r"singular at column 'x'"):
        cox(time, ev, x)


def test_negative_zero_time_is_zero():
    time = np.array([0.0, 1, 2, 3, 4, 5, 0.0, 7])
    ev = np.array([1, 1, 0, 1, 1, 0, 1, 1])
    x = np.array([0.3, -1.2, 0.5, 2.0, -0.1, 0.9, 1.4, -0.7])
    neg = time.copy()
    neg[6] = -0.0
    _same(cox(time, ev, x), cox(neg, ev, x), rtol=0)


def test_input_error_is_value_error():
    with pytest.raises(ValueError):
        cox(T5, E5, X5, ties="bogus")
