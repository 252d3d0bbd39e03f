"""Cumulative incidence and Gray's test against cmprsk 2.2-11 (make_cmprsk_reference.R).

Tolerance 1e-8 relative. cmprsk's Fortran (cinc, crstm) is double precision throughout (its
single-precision constants ``1.`` only ever hold small whole numbers, which are exact), and
survtrial evaluates the same expressions in the same expanded form; the remaining differences are
the order of floating-point products and sums (cumulative products of the Kaplan-Meier factors,
sums over groups), which agree to ~1e-12 even over 100,000 event times. p-values: cmprsk returns
``1 - pchisq(stat, df)``, which is 0 below ~1e-16, while survtrial returns the upper tail, so
they are compared with an absolute tolerance of 1e-14 as well.
"""

from __future__ import annotations

import json
import time as _time
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from survtrial._errors import InputError
from survtrial.stats._timefix import timefix
from survtrial.stats.competing import cumulative_incidence, gray_test
from tests.helpers import REFERENCE, as_array, assert_close, read_exact_csv

FIXTURES = REFERENCE / "fixtures" / "cmprsk"
RTOL = 1e-8
NAMES = sorted(p.stem for p in FIXTURES.glob("*.json") if p.stem != "singular")
REQUIRED = {
    "ties_heavy",
    "ties_half",
    "three_groups",
    "many_strata",
    "all_censored_group",
    "tiny_ties",
    "colon",
    "mgus2",
    "n100k",
    "crossing_weibull",
}


def _load(name):
    ref = json.loads((FIXTURES / f"{name}.json").read_text())
    data_file = REFERENCE / "data" / f"{name}.csv"
    if not data_file.exists():
        pytest.fail(f"{data_file} missing: run Rscript make_reference.R in tests/reference")
    df = read_exact_csv(data_file, dtype={"group": str, "strata": str})
    return ref, df


def test_fixtures_cover_required_sets():
    assert REQUIRED <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_curves_match_cuminc(name):
    ref, df = _load(name)
    fit = cumulative_incidence(df.time, df.cause, df.group)
    assert list(fit.groups) == ref["groups"]
    assert list(fit.causes) == list(np.atleast_1d(ref["causes"]))
    for cv in ref.get("curves", []):
        x, f, v = fit.curve(cv["cause"], cv["group"]).cmprsk_corners()
        assert x.shape == as_array(cv["time"]).shape
        np.testing.assert_array_equal(x, as_array(cv["time"]))  # times are data: exact
        assert_close(f, cv["est"], rtol=RTOL, atol=0.0)
        assert_close(v, cv["var"], rtol=RTOL, atol=0.0)


@pytest.mark.parametrize("name", NAMES)
def test_timepoints_match(name):
    ref, df = _load(name)
    fit = cumulative_incidence(df.time, df.cause, df.group)
    grid = as_array(ref["grid"])
    for tp in ref["timepoints"]:
        assert_close(
            fit.estimate_at(grid, cause=tp["cause"], group=tp["group"]),
            tp["est"],
            rtol=RTOL,
            atol=0.0,
        )
        assert_close(
            fit.variance_at(grid, cause=tp["cause"], group=tp["group"]),
            tp["var"],
            rtol=RTOL,
            atol=0.0,
        )


def _gray_cases():
    for name in NAMES:
        ref = json.loads((FIXTURES / f"{name}.json").read_text())
        for key, strat, rho in [
            ("tests", False, 0.0),
            ("tests_strata", True, 0.0),
            ("tests_rho1", True, 1.0),
            ("tests_rho_m05", True, -0.5),
        ]:
            if key in ref:
                yield pytest.param(name, key, strat, rho, id=f"{name}-{key}")


@pytest.mark.parametrize(("name", "key", "stratified", "rho"), list(_gray_cases()))
def test_gray_test_matches_cuminc(name, key, stratified, rho):
    ref, df = _load(name)
    res = gray_test(df.time, df.cause, df.group, strata=df.strata if stratified else None, rho=rho)
    causes = list(np.atleast_1d(ref[key]["cause"]))
    assert list(res.causes) == causes
    assert_close([res.statistic[k] for k in causes], ref[key]["stat"], rtol=RTOL, atol=0.0)
    assert_close([res.pvalue[k] for k in causes], ref[key]["pv"], rtol=RTOL, atol=1e-14)
    assert [res.df[k] for k in causes] == list(as_array(ref[key]["df"]).astype(int))


