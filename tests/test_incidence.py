"""Adverse-event incidence comparisons against R (fixtures from make_incidence_reference.R).

Tolerance 1e-8 relative: every quantity is a closed formula or an exact sum evaluated in double
precision on both sides, so agreement is to ~1e-14. The one exception is the conditional odds
ratio of ``fisher.test``: R finds it (and its interval) with ``uniroot`` at its default tolerance
``.Machine$double.eps^0.25`` (~1.2e-4 on the root variable, which lies in (0, 1) for the ratio
or for its reciprocal), so it is compared at 1e-8 with fisher.test's own code rerun in R with a
tight tolerance, and with R's printed value only to within that uniroot tolerance.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from survtrial._errors import InputError
from survtrial.stats.incidence import (
    chi_square,
    cochran_mantel_haenszel,
    fisher_exact,
    odds_ratio,
    relative_risk,
    risk_difference,
)
from tests.helpers import FIXTURES as REFERENCE_FIXTURES
from tests.helpers import assert_close

FIXTURES = REFERENCE_FIXTURES / "incidence"
RTOL = 1e-8

TABLES = json.loads((FIXTURES / "tables.json").read_text())
STRATA = json.loads((FIXTURES / "strata.json").read_text())


def _num(v):
    if v is None:
        return math.nan
    if v == "inf":
        return math.inf
    if v == "-inf":
        return -math.inf
    return float(v)


def _args(t):
    return t["events1"], t["n1"], t["events2"], t["n2"]


def _id(t):
    return "{}/{}-vs-{}/{}".format(*_args(t))


@pytest.mark.parametrize("t", TABLES, ids=_id)
@pytest.mark.parametrize("level", [0.95, 0.9])
def test_effect_measures_match_r_formulas(t, level):
    key = f"level_{round(level * 100)}"
    ref = t[key]
    assert_close(
        tuple(risk_difference(*_args(t), confidence_level=level)),
        ref["newcombe"],
        rtol=RTOL,
        atol=0.0,
    )
    rd_cc = risk_difference(*_args(t), confidence_level=level, continuity_correction=True)
    assert_close(tuple(rd_cc), ref["newcombe_cc"], rtol=RTOL, atol=0.0)
    assert_close(
        tuple(relative_risk(*_args(t), confidence_level=level)), ref["katz"], rtol=RTOL, atol=0.0
    )
    assert_close(
        tuple(odds_ratio(*_args(t), confidence_level=level)), ref["woolf"], rtol=RTOL, atol=0.0
    )


# Newcombe (1998), Stat Med 17:873, Table II: (group 1, group 2) -> method 10, method 11.
# The paper gives p1 - p2 for (a/b vs c/d); here group 2 is the paper's first proportion.
NEWCOMBE_TABLE_II = [
    ((48, 80, 56, 70), (0.0524, 0.3339), (0.0428, 0.3422)),
    ((3, 10, 9, 10), (0.1705, 0.8090), (0.1013, 0.8387)),
    ((2, 7, 6, 7), (0.0582, 0.8062), (-0.0290, 0.8423)),
    ((0, 29, 5, 56), (-0.0381, 0.1926), (-0.0667, 0.2037)),
    ((0, 20, 0, 10), (-0.1611, 0.2775), (-0.2005, 0.3445)),
    ((0, 20, 10, 10), (0.6791, 1.0000), (0.6014, 1.0000)),
    ((0, 10, 10, 10), (0.6075, 1.0000), (0.5128, 1.0000)),
]


@pytest.mark.parametrize(("counts", "m10", "m11"), NEWCOMBE_TABLE_II)
def test_newcombe_published_table(counts, m10, m11):
    rd = risk_difference(*counts)
    assert rd.estimate == pytest.approx(counts[2] / counts[3] - counts[0] / counts[1])
    assert (round(rd.low, 4), round(rd.high, 4)) == pytest.approx(m10, abs=1e-12)
    cc = risk_difference(*counts, continuity_correction=True)
    assert (round(cc.low, 4), round(cc.high, 4)) == pytest.approx(m11, abs=1e-12)


def test_risk_difference_direction_is_group2_minus_group1():
    a = risk_difference(10, 100, 30, 100)
    b = risk_difference(30, 100, 10, 100)
    assert a.estimate == pytest.approx(0.2)
    assert (a.low, a.high) == pytest.approx((-b.high, -b.low), rel=1e-14)
    assert a.risk1 == 0.1 and a.risk2 == 0.3
    assert relative_risk(10, 100, 30, 100).estimate == pytest.approx(3.0)


@pytest.mark.parametrize("t", TABLES, ids=_id)
@pytest.mark.parametrize(
    ("alt", "r_alt"), [("two-sided", "two.sided"), ("less", "less"), ("greater", "greater")]
)
def test_fisher_exact_matches_r(t, alt, r_alt):
    ref = t["fisher"][r_alt]
    res = fisher_exact(*_args(t), alternative=alt)
    assert_close(res.pvalue, ref["p"], rtol=RTOL, atol=0.0)
    assert_close((res.low, res.high), ref["tight"][1:], rtol=RTOL, atol=0.0)
    degenerate = t["events1"] + t["events2"] in (0, t["n1"] + t["n2"])
    if degenerate:
        # a zero margin: the conditional likelihood is flat. fisher.test reports 0 (its first
        # branch, x == lo); the estimate is undefined, so survtrial reports NaN.
        assert math.isnan(res.odds_ratio) and _num(ref["estimate"][0]) == 0
        return
    assert_close(res.odds_ratio, ref["tight"][0], rtol=RTOL, atol=0.0)
    # fisher.test's own output, to within its uniroot tolerance (on t or on 1/t, in (0, 1))
    for ours, r in zip(
        (res.odds_ratio, res.low, res.high), [ref["estimate"][0], *ref["conf_int"]], strict=True
    ):
        r = _num(r)
        if math.isinf(r) or r == 0:
            assert ours == r
        else:
            assert min(abs(ours - r), abs(1 / ours - 1 / r)) < 2.5e-4


@pytest.mark.parametrize(
    "t", [t for t in TABLES if 0 < t["events1"] + t["events2"] < t["n1"] + t["n2"]], ids=_id
)
def test_conditional_odds_ratio_matches_fisher(t):
    est = odds_ratio(*_args(t), kind="conditional")
    assert_close(
        (est.estimate, est.low, est.high), t["fisher"]["two.sided"]["tight"], rtol=RTOL, atol=0.0
    )


@pytest.mark.parametrize("t", TABLES, ids=_id)
@pytest.mark.parametrize("correction", [True, False])
def test_chi_square_matches_chisq_and_prop_test(t, correction):
    res = chi_square(*_args(t), correction=correction)
    suffix = "correct" if correction else "plain"
    for key in (f"chisq_{suffix}", f"prop_{suffix}"):
        assert_close(res.statistic, t[key]["stat"], rtol=RTOL, atol=0.0)
        assert_close(res.pvalue, t[key]["p"], rtol=RTOL, atol=0.0)
    assert res.df == 1
    assert res.expected.sum() == pytest.approx(t["n1"] + t["n2"])


def test_chi_square_yates_is_smaller_and_unpacks():
    stat_c, p_c = chi_square(12, 150, 25, 148)
    stat, p = chi_square(12, 150, 25, 148, correction=False)
    assert stat_c < stat and p_c > p
    assert chi_square(1, 10, 2, 10).min_expected == pytest.approx(1.5)


def _strata_tables(s):
    return [[[e1, n1 - e1], [e2, n2 - e2]] for e1, n1, e2, n2 in s["strata"]]


@pytest.mark.parametrize("s", STRATA, ids=lambda s: s["name"])
@pytest.mark.parametrize("correction", [True, False])
def test_cmh_matches_mantelhaen(s, correction):
    ref = s["correct" if correction else "plain"]
    res = cochran_mantel_haenszel(_strata_tables(s), correction=correction)
    assert_close(res.statistic, ref["stat"], rtol=RTOL, atol=0.0)
    assert_close(res.pvalue, ref["p"], rtol=RTOL, atol=0.0)
    assert_close(res.odds_ratio, ref["estimate"], rtol=RTOL, atol=0.0)
    assert_close((res.low, res.high), ref["conf_int"], rtol=RTOL, atol=0.0)
    # R on the array with group 1 in the first row reports the reciprocal
    rev = _num(ref["estimate_reversed"][0])
    if rev not in (0.0, math.inf):
        assert res.odds_ratio == pytest.approx(1 / rev, rel=1e-12)
        assert (res.low, res.high) == pytest.approx(
            (1 / _num(ref["conf_int_reversed"][1]), 1 / _num(ref["conf_int_reversed"][0])),
            rel=1e-12,
        )
    assert res.n_strata == len(s["strata"])


@pytest.mark.parametrize("s", STRATA, ids=lambda s: s["name"])
def test_cmh_confidence_level(s):
    res = cochran_mantel_haenszel(_strata_tables(s), confidence_level=0.9)
    assert_close(
        (res.odds_ratio, res.low, res.high),
        [s["level_90"]["estimate"][0], *s["level_90"]["conf_int"]],
        rtol=RTOL,
        atol=0.0,
    )


def test_cmh_one_stratum_equals_chi_square_scaled():
    # one stratum: the MH statistic is Pearson's times (n - 1)/n
    t = [[[12, 138], [25, 123]]]
    mh = cochran_mantel_haenszel(t, correction=False)
    ch = chi_square(12, 150, 25, 148, correction=False)
    n = 298
    assert mh.statistic == pytest.approx(ch.statistic * (n - 1) / n, rel=1e-12)
    assert mh.odds_ratio == pytest.approx(odds_ratio(12, 150, 25, 148).estimate, rel=1e-12)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((-1, 10, 2, 10), "events1"),
        ((1, 10, 2.5, 10), "events2"),
        ((11, 10, 2, 10), "events1"),
        ((1, 0, 2, 10), "n1"),
        ((1, 10, 2, float("nan")), "n2"),
        ((1, 10, "x", 10), "events2"),
        ((True, 10, 2, 10), "events1"),
        ((1, 10, 12, 10), "events2"),
    ],
)
@pytest.mark.parametrize(
    "fn", [risk_difference, relative_risk, odds_ratio, fisher_exact, chi_square]
)
def test_bad_counts(fn, args, match):
    with pytest.raises(InputError, match=match):
        fn(*args)


def test_bad_options():
    with pytest.raises(InputError, match="confidence_level"):
        risk_difference(1, 10, 2, 10, confidence_level=1.5)
    with pytest.raises(InputError, match="alternative"):
        fisher_exact(1, 10, 2, 10, alternative="two.sided")
    with pytest.raises(InputError, match="kind"):
        odds_ratio(1, 10, 2, 10, kind="woolf")


def test_bad_strata_tables():
    with pytest.raises(InputError, match="shape"):
        cochran_mantel_haenszel([[1, 2, 3, 4]])
    with pytest.raises(InputError, match="stratum 1"):
        cochran_mantel_haenszel([[[1, 2], [3, 4]], [[1, -2], [3, 4]]])
    with pytest.raises(InputError, match="stratum 1"):
        cochran_mantel_haenszel([[[1, 2], [3, 4]], [[1, 0], [0, 0]]])
    with pytest.raises(InputError, match="stratum 0"):
        cochran_mantel_haenszel([[[1.5, 2], [3, 4]]])
    with pytest.raises(InputError, match="no strata"):
        cochran_mantel_haenszel(np.zeros((0, 2, 2)))


def test_undefined_measures_are_not_errors():
    rr = relative_risk(0, 20, 3, 20)
    assert rr.estimate == math.inf and math.isnan(rr.low)
    assert math.isnan(relative_risk(0, 20, 0, 20).estimate)
    assert relative_risk(2, 20, 0, 20).estimate == 0.0
    stat, p = chi_square(0, 20, 0, 10)
    assert math.isnan(stat) and math.isnan(p)
