"""Kaplan-Meier by stratum and the months axis (issue 11, section 2): the numbers at risk drawn
in each panel are the stratum's own Kaplan-Meier numbers (recomputed here with
survtrial.stats.kaplan_meier on the stratum's rows), at the right days, in years or months."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from survtrial.analysis import AnalysisData, AnalysisSettings, analyse
from survtrial.cli import app
from survtrial.report.figures import at_risk_days, kmunicate_rows
from survtrial.report.km_strata import stratum_km_drawing, stratum_km_figure, stratum_panels
from survtrial.stats import kaplan_meier
from survtrial.units import DAYS_PER_MONTH, DAYS_PER_YEAR
from tests.helpers import FIXTURES

runner = CliRunner()


def _data(strata=("SR-Average", "SR-High", "Very high"), arms=("control", "drug")):
    rng = np.random.default_rng(7)
    n = 360
    arm = np.repeat([0, 1], n // 2)
    stratum = rng.integers(0, len(strata), n)
    t = np.ceil(rng.exponential(np.where(arm == 1, 1100, 600)))
    c = np.ceil(rng.uniform(100, 1700, n))
    return AnalysisData(
        time_days=np.minimum(t, c).astype(float), event=(t <= c).astype(np.int64), arm=arm,
        arm_labels=arms, stratum=stratum, stratum_labels=tuple(strata),
        strata_columns=("STRATUM",) if len(strata) > 1 else (), cause=None, cause_labels=(),
        subject=pd.Series(np.arange(n).astype(str)), unit="days", sources={}, columns={},
        files=(), excluded=(),
    )  # fmt: skip


def _result(data):
    return analyse(data, AnalysisSettings(milestone_days=365.25, milestone_text="1 year"))


@pytest.fixture(scope="module")
def data():
    return _data()


@pytest.fixture(scope="module")
def result(data):
    return _result(data)


def _drawn_at_risk(fig, title):
    """{row: [(x drawn, text)]} of the numbers-at-risk axes of panel ``title``."""
    tab = next(ax for ax in fig.axes if ax.get_label() == f"at risk: {title}")
    rows: dict[int, list] = {}
    for t in tab.texts:
        if t.get_transform() == tab.transData:  # values; the labels sit in axes coordinates
            x, y = t.get_position()
            rows.setdefault(round(y), []).append((x, t.get_text()))
    return rows


@pytest.mark.parametrize("unit", ["years", "months"])
def test_each_panel_draws_its_strata_numbers_at_risk(data, result, unit):
    """Panel by panel, arm by arm: the numbers drawn are the KM of that stratum's rows at the
    drawn times (in days: x times the unit's days), and the times are the unit's grid."""
    import matplotlib.pyplot as plt

    fig = stratum_km_drawing(result, "DFS", time_unit=unit)
    per_unit = DAYS_PER_YEAR if unit == "years" else DAYS_PER_MONTH
    expected_days = at_risk_days(float(data.time_days.max()), unit)
    try:
        for j, st in enumerate(data.stratum_labels):
            rows = _drawn_at_risk(fig, f"DFS, {st}")
            assert sorted(rows) == [0, 1]
            for i in (0, 1):
                sel = (data.stratum == j) & (data.arm == i)
                ref = kaplan_meier(data.time_days[sel], data.event[sel])
                x = np.array([p[0] for p in rows[i]])
                np.testing.assert_allclose(x * per_unit, expected_days, rtol=0, atol=1e-9)
                assert [p[1] for p in rows[i]] == [str(v) for v in ref.n_risk_at(x * per_unit)]
                assert int(rows[i][0][1]) == int(sel.sum())  # everyone at risk at time 0
    finally:
        plt.close(fig)


def test_years_panels_use_the_analysis_grid(result):
    """In years the panels' numbers are the analysis' own per-stratum at-risk rows."""
    for p in stratum_panels(result, "years"):
        for a in result.arms:
            assert p.at_risk[a] == list(
                result.kaplan_meier.by_stratum_and_arm[p.stratum][a].n_at_risk.values())


def test_month_grid_is_in_days():
    """Every 3 months under a year of follow-up, 6 from a year, 12 from four years; a month is
    365.25 / 12 days."""
    np.testing.assert_allclose(at_risk_days(300, "months"), [0, 91.3125, 182.625, 273.9375])
    np.testing.assert_allclose(at_risk_days(1000, "months"), np.arange(6) * 6 * 30.4375)
    np.testing.assert_allclose(at_risk_days(1461, "months"), np.arange(5) * 365.25)
    assert at_risk_days(1000, "years").tolist() == [0.0, 365.25, 730.5]


def test_kmunicate_rows_in_months_are_the_curves(data, result):
    days = at_risk_days(float(data.time_days.max()), "months")
    rows = kmunicate_rows(result, days)
    for i, arm in enumerate(result.arms):
        ref = kaplan_meier(data.time_days[data.arm == i], data.event[data.arm == i])
        at_risk, events, censored = rows[3 * i: 3 * i + 3]
        assert at_risk.values == ref.n_risk_at(days).tolist()
        for a, e, c in zip(at_risk.values, events.values, censored.values, strict=True):
            assert a + e + c == result.n[arm]


def test_empty_cell_draws_zero_at_risk_and_no_curve():
    d = _data(strata=("A", "B"))
    d = dataclasses.replace(d, stratum=np.where(d.arm == 1, 0, d.stratum))  # drug only in A
    res = _result(d)
    panel = {p.stratum: p for p in stratum_panels(res, "months")}["B"]
    assert panel.curves["drug"] is None and panel.n["drug"] == 0
    assert panel.at_risk["drug"] == [0] * panel.days.size


def test_no_strata_no_figure(tmp_path):
    res = _result(_data(strata=("all",)))
    assert stratum_panels(res) == [] and stratum_km_figure(res, "DFS", tmp_path / "k") == []


def test_user_strings_with_dollars_draw_as_written(tmp_path):
    """An arm called 'x$^{$y' is drawn as text, not parsed as (broken) mathtext."""
    res = _result(_data(strata=("A", "B$^{$"), arms=("x$^{$y", "drug")))
    paths = stratum_km_figure(res, "DFS", tmp_path / "k", time_unit="months")
    assert all(p.stat().st_size > 0 for p in paths)
    from survtrial.report.figures import analysis_km_figure

    assert analysis_km_figure(res, "DFS", tmp_path / "a")


def test_analyze_report_has_the_stratum_figure_in_months(tmp_path):
    src = FIXTURES / "analyze" / "adtte_small.csv"
    res = runner.invoke(app, ["analyze", str(src), "--param", "DFS", "--report", "--out",
                              str(tmp_path), "--time-unit", "months"])
    assert res.exit_code == 0, res.output
    html = (tmp_path / "report.html").read_text()
    assert "Kaplan-Meier by stratum and arm" in html and "km_strata.svg" in res.output
    assert html.count("<svg") >= 2 and 'src="' not in html


def test_bad_time_unit_is_one_line(tmp_path):
    src = FIXTURES / "analyze" / "adtte_small.csv"
    res = runner.invoke(app, ["analyze", str(src), "--param", "DFS", "--out", str(tmp_path),
                              "--time-unit", "weeks"])
    assert res.exit_code == 2
    assert res.stderr.strip() == "error: --time-unit: 'weeks' is not one of years, months"