def test_gray_test_singular_variance():
    ref = json.loads((FIXTURES / "singular.json").read_text())
    res = gray_test(ref["time"], ref["cause"], ref["group"])
    # cmprsk flags a singular variance with stat = -1, p = 1; survtrial gives NaN
    assert list(as_array(ref["tests"]["stat"])) == [-1.0, -1.0]
    for k in res.causes:
        assert np.isnan(res.statistic[k]) and np.isnan(res.pvalue[k])


# ---------------------------------------------------------------------------------------------
# a hand-worked example in exact fractions
# ---------------------------------------------------------------------------------------------

TINY_TIME = [2, 2, 2, 3, 3, 5, 5, 7]
TINY_CAUSE = [1, 2, 0, 1, 0, 2, 1, 0]


def test_aalen_johansen_by_hand():
    # n = 8. t=2: 8 at risk, one of each cause (and a censoring): F1 = F2 = 1/8, S = 6/8.
    # t=3: 5 at risk, one cause 1: F1 += (3/4)(1/5) = 3/20 -> 11/40, S = 3/5.
    # t=5: 3 at risk, one of each cause: F1 += (3/5)(1/3) -> 19/40, F2 -> 1/8 + 1/5 = 13/40.
    fit = cumulative_incidence(TINY_TIME, TINY_CAUSE)
    at = [0, 1.9, 2, 2.5, 3, 4, 5, 6, 7, 7.5]
    f1 = [
        0,
        0,
        Fraction(1, 8),
        Fraction(1, 8),
        Fraction(11, 40),
        Fraction(11, 40),
        Fraction(19, 40),
        Fraction(19, 40),
        Fraction(19, 40),
        np.nan,
    ]
    f2 = [
        0,
        0,
        Fraction(1, 8),
        Fraction(1, 8),
        Fraction(1, 8),
        Fraction(1, 8),
        Fraction(13, 40),
        Fraction(13, 40),
        Fraction(13, 40),
        np.nan,
    ]
    np.testing.assert_allclose(
        fit.estimate_at(at, cause=1), np.array(f1, dtype=float), rtol=1e-15, equal_nan=True
    )
    np.testing.assert_allclose(
        fit.estimate_at(at, cause=2), np.array(f2, dtype=float), rtol=1e-15, equal_nan=True
    )
    # F1 + F2 + S = 1 at the end (S = 1/5)
    assert float(Fraction(19, 40) + Fraction(13, 40) + Fraction(1, 5)) == 1.0
    c1 = fit.curve(cause=1)
    np.testing.assert_array_equal(c1.time, [2.0, 3.0, 5.0])
    assert c1.max_time == 7.0 and c1.n == 8


def _cmprsk_variance_fractions(time, cause, k):
    """cmprsk's variance at each jump of cause k, in exact arithmetic, unexpanded form.

    V(t) = sum over failure times u <= t of w_u (a_u - F(t) b_u)^2 with w = S(u-)^2 c d / r^2,
    c the tie factor 1 - (d - 1)/(r - 1); for the cause of interest a = 1 + F(u)/S(u), b = 1/S(u)
    (b = 0 when S(u) = 0), for other causes a = F(u)/S(u), b = 1/S(u) (skipped when S(u) = 0);
    recorded at the jumps of cause k only.
    """
    times = sorted(set(time))
    s, f, terms, out = Fraction(1), Fraction(0), [], {}
    for u in times:
        r = sum(1 for t in time if t >= u)
        dk = sum(1 for t, c in zip(time, cause, strict=True) if t == u and c == k)
        do = sum(1 for t, c in zip(time, cause, strict=True) if t == u and c not in (0, k))
        if dk + do == 0:
            continue
        s_new = s * (r - dk - do) / r
        f = f + s * dk / r
        inv = 1 / s_new if s_new > 0 else Fraction(0)
        for d, is_k in ((do, False), (dk, True)):
            if d == 0 or (not is_k and s_new == 0):
                continue
            tie = 1 - Fraction(d - 1, r - 1) if d > 1 else Fraction(1)
            w = s * s * tie * d / (r * r)
            terms.append((w, (1 if is_k else 0) + f * inv, inv))
        if dk:
            out[u] = sum(w * (a - f * b) ** 2 for w, a, b in terms)
        s = s_new
    return out


