"""The CONSORT flow of real data (issue 11, section 2): counted from an ADSL and the analysed
ADTTE on a small hand-made trial whose every box is known; a box whose column the ADSL lacks
is left out and named, never derived from the others."""

from __future__ import annotations

import datetime as dt
import textwrap

import numpy as np
import pytest

from survtrial._errors import InputError
from survtrial.analysis.consort import NOT_RECORDED, accrual, trial_flow
from survtrial.io.analysis_input import load_analysis_data
from survtrial.io.options import LoadOptions
from survtrial.monitor.subjects import read_subject_level
from survtrial.report.figures import consort_boxes, consort_figure

# 11 ADSL rows: S10 screened, not enrolled; S06-S09 enrolled, not randomized (two ineligible,
# one declined, one without a reason); S11 randomized to a third arm; S01-S05 analysed.
ADSL = textwrap.dedent("""\
    USUBJID,ENRLFL,ELIGFL,RANDFL,NRANDRS,RISKGRP,RANDDT,TRT01P,DCUTDT
    S01,Y,Y,Y,,High,2020-01-10,Control,2021-06-30
    S02,Y,Y,Y,,Low,2020-01-10,Drug,2021-06-30
    S03,Y,Y,Y,,Low,2020-02-01,Control,2021-06-30
    S04,Y,Y,Y,,High,2020-03-15,Drug,2021-06-30
    S05,y,Y,Y,,Low,2020-03-20,Drug,2021-06-30
    S06,Y,N,N,Ineligible,High,,,2021-06-30
    S07,Y,N,N,Ineligible,Low,,,2021-06-30
    S08,Y,Y,N,Declined,Low,,,2021-06-30
    S09,Y,Y,N,,High,,,2021-06-30
    S10,N,N,N,,Low,,,2021-06-30
    S11,Y,Y,Y,,Low,2020-04-01,Other,2021-06-30
    """)
ADTTE = textwrap.dedent("""\
    USUBJID,TRTP,PARAMCD,AVAL,AVALU,CNSR
    S01,Control,DFS,100,DAYS,0
    S02,Drug,DFS,200,DAYS,1
    S03,Control,DFS,50,DAYS,1
    S04,Drug,DFS,300,DAYS,0
    S05,Drug,DFS,30,DAYS,0
    """)


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def load(tmp_path, adsl_text=ADSL):
    adtte = write(tmp_path, "adtte.csv", ADTTE)
    adsl = write(tmp_path, "adsl.csv", adsl_text)
    data = load_analysis_data(LoadOptions(adtte=adtte, adsl=adsl, strata=(),
                                          arms=("Control", "Drug")))
    return data, read_subject_level(adsl, data)


def test_every_box_is_the_hand_count(tmp_path):
    data, subjects = load(tmp_path)
    f = trial_flow(subjects, data)
    assert f.enrolled == 10  # S10 is not enrolled
    assert f.risk_group_of == "enrolled" and f.risk_groups == {"High": 4, "Low": 6}
    assert f.eligible == 8  # enrolled with ELIGFL = Y
    assert f.not_randomized == {"Ineligible": 2, "Declined": 1, NOT_RECORDED: 1}
    assert f.randomized_total == 6
    assert f.randomized == {"Control": 2, "Drug": 3}
    assert f.analysed == {"Control": 2, "Drug": 3}
    assert f.events == {"Control": 1, "Drug": 2} and f.censored == {"Control": 1, "Drug": 1}
    assert f.left_out == ()
    assert f.notes == ("1 randomized patients have an arm other than Control, Drug in "
                       "adsl.csv column TRT01P",)
    assert subjects.cutoff == "2021-06-30"
    assert subjects.columns["enrolled"] == "ENRLFL" and subjects.columns["arm"] == "TRT01P"


def test_pooled_flow_adds_the_arms(tmp_path):
    data, subjects = load(tmp_path)
    p = trial_flow(subjects, data).pooled()
    assert p.randomized is None and p.randomized_total == 6
    assert (p.analysed, p.events, p.censored) == ({"All arms": 5}, {"All arms": 3},
                                                  {"All arms": 2})
    assert p.not_randomized == {"Ineligible": 2, "Declined": 1, NOT_RECORDED: 1}


def test_accrual_is_the_cumulative_randomization_by_date(tmp_path):
    _, subjects = load(tmp_path)
    acc = accrual(subjects)
    epoch = dt.date(1960, 1, 1)
    days = [(dt.date.fromisoformat(d) - epoch).days
            for d in ("2020-01-10", "2020-02-01", "2020-03-15", "2020-03-20", "2020-04-01")]
    assert acc.day.tolist() == days
    assert acc.cumulative.tolist() == [2, 3, 4, 5, 6] and acc.without_date == 0


