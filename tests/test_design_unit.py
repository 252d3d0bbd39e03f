"""survtrial.design: first-principles checks, metamorphic checks and input errors.

The rpact comparisons are in test_design_reference.py. Here each number is checked against an
independent route: multivariate normal probabilities (scipy's Genz algorithm) for the
recursive integration, closed-form spending functions, closed-form conditional power for two
looks, and identities that must hold exactly (a bound hit exactly gives p = alpha, etc.).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.stats import multivariate_normal, norm

from survtrial import InputError
from survtrial.design import (
    conditional_power,
    events_required,
    final_inference,
    group_sequential,
    power_survival,
    repeated_confidence_intervals,
    sample_size_survival,
    spending_bounds,
    update_bounds,
)


def _corr(rates):
    t = np.asarray(rates, dtype=float)
    return np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))


def _mvn_below(bounds, rates):
    """P(Z_k < b_k for all k) by scipy's multivariate normal CDF (Genz)."""
    return float(
        multivariate_normal.cdf(
            np.asarray(bounds, dtype=float),
            mean=np.zeros(len(bounds)),
            cov=_corr(rates),
            maxpts=2_000_000,
            abseps=1e-10,
            releps=1e-10,
            rng=np.random.default_rng(20240501),
        )
    )


@pytest.mark.parametrize(
    "rates, spending",
    [
        ([0.5, 1.0], "OF"),
        ([0.3, 0.6, 1.0], "Pocock"),
        ([0.25, 0.5, 0.8, 1.0], "OF"),
    ],
)
def test_recursive_integration_agrees_with_multivariate_normal(rates, spending):
    d = group_sequential(rates, alpha=0.025, alpha_spending=spending)
    for k in range(1, len(rates) + 1):
        no_rejection = _mvn_below(d.efficacy_bounds[:k], rates[:k])
        assert 1.0 - no_rejection == pytest.approx(d.cumulative_alpha_spent[k - 1], abs=2e-8)


def _spend(name, alpha, t, gamma=None):
    t = np.asarray(t, dtype=float)
    if name == "OF":
        return 2 * (1 - norm.cdf(norm.ppf(1 - alpha / 2) / np.sqrt(t)))
    if name == "Pocock":
        return alpha * np.log(1 + (np.e - 1) * t)
    if name == "KD":
        return alpha * t**gamma
    return alpha * (1 - np.exp(-gamma * t)) / (1 - np.exp(-gamma))


@pytest.mark.parametrize(
    "name, gamma", [("OF", None), ("Pocock", None), ("KD", 3.0), ("HSD", -4.0), ("HSD", 1.0)]
)
def test_alpha_spent_equals_spending_function(name, gamma):
    rates = [0.2, 0.45, 0.7, 1.0]
    d = group_sequential(rates, alpha=0.025, alpha_spending=name, alpha_gamma=gamma)
    np.testing.assert_allclose(
        d.cumulative_alpha_spent, _spend(name, 0.025, rates, gamma), atol=1e-9
    )
    np.testing.assert_allclose(d.nominal_p_bounds, norm.sf(d.efficacy_bounds), rtol=1e-12)


def test_two_sided_spends_over_both_tails():
    rates = [0.3, 0.6, 1.0]
    d = group_sequential(rates, alpha=0.05, alpha_spending="Pocock", sided=2)
    for k in range(1, 4):
        inside = _box_probability(d.efficacy_bounds[:k], rates[:k])
        assert 1.0 - inside == pytest.approx(_spend("Pocock", 0.05, rates[k - 1]), abs=5e-8)


def _box_probability(c, rates):
    """P(|Z_j| < c_j for all j) by inclusion-exclusion over the corners of the box."""
    k = len(c)
    total = 0.0
    for corner in np.ndindex(*(2,) * k):
        point = np.where(np.array(corner) == 1, -np.asarray(c), np.asarray(c))
        sign = (-1) ** int(np.sum(corner))
        total += sign * _mvn_below(point, rates)
    return total


