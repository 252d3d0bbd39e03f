"""The report's figures are drawn from the result objects: their data equal the analysis'
numbers (not only "it ran"); the HTML pages embed them (inline SVG)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from survtrial.analysis import AnalysisData, AnalysisSettings, analyse
from survtrial.analysis.result import CoxSummary
from survtrial.analysis.run import heterogeneity
from survtrial.report.figures import analysis_curves, forest_rows, incidence_curves
from survtrial.stats import cumulative_incidence


@pytest.fixture(scope="module")
def data() -> AnalysisData:
    rng = np.random.default_rng(31)
    n = 400
    arm = np.repeat([0, 1], n // 2)
    stratum = rng.integers(0, 2, n)
    t = np.ceil(rng.exponential(np.where(arm == 1, 900, 500)))
    c = np.ceil(rng.uniform(200, 1500, n))
    event = (t <= c).astype(np.int64)
    cause = np.where(event == 1, rng.integers(1, 3, n), 0)
    return AnalysisData(
        time_days=np.minimum(t, c).astype(float), event=event, arm=arm,
        arm_labels=("control", "drug"), stratum=stratum, stratum_labels=("A", "B"),
        strata_columns=("STRATUM",), cause=cause, cause_labels=("relapse", "death"),
        subject=pd.Series(np.arange(n).astype(str)), unit="days", sources={}, columns={},
        files=(), excluded=(),
    )  # fmt: skip


@pytest.fixture(scope="module")
def result(data):
    return analyse(data, AnalysisSettings(milestone_days=365.25, milestone_text="1 year"))


def test_km_curves_are_the_estimates(result):
    for curve, arm in zip(analysis_curves(result), result.arms, strict=True):
        f = result.kaplan_meier.by_arm[arm].curve
        drops = f.time[f.n_event > 0]
        np.testing.assert_allclose(curve.x_years[1:-1] * 365.25, drops)
        np.testing.assert_allclose(curve.y_pct[1:-1], 100 * f.survival_at(drops))
        cens = f.time[f.n_censor > 0]
        np.testing.assert_allclose(curve.censor_x_years * 365.25, cens)


def test_incidence_curves_are_the_estimates(data, result):
    ref = cumulative_incidence(data.time_days, data.cause, group=data.arm, levels=(0, 1))
    curves = incidence_curves(result)
    assert len(curves) == 4  # two causes x two arms
    for curve in curves:
        cause_label, arm_label = curve.label.split(": ")
        k = data.cause_labels.index(cause_label) + 1
        i = result.arms.index(arm_label)
        f = ref.curves[(k, i)]
        np.testing.assert_allclose(curve.x_years[1:-1] * 365.25, f.time)
        np.testing.assert_allclose(curve.y_pct[1:-1], 100 * f.estimate)
        assert curve.x_years[-1] * 365.25 == pytest.approx(f.max_time)


def test_forest_rows_are_the_hazard_ratios(result):
    rows = forest_rows(result)
    assert [r.label for r in rows] == ["Overall (stratified)", "A", "B"]
    cox = result.cox
    for r, c in zip(rows, [cox.overall, cox.by_stratum["A"], cox.by_stratum["B"]], strict=True):
        assert (r.hazard_ratio, r.low, r.high, r.events) == (c.hazard_ratio, *c.ci, c.events)


def test_heterogeneity_is_cochrans_q_by_hand():
    """b = (-1, -0.2), s = (0.5, 0.4): w = (4, 6.25), pooled -0.5122, Q = 1.5610, p on 1 df."""
    strata = {
        "A": CoxSummary(math.exp(-1.0), (None, None), None, coef=-1.0, std_err=0.5),
        "B": CoxSummary(math.exp(-0.2), (None, None), None, coef=-0.2, std_err=0.4),
        "C": CoxSummary(None, (None, None), None, error="no events"),
    }
    h = heterogeneity(strata)
    w = np.array([4.0, 6.25])
    b = np.array([-1.0, -0.2])
    pooled = (w * b).sum() / w.sum()
    q = (w * (b - pooled) ** 2).sum()
    assert h.statistic == pytest.approx(q, rel=1e-14) and h.df == 1
    assert h.pvalue == pytest.approx(math.erfc(math.sqrt(q / 2)), rel=1e-12)  # chi2(1) tail
    assert h.strata_used == ("A", "B")


def test_pages_embed_their_figures(tmp_path, data, result):
    from survtrial.report.analysis_report import write_analysis

    out = write_analysis(tmp_path, data, result.settings, result, report=True, title="t")
    html = (tmp_path / "report.html").read_text()
    assert html.count("<svg") == 4  # KM, KM by stratum, cumulative incidence, forest
    assert "<?xml" not in html and '<img src="km.svg"' not in html
    for name in ("km.svg", "km_strata.svg", "cif.svg", "forest.svg", "km.png", "cif.png",
                 "forest.png"):  # fmt: skip
        assert name in out.written and (tmp_path / name).stat().st_size > 0


def test_kmunicate_table_adds_up(result):
    """At each year: at risk + events so far + censored so far = the arm's patients (every
    patient is in exactly one of the three), and the counts are the KM result's."""
    from survtrial.report.figures import kmunicate_rows

    rows = kmunicate_rows(result)
    assert len(rows) == 3 * len(result.arms)
    for i, arm in enumerate(result.arms):
        at_risk, events, censored = rows[3 * i : 3 * i + 3]
        km = result.kaplan_meier.by_arm[arm]
        assert at_risk.values == list(km.n_at_risk.values())
        for a, e, c in zip(at_risk.values, events.values, censored.values, strict=True):
            assert a + e + c == result.n[arm]
        assert events.values[0] == censored.values[0] == 0


