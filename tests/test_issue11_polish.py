"""Issue 11, the last gaps: the cumulative-incidence figure in years or months (the x drawn is
the estimator's days), the real-data CONSORT in the final-analysis report, the first-events
table of a reproduction, and honest grades in a simulated ADAE."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survtrial.analysis import AnalysisData, AnalysisSettings, analyse
from survtrial.report.figures import at_risk_days, incidence_drawing
from survtrial.stats import cumulative_incidence, kaplan_meier
from survtrial.units import DAYS_PER_MONTH, DAYS_PER_YEAR


@pytest.fixture(scope="module")
def data() -> AnalysisData:
    rng = np.random.default_rng(11)
    n = 300
    arm = np.repeat([0, 1], n // 2)
    t = np.ceil(rng.exponential(np.where(arm == 1, 900, 500)))
    c = np.ceil(rng.uniform(200, 1400, n))  # under 4 years: a 6-month grid
    event = (t <= c).astype(np.int64)
    cause = np.where(event == 1, rng.integers(1, 3, n), 0)
    return AnalysisData(
        time_days=np.minimum(t, c).astype(float), event=event, arm=arm,
        arm_labels=("control", "drug"), stratum=np.zeros(n, dtype=np.int64),
        stratum_labels=("all",), strata_columns=(), cause=cause,
        cause_labels=("marrow", "CNS"), subject=pd.Series(np.arange(n).astype(str)),
        unit="days", sources={}, columns={}, files=(), excluded=(),
    )  # fmt: skip


@pytest.fixture(scope="module")
def result(data):
    return analyse(data, AnalysisSettings(milestone_days=365.25, milestone_text="1 year"))


def _at_risk_texts(fig):
    """{row: [(x drawn, text)]} of the figure's numbers-at-risk axes (data coordinates)."""
    tab = next(ax for ax in fig.axes if ax.get_label().startswith("at risk: "))
    rows: dict[int, list] = {}
    for t in tab.texts:
        if t.get_transform() == tab.transData:
            x, y = t.get_position()
            rows.setdefault(round(y), []).append((x, t.get_text()))
    return rows


@pytest.mark.parametrize("unit", ["years", "months"])
def test_incidence_figure_draws_the_estimates_days_in_the_unit(data, result, unit):
    """Each drawn curve's x (in the unit) times the unit's days is the Aalen-Johansen step
    days of that cause and arm (recomputed here), its y the estimate in percent; the at-risk
    rows sit at the unit's grid and hold each arm's Kaplan-Meier numbers at risk then."""
    import matplotlib.pyplot as plt

    per_unit = DAYS_PER_YEAR if unit == "years" else DAYS_PER_MONTH
    ref = cumulative_incidence(data.time_days, data.cause, group=data.arm, levels=(0, 1))
    fig = incidence_drawing(result, time_unit=unit)
    try:
        ax = fig.axes[0]
        assert ax.get_xlabel() == f"{unit.capitalize()} since start of follow-up"
        lines = {ln.get_label(): ln for ln in ax.get_lines() if not ln.get_label().startswith("_")}
        assert len(lines) == 4  # two causes x two arms
        for k, cause in enumerate(data.cause_labels, start=1):
            for i, arm in enumerate(data.arm_labels):
                f = ref.curves[(k, i)]
                ln = lines[f"{cause}: {arm}"]
                x_days = np.asarray(ln.get_xdata(), dtype=float) * per_unit
                np.testing.assert_allclose(x_days[1:-1], f.time, rtol=1e-12, atol=1e-9)
                assert x_days[0] == 0.0 and x_days[-1] == pytest.approx(f.max_time, rel=1e-12)
                np.testing.assert_allclose(np.asarray(ln.get_ydata())[1:-1], 100 * f.estimate)
        rows = _at_risk_texts(fig)
        expected_days = (np.asarray(result.kaplan_meier.at_risk_years) * DAYS_PER_YEAR
                         if unit == "years" else at_risk_days(float(data.time_days.max()), unit))
        for i in (0, 1):
            km = kaplan_meier(data.time_days[data.arm == i], data.event[data.arm == i])
            x = np.array([p[0] for p in rows[i]])
            np.testing.assert_allclose(x * per_unit, expected_days, rtol=0, atol=1e-9)
            assert [p[1] for p in rows[i]] == [str(v) for v in km.n_risk_at(expected_days)]
        if unit == "months":  # every 6 months, unlike the yearly grid
            np.testing.assert_allclose(np.diff(expected_days), 6 * DAYS_PER_MONTH)
    finally:
        plt.close(fig)