def test_single_look_is_the_fixed_sample_test():
    d = group_sequential([1.0], alpha=0.025, beta=0.1)
    assert d.efficacy_bounds[0] == pytest.approx(norm.ppf(0.975), abs=1e-12)
    assert d.inflation_factor == pytest.approx(1.0, abs=1e-12)
    ev = events_required(d, 0.7)
    expected = (norm.ppf(0.975) + norm.ppf(0.9)) ** 2 * 4 / np.log(0.7) ** 2
    assert ev.max_events == pytest.approx(expected, rel=1e-12)


def test_power_at_design_drift_is_one_minus_beta():
    d = group_sequential([0.25, 0.5, 0.75, 1.0], beta=0.15, alpha_spending="HSD", alpha_gamma=-2)
    assert d.cumulative_power[-1] == pytest.approx(0.85, abs=1e-9)
    assert d.inflation_factor > 1.0


def test_binding_futility_lowers_the_efficacy_bounds():
    rates = [1 / 3, 2 / 3, 1.0]
    nb = group_sequential(rates, beta_spending="OF")
    b = group_sequential(rates, beta_spending="OF", binding_futility=True)
    assert b.efficacy_bounds[0] == pytest.approx(nb.efficacy_bounds[0], abs=1e-12)
    assert np.all(b.efficacy_bounds[1:] < nb.efficacy_bounds[1:])
    # with binding futility, alpha is spent exactly when the futility bounds are obeyed
    np.testing.assert_allclose(b.cumulative_alpha_spent, _spend("OF", 0.025, rates), atol=1e-9)
    # beta spent by the futility bounds follows the beta-spending function
    np.testing.assert_allclose(
        nb.cumulative_beta_spent[:-1], _spend("OF", 0.2, rates[:-1]) / 1.0, atol=1e-6
    )