@pytest.mark.parametrize("group", [None, "a", "b"])
@pytest.mark.parametrize("k", [1, 2])
def test_variance_by_hand_fractions(group, k):
    groups = ["a", "b", "b", "a", "b", "a", "b", "a"]
    if group is None:
        t, c, g = TINY_TIME, TINY_CAUSE, None
    else:
        keep = [i for i, x in enumerate(groups) if x == group]
        t = [TINY_TIME[i] for i in keep]
        c = [TINY_CAUSE[i] for i in keep]
        g = None
    exact = _cmprsk_variance_fractions(t, c, k)
    fit = cumulative_incidence(t, c, g)
    curve = fit.curve(cause=k)
    np.testing.assert_array_equal(curve.time, sorted(exact))
    np.testing.assert_allclose(curve.variance, [float(exact[u]) for u in sorted(exact)], rtol=1e-13)


def test_pooled_tiny_variance_at_first_jump():
    # t=2: S(2-) = 1, r = 8, one failure of each cause, F1 = 1/8, S(2) = 3/4:
    # cause 1 term 1/64 (1 + 1/6 - 1/6)^2, competing term 1/64 (1/6 - 1/6)^2 -> 1/64
    fit = cumulative_incidence(TINY_TIME, TINY_CAUSE)
    assert fit.variance_at([2.0], cause=1)[0] == pytest.approx(1 / 64, rel=1e-15)


# ---------------------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------------------


def test_row_order_and_labels_do_not_matter():
    _, df = _load("three_groups")
    rng = np.random.default_rng(5)
    perm = rng.permutation(len(df))
    d2 = df.iloc[perm]
    a = gray_test(df.time, df.cause, df.group)
    b = gray_test(d2.time, d2.cause, d2.group)
    # relabel so that a different group is left out of the score
    relabel = d2.group.map({"g1": "z1", "g2": "a2", "g3": "m3"})
    c = gray_test(d2.time, d2.cause, relabel)
    for k in a.causes:
        assert b.statistic[k] == pytest.approx(a.statistic[k], rel=1e-10)
        assert c.statistic[k] == pytest.approx(a.statistic[k], rel=1e-10)
    f1 = cumulative_incidence(df.time, df.cause, df.group)
    f2 = cumulative_incidence(d2.time, d2.cause, d2.group)
    grid = np.linspace(0, 20, 41)
    for k in f1.causes:
        for g in f1.groups:
            np.testing.assert_array_equal(f1.estimate_at(grid, k, g), f2.estimate_at(grid, k, g))


def test_all_causes_and_survival_sum_to_one():
    _, df = _load("colon")
    fit = cumulative_incidence(df.time, df.cause, df.group)
    grid = np.linspace(0, 2000, 21)
    for g in fit.groups:
        sub = df[df.group == g]
        total = sum(fit.estimate_at(grid, k, g) for k in fit.causes)
        # all-cause Kaplan-Meier in the group, by brute force
        surv = []
        for t in grid:
            s = 1.0
            for u in np.unique(sub.time[(sub.cause > 0) & (sub.time <= t)]):
                s *= 1 - ((sub.time == u) & (sub.cause > 0)).sum() / (sub.time >= u).sum()
            surv.append(s)
        np.testing.assert_allclose(total + np.array(surv), 1.0, rtol=1e-12)


def test_timefix_option():
    _, df = _load("near_equal_times")
    default = cumulative_incidence(df.time, df.cause, df.group)
    fixed = cumulative_incidence(df.time, df.cause, df.group, timefix=True)
    merged = cumulative_incidence(timefix(df.time.to_numpy()), df.cause, df.group)
    c_fixed, c_merged = fixed.curve(1, "g1"), merged.curve(1, "g1")
    np.testing.assert_array_equal(c_fixed.time, c_merged.time)
    np.testing.assert_array_equal(c_fixed.variance, c_merged.variance)
    # cmprsk (the default) keeps near-equal times apart
    assert default.curve(1, "g1").time.size > c_fixed.time.size
    g_fixed = gray_test(df.time, df.cause, df.group, timefix=True)
    g_merged = gray_test(timefix(df.time.to_numpy()), df.cause, df.group)
    assert g_fixed.statistic[1] == g_merged.statistic[1]


