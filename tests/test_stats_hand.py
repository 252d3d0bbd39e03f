"""Hand-worked tiny examples: every value derived by hand as an exact fraction.

Tolerance 1e-12: the code computes in floating point what is written here as exact fractions.
"""

from __future__ import annotations

from fractions import Fraction as F
from math import sqrt

import numpy as np
import pytest

from survtrial.stats import kaplan_meier, logrank, rmst

TOL = 1e-12


def test_kaplan_meier_and_greenwood_by_hand():
    # times 1, 2, 2+, 3, 4+ : risk sets 5, 4, 2 at the event times 1, 2, 3
    km = kaplan_meier([1, 2, 2, 3, 4], [1, 1, 0, 1, 0])
    s = [F(4, 5), F(4, 5) * F(3, 4), F(4, 5) * F(3, 4) * F(1, 2), F(3, 10)]
    greenwood = [F(1, 20), F(1, 20) + F(1, 12), F(1, 20) + F(1, 12) + F(1, 2), F(19, 30)]
    assert list(km.time) == [1, 2, 3, 4]
    assert list(km.n_risk) == [5, 4, 2, 1]
    assert list(km.n_event) == [1, 1, 1, 0]
    assert list(km.n_censor) == [0, 1, 0, 1]
    np.testing.assert_allclose(km.survival, [float(v) for v in s], rtol=TOL)
    np.testing.assert_allclose(
        km.std_err, [float(v) * sqrt(float(g)) for v, g in zip(s, greenwood, strict=True)], TOL
    )
    assert greenwood[2] == F(19, 30)
    # between event times the step function holds its value; before the first it is 1
    np.testing.assert_allclose(km.survival_at([0, 0.5, 2.5, 10]), [1, 1, 0.6, 0.3], rtol=TOL)
    np.testing.assert_array_equal(km.n_risk_at([0, 2, 2.5, 4, 5]), [5, 4, 2, 1, 0])
    # median: S first drops below 1/2 at t = 3
    assert km.median().estimate == 3.0


def test_median_midpoint_rule_by_hand():
    # S = 1/2 exactly on [2, 3): R's rule takes the midpoint of 2 and the next drop at 3
    km = kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1])
    assert km.survival_at(2)[0] == pytest.approx(0.5)
    assert km.median().estimate == pytest.approx(2.5)


def test_logrank_by_hand():
    # A: 1, 3, 4+   B: 2, 2+, 5
    time = [1, 3, 4, 2, 2, 5]
    event = [1, 1, 0, 1, 0, 1]
    group = ["A", "A", "A", "B", "B", "B"]
    res = logrank(time, event, group)
    expected_a = F(1, 2) + F(2, 5) + F(2, 3)  # 47/30
    variance = F(1, 4) + F(6, 25) + F(2, 9)  # 641/900
    assert expected_a == F(47, 30) and variance == F(641, 900)
    np.testing.assert_allclose(res.observed, [2, 2], rtol=TOL)
    np.testing.assert_allclose(res.expected, [47 / 30, 4 - 47 / 30], rtol=TOL)
    np.testing.assert_allclose(res.variance, [[641 / 900, -641 / 900], [-641 / 900, 641 / 900]])
    assert res.statistic == pytest.approx(169 / 641, rel=TOL)
    assert res.df == 1
    assert res.z == pytest.approx(-13 / sqrt(641), rel=TOL)
    assert res.hazard_ratio == pytest.approx(47 / 73, rel=TOL)


def test_rmst_by_hand():
    # group a: 1, 2+, 3 (S: 2/3 after 1, 1/3 after 3); group b: 2, 4 (S: 1/2 after 2, 0 after 4)
    res = rmst([1, 2, 3, 2, 4], [1, 0, 1, 1, 1], ["a", "a", "a", "b", "b"], tau=3)
    area_a = 1 + F(2, 3) * 2  # [0,1) at 1, [1,3) at 2/3
    area_b = 2 + F(1, 2) * 1  # [0,2) at 1, [2,3) at 1/2
    # Var = sum A_i^2 d_i / (n_i (n_i - d_i)); A_i is the area from t_i to tau
    var_a = (F(2, 3) * 2) ** 2 * F(1, 3 * 2)  # t=1: n=3, d=1; t=3: A=0
    var_b = F(1, 2) ** 2 * F(1, 2 * 1)  # t=2: n=2, d=1
    np.testing.assert_allclose(res.rmst, [float(area_a), float(area_b)], rtol=TOL)
    np.testing.assert_allclose(res.std_err, [sqrt(var_a), sqrt(var_b)], rtol=TOL)
    assert res.difference == pytest.approx(float(area_b - area_a), rel=TOL)