def test_result_is_frozen():
    d = group_sequential([0.5, 1.0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.alpha = 0.05  # type: ignore[misc]
    with pytest.raises(ValueError):
        d.efficacy_bounds[0] = 1.0


def test_update_bounds_as_planned_reproduces_the_design():
    rates = [0.25, 0.5, 0.75, 1.0]
    d = group_sequential(rates, alpha_spending="KD", alpha_gamma=2.0)
    m = update_bounds(d, rates, final=True)
    np.testing.assert_allclose(m.efficacy_bounds, d.efficacy_bounds, atol=1e-10)
    interim = update_bounds(d, rates[:2])
    np.testing.assert_allclose(interim.efficacy_bounds, d.efficacy_bounds[:2], atol=1e-10)


@pytest.mark.parametrize(
    ("rates", "kwargs"),
    [
        ([1 / 3, 2 / 3, 1.0], {}),
        ([0.2, 0.45, 0.7, 1.0], {"alpha_spending": "Pocock", "alpha": 0.05}),
        ([0.5, 1.0], {"alpha_spending": "HSD", "alpha_gamma": -4.0}),
        ([0.3, 0.6, 1.0], {"alpha_spending": "KD", "alpha_gamma": 3.0, "sided": 2}),
        ([0.4, 1.0], {"alpha_spending": [0.005, 0.025]}),
        ([1.0], {}),
    ],
)
def test_spending_bounds_are_the_designs(rates, kwargs):
    """The monitoring's bounds-only computation gives group_sequential's efficacy bounds bit
    for bit (the same spending and recursion), for every spending family, one- and two-sided."""
    expected = group_sequential(rates, **kwargs).efficacy_bounds
    np.testing.assert_array_equal(spending_bounds(rates, **kwargs), expected)
    moved = [r * 0.99 if r < 1 else r for r in rates]  # the comparison can fail
    if len(rates) > 1:
        assert not np.array_equal(spending_bounds(moved, **kwargs), expected)


def test_spending_bounds_report_no_bound_as_rpact():
    """A look that spends (almost) no alpha has no bound: inf, as in the design (rpact)."""
    bounds = spending_bounds([1e-4, 1.0])
    assert np.isinf(bounds[0]) and np.isfinite(bounds[1])
    np.testing.assert_array_equal(bounds, group_sequential([1e-4, 1.0]).efficacy_bounds)


def test_update_bounds_final_look_spends_all_alpha():
    d = group_sequential([1 / 3, 2 / 3, 1.0])
    m = update_bounds(d, [0.3, 0.6, 0.9], final=True)
    assert m.cumulative_alpha_spent[-1] == pytest.approx(0.025, abs=1e-15)
    no_rejection = _mvn_below(m.efficacy_bounds, [0.3, 0.6, 0.9])
    assert 1 - no_rejection == pytest.approx(0.025, abs=2e-8)


def test_update_bounds_beta_spending_meets_at_final_look():
    d = group_sequential([1 / 3, 2 / 3, 1.0], beta_spending="OF")
    m = update_bounds(d, [0.3, 0.7, 1.0], final=True)
    assert np.isfinite(m.futility_bounds[:2]).all()
    assert m.futility_bounds[-1] == m.efficacy_bounds[-1]


def test_final_inference_at_the_bound_gives_alpha_and_a_limit_at_one():
    d = group_sequential([1 / 3, 2 / 3, 1.0])
    events = np.array([30.0, 60.0, 90.0])
    z = np.array([-1.0, -1.5, -d.efficacy_bounds[-1]])
    fi = final_inference(d, z, events)
    assert fi.stage == 3
    assert fi.p_value == pytest.approx(d.cumulative_alpha_spent[-1], abs=1e-9)
    assert fi.upper == pytest.approx(1.0, abs=1e-8)
    assert fi.lower < fi.hazard_ratio < fi.upper


def test_final_inference_at_first_look_is_the_normal_one():
    d = group_sequential([0.5, 1.0])
    z, ev = np.array([-3.2]), np.array([40.0])
    fi = final_inference(d, z, ev)
    se = 2 / np.sqrt(40)
    assert fi.stage == 1
    assert fi.p_value == pytest.approx(norm.cdf(-3.2), rel=1e-12)
    assert fi.hazard_ratio == pytest.approx(np.exp(-3.2 * se), rel=1e-12)
    assert fi.lower == pytest.approx(np.exp((-3.2 - norm.ppf(0.975)) * se), rel=1e-12)


def test_final_inference_p_value_is_monotone_in_the_statistic():
    d = group_sequential([0.5, 1.0])
    ev = np.array([50.0, 100.0])
    p = [final_inference(d, [-1.0, -zk], ev).p_value for zk in (1.5, 2.0, 2.5, 3.0)]
    assert np.all(np.diff(p) < 0)


def test_conditional_power_two_looks_closed_form():
    d = group_sequential([0.5, 1.0])
    d1, d2, z1, hr = 50.0, 100.0, -1.3, 0.7
    cp = conditional_power(d, [z1], [d1], [d2], hazard_ratio=hr)
    theta = -np.log(hr) * 0.5  # -log(HR) sqrt(r) / (1 + r) with r = 1
    c2 = d.efficacy_bounds[1]
    expected = norm.cdf(
        (np.sqrt(d1) * -z1 + theta * (d2 - d1) - c2 * np.sqrt(d2)) / np.sqrt(d2 - d1)
    )
    assert cp.power == pytest.approx(expected, abs=1e-9)
    trend = conditional_power(d, [z1], [d1], [d2])
    assert trend.hazard_ratio == pytest.approx(np.exp(z1 * 2 / np.sqrt(d1)), rel=1e-12)


def test_conditional_power_grows_with_a_better_trend():
    d = group_sequential([1 / 3, 2 / 3, 1.0])
    cps = [conditional_power(d, [z], [30], [60, 90], 0.6).power for z in (-0.5, -1.0, -1.5)]
    assert np.all(np.diff(cps) > 0)


def test_repeated_ci_excludes_one_exactly_when_the_bound_is_crossed():
    d = group_sequential([0.5, 1.0], alpha_spending="Pocock")
    c = d.efficacy_bounds[0]
    inside = repeated_confidence_intervals(d, [-(c - 1e-6)], [50])
    outside = repeated_confidence_intervals(d, [-(c + 1e-6)], [50])
    assert inside.upper[0] > 1.0 > outside.upper[0]


def test_power_of_the_planned_trial_is_the_design_power():
    d = group_sequential([1 / 3, 2 / 3, 1.0], beta=0.1, beta_spending="OF")
    plan = sample_size_survival(
        d,
        0.6,
        control_median=18,
        accrual_time=[0, 6, 24],
        accrual_intensity=[1, 2],
        follow_up=12,
        dropout_hazards=(0.01, 0.005),
        allocation_ratio=1.5,
    )
    again = power_survival(
        d,
        0.6,
        plan.max_events,
        plan.max_subjects,
        control_median=18,
        accrual_time=[0, 6, 24],
        accrual_intensity=[1, 2],
        dropout_hazards=(0.01, 0.005),
        allocation_ratio=1.5,
    )
    assert again.power == pytest.approx(0.9, abs=1e-8)
    np.testing.assert_allclose(again.analysis_times, plan.analysis_times, rtol=1e-9)
    assert plan.analysis_times[-1] == pytest.approx(36.0, abs=1e-9)
    # subjects given instead of follow-up: the follow-up comes back
    back = sample_size_survival(
        d,
        0.6,
        control_median=18,
        accrual_time=[0, 6, 24],
        accrual_intensity=[1, 2],
        max_subjects=plan.max_subjects,
        dropout_hazards=(0.01, 0.005),
        allocation_ratio=1.5,
    )
    assert back.follow_up == pytest.approx(12.0, abs=1e-7)


# ---------------------------------------------------------------------------------------------
# input errors: InputError naming the argument

D = group_sequential([0.5, 1.0])


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"information_rates": [0.6, 0.4, 1.0]}, "information_rates"),
        ({"information_rates": [0.0, 1.0]}, "information_rates"),
        ({"information_rates": [0.5, 1.2]}, "information_rates"),
        ({"information_rates": [0.5, 0.9]}, "information_rates"),
        ({"information_rates": "0.5,1"}, "information_rates"),
        ({"information_rates": [0.5, 1], "alpha": 0.0}, "alpha"),
        ({"information_rates": [0.5, 1], "alpha": 1.5}, "alpha"),
        ({"information_rates": [0.5, 1], "beta": 1.0}, "beta"),
        ({"information_rates": [0.5, 1], "alpha_spending": "Haybittle"}, "alpha_spending"),
        ({"information_rates": [0.5, 1], "alpha_spending": "HSD"}, "alpha_gamma"),
        ({"information_rates": [0.5, 1], "alpha_spending": "KD", "alpha_gamma": -1}, "alpha_gamma"),
        ({"information_rates": [0.5, 1], "alpha_spending": [0.03, 0.02]}, "alpha_spending"),
        ({"information_rates": [0.5, 1], "alpha_spending": [0.01]}, "alpha_spending"),
        ({"information_rates": [0.5, 1], "beta_spending": "nope"}, "beta_spending"),
        ({"information_rates": [0.5, 1], "beta_spending": "OF", "sided": 2}, "beta_spending"),
        ({"information_rates": [0.5, 1], "sided": 3}, "sided"),
        ({"information_rates": [0.5, 1], "futility_bounds": [0, 0]}, "futility_bounds"),
        ({"information_rates": [0.5, 1], "futility_bounds": [3.5]}, "futility_bounds"),
        ({"information_rates": [0.5, 1], "futility_bounds": [0], "sided": 2}, "futility_bounds"),
        (
            {"information_rates": [0.5, 1], "futility_bounds": [0], "beta_spending": "OF"},
            "futility_bounds",
        ),
    ],
)
def test_group_sequential_input_errors(kwargs, name):
    with pytest.raises(InputError, match=rf"^{name}:"):
        group_sequential(**kwargs)