def test_the_drawn_boxes_are_the_counts(tmp_path):
    data, subjects = load(tmp_path)
    rows = consort_boxes(trial_flow(subjects, data), {})
    kinds = [k for k, _ in rows]
    assert kinds == ["main", "main", "side", "main", "arms", "arms"]
    assert rows[0][1][0].startswith("Enrolled: 10\n  by risk group:\n    High: 4\n    Low: 6")
    assert rows[1][1] == ["Eligible: 8"]
    assert rows[2][1][0].splitlines() == ["Not randomized: 4", "  2: Ineligible", "  1: Declined",
                                          f"  1: {NOT_RECORDED}"]
    assert rows[3][1] == ["Randomized: 6"]
    assert rows[4][1] == ["Control\nallocated: 2", "Drug\nallocated: 3"]
    assert rows[5][1] == ["Analysed: 2\nevents: 1, censored: 1",
                          "Analysed: 3\nevents: 2, censored: 1"]
    paths = consort_figure(trial_flow(subjects, data), {}, tmp_path / "consort")
    assert all(p.stat().st_size > 0 for p in paths)


def test_missing_columns_leave_their_boxes_out(tmp_path):
    """An ADSL with only the identifier and the arm: no box is invented, each is named."""
    text = "USUBJID,TRT01P\n" + "\n".join(f"S0{i},{a}" for i, a in
                                           enumerate(["Control", "Drug", "Control", "Drug",
                                                      "Drug"], start=1)) + "\n"
    data, subjects = load(tmp_path, text)
    f = trial_flow(subjects, data)
    assert (f.enrolled, f.risk_groups, f.eligible, f.not_randomized, f.randomized_total,
            f.randomized) == (None,) * 6
    assert f.left_out == (
        "enrolled: adsl.csv has no ENRLFL or ENRLDT column",
        "randomized: adsl.csv has no RANDFL column",
        "risk groups: adsl.csv has no RISKGRP column",
        "eligible: adsl.csv has no ELIGFL column",
    )
    assert accrual(subjects) is None
    assert [k for k, _ in consort_boxes(f, {})] == ["arms"]  # analysed only (from ADTTE)
    assert consort_figure(f, {}, tmp_path / "c")


def test_enrolment_date_and_no_reason_column(tmp_path):
    text = ("USUBJID,ENRLDT,RANDFL,TRT01P\n"
            "S01,2019-12-01,Y,Control\nS02,2019-12-02,Y,Drug\nS03,2019-12-03,Y,Control\n"
            "S04,2019-12-04,Y,Drug\nS05,2019-12-05,Y,Drug\nS06,2019-12-06,N,\nS07,,N,\n")
    data, subjects = load(tmp_path, text)
    f = trial_flow(subjects, data)
    assert f.enrolled == 6 and f.randomized_total == 5  # S07 has no enrolment date
    assert f.not_randomized == {NOT_RECORDED: 1}
    assert "reasons for not randomizing: adsl.csv has no NRANDRS column" in f.left_out
    assert f.risk_groups is None and f.eligible is None


def test_no_adsl_names_what_is_missing(tmp_path):
    data, _ = load(tmp_path)
    f = trial_flow(None, data)
    assert f.enrolled is None and f.analysed == {"Control": 2, "Drug": 3}
    assert f.left_out[0].endswith("no ADSL was given (--adsl)")


@pytest.mark.parametrize("column, bad, message", [
    ("RANDFL", "X", "adsl.csv: row 4, column RANDFL: value 'X' is not Y, N or blank"),
    ("RANDDT", "2020-13-45", "adsl.csv: row 4, column RANDDT: value '2020-13-45' is not a "
                             "date"),
])
def test_bad_values_are_one_line_errors(tmp_path, column, bad, message):
    lines = ADSL.splitlines()
    head = lines[0].split(",")
    row = lines[3].split(",")
    row[head.index(column)] = bad
    lines[3] = ",".join(row)
    with pytest.raises(InputError) as exc:
        load(tmp_path, "\n".join(lines) + "\n")
    assert str(exc.value).startswith(message) and "\n" not in str(exc.value)


def test_arm_column_is_the_one_naming_the_analysed_arms(tmp_path):
    """ARMCD holds codes (A/B), ARM the analysed arm names: ARM is used."""
    lines = ADSL.replace("TRT01P", "ARM").splitlines()
    codes = {"Control": "A", "Drug": "B", "Other": "C", "": ""}
    out = [lines[0] + ",ARMCD"]
    for line in lines[1:]:
        out.append(line + "," + codes[line.split(",")[7]])
    data, subjects = load(tmp_path, "\n".join(out) + "\n")
    assert subjects.columns["arm"] == "ARM"
    assert trial_flow(subjects, data).randomized == {"Control": 2, "Drug": 3}
    assert np.array_equal(subjects.randomized, [True] * 5 + [False] * 5 + [True])