def test_boundary_figure_draws_the_designs_bounds(tmp_path):
    from typer.testing import CliRunner

    from survtrial.cli import app
    from survtrial.design import group_sequential
    from survtrial.report.figures import boundary_points

    d = group_sequential([1 / 3, 2 / 3, 1], alpha=0.025, beta=0.2, alpha_spending="OF",
                         beta_spending="OF")
    pts = boundary_points(d)
    np.testing.assert_array_equal(pts["efficacy_z"], d.efficacy_bounds)
    np.testing.assert_array_equal(pts["futility_z"], d.futility_bounds)
    np.testing.assert_array_equal(pts["futility_t"], d.information_rates[:-1])
    res = CliRunner().invoke(
        app, ["design", "--beta-spending", "OF", "--plot", str(tmp_path / "b" / "bounds")]
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "b" / "bounds.png").stat().st_size > 0
    assert (tmp_path / "b" / "bounds.svg").stat().st_size > 0


def test_consort_flow_adds_up():
    """Everyone enrolled by the cut is randomized by it, not randomized for a stated reason,
    or waiting for randomization; the analysis is by intention to treat."""
    from survtrial.protocol import load_builtin
    from survtrial.trial import consort, cut_data, run_trials

    run = run_trials(load_builtin("aall1731"), 16, seed=3)
    b = run.first_batch
    cd = cut_data(b, run.first_cut_day)
    flow = consort(b, cd, 0)
    total = sum(flow.not_randomized.values()) + flow.randomization_pending
    assert flow.enrolled == total + sum(flow.randomized.values())
    assert flow.enrolled == int(cd.enrolled[0].sum())
    assert sum(flow.randomized.values()) == int(cd.in_data[0].sum())
    assert flow.analysed == flow.randomized
    assert all(n > 0 for n in flow.not_randomized.values())


def test_power_curve_is_power_survival_on_a_grid():
    """At the planning hazard ratio the curve gives the plan's power (1 - beta), and it falls
    as the effect shrinks; each point is power_survival's (checked against rpact elsewhere)."""
    from survtrial.design import group_sequential, power_curve, power_survival, sample_size_survival
    from survtrial.report.design_report import power_grid

    d = group_sequential([1 / 3, 2 / 3, 1], alpha=0.025, beta=0.1)
    plan = sample_size_survival(d, 0.5, control_survival=0.88, survival_time=36,
                                accrual_time=36, follow_up=36)
    curve = power_curve(plan, [0.5, *power_grid(0.5)])
    assert curve[0] == (0.5, pytest.approx(0.9, abs=1e-12))
    powers = [p for _, p in curve[1:]]
    assert powers == sorted(powers, reverse=True) and 1.0 not in [h for h, _ in curve]
    one = power_survival(d, 0.7, plan.max_events, plan.max_subjects,
                         control_hazard=plan.hazard_control, accrual_time=plan.accrual_time,
                         accrual_intensity=plan.accrual_intensity)
    assert power_curve(plan, [0.7])[0][1] == pytest.approx(one.power, rel=1e-12)


def test_adverse_event_dot_plot_rows_are_the_analysis(data):
    """The dot plot's risks and differences are the analysis' adverse-event numbers."""
    from survtrial.report.figures import adverse_event_rows

    rng = np.random.default_rng(2)
    pick = rng.random(data.n) < 0.3
    pairs = pd.DataFrame({"subject": np.flatnonzero(pick), "term": "Rash", "arm": data.arm[pick]})
    more = pd.DataFrame({"subject": [0, 250], "term": "Fever", "arm": data.arm[[0, 250]]})
    import dataclasses

    d = dataclasses.replace(data, adverse_events=pd.concat([pairs, more], ignore_index=True))
    res = analyse(d, AnalysisSettings(milestone_days=365.25, milestone_text="1 year"))
    rows = adverse_event_rows(res)
    assert {r.term for r in rows} == {"Rash", "Fever"}
    for r in rows:
        t = res.adverse_events.terms[r.term]
        assert r.risk == (t.risk["control"], t.risk["drug"])
        assert (r.difference, r.low, r.high) == (t.risk_difference, *t.ci)
    assert [r.difference for r in rows] == sorted([r.difference for r in rows], reverse=True)