@pytest.mark.parametrize(
    "alpha, beta, sided, name",
    [
        (0.5, 0.2, 1, "alpha"),  # rpact: alpha out of bounds [1e-06; 0.5)
        (0.6, 0.2, 1, "alpha"),
        (1.0, 0.2, 2, "alpha"),
        (0.025, 0.975, 1, "beta"),  # rpact: beta out of bounds [1e-04; 1 - alpha)
        (0.05, 0.96, 2, "beta"),
    ],
)
def test_alpha_and_beta_bounds_as_rpact(alpha, beta, sided, name):
    """One-sided alpha in (0, 0.5), two-sided (total) alpha in (0, 1), beta in (0, 1 - alpha)."""
    with pytest.raises(InputError, match=rf"^{name}: .*{alpha if name == 'alpha' else beta}"):
        group_sequential([0.5, 1.0], alpha=alpha, beta=beta, sided=sided)


def test_two_sided_alpha_above_one_half_is_accepted():
    """A two-sided alpha of 0.6 is 0.3 per side: one look has the bound z_{0.7} = 0.5244."""
    d = group_sequential([1.0], alpha=0.6, beta=0.2, sided=2)
    assert d.efficacy_bounds[0] == pytest.approx(norm.ppf(0.7), abs=1e-12)


