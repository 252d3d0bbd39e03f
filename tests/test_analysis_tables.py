"""The journal tables of `survtrial analyze`: baseline characteristics (Table 1), first events
by type and arm, adverse events by worst grade. Each is checked against a calculation that does
not use survtrial's code path: R's (quantile type 7, table(); tests/reference/
make_subgroups_reference.R) and pandas/numpy on the raw CSV files (numpy's default percentile
method "linear" is Hyndman & Fan type 7, R's default). Counts are exact; quartiles to 1e-12.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from survtrial.cli import app
from survtrial.report.journal_tables import median_iqr, n_pct
from tests.helpers import FIXTURES, reference_fixture

SG = FIXTURES / "subgroups"
ARMS = ["Control", "Drug X"]
runner = CliRunner()


def run(out, *args) -> dict:
    res = runner.invoke(app, ["analyze", *map(str, args), "--out", str(out)])
    assert res.exit_code == 0, res.stdout + res.stderr
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def one_line_error(tmp_path, *args) -> str:
    res = runner.invoke(app, ["analyze", *map(str, args), "--out", str(tmp_path / "err")])
    assert res.exit_code == 2, res.stdout + res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in res.stderr
    return lines[0]


def read_csv_rows(path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


@pytest.fixture(scope="module")
def merged() -> pd.DataFrame:
    """ADTTE x ADSL by hand (pandas): one row per analysed subject."""
    tte = pd.read_csv(SG / "adtte.csv")
    sl = pd.read_csv(SG / "adsl.csv", keep_default_na=False, na_values=[""])
    return tte.merge(sl.drop(columns=["STUDYID", "STRATUM"]), on="USUBJID")


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    d = tmp_path_factory.mktemp("tables")
    doc = run(d, SG / "adtte.csv", "--adsl", SG / "adsl.csv", "--adae", SG / "adae.csv",
              "--arms", "Control,Drug X", "--report")
    return d, doc


# ---- baseline characteristics -------------------------------------------------------------


def test_baseline_detects_cdisc_names_and_strata(out):
    _, doc = out
    names = [v["name"] for v in doc["baseline"]["variables"]]
    assert names == ["AGE", "AGEGR1", "SEX", "REGION1", "WEIGHTBL", "STRATUM"]
    assert "detected" in doc["input"]["sources"]["baseline"]


def test_baseline_quartiles_and_counts_equal_r(out):
    _, doc = out
    ref = reference_fixture("subgroups", "reference")["baseline"]
    by = {v["name"]: v for v in doc["baseline"]["variables"]}
    for col in ("AGE", "WEIGHTBL"):
        v, r = by[col], ref[col]
        assert v["kind"] == "continuous"
        for group, mine in ((a, v["by_arm"][a]) for a in ARMS):
            for k in ("n", "q1", "median", "q3"):
                assert mine[k] == pytest.approx(r[group][k], rel=1e-12), (col, group, k)
        for k in ("n", "q1", "median", "q3"):
            assert v["total"][k] == pytest.approx(r["total"][k], rel=1e-12), (col, k)
        assert v["total"]["missing"] == r["missing"]
    for col in ("SEX", "AGEGR1", "REGION1"):
        v, r = by[col], ref[col]
        assert v["kind"] == "categorical"
        assert v["total"]["counts"] == r["total"]
        for a in ARMS:
            assert v["by_arm"][a]["counts"] == r[a]
        assert v["total"]["missing"] == r["missing"]


def test_baseline_csv_cells_equal_a_pandas_calculation(out, merged):
    """Every cell of baseline.csv from pandas/numpy on the raw files (np.percentile's
    default 'linear' = R type 7), formatted as the table says: median (q1-q3), n (%)."""
    d, _ = out
    rows = read_csv_rows(d / "baseline.csv")
    n = merged["TRTP"].value_counts()
    assert rows[0] == ["characteristic", "level", f"Control (n = {n['Control']})",
                       f"Drug X (n = {n['Drug X']})", f"Total (n = {len(merged)})"]
    cells = {(r[0], r[1]): r[2:] for r in rows[1:]}
    groups = [merged[merged["TRTP"] == a] for a in ARMS] + [merged]
    for col in ("AGE", "WEIGHTBL"):
        want = []
        for g in groups:
            x = g[col].dropna().to_numpy(dtype=float)
            q1, med, q3 = np.percentile(x, [25, 50, 75])
            want.append(median_iqr(med, q1, q3))
        assert cells[(f"{col}, median (IQR)", "")] == want
    assert cells[("AGE, median (IQR)", "missing")] == [
        n_pct(int(g["AGE"].isna().sum()), len(g)) for g in groups]
    assert ("WEIGHTBL, median (IQR)", "missing") not in cells  # none missing: no row
    for col in ("SEX", "AGEGR1", "REGION1", "STRATUM"):
        for level in sorted(merged[col].dropna().unique()):
            want = [n_pct(int((g[col] == level).sum()), len(g)) for g in groups]
            assert cells[(f"{col}, n (%)", level)] == want, (col, level)
    assert cells[("REGION1, n (%)", "missing")] == ["2 (1.1)", "3 (1.7)", "5 (1.4)"]
    assert cells[("SEX, n (%)", "F")] == ["93 (51.7)", "83 (46.1)", "176 (48.9)"]


def test_journal_number_formats():
    assert n_pct(93, 180) == "93 (51.7)" and n_pct(0, 0) == "0 (-)"
    assert median_iqr(60.8, 53.375, 66.4) == "60.8 (53.4\u201366.4)"
    assert median_iqr(7690.0, 3974.5, 14266.0) == "7690 (3974\u201314266)"  # 3 sig. digits
    assert median_iqr(0.689, 0.609, 0.797) == "0.689 (0.609\u20130.797)"
    assert median_iqr(None, None, None) == "-"


def test_baseline_option_chooses_and_none_turns_off(tmp_path):
    doc = run(tmp_path / "a", SG / "adtte.csv", "--adsl", SG / "adsl.csv",
              "--baseline", "WEIGHTBL,SEX")
    assert [v["name"] for v in doc["baseline"]["variables"]] == ["WEIGHTBL", "SEX"]
    doc = run(tmp_path / "b", SG / "adtte.csv", "--adsl", SG / "adsl.csv", "--baseline", "none")
    assert "baseline" not in doc and not (tmp_path / "b" / "baseline.csv").exists()
    doc = run(tmp_path / "c", SG / "adtte.csv")  # no ADSL: no table (nothing invented)
    assert "baseline" not in doc
    line = one_line_error(tmp_path, SG / "adtte.csv", "--adsl", SG / "adsl.csv",
                          "--baseline", "AGE,BMIBL")
    assert "--baseline: unknown column 'BMIBL': not a column of adtte.csv or adsl.csv" in line


# ---- first events by type ----------------------------------------------------------------


def test_first_events_table_equals_a_crosstab(tmp_path):
    src = FIXTURES / "analyze" / "adtte_small.csv"
    run(tmp_path, src, "--param", "DFS", "--cause", "EVNTDESC")
    df = pd.read_csv(src, keep_default_na=False)
    df = df[df["PARAMCD"] == "DFS"]
    arms = list(dict.fromkeys(df["TRTP"]))  # control first, as analyze chose them
    n = df["TRTP"].value_counts()
    ev = df[df["CNSR"] == 0]
    tab = pd.crosstab(ev["EVNTDESC"], ev["TRTP"])
    rows = read_csv_rows(tmp_path / "first_events.csv")
    assert rows[0] == ["first event", *[f"{a} (n = {n[a]})" for a in arms],
                       f"Total (n = {len(df)})"]
    body = {r[0]: r[1:] for r in rows[1:]}
    order = sorted(tab.index, key=lambda c: (-int(tab.loc[c].sum()), c))
    assert [r[0] for r in rows[1:]] == [*order, "Any event", "No event (censored)"]
    for cause in order:
        want = [n_pct(int(tab.loc[cause, a]), int(n[a])) for a in arms]
        assert body[cause] == [*want, n_pct(int(tab.loc[cause].sum()), len(df))]
    events = ev["TRTP"].value_counts()
    assert body["Any event"] == [*[n_pct(int(events[a]), int(n[a])) for a in arms],
                                 n_pct(len(ev), len(df))]
    assert body["No event (censored)"] == [
        *[n_pct(int(n[a] - events[a]), int(n[a])) for a in arms], n_pct(len(df) - len(ev),
                                                                       len(df))]


# ---- adverse events by grade --------------------------------------------------------------


def test_adverse_events_by_grade_equal_a_pandas_calculation(out, merged):
    """Subjects at their worst grade per term (and over all terms), by arm, from the raw
    ADAE; >= 3 and each grade, n (% of the arm)."""
    d, doc = out
    ae = pd.read_csv(SG / "adae.csv").merge(merged[["USUBJID", "TRTP"]], on="USUBJID")
    n = merged["TRTP"].value_counts()
    worst = ae.groupby(["AEDECOD", "USUBJID", "TRTP"])["AETOXGR"].max().reset_index()
    over_all = ae.groupby(["USUBJID", "TRTP"])["AETOXGR"].max().reset_index()
    rows = read_csv_rows(d / "adverse_events_by_grade.csv")
    assert rows[0] == ["adverse event", "grade", *[f"{a} (n = {n[a]})" for a in ARMS]]
    cells = {(r[0], r[1]): r[2:] for r in rows[1:]}
    labels = {"Any grade": None, "Grade 1": 1, "Grade 2": 2, "Grade 3": 3, "Grade 4": 4,
              "Grade 5": 5, "Grade \u2265 3": ">=3", "Not graded": "nan"}
    groups = [("Any adverse event", over_all)] + [
        (t, worst[worst["AEDECOD"] == t]) for t in sorted(ae["AEDECOD"].unique())]
    for term, g in groups:
        for label, key in labels.items():
            want = []
            for a in ARMS:
                x = g.loc[g["TRTP"] == a, "AETOXGR"]
                k = (len(x) if key is None else (x >= 3).sum() if key == ">=3"
                     else x.isna().sum() if key == "nan" else (x == key).sum())
                want.append(n_pct(int(k), int(n[a])))
            if label == "Not graded" and (term, label) not in cells:
                assert want == [n_pct(0, int(n[a])) for a in ARMS], term
                continue
            assert cells[(term, label)] == want, (term, label)
    assert doc["adverse_event_grades"]["grade_column"] == "AETOXGR"
    # the subjects with a term are the same as in the risk-difference table
    for term, e in doc["adverse_events"]["terms"].items():
        for a in ARMS:
            assert doc["adverse_event_grades"]["terms"][term][a]["any"] == e[a]


def test_report_shows_the_tables_escaped(out):
    d, _ = out
    html = (d / "report.html").read_text(encoding="utf-8")
    for caption in ("Baseline characteristics by randomized arm",
                    "Adverse events by worst grade (AETOXGR)"):
        assert caption in html
    assert "&gt;=65" in html and "<td class=\"text\">>=65" not in html  # escaped level


def test_no_grade_column_means_no_grade_table(tmp_path):
    """The adverse events without a grade: the table is left out and a note says why."""
    src = FIXTURES / "analyze"
    res = runner.invoke(app, ["analyze", str(src / "adtte_small.csv"), "--param", "DFS",
                              "--adae", str(src / "adae_small.csv"), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.stdout + res.stderr
    doc = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert "adverse_event_grades" not in doc
    assert not (tmp_path / "adverse_events_by_grade.csv").exists()
    assert any("no toxicity grade column" in n for n in doc["notes"])


@pytest.mark.parametrize(
    ("value", "what"),
    [("7", "value 7 is not a toxicity grade 1, 2, 3, 4 or 5"),
     ("2.5", "value 2.5 is not a toxicity grade"),
     ("0", "value 0 is not a toxicity grade"),
     ("high", "value 'high' is not a numeric grade")],
)
def test_bad_grade_is_a_one_line_error_naming_row_and_column(tmp_path, value, what):
    ae = pd.read_csv(SG / "adae.csv", dtype=str, keep_default_na=False)
    ae.loc[3, "AETOXGR"] = value
    ae.to_csv(tmp_path / "ae.csv", index=False)
    line = one_line_error(tmp_path, SG / "adtte.csv", "--adae", tmp_path / "ae.csv")
    assert f"ae.csv: row 5, column AETOXGR: {what}" in line


def test_grades_coded_as_lower_bounds_are_said_so(tmp_path):
    """An ADAE that writes the minimum grade in AETOXGR and '>=3' in AETOXGRC and '>=3' in AETOXGRC:
    the table keeps AETOXGR as recorded and a note says it is a minimum, not the grade."""
    ae = pd.read_csv(SG / "adae.csv", keep_default_na=False)
    ae["AETOXGR"] = 3
    ae["AETOXGRC"] = ">=3"
    ae.to_csv(tmp_path / "ae.csv", index=False)
    doc = run(tmp_path / "a", SG / "adtte.csv", "--adae", tmp_path / "ae.csv")
    assert any("AETOXGRC codes each grade as a lower bound" in n for n in doc["notes"])
    ae["AETOXGRC"] = "3"  # an exact grade category: no note
    ae.to_csv(tmp_path / "ae.csv", index=False)
    doc = run(tmp_path / "b", SG / "adtte.csv", "--adae", tmp_path / "ae.csv")
    assert not any("lower bound" in n for n in doc["notes"])
