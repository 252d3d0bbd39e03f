"""survtrial.design against rpact 3.3.4 (independent implementation, compared number by number).

The oracle is tests/reference/make_design_reference.R (rpact 3.3.4 on R 4.2); its JSON output
lives in tests/reference/fixtures/design/. Tolerances:

* 1e-6 absolute on z bounds, spent alpha and beta, power and stage-wise probabilities, and
  1e-6 relative on inflation factors, expected information, events and subjects: rpact solves
  bounds by bisection to 1e-8 and integrates on the same 91-node Newton-Cotes grid, so the two
  agree to about 1e-8;
* 1e-5 relative where rpact finds a root with its analysis tolerance of 1e-6 (repeated
  confidence intervals, median-unbiased estimate and final confidence interval, follow-up time
  and calendar times of the looks): there rpact itself is only that precise.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from survtrial import InputError
from survtrial.design import (
    conditional_power,
    dropout_hazard,
    events_required,
    final_inference,
    group_sequential,
    power_survival,
    repeated_confidence_intervals,
    sample_size_survival,
    update_bounds,
)

FIXTURES = Path(__file__).parent / "reference" / "fixtures" / "design"


def _num(value):
    """JSON value written by jsonlite (na="string") -> float array (NA -> nan)."""
    if value is None or value == "NA":
        return np.array([np.nan])
    if isinstance(value, list):
        return np.array([_scalar(v) for v in value], dtype=float)
    return np.array([_scalar(value)], dtype=float)


def _scalar(v):
    if v in ("NA", "NaN", None):
        return np.nan
    if v == "Inf":
        return np.inf
    if v == "-Inf":
        return -np.inf
    return float(v)


def _cases(name: str) -> list[dict]:
    with open(FIXTURES / name) as fh:
        return json.load(fh)["cases"]


def _spec(value):
    arr = _num(value)
    return None if np.isnan(arr).all() else arr


def design_from_rpact(inp: dict):
    """Build our design from the rpact arguments recorded in a fixture."""
    rates = _num(inp["information_rates"])
    user_a = _spec(inp.get("user_alpha_spending"))
    tod = inp["type_of_design"]
    alpha_spending = user_a if tod == "asUser" else tod
    gamma_a = _spec(inp.get("gamma_a"))
    tbs = inp.get("type_beta_spending", "none")
    beta_spending = None
    if tbs == "bsUser":
        beta_spending = _spec(inp.get("user_beta_spending"))
    elif tbs != "none":
        beta_spending = tbs
    gamma_b = _spec(inp.get("gamma_b"))
    return group_sequential(
        rates,
        alpha=inp["alpha"],
        beta=inp["beta"],
        alpha_spending=alpha_spending,
        alpha_gamma=None if gamma_a is None else float(gamma_a[0]),
        beta_spending=beta_spending,
        beta_gamma=None if gamma_b is None else float(gamma_b[0]),
        binding_futility=bool(inp.get("binding_futility", False)),
        sided=int(inp.get("sided", 1)),
        futility_bounds=_spec(inp.get("futility_bounds_given")),
    )


DESIGNS = _cases("designs.json")


def test_fixture_count_covers_the_issue():
    assert len(DESIGNS) >= 25
    kinds = {c["input"]["type_of_design"] for c in DESIGNS}
    assert {"asOF", "asP", "asHSD", "asKD", "asUser"} <= kinds
    assert any(c["input"]["sided"] == 2 for c in DESIGNS)
    assert any(c["input"]["binding_futility"] for c in DESIGNS)


@pytest.mark.parametrize("case", DESIGNS, ids=[c["id"] for c in DESIGNS])
def test_design_matches_rpact(case):
    d = design_from_rpact(case["input"])
    k = d.kmax
    crit = _num(case["critical_values"])
    np.testing.assert_allclose(d.efficacy_bounds, crit, atol=1e-6, rtol=0)
    np.testing.assert_allclose(d.cumulative_alpha_spent, _num(case["alpha_spent"]), atol=1e-7)
    np.testing.assert_allclose(d.nominal_p_bounds, _num(case["stage_levels"]), atol=1e-7)
    assert d.inflation_factor == pytest.approx(case["inflation_factor"], rel=1e-6)
    assert d.drift**2 == pytest.approx(case["shift"], rel=1e-6)
    np.testing.assert_allclose(d.cumulative_power, _num(case["power"]), atol=1e-6)
    if k == 1:
        return
    np.testing.assert_allclose(
        d.rejection_probabilities_h1, _num(case["rejection_probabilities"]), atol=1e-6
    )
    np.testing.assert_allclose(
        d.futility_probabilities_h1, _num(case["futility_probabilities"]), atol=1e-6
    )
    assert d.expected_information_h0 == pytest.approx(case["asn0"], rel=1e-6)
    assert d.expected_information_h01 == pytest.approx(case["asn01"], rel=1e-6)
    assert d.expected_information_h1 == pytest.approx(case["asn1"], rel=1e-6)
    if case["input"]["type_beta_spending"] != "none":
        np.testing.assert_allclose(d.futility_bounds, _num(case["futility_bounds"]), atol=1e-6)
        np.testing.assert_allclose(d.cumulative_beta_spent, _num(case["beta_spent"]), atol=1e-6)
    elif _spec(case["input"].get("futility_bounds_given")) is not None:
        np.testing.assert_allclose(d.futility_bounds, _num(case["futility_bounds"]), atol=1e-12)
    else:
        assert np.all(np.isneginf(d.futility_bounds))


# ---------------------------------------------------------------------------------------------
# monitoring: bounds re-spent at observed information (rpact: asUser re-design)

MONITORING = _cases("monitoring.json")


@pytest.mark.parametrize("case", MONITORING, ids=[c["id"] for c in MONITORING])
def test_update_bounds_matches_rpact(case):
    inp = case["input"]
    gamma = _spec(inp["gamma_a"])
    d = group_sequential(
        _num(inp["planned_information_rates"]),
        alpha=inp["alpha"],
        sided=inp["sided"],
        alpha_spending=inp["type_of_design"],
        alpha_gamma=None if gamma is None else float(gamma[0]),
    )
    m = update_bounds(d, _num(inp["observed"]), final=inp["final"])
    np.testing.assert_allclose(m.efficacy_bounds, _num(case["critical_values"]), atol=1e-6)
    np.testing.assert_allclose(m.cumulative_alpha_spent, _num(case["alpha_spent"]), atol=1e-7)


# ---------------------------------------------------------------------------------------------
# sample size and power (getSampleSizeSurvival / getPowerSurvival)

SURVIVAL = _cases("survival.json")


def design_from_args(da: dict):
    """Our design from the getDesignGroupSequential() arguments recorded in a fixture."""
    return group_sequential(
        da["informationRates"],
        alpha=da["alpha"],
        beta=da["beta"],
        sided=da.get("sided", 1),
        alpha_spending=da["typeOfDesign"],
        alpha_gamma=da.get("gammaA"),
        beta_spending=da.get("typeBetaSpending"),
    )


def _plan(case):
    d = design_from_args(case["design"])
    a = case["input"]
    kw = {}
    if "pi2" in a:
        kw.update(control_survival=1 - a["pi2"], survival_time=a["eventTime"])
    if "median2" in a:
        kw["control_median"] = a["median2"]
    if "lambda2" in a:
        kw["control_hazard"] = a["lambda2"]
    if a["accrualTime"] == 0:  # rpact: absolute intensity, accrual duration to be found
        kw["accrual_rate"] = a["accrualIntensity"]
    else:
        kw["accrual_time"] = a["accrualTime"]
        if "accrualIntensity" in a:
            kw["accrual_intensity"] = a["accrualIntensity"]
    t_drop = a.get("dropoutTime", 12)
    kw["dropout_hazards"] = (
        dropout_hazard(a.get("dropoutRate1", 0.0), t_drop),
        dropout_hazard(a.get("dropoutRate2", 0.0), t_drop),
    )
    kw["allocation_ratio"] = a.get("allocationRatioPlanned", 1.0)
    kw["method"] = a.get("typeOfComputation", "Schoenfeld")
    if case["kind"] == "sample_size":
        if "followUpTime" in a:
            kw["follow_up"] = a["followUpTime"]
        if "maxNumberOfSubjects" in a:
            kw["max_subjects"] = a["maxNumberOfSubjects"]
        return d, sample_size_survival(d, a["hazardRatio"], **kw)
    return d, power_survival(
        d, a["hazardRatio"], a["maxNumberOfEvents"], a["maxNumberOfSubjects"], **kw
    )


@pytest.mark.parametrize("case", SURVIVAL, ids=[c["id"] for c in SURVIVAL])
def test_survival_plan_matches_rpact(case):
    d, p = _plan(case)
    rel = {"rel": 1e-6}
    assert p.max_events == pytest.approx(float(_num(case["max_events"])[0]), **rel)
    assert p.max_subjects == pytest.approx(float(_num(case["max_subjects"])[0]), **rel)
    assert p.hazard_control == pytest.approx(float(_num(case["lambda2"])[0]), rel=1e-12)
    assert p.hazard_experimental == pytest.approx(float(_num(case["lambda1"])[0]), rel=1e-12)
    np.testing.assert_allclose(p.events, _num(case["events_per_stage"]), rtol=1e-6)
    np.testing.assert_allclose(p.accrual_intensity, _num(case["accrual_intensity"]), rtol=1e-6)
    # calendar times: rpact solves them by root search to about 1e-7 relative
    np.testing.assert_allclose(p.analysis_times, _num(case["analysis_time"]), rtol=1e-5)
    np.testing.assert_allclose(p.subjects, _num(case["subjects_per_stage"]), rtol=1e-5)
    assert p.follow_up == pytest.approx(float(_num(case["follow_up"])[0]), rel=1e-5)
    np.testing.assert_allclose(p.rejection_probabilities, _num(case["reject_per_stage"]), atol=1e-6)
    fut = _num(case["futility_per_stage"])
    if fut.size == 0:  # rpact leaves it empty without futility bounds
        fut = np.zeros(d.kmax - 1)
    np.testing.assert_allclose(p.futility_probabilities, fut, atol=1e-6)
    assert p.expected_duration == pytest.approx(float(_num(case["study_duration"])[0]), rel=1e-5)
    if case["kind"] == "sample_size":
        assert p.expected_events_h1 == pytest.approx(
            float(_num(case["expected_events_h1"])[0]), **rel
        )
        assert p.expected_events_h0 == pytest.approx(
            float(_num(case["expected_events_h0"])[0]), **rel
        )
        assert p.expected_events_h01 == pytest.approx(
            float(_num(case["expected_events_h01"])[0]), **rel
        )
        assert p.expected_subjects == pytest.approx(
            float(_num(case["expected_subjects_h1"])[0]), rel=1e-5
        )
        assert p.power == pytest.approx(1 - case["design"]["beta"], abs=1e-6)
        # events and the hazard-ratio scale of the bounds (criticalValuesEffectScale)
        ev = events_required(d, p.hazard_ratio, p.allocation_ratio, p.method)
        assert ev.events_fixed == pytest.approx(float(_num(case["events_fixed"])[0]), **rel)
        for h in ("h0", "h1"):  # from the design's expected information, as `design` prints
            assert getattr(ev, f"expected_events_{h}") == pytest.approx(
                float(_num(case[f"expected_events_{h}"])[0]), **rel
            )
        hr_b = _num(case["hr_bounds"])
        if hr_b.size == 0:  # two-sided: rpact gives both sides; the benefit side is the lower
            hr_b = _num(case["hr_bounds_lower"])
        np.testing.assert_allclose(ev.hr_efficacy_bounds, hr_b[: d.kmax], rtol=1e-6)
        if d.has_futility:
            np.testing.assert_allclose(
                ev.hr_futility_bounds, _num(case["hr_futility_bounds"]), rtol=1e-6
            )
    else:
        assert p.power == pytest.approx(float(_num(case["overall_reject"])[0]), abs=1e-6)
        assert p.expected_events_h1 == pytest.approx(float(_num(case["expected_events"])[0]), **rel)
        assert p.expected_subjects == pytest.approx(
            float(_num(case["expected_subjects"])[0]), rel=1e-5
        )


# ---------------------------------------------------------------------------------------------
# analysis: conditional power, repeated CIs, final inference (getAnalysisResults)

ANALYSIS = _cases("analysis.json")


@pytest.mark.parametrize("case", ANALYSIS, ids=[c["id"] for c in ANALYSIS])
def test_analysis_matches_rpact(case):
    d = design_from_args(case["design"])
    a = case["input"]
    ev, z, r = _num(a["events"]), _num(a["logranks"]), a["allocation_ratio"]
    k = z.size
    rci = repeated_confidence_intervals(d, z, ev, r)
    # rpact finds RCI limits by root search with tolerance 1e-6 (we use the closed form)
    np.testing.assert_allclose(rci.lower, _num(case["rci_lower"])[:k], rtol=1e-5)
    np.testing.assert_allclose(rci.upper, _num(case["rci_upper"])[:k], rtol=1e-5)
    if k < d.kmax:
        theta = _spec(a["theta_h1"])
        cp = conditional_power(
            d,
            z,
            ev,
            ev[-1] + np.cumsum(_num(a["n_planned"])),
            hazard_ratio=None if theta is None else float(theta[0]),
            allocation_ratio=r,
        )
        assert cp.hazard_ratio == pytest.approx(float(_num(case["theta_h1_used"])[0]), rel=1e-10)
        np.testing.assert_allclose(cp.cumulative, _num(case["conditional_power"])[k:], atol=1e-6)
    stage = _num(case["final_stage"])[0]
    if np.isnan(stage):
        with pytest.raises(InputError, match="z:"):
            final_inference(d, z, ev, r)
        return
    fi = final_inference(d, z, ev, r)
    assert fi.stage == int(stage)
    j = int(stage) - 1
    assert fi.p_value == pytest.approx(float(_num(case["final_p"])[j]), abs=1e-8, rel=1e-6)
    # rpact's root search for theta has tolerance 1e-6: compare at 1e-5 relative
    assert fi.hazard_ratio == pytest.approx(float(_num(case["median_unbiased"])[j]), rel=1e-5)
    assert fi.lower == pytest.approx(float(_num(case["final_ci_lower"])[j]), rel=1e-5)
    assert fi.upper == pytest.approx(float(_num(case["final_ci_upper"])[j]), rel=1e-5)