@pytest.mark.parametrize("hr", [0.0, -0.5, 1.0, float("nan")])
def test_hazard_ratio_errors(hr):
    with pytest.raises(InputError, match=r"^hazard_ratio:"):
        events_required(D, hr)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"accrual_time": 0.0, "follow_up": 12}, "accrual_time"),
        (
            {"accrual_time": [0, 6], "accrual_intensity": [0.0], "follow_up": 12},
            "accrual_intensity",
        ),
        ({"accrual_time": [1, 6], "follow_up": 12}, "accrual_time"),
        ({"accrual_time": 12}, "follow_up, max_subjects"),
        ({"accrual_time": 12, "follow_up": 6, "max_subjects": 100}, "follow_up, max_subjects"),
        ({"accrual_time": 12, "max_subjects": 10}, "max_subjects"),
        ({"accrual_time": 12, "follow_up": 6, "dropout_hazards": (0.1,)}, "dropout_hazards"),
        ({"accrual_time": 12, "follow_up": 6, "allocation_ratio": 0}, "allocation_ratio"),
    ],
)
def test_sample_size_input_errors(kwargs, name):
    with pytest.raises(InputError, match=rf"^{name}:"):
        sample_size_survival(D, 0.7, control_median=12, **kwargs)


def test_control_arm_must_be_given_once():
    with pytest.raises(InputError, match=r"^control_median, control_hazard, control_survival:"):
        sample_size_survival(D, 0.7, control_median=12, control_hazard=0.1, follow_up=6)
    with pytest.raises(InputError, match=r"^survival_time:"):
        sample_size_survival(D, 0.7, control_survival=0.8, follow_up=6)


def test_given_binding_futility_cannot_be_respent():
    d = group_sequential([1 / 3, 2 / 3, 1], futility_bounds=[0, 0], binding_futility=True)
    with pytest.raises(InputError, match=r"^design:"):
        update_bounds(d, [0.3, 0.6])
    nb = group_sequential([1 / 3, 2 / 3, 1], futility_bounds=[0, 0])
    plain = group_sequential([1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(
        update_bounds(nb, [0.3]).efficacy_bounds,
        update_bounds(plain, [0.3]).efficacy_bounds,
        rtol=0,
        atol=0,
    )


def test_monitoring_input_errors():
    with pytest.raises(InputError, match=r"^information_fractions:"):
        update_bounds(D, [0.5, 0.4])
    with pytest.raises(InputError, match=r"^events:"):
        repeated_confidence_intervals(D, [-1.0, -2.0], [50, 40])
    with pytest.raises(InputError, match=r"^events:"):
        repeated_confidence_intervals(D, [-1.0, -2.0], [50])
    with pytest.raises(InputError, match=r"^z:"):
        conditional_power(D, [-1.0, -2.0], [50, 100], [])
    with pytest.raises(InputError, match=r"^planned_events:"):
        conditional_power(D, [-1.0], [50], [40])
    with pytest.raises(InputError, match=r"^z:"):
        final_inference(D, [-1.0], [50])
    with pytest.raises(InputError, match=r"^design:"):
        events_required("OF", 0.7)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "module",
    [
        "survtrial.design._group_sequential",
        "survtrial.design._events",
        "survtrial.design._survival",
        "survtrial.design._monitoring",
    ],
)
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0
    assert result.failed == 0


def test_newton_cotes_weights_are_scipys():
    from scipy.integrate import newton_cotes

    from survtrial.design._kernel import _NEWTON_COTES_7

    np.testing.assert_allclose(_NEWTON_COTES_7, newton_cotes(6, 1)[0], rtol=1e-15, atol=1e-15)
