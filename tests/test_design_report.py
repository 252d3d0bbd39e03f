"""report/design_tables.py and report/files.py: rendering of design results, file writing."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest

from survtrial import InputError
from survtrial.design import events_required, group_sequential, sample_size_survival
from survtrial.report.design_tables import (
    COLUMNS,
    boundary_rows,
    csv_text,
    json_dict,
    json_text,
    text_table,
)
from survtrial.report.files import make_dir, write_bytes, write_text


def test_rows_take_the_numbers_of_the_results():
    d = group_sequential([0.25, 0.5, 0.75, 1], beta_spending="OF")
    ev = events_required(d, 0.7)
    plan = sample_size_survival(d, 0.7, control_median=12, accrual_time=24, follow_up=12)
    rows = boundary_rows(d, ev, plan)
    assert [r["look"] for r in rows] == [1, 2, 3, 4]
    assert [r["z_futility"] for r in rows[:3]] == [float(v) for v in d.futility_bounds]
    assert math.isnan(rows[-1]["z_futility"]) and math.isnan(rows[-1]["hr_futility"])
    assert [r["time_months"] for r in rows] == [float(t) for t in plan.analysis_times]
    assert [r["events"] for r in rows] == [float(e) for e in ev.events]


def test_a_look_without_alpha_is_inf_in_text_csv_and_json():
    """User spending that spends nothing at the first look: bound +inf (rpact: >= 7.5)."""
    d = group_sequential([0.5, 1], alpha_spending=[0.0, 0.025])
    ev = events_required(d, 0.7)
    rows = boundary_rows(d, ev)
    assert math.isinf(rows[0]["z_efficacy"])
    text = text_table(rows).splitlines()
    col = text[0].split().index("z_efficacy")
    assert text[1].split()[col] == "inf"
    assert "time_months" not in text[0]  # no plan: the column is left out of the text table
    assert json_dict(d, ev)["table"][0]["z_efficacy"] == "Infinity"
    assert json_dict(d, ev)["table"][0]["time_months"] is None
    parsed = list(csv.DictReader(io.StringIO(csv_text(rows), newline="")))
    assert parsed[0]["z_efficacy"] == "inf" and parsed[0]["time_months"] == ""
    assert list(parsed[0]) == list(COLUMNS)


def test_csv_is_full_precision_with_crlf_and_json_reads_back():
    d = group_sequential([1 / 3, 2 / 3, 1])
    ev = events_required(d, 0.6)
    rows = boundary_rows(d, ev)
    text = csv_text(rows)
    assert text.count("\r\n") == len(rows) + 1
    parsed = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [float(r["z_efficacy"]) for r in parsed] == [float(v) for v in d.efficacy_bounds]
    payload = json.loads(json_text(d, ev))
    assert payload["design"]["max_events"] == ev.max_events
    assert payload["design"]["max_subjects"] is None


def test_files_write_or_raise_one_line(tmp_path):
    assert write_text(tmp_path / "a.txt", "x\r\ny\n", "--a").read_bytes() == b"x\r\ny\n"
    assert write_bytes(tmp_path / "b.bin", b"\x00\x01", "--b").read_bytes() == b"\x00\x01"
    assert make_dir(tmp_path / "c" / "d", "--out").is_dir()
    with pytest.raises(InputError, match=r"^--json: cannot write /nonexistent/d\.json: \S"):
        write_text("/nonexistent/d.json", "{}", "--json")
    with pytest.raises(InputError, match=r"^--fig: cannot write /proc/x: \S"):
        write_bytes("/proc/x", b"", "--fig")
    with pytest.raises(InputError, match=r"^--out: cannot create the folder .*a\.txt: \S"):
        make_dir(tmp_path / "a.txt", "--out")
