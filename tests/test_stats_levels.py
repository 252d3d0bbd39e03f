"""The reference (control) group: ``levels=`` and a pandas Categorical's order, as R's factor.

Issue 8, defect 7: labels used to be sorted, even for a Categorical, so chemotherapy (control)
vs blinatumomab came out as blinatumomab vs chemotherapy (HR 3.01 instead of 0.33, RMST
difference of the wrong sign). R oracle: tests/reference/make_levels_reference.R (survival
3.5-3) fits the same data with both factor level orders; closed-form quantities, so the
tolerance is the survival reference's (rtol 1e-8, atol 1e-12). Reversing the levels must
reverse every per-group array exactly (the same sums), negate differences exactly and invert
ratios to rounding (one division each way: rtol 4e-16).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survtrial import InputError
from survtrial.stats import cumulative_incidence, gray_test, logrank, milestone_difference, rmst
from tests.helpers import assert_close, reference_data, reference_fixture

RTOL = 1e-8
ATOL = 1e-12
REF = reference_fixture("levels", "arms")
CONTROL_FIRST = ("chemotherapy", "blinatumomab")
SORTED = ("blinatumomab", "chemotherapy")


def _data():
    df = reference_data(REF["data"])
    arm = np.where(df["group"] == "g1", "chemotherapy", "blinatumomab")
    return df["time"].to_numpy(), df["status"].to_numpy(), arm, df["strata"].to_numpy(), df


def _pike(observed, expected):
    o, e = np.asarray(observed, dtype=float), np.asarray(expected, dtype=float)
    return (o[1] / e[1]) / (o[0] / e[0])


def _by_levels(levels):
    time, status, arm, strata, _ = _data()
    return dict(
        lr=logrank(time, status, arm, levels=levels),
        lr_strata=logrank(time, status, arm, strata, levels=levels),
        rmst=rmst(time, status, arm, REF["tau"], levels=levels),
        milestone=milestone_difference(time, status, arm, REF["milestone"], levels=levels),
    )


def _by_categorical(levels):
    time, status, arm, strata, _ = _data()
    cat = pd.Categorical(arm, categories=list(levels))
    return dict(
        lr=logrank(time, status, cat),
        lr_strata=logrank(time, status, cat, strata),
        rmst=rmst(time, status, pd.Series(cat), REF["tau"]),
        milestone=milestone_difference(time, status, cat, REF["milestone"]),
    )


@pytest.mark.parametrize("how", [_by_levels, _by_categorical], ids=["levels", "categorical"])
@pytest.mark.parametrize("order", ["sorted", "control_first"])
def test_level_order_against_r(how, order):
    ref = REF[order]
    levels = tuple(ref["levels"])
    res = how(levels)
    for r in res.values():
        assert tuple(r.groups) == levels and r.reference == levels[0]
    lr, lrs = res["lr"], res["lr_strata"]
    assert_close(lr.observed, ref["observed"], RTOL, ATOL, what="observed")
    assert_close(lr.expected, ref["expected"], RTOL, ATOL, what="expected")
    assert_close(lr.statistic, ref["chisq"], RTOL, ATOL, what="chisq")
    assert_close(lr.hazard_ratio, _pike(ref["observed"], ref["expected"]), RTOL, ATOL, what="HR")
    assert_close(lrs.observed, ref["strata_observed"], RTOL, ATOL, what="strata observed")
    assert_close(lrs.expected, ref["strata_expected"], RTOL, ATOL, what="strata expected")
    assert_close(lrs.statistic, ref["strata_chisq"], RTOL, ATOL, what="strata chisq")
    rm = res["rmst"]
    assert_close(rm.rmst, ref["rmean"], RTOL, ATOL, what="rmean")
    assert_close(rm.std_err, ref["rmean_se"], RTOL, ATOL, what="se(rmean)")
    rmean = np.asarray(ref["rmean"], dtype=float)
    assert_close(rm.difference, rmean[1] - rmean[0], RTOL, ATOL, what="rmst difference")
    ms = res["milestone"]
    assert_close(ms.survival, ref["milestone_surv"], RTOL, ATOL, what="milestone surv")
    assert_close(ms.std_err, ref["milestone_se"], RTOL, ATOL, what="milestone se")


def test_control_first_gives_the_trial_direction():
    # as in the issue: sorted labels compare chemotherapy with blinatumomab (HR > 1, RMST
    # difference < 0); with chemotherapy as the control, blinatumomab is better (HR < 1)
    sorted_, control = _by_levels(SORTED), _by_levels(CONTROL_FIRST)
    assert sorted_["lr"].hazard_ratio > 1 > control["lr"].hazard_ratio
    assert control["rmst"].difference > 0 > sorted_["rmst"].difference
    assert control["lr"].reference == "chemotherapy"


def test_reversed_levels_invert_exactly():
    a, b = _by_levels(SORTED), _by_levels(CONTROL_FIRST)
    for key in ("lr", "lr_strata"):
        np.testing.assert_array_equal(b[key].observed, a[key].observed[::-1])
        np.testing.assert_array_equal(b[key].expected, a[key].expected[::-1])
        np.testing.assert_array_equal(b[key].n, a[key].n[::-1])
        np.testing.assert_allclose(b[key].hazard_ratio, 1.0 / a[key].hazard_ratio, rtol=4e-16)
        np.testing.assert_allclose(b[key].statistic, a[key].statistic, rtol=1e-12)
        assert b[key].z == pytest.approx(-a[key].z, rel=1e-12)
    np.testing.assert_array_equal(b["rmst"].rmst, a["rmst"].rmst[::-1])
    np.testing.assert_array_equal(b["rmst"].std_err, a["rmst"].std_err[::-1])
    assert b["rmst"].difference == -a["rmst"].difference
    assert b["rmst"].difference_std_err == a["rmst"].difference_std_err
    np.testing.assert_allclose(b["rmst"].ratio, 1.0 / a["rmst"].ratio, rtol=4e-16)
    assert b["milestone"].difference == -a["milestone"].difference
    assert b["milestone"].difference_std_err == a["milestone"].difference_std_err
    # the default (sorted) is the first order; a Categorical's order equals explicit levels
    default = logrank(*_data()[:3])
    assert tuple(default.groups) == SORTED
    np.testing.assert_array_equal(default.observed, a["lr"].observed)
    cat = _by_categorical(CONTROL_FIRST)
    np.testing.assert_array_equal(cat["lr"].expected, b["lr"].expected)
    assert cat["rmst"].difference == b["rmst"].difference


def test_competing_risks_follow_the_levels():
    time, _, arm, strata, df = _data()
    cause = df["cause"].to_numpy()
    a = cumulative_incidence(time, cause, arm)
    b = cumulative_incidence(time, cause, arm, levels=CONTROL_FIRST)
    c = cumulative_incidence(time, cause, pd.Categorical(arm, categories=list(CONTROL_FIRST)))
    assert a.groups == SORTED and b.groups == CONTROL_FIRST == c.groups
    assert b.reference == "chemotherapy"
    for group in CONTROL_FIRST:
        for fit in (b, c):
            np.testing.assert_array_equal(fit.curve(1, group).estimate, a.curve(1, group).estimate)
    ga = gray_test(time, cause, arm, strata)
    gb = gray_test(time, cause, arm, strata, levels=CONTROL_FIRST)
    assert gb.groups == CONTROL_FIRST and gb.reference == "chemotherapy"
    for k in ga.causes:  # two groups: the score changes sign, the statistic does not
        np.testing.assert_allclose(gb.score[k], -ga.score[k], rtol=1e-12)
        np.testing.assert_allclose(gb.statistic[k], ga.statistic[k], rtol=1e-12)


def test_integer_labels_and_levels():
    time, status, arm, _, _ = _data()
    code = (arm == "blinatumomab").astype(int)  # 0 = chemotherapy, sorted first
    a = logrank(time, status, code)
    b = logrank(time, status, code, levels=[1, 0])
    assert list(b.groups) == [1, 0] and b.reference == 1
    np.testing.assert_array_equal(b.observed, a.observed[::-1])


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        (("chemotherapy",), "group: label 'blinatumomab' is not in levels"),
        (("chemotherapy", "blinatumomab", "placebo"), "levels: 'placebo' is not a group label"),
        (("chemotherapy", "chemotherapy"), "levels: a label is given twice"),
        ("chemotherapy", "levels: expected a sequence of group labels"),
    ],
)
def test_bad_levels_are_one_line_errors(levels, message):
    time, status, arm, strata, df = _data()
    calls = [
        lambda: logrank(time, status, arm, levels=levels),
        lambda: rmst(time, status, arm, REF["tau"], levels=levels),
        lambda: milestone_difference(time, status, arm, REF["milestone"], levels=levels),
        lambda: cumulative_incidence(time, df["cause"], arm, levels=levels),
        lambda: gray_test(time, df["cause"], arm, strata, levels=levels),
    ]
    for call in calls:
        with pytest.raises(InputError, match=message) as info:
            call()
        assert "\n" not in str(info.value)
