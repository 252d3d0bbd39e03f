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


# ---- simulated ADAE grades: blank AETOXGR, AETOXGRC '>=3', and what --ae-grade-min does ----


def test_simulated_adae_leaves_the_grade_blank(reproduction, tmp_path):
    """The simulation knows only that an event is of the protocol's minimum grade or worse:
    AETOXGR is blank (CSV and Parquet) and AETOXGRC holds the lower bound."""
    from survtrial.io.adam import write_adam
    from survtrial.trial import cut_data

    rep, _, _ = reproduction
    run = rep.run
    write_adam(run.first_batch, cut_data(run.first_batch, run.first_cut_day), tmp_path, 0)
    minimum = {a.term: a.grade_min for a in run.first_batch.protocol.adverse_events}
    for ae in (pd.read_csv(tmp_path / "adae.csv", keep_default_na=False, dtype=str),
               pd.read_parquet(tmp_path / "adae.parquet")):
        assert len(ae) > 0
        assert ae["AETOXGR"].isna().all() or (ae["AETOXGR"] == "").all()
        assert ae["AETOXGRC"].tolist() == [f">={minimum[t]}" for t in ae["AEDECOD"]]
    assert set(minimum.values()) == {3}


def test_analyze_keeps_simulated_grade_3_events_at_grade_min_3(reproduction, tmp_path):
    """`analyze --ae-grade-min 3` on the simulated ADAE keeps every event ('>=3' meets 3):
    the same subjects per term and arm as without the option, as counted from the files;
    '>=3' does not meet 4 (each event left out and counted). No event has a grade, so there
    is no table by grade (its zeros would not be counts) and a note says so."""
    import json

    from typer.testing import CliRunner

    from survtrial.cli import app
    from survtrial.io.adam import write_adam
    from survtrial.trial import cut_data

    rep, _, _ = reproduction
    run = rep.run
    d = tmp_path / "adam"
    write_adam(run.first_batch, cut_data(run.first_batch, run.first_cut_day), d, 0)

    def analyze(out, *extra):
        res = CliRunner().invoke(app, ["analyze", str(d / "adtte.csv"), "--param", "DFS",
                                       "--adsl", str(d / "adsl.csv"), "--adae",
                                       str(d / "adae.csv"), "--out", str(tmp_path / out),
                                       *extra])
        assert res.exit_code == 0, res.output
        return json.loads((tmp_path / out / "results.json").read_text(encoding="utf-8"))

    every = analyze("all")
    at3 = analyze("min3", "--ae-grade-min", "3", "--report")
    at4 = analyze("min4", "--ae-grade-min", "4")
    ae = pd.read_csv(d / "adae.csv")
    tte = pd.read_csv(d / "adtte.csv")
    arm_of = tte[tte.PARAMCD == "DFS"].set_index("USUBJID")["TRTP"]
    pairs = ae[ae.USUBJID.isin(arm_of.index)].drop_duplicates(["USUBJID", "AEDECOD"])
    for term, g in pairs.groupby("AEDECOD"):
        for arm in arm_of.unique():
            want = int((g.TRTA == arm).sum())
            assert every["adverse_events"]["terms"][term][arm] == want, (term, arm)
            assert at3["adverse_events"]["terms"][term][arm] == want, (term, arm)
    assert not [e for e in at3["input"]["excluded"] if e["file"] == "adae.csv"]
    assert "AETOXGRC '>=k' with k >= 3" in at3["input"]["sources"]["ae_grades"]
    assert at4["adverse_events"]["terms"] == {}
    left = [e for e in at4["input"]["excluded"] if e["file"] == "adae.csv"]
    kept_rows = int(ae.USUBJID.isin(arm_of.index).sum())
    assert [e["rows"] for e in left if "lower bound below 4" in e["reason"]] == [kept_rows]
    assert "adverse_event_grades" not in at3
    assert not (tmp_path / "min3" / "adverse_events_by_grade.csv").exists()
    assert any(n.startswith("adverse events by grade: no event has a grade in AETOXGR")
               for n in at3["notes"])
    assert any(f"{kept_rows} events have AETOXGR blank and a lower bound in AETOXGRC ('>=3')"
               in n for n in at3["notes"])
    html = (tmp_path / "min3" / "report.html").read_text(encoding="utf-8")
    assert "Adverse events by worst grade" not in html and "Grade 3" not in html


def _mixed(tmp_path):
    from tests.test_analyze_adam_extras import adae_with

    # S-001 Placebo, S-002 Drug, S-003 Placebo, S-004 Drug (two events), S-006 Drug
    return adae_with(tmp_path, AETOXGR=[1, None, 4, None, None, 3],
                     AETOXGRC=["1", ">=3", "4", "", ">=2", ">=3"])


@pytest.mark.parametrize(("minimum", "fever", "rash", "left"), [
    (3, (0, 2), (1, 0), {"below": 2, "bound": 1}),  # '>=2' may be grade 2: left out
    (2, (0, 2), (1, 1), {"below": 2}),  # grade 1 and the blank without a bound left out
])
def test_grade_min_honours_lower_bounds(tmp_path, minimum, fever, rash, left):
    """A blank grade with a category '>=k' meets --ae-grade-min N when k >= N; with k < N
    it is left out under its own reason; a blank grade without a bound is below any N."""
    from tests.test_analyze_adam_extras import analyze

    d, ae = _mixed(tmp_path)
    r = analyze(tmp_path / "o", d, "--adae", ae, "--ae-grade-min", str(minimum))
    terms = r["adverse_events"]["terms"]
    assert (terms["Fever"]["Placebo"], terms["Fever"]["Drug"]) == fever
    assert (terms["Rash"]["Placebo"], terms["Rash"]["Drug"]) == rash
    rows = {("bound" if "lower bound" in e["reason"] else "below"): e["rows"]
            for e in r["input"]["excluded"] if "--ae-grade-min" in e["reason"]}
    assert rows == left
    # some events are graded: the table by grade is there
    assert (tmp_path / "o" / "adverse_events_by_grade.csv").exists()
    assert "adverse_event_grades" in r


def test_pairs_carry_what_is_known_of_the_grade(tmp_path):
    """Each subject-term pair: its worst recorded grade (NaN when none) and the most known of
    it, the grade or the category's lower bound (NaN when neither)."""
    from survtrial.io.analysis_input import load_analysis_data
    from survtrial.io.options import LoadOptions

    d, ae = _mixed(tmp_path)
    data = load_analysis_data(LoadOptions(adtte=d, adae=ae))
    p = data.adverse_events
    sid = data.subject.to_numpy()[p["subject"].to_numpy()]
    got = {(s, t): (g, k) for s, t, g, k in zip(sid, p["term"], p["grade"],
                                                p["grade_at_least"], strict=True)}
    want = {("S-001", "Fever"): (1, 1), ("S-002", "Fever"): (np.nan, 3),
            ("S-003", "Rash"): (4, 4), ("S-004", "Fever"): (np.nan, np.nan),
            ("S-004", "Rash"): (np.nan, 2), ("S-006", "Fever"): (3, 3)}
    assert set(got) == set(want)
    for key, (g, k) in want.items():
        np.testing.assert_equal(got[key], (g, k), err_msg=str(key))
    notes = " ".join(data.notes)
    assert "2 events have AETOXGR blank and a lower bound in AETOXGRC ('>=2', '>=3')" in notes
    assert "holds that minimum" not in notes  # '1' and '4' are exact grades, not bounds