def test_analyze_report_passes_the_time_unit_to_the_incidence_figure(tmp_path, monkeypatch,
                                                                     data, result):
    """write_analysis (what `analyze --time-unit` calls) draws the incidence figure in the
    unit asked for, as the KM figures."""
    import survtrial.report.analysis_report as ar

    seen = {}
    real = ar.incidence_figure

    def spy(res, stem, time_unit="years"):
        seen["unit"] = time_unit
        return real(res, stem, time_unit=time_unit)

    monkeypatch.setattr(ar, "incidence_figure", spy)
    ar.write_analysis(tmp_path, data, result.settings, result, report=True, title="t",
                      time_unit="months")
    assert seen == {"unit": "months"} and (tmp_path / "cif.svg").stat().st_size > 0


@pytest.fixture(scope="module")
def reproduction(tmp_path_factory):
    """What `survtrial reproduce aall1731 --report` writes (32 replicates), and the
    Reproduction it wrote it from."""
    from survtrial.cli._common import protocol_text
    from survtrial.report.reproduction import write_reproduction
    from survtrial.reproduce import reproduce

    text, source, name = protocol_text("aall1731", True)
    rep = reproduce(text, source, name, seed=9, replicates=32, vary=(), workers=1)
    out = tmp_path_factory.mktemp("rep")
    written = write_reproduction(rep, out, report=True)
    return rep, out, written


def test_reproduction_first_events_are_the_first_trials_causes(reproduction):
    """The first-events table (CSV beside the page and in report.html) holds, per cause and
    arm, the first trial's patients whose first event is that cause at the analysis cut,
    counted here from the simulated batch (and from the ADTTE written of it); rows named by
    the protocol's event labels."""
    from survtrial.trial import cut_data

    rep, out, written = reproduction
    assert "first_events.csv" in written
    run = rep.run
    p = run.first_batch.protocol
    cd = cut_data(run.first_batch, run.first_cut_day)
    m = cd.in_data[0]
    arm, cause = run.first_batch.arm[0][m], cd.cause[0][m]
    arms = [p.control.name, p.experimental.name]
    n = [int((arm == i).sum()) for i in (0, 1)]
    table = pd.read_csv(out / "first_events.csv", dtype=str).set_index("first event")
    assert list(table.columns) == [f"{a} (n = {k})" for a, k in zip(arms, n, strict=True)] + [
        f"Total (n = {sum(n)})"]

    def cell(k, nn):
        return f"{k} ({100 * k / nn:.1f})"

    expected = {}
    for j, e in enumerate(p.outcomes.event_types, start=1):
        per_arm = [int(((cause == j) & (arm == i)).sum()) for i in (0, 1)]
        if sum(per_arm) or e.label in table.index:
            expected[e.label] = per_arm  # the table names causes by their labels
    events = [int(((cause > 0) & (arm == i)).sum()) for i in (0, 1)]
    expected["Any event"] = events
    expected["No event (censored)"] = [n[i] - events[i] for i in (0, 1)]
    assert set(table.index) == set(expected)
    for row, per_arm in expected.items():
        cells = [cell(k, nn) for k, nn in zip(per_arm, n, strict=True)]
        assert table.loc[row].tolist() == [*cells, cell(sum(per_arm), sum(n))], row
    assert sum(expected[e.label][0] + expected[e.label][1]
               for e in p.outcomes.event_types if e.label in expected) == sum(events)
    # the same counts from the ADTTE of that trial (EVNTDESC holds the event's label)
    from survtrial.io.adam import adtte

    a = adtte(run.first_batch, cd, 0)
    a = a[(a.PARAMCD == p.analysis.endpoint) & (a.CNSR == 0)]
    for e in p.outcomes.event_types:
        got = [int(((a.EVNTDESC == e.label) & (a.TRTP == arms[i])).sum()) for i in (0, 1)]
        assert got == expected.get(e.label, [0, 0]), e.label
    html = (out / "report.html").read_text()
    assert "First simulated trial: first events by type and arm" in html
    for row in expected:
        assert f"<td>{row}</td>" in html or f'<td class="text">{row}</td>' in html, row


