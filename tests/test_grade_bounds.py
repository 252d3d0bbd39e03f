"""Adverse events by worst grade from an ADAE that mixes exact grades (AETOXGR) with blank
grades whose AETOXGRC holds a lower bound '>=k': such a subject counts under "Grade >= 3" when
the bound is 3 or more, and in a row "Not graded (>= k)" of their own, never as an exact grade
nor as plain "Not graded" (no grade and no bound). Cells are checked against a hand count."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from survtrial.analysis.descriptive import adverse_event_grades
from survtrial.cli import app
from tests.test_analyze_adam_extras import adtte

runner = CliRunner()
GE = "\u2265"

# adtte(): 60 subjects, S-001, S-003, ... Placebo and S-002, S-004, ... Drug (30 per arm).
# The comment after each row: the subject's worst grade for that term, then over all terms.
ADAE = """USUBJID,AEDECOD,AETOXGR,AETOXGRC
S-001,Fever,2,2
S-001,Rash,,>=3
S-003,Fever,3,3
S-005,Fever,,>=4
S-007,Rash,,
S-009,Fever,1,1
S-009,Fever,,
S-011,Rash,4,4
S-011,Rash,,>=3
S-002,Fever,,>=3
S-002,Fever,2,2
S-004,Fever,5,5
S-004,Rash,,>=4
S-006,Rash,,
S-006,Fever,,>=3
S-008,Rash,3,3
S-010,Nausea,,
S-012,Nausea,1,1
"""
# Placebo: S-001 Fever 2, Rash >=3 (any: >=3, the bound above the grade 2)
#          S-003 Fever 3 (any 3); S-005 Fever >=4 (any >=4); S-007 Rash none (any none)
#          S-009 Fever 1 and a blank without bound (Fever 1: nothing known above it; any 1)
#          S-011 Rash 4 and >=3 (Rash 4: the bound is below it; any 4)
# Drug:    S-002 Fever >=3 and 2 (Fever >=3; any >=3); S-004 Fever 5, Rash >=4 (any 5)
#          S-006 Rash none, Fever >=3 (any >=3); S-008 Rash 3 (any 3)
#          S-010 Nausea none (any none); S-012 Nausea 1 (any 1)

N = 30
# term -> row label -> (Placebo, Drug): subjects counted by hand from the rows above
HAND = {
    "Any adverse event": {
        "Any grade": (6, 6), "Grade 1": (1, 1), "Grade 2": (0, 0), "Grade 3": (1, 1),
        "Grade 4": (1, 0), "Grade 5": (0, 1), f"Grade {GE} 3": (4, 4),
        f"Not graded ({GE} 3)": (1, 2), f"Not graded ({GE} 4)": (1, 0), "Not graded": (1, 1),
    },
    "Fever": {
        "Any grade": (4, 3), "Grade 1": (1, 0), "Grade 2": (1, 0), "Grade 3": (1, 0),
        "Grade 4": (0, 0), "Grade 5": (0, 1), f"Grade {GE} 3": (2, 3),
        f"Not graded ({GE} 3)": (0, 2), f"Not graded ({GE} 4)": (1, 0),
    },  # no plain "Not graded" row: nobody has a blank grade without a bound as their worst
    "Nausea": {
        "Any grade": (0, 2), "Grade 1": (0, 1), "Grade 2": (0, 0), "Grade 3": (0, 0),
        "Grade 4": (0, 0), "Grade 5": (0, 0), f"Grade {GE} 3": (0, 0), "Not graded": (0, 1),
    },  # no bound in Nausea: no "Not graded (>= k)" row
    "Rash": {
        "Any grade": (3, 3), "Grade 1": (0, 0), "Grade 2": (0, 0), "Grade 3": (0, 1),
        "Grade 4": (1, 0), "Grade 5": (0, 0), f"Grade {GE} 3": (2, 2),
        f"Not graded ({GE} 3)": (1, 0), f"Not graded ({GE} 4)": (0, 1), "Not graded": (1, 1),
    },
}


def cell(k: int) -> str:
    return f"{k} ({100 * k / N:.1f})"


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    d = tmp_path_factory.mktemp("bounds")
    adtte().to_csv(d / "adtte.csv", index=False)
    (d / "adae.csv").write_text(ADAE, encoding="utf-8")
    res = runner.invoke(app, ["analyze", str(d / "adtte.csv"), "--adae", str(d / "adae.csv"),
                              "--out", str(d / "o"), "--report"])
    assert res.exit_code == 0, res.stdout + res.stderr
    return d / "o", json.loads((d / "o" / "results.json").read_text(encoding="utf-8"))


def test_table_by_grade_equals_the_hand_count(out):
    o, _ = out
    with open(o / "adverse_events_by_grade.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["adverse event", "grade", f"Placebo (n = {N})", f"Drug (n = {N})"]
    want = [[term, label, cell(p), cell(d)]
            for term, block in HAND.items() for label, (p, d) in block.items()]
    assert rows[1:] == want


def test_results_json_counts_by_what_is_known(out):
    """results.json: "not graded" keeps its meaning (no grade recorded, bound or not), the
    new keys split it by bound; the exact grades and the bounds partition "any"."""
    _, doc = out
    g = doc["adverse_event_grades"]
    assert g["grade_column"] == "AETOXGR" and g["n"] == {"Placebo": N, "Drug": N}
    fever, anyae = g["terms"]["Fever"], g["terms"]["Any adverse event"]
    assert fever["Drug"]["not graded"] == 1  # S-006; S-002 has a grade 2 and a '>=3'
    assert fever["Drug"]["not graded >=3"] == 2 and fever["Drug"]["not graded, no bound"] == 0
    assert anyae["Placebo"]["not graded"] == 2  # S-005 ('>=4') and S-007 (nothing)
    for term in g["terms"].values():
        for c in term.values():
            parts = [c[k] for k in ("1", "2", "3", "4", "5", "not graded, no bound")]
            parts += [c[f"not graded >={k}"] for k in range(1, 6)]
            assert sum(parts) == c["any"]


def test_report_shows_the_bound_rows(out):
    o, doc = out
    html = (o / "report.html").read_text(encoding="utf-8")
    assert "Adverse events by worst grade (AETOXGR)" in html
    assert f"Not graded ({GE} 3)" in html and f"Not graded ({GE} 4)" in html
    assert f"counted in Grade {GE} 3 when k is 3 or more" in html  # the caption says how
    assert not any("no event has a grade" in n for n in doc["notes"])


def test_bounds_only_still_leave_the_table_out(tmp_path):
    """No exact grade anywhere: the table is left out with its note, as before."""
    adtte().to_csv(tmp_path / "adtte.csv", index=False)
    ae = pd.read_csv(io.StringIO(ADAE), dtype=str, keep_default_na=False)
    ae["AETOXGR"] = ""
    ae.to_csv(tmp_path / "adae.csv", index=False)
    res = runner.invoke(app, ["analyze", str(tmp_path / "adtte.csv"), "--adae",
                              str(tmp_path / "adae.csv"), "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.stdout + res.stderr
    doc = json.loads((tmp_path / "o" / "results.json").read_text(encoding="utf-8"))
    assert "adverse_event_grades" not in doc
    assert not (tmp_path / "o" / "adverse_events_by_grade.csv").exists()
    assert any(n.startswith("adverse events by grade: no event has a grade in AETOXGR")
               for n in doc["notes"])


def test_pairs_without_bounds_count_as_before():
    """Pairs without a grade_at_least column (an ADAE without AETOXGRC, a library caller):
    the worst grade alone decides, a blank grade is plain "not graded"."""
    pairs = pd.DataFrame({"subject": [0, 0, 1, 2, 3], "term": ["A", "B", "A", "A", "B"],
                          "arm": [0, 0, 0, 1, 1], "grade": [2.0, 4.0, np.nan, 3.0, np.nan]})
    g = adverse_event_grades(pairs, [2, 2], ("c", "e"), "AETOXGR")
    a = g.terms["Any adverse event"]
    assert (a["c"]["4"], a["c"]["not graded"], a["c"]["not graded, no bound"]) == (1, 1, 1)
    assert (a["e"]["3"], a["e"][">=3"], a["e"]["not graded, no bound"]) == (1, 1, 1)
    assert all(a[x][f"not graded >={k}"] == 0 for x in ("c", "e") for k in range(1, 6))
    assert (g.terms["A"]["c"]["2"], g.terms["A"]["c"]["not graded"]) == (1, 1)