def test_confidence_interval():
    _, df = _load("mgus2")
    fit = cumulative_incidence(df.time, df.cause, df.group)
    times = np.array([0.0, 12.0, 60.0, 120.0, 240.0, 1e6])
    f = fit.estimate_at(times, cause=1, group="F")
    v = fit.variance_at(times, cause=1, group="F")
    low, high = fit.confidence_interval(times, cause=1, group="F")
    # log(-log F) +- z se / |F log F|, back-transformed
    z = 1.959963984540054
    inside = (f > 0) & (v > 0)
    g = np.log(-np.log(f[inside]))
    se = np.sqrt(v[inside]) / np.abs(f[inside] * np.log(f[inside]))
    np.testing.assert_allclose(low[inside], np.exp(-np.exp(g + z * se)), rtol=1e-12)
    np.testing.assert_allclose(high[inside], np.exp(-np.exp(g - z * se)), rtol=1e-12)
    assert np.all(low[inside] < f[inside]) and np.all(f[inside] < high[inside])
    assert low[0] == high[0] == 0.0  # no event yet: a point
    assert np.isnan(low[-1]) and np.isnan(high[-1])  # past the last follow-up
    _, ph = fit.confidence_interval(
        times, cause=1, group="F", transform="plain", confidence_level=0.9
    )
    np.testing.assert_allclose(
        ph[inside] - f[inside], 1.6448536269514722 * np.sqrt(v[inside]), rtol=1e-12
    )


def test_single_group_and_group_keys():
    fit = cumulative_incidence([1, 2, 3], [1, 0, 1])
    assert fit.groups == ("all",) and fit.causes == (1,)
    assert fit.estimate_at([1, 2, 3]).tolist() == [1 / 3, 1 / 3, 1.0]  # 1/3 + (2/3)(1/1)
    fit2 = cumulative_incidence([1, 2, 3, 4], [1, 0, 2, 1], group=[1, 1, 2, 2])
    assert fit2.groups == (1, 2)
    assert fit2.estimate_at([1], cause=1, group=1)[0] == 0.5
    with pytest.raises(InputError, match="cause"):
        fit2.estimate_at([1], group=1)
    with pytest.raises(InputError, match="group"):
        fit2.estimate_at([1], cause=1)
    with pytest.raises(InputError, match="group"):
        fit2.estimate_at([1], cause=1, group=3)
    with pytest.raises(InputError, match="cause"):
        fit2.estimate_at([1], cause=3, group=1)
    with pytest.raises(InputError, match="times"):
        fit2.estimate_at([-1], cause=1, group=1)
    with pytest.raises(InputError, match="transform"):
        fit2.confidence_interval([1], cause=1, group=1, transform="log")


def test_speed_n100k():
    _, df = _load("n100k")
    t, c, g, s = (df[k].to_numpy() for k in ("time", "cause", "group", "strata"))
    start = _time.perf_counter()
    cumulative_incidence(t, c, g)
    mid = _time.perf_counter()
    gray_test(t, c, g, strata=s)
    end = _time.perf_counter()
    # typically ~0.1 s and ~0.2 s; a loop over observations would take far longer
    assert mid - start < 2.0 and end - mid < 2.0


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("time", "cause", "group", "match"),
    [
        ([1, np.nan, 3], [1, 0, 1], ["a", "b", "a"], "time.*index 1"),
        ([1, 2, -3], [1, 0, 1], ["a", "b", "a"], "time.*index 2"),
        ([1, 2, 3], [1, 0.5, 1], ["a", "b", "a"], "cause.*index 1"),
        ([1, 2, 3], [1, 0, -1], ["a", "b", "a"], "cause.*index 2"),
        ([1, 2, 3], [1, 0], ["a", "b", "a"], "cause"),
        ([1, 2, 3], [1, 0, 1], ["a", "b"], "group"),
        ([1, 2, 3], [1, 0, 1], ["a", None, "a"], "group.*index 1"),
    ],
)
@pytest.mark.parametrize("fn", [cumulative_incidence, gray_test])
def test_bad_input(fn, time, cause, group, match):
    with pytest.raises(InputError, match=match):
        fn(time, cause, group)


def test_gray_test_needs_two_groups():
    with pytest.raises(InputError, match="group"):
        gray_test([1, 2, 3], [1, 0, 2], ["a", "a", "a"])
    with pytest.raises(InputError, match="strata"):
        gray_test([1, 2, 3], [1, 0, 2], ["a", "b", "a"], strata=["x", "y"])
    with pytest.raises(InputError, match="rho"):
        gray_test([1, 2, 3], [1, 0, 2], ["a", "b", "a"], rho="one")


def test_group_with_no_patients():
    group = pd.Series(pd.Categorical(["a", "b", "a", "b"], categories=["a", "b", "c"]))
    with pytest.raises(InputError, match="'c' has no patients"):
        gray_test([1, 2, 3, 4], [1, 0, 2, 1], group)
    with pytest.raises(InputError, match="'c' has no patients"):
        cumulative_incidence([1, 2, 3, 4], [1, 0, 2, 1], pd.Categorical(group))
    ok = gray_test([1, 2, 3, 4], [1, 0, 2, 1], group.cat.remove_unused_categories())
    assert ok.groups == ("a", "b")