def _analyze_with_adsl(tmp_path, monkeypatch, *extra):
    """`survtrial analyze --report` of test_consort_real's hand-made trial; the flows drawn."""
    from typer.testing import CliRunner

    import survtrial.report.analysis_report as ar
    from survtrial.cli import app
    from tests.test_consort_real import ADSL, ADTTE, write

    drawn = []
    real = ar.consort_figure

    def spy(flow, arm_labels, stem):
        drawn.append(flow)
        return real(flow, arm_labels, stem)

    monkeypatch.setattr(ar, "consort_figure", spy)
    adtte = write(tmp_path, "adtte.csv", ADTTE)
    write(tmp_path, "adsl.csv", ADSL)
    res = CliRunner().invoke(app, ["analyze", str(adtte), "--arms", "Control,Drug", "--strata",
                                   "none", "--report", "--out", str(tmp_path / "o"), *extra])
    assert res.exit_code == 0, res.output
    return drawn, (tmp_path / "o" / "report.html").read_text()


def test_analyze_report_draws_the_real_consort_flow(tmp_path, monkeypatch):
    """With --adsl the final-analysis report draws the CONSORT flow of the ADSL and the
    analysed data: every box the hand count of test_consort_real's trial."""
    from survtrial.analysis.consort import NOT_RECORDED
    from survtrial.report.figures import consort_boxes

    drawn, html = _analyze_with_adsl(tmp_path, monkeypatch, "--adsl", str(tmp_path / "adsl.csv"))
    assert len(drawn) == 1
    rows = consort_boxes(drawn[0], {})
    assert [k for k, _ in rows] == ["main", "main", "side", "main", "arms", "arms"]
    assert rows[0][1][0].startswith("Enrolled: 10\n  by risk group:\n    High: 4\n    Low: 6")
    assert rows[1][1] == ["Eligible: 8"]
    assert rows[2][1][0].splitlines() == ["Not randomized: 4", "  2: Ineligible", "  1: Declined",
                                          f"  1: {NOT_RECORDED}"]
    assert rows[3][1] == ["Randomized: 6"]
    assert rows[4][1] == ["Control\nallocated: 2", "Drug\nallocated: 3"]
    assert rows[5][1] == ["Analysed: 2\nevents: 1, censored: 1",
                          "Analysed: 3\nevents: 2, censored: 1"]
    assert "CONSORT flow (adsl.csv)" in html
    assert html.count("<svg") == 2  # CONSORT, KM (one stratum, no causes, no AEs)
    assert "CONSORT flow: 1 randomized patients have an arm other than Control, Drug" in html
    assert (tmp_path / "o" / "consort.svg").stat().st_size > 0


def test_analyze_report_without_adsl_says_there_is_no_flow(tmp_path, monkeypatch):
    drawn, html = _analyze_with_adsl(tmp_path, monkeypatch)
    assert drawn == [] and not (tmp_path / "o" / "consort.svg").exists()
    assert "CONSORT flow: not available: no ADSL was given (--adsl)" in html
    assert html.count("<svg") == 1  # KM only
