"""survtrial.reconstruct (Guyot et al. 2012): hand-worked cases, numbers at risk, cleaning,
the CLI and its one-line errors (exit status 2).

Validation kinds (as simtrial names them): first-principles recomputation (cases worked by
hand below, with every intermediate value in the comments), metamorphic checks (row order,
units), regression on the shipped AALL1731 data (only facts that must hold: the published
numbers at risk and arm sizes are reproduced). The simulation study is in
tests/test_reconstruct_validation.py.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from survtrial import InputError
from survtrial.cli import app
from survtrial.protocol import builtin_data_path
from survtrial.reconstruct import (
    clean_curve,
    read_curve,
    reconstruct,
    reconstruct_arm,
)
from survtrial.reconstruct.examples import aall1731
from survtrial.stats import kaplan_meier

runner = CliRunner()


def corners(time, event):
    """The exact step corners of the KM curve of (time, event), as a perfect digitizer reads."""
    km = kaplan_meier(time, event)
    at = km.n_event > 0
    top = np.concatenate([[1.0], km.survival[at][:-1]])
    t = np.concatenate([[0.0], np.repeat(km.time[at], 2), [km.time[-1]]])
    s = np.concatenate([[1.0], np.column_stack([top, km.survival[at]]).ravel(), [km.survival[-1]]])
    return t, s


def at_risk_table(time, at):
    at = np.asarray(at, dtype=float)
    return at, np.count_nonzero(np.asarray(time)[None, :] >= at[:, None], axis=1)


# ------------------------------------------------------------------------------------------
# Worked by hand


def test_hand_case_with_one_censoring_is_reproduced_exactly():
    # 10 patients: events at 2, 4, 7, 12; censored at 5; five censored at 12 (after the event).
    # KM: S(2) = 9/10, S(4) = 8/10, 7 at risk at 7 -> S(7) = 0.8 * 6/7, 6 at risk at 10,
    # S(12) = 0.8 * 6/7 * 5/6. At-risk table: 10 at 0, 6 at 10.
    # Interval [0, 10): first guess c = round(10 * S(10)/S(0) - 6) = round(0.857) = 1, placed
    # at 0 + 10 * 1/2 = 5 (between the clicks at 4 and 7). Inverted KM: d = 1 at 2 (10 at
    # risk), 1 at 4 (9 at risk: round(9 * (1 - 0.8/0.9)) = 1), then the censoring, 1 at 7
    # (7 at risk); 10 - 3 - 1 = 6 reached at 10 = published: one iteration.
    # Last interval: censoring rate 1 per 10 years * (12 - 10) = 0.2 -> 0; d = 1 at 12
    # (round(6 * (1 - 5/6)) = 1); the 5 left are censored at the last time, 12.
    s7 = 0.8 * 6 / 7
    t = [0, 2, 2, 4, 4, 7, 7, 12, 12]
    s = [1, 1, 0.9, 0.9, 0.8, 0.8, s7, s7, s7 * 5 / 6]
    r = reconstruct_arm(t, s, [0, 10], [10, 6])
    assert r.time[r.event == 1].tolist() == [2.0, 4.0, 7.0, 12.0]
    assert r.time[r.event == 0].tolist() == [5.0, 12.0, 12.0, 12.0, 12.0, 12.0]
    assert r.iterations.tolist() == [1, 1]
    assert r.at_risk.reconstructed.tolist() == [10, 6]
    assert r.n_points_added == 1  # the click at the at-risk time 10 (level S(7))
    assert r.rmse == pytest.approx(0.0, abs=1e-12)
    assert r.notes == ()


def test_hand_case_censoring_count_is_adjusted_until_the_count_at_risk_matches():
    # Same curve, but 5 at risk at 10 (two censored in [0, 10)): the first guess is
    # round(10 * 0.6857 - 5) = round(1.857) = 2, placed at 10/3 and 20/3: after the events at
    # 2 and 4 (8 left), one censoring at 3.33 -> 7 left at 4? No: 3.33 lies in [2, 4), after
    # the event at 2, so 10 -> 9 (event at 2) -> 8 (censored 3.33) -> 7 (event at 4,
    # round(8 * (1 - 0.8/0.9)) = round(0.889) = 1) -> 6 (censored 6.67) -> at 7,
    # round(6 * (1 - 6/7)) = round(0.857) = 1 event -> 5 at 10 = published.
    s7 = 0.8 * 6 / 7
    t = [0, 2, 2, 4, 4, 7, 7, 12, 12]
    s = [1, 1, 0.9, 0.9, 0.8, 0.8, s7, s7, s7 * 5 / 6]
    r = reconstruct_arm(t, s, [0, 10], [10, 5])
    np.testing.assert_allclose(r.time[r.event == 0][:2], [10 / 3, 20 / 3], rtol=1e-15)
    assert r.time[r.event == 1].tolist()[:3] == [2.0, 4.0, 7.0]
    assert r.at_risk.reconstructed.tolist() == [10, 5]


@pytest.mark.parametrize("at", [[0], [0, 3], [0, 2.5, 5, 7.5]])
def test_no_censoring_gives_back_the_event_times(at):
    # Without censoring every drop of 1/n * (number dying) is inverted exactly, whatever the
    # at-risk times (each first guess is exactly 0).
    rng = np.random.default_rng(11)
    true_t = np.round(rng.exponential(4.0, 40), 3)
    event = np.ones(40, dtype=np.int64)
    t, s = corners(true_t, event)
    r = reconstruct_arm(t, s, *at_risk_table(true_t, at))
    np.testing.assert_array_equal(r.time[r.event == 1], np.sort(true_t))
    assert r.n == 40 and r.n_events == 40
    assert r.max_abs_difference < 1e-12


def test_total_events_sets_the_last_interval():
    rng = np.random.default_rng(5)
    n = 200
    ev_t, cen_t = rng.exponential(3.0, n), rng.uniform(0.5, 6.0, n)
    time, event = np.minimum(ev_t, cen_t), (ev_t <= cen_t).astype(int)
    t, s = corners(time, event)
    table = at_risk_table(time, [0, 1, 2, 3])
    r = reconstruct_arm(t, s, *table, total_events=int(event.sum()))
    assert r.n_events == int(event.sum())
    assert r.events_published == int(event.sum())
    assert r.n == n
    np.testing.assert_array_equal(r.at_risk.reconstructed, table[1])


def test_to_end_rule_ends_follow_up_at_the_end_of_the_curve():
    rng = np.random.default_rng(8)
    time = rng.exponential(3.0, 150)
    event = (rng.uniform(size=150) < 0.7).astype(int)
    t, s = corners(time, event)
    table = at_risk_table(time, [0, 1, 2])
    g = reconstruct_arm(t, s, *table)
    e = reconstruct_arm(t, s, *table, last_interval="to-end")
    assert e.time.max() == t.max()
    assert np.count_nonzero(e.time >= t.max()) == 1  # only the last one reaches the end
    np.testing.assert_array_equal(e.at_risk.reconstructed, table[1])
    # before the last at-risk time both rules agree
    before = g.time < 2
    np.testing.assert_array_equal(g.time[before], e.time[e.time < 2])


def test_accuracy_is_the_km_of_the_ipd_against_the_digitized_points():
    rng = np.random.default_rng(3)
    time = rng.exponential(2.0, 80)
    event = (rng.uniform(size=80) < 0.8).astype(int)
    t, s = corners(time, event)
    s_noisy = np.clip(s + rng.normal(0, 0.004, s.shape), 0, 1)
    r = reconstruct_arm(t, s_noisy, *at_risk_table(time, [0, 1, 2, 3]))
    km = kaplan_meier(r.time, r.event)
    np.testing.assert_allclose(r.reconstructed_survival, km.survival_at(r.check_time))
    diff = km.survival_at(r.check_time) - r.digitized_survival
    assert r.rmse == pytest.approx(float(np.sqrt(np.mean(diff**2))), rel=1e-12)
    assert r.max_abs_difference == pytest.approx(float(np.abs(diff).max()), rel=1e-12)
    assert r.rmse > 0  # the noise is visible


# ------------------------------------------------------------------------------------------
# Cleaning and metamorphic checks


def test_clean_curve_sorts_makes_monotone_and_counts_changes():
    c = clean_curve([2, 1, 1, 3, 3, 0.5], [0.8, 0.9, 0.95, 0.82, 0.7, 1.0])
    # sorted: (0.5,1) (1,.95) (1,.9) (2,.8) (3,.82->.8) (3,.7); start (0, 1) added
    assert c.time.tolist() == [0, 0.5, 1, 1, 2, 3, 3]
    np.testing.assert_allclose(c.survival, [1, 1, 0.95, 0.9, 0.8, 0.8, 0.7])
    assert (c.n_input, c.n_altered, c.n_added) == (6, 1, 1)
    assert c.max_alteration == pytest.approx(0.02)
    d = clean_curve([0, 0, 1, 1], [0.99, 1, 0.9, 0.9])
    assert d.survival.tolist() == [1.0, 0.9]  # time 0 set to 1, duplicates dropped
    assert (d.n_altered, d.n_duplicates, d.n_added) == (1, 2, 0)


def test_row_order_and_time_unit_do_not_change_the_ipd():
    rng = np.random.default_rng(21)
    time = rng.exponential(2.0, 120)
    event = (rng.uniform(size=120) < 0.75).astype(int)
    t, s = corners(time, event)
    table = at_risk_table(time, [0, 1, 2, 3])
    base = reconstruct_arm(t, s, *table)
    perm = rng.permutation(t.shape[0])
    shuffled = reconstruct_arm(t[perm], s[perm], *table)
    np.testing.assert_array_equal(base.time, shuffled.time)
    np.testing.assert_array_equal(base.event, shuffled.event)
    months = reconstruct_arm(t * 12, s, table[0] * 12, table[1])
    np.testing.assert_allclose(months.time, base.time * 12, rtol=1e-12)
    np.testing.assert_array_equal(months.event, base.event)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"survival": [1, 1.2]}, "outside"),
        ({"time": [0, -1]}, "negative"),
        ({"at_risk_count": [10, 12]}, "increases"),
        ({"at_risk_time": [1, 2]}, "start at time 0"),
        ({"total_events": 11}, "only 10 patients"),
        ({"last_interval": "late"}, "not one of"),
    ],
)
def test_bad_arguments_raise_input_error(kwargs, match):
    args = {"time": [0, 1], "survival": [1, 0.5], "at_risk_time": [0, 1]}
    args |= {"at_risk_count": [10, 5]}
    args |= kwargs
    with pytest.raises(InputError, match=match):
        reconstruct_arm(**args)


# ------------------------------------------------------------------------------------------
# AALL1731 (shipped data): the published facts that a reconstruction must reproduce


# DFS numbers at risk printed under the NEJM figure (Gupta et al. 2025; see
# src/survtrial/protocol/builtin/data/aall1731/SOURCES.md)
PUBLISHED_DFS_AT_RISK = {
    "chemotherapy": [722, 627, 449, 221, 44],
    "blinatumomab": [718, 623, 457, 241, 50],
}


@pytest.mark.parametrize("endpoint", ["dfs", "os"])
def test_aall1731_reproduces_published_numbers_at_risk(endpoint):
    rec = aall1731(endpoint)
    assert rec.unit == "years"
    assert [a.n for a in rec.arms] == [722, 718]  # published arm sizes
    for a in rec.arms:
        # counted in the IPD (follow-up >= t), independently of the algorithm's own n-hat
        counted = [int(np.count_nonzero(a.time >= t)) for t in range(5)]
        assert counted == a.at_risk.published.tolist()
        if endpoint == "dfs":
            assert counted == PUBLISHED_DFS_AT_RISK[a.arm]
        # one percentage point of digitization error at most (README of the data)
        assert a.max_abs_difference < 0.01
        assert a.notes == ()


# ------------------------------------------------------------------------------------------
# CLI


def _write_curve(path, time, surv, header="time,St"):
    lines = [header] + [f"{a},{b}" for a, b in zip(time, surv, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def files(tmp_path):
    a = _write_curve(tmp_path / "a.csv", [0, 1, 1, 2, 2, 3], [1, 1, 0.9, 0.9, 0.8, 0.8])
    b = _write_curve(tmp_path / "b.csv", [0, 1.5, 1.5, 3], [1, 1, 0.85, 0.85])
    nar = tmp_path / "nar.csv"
    nar.write_text("arm,year,n_at_risk\nA,0,20\nA,2,16\nB,0,20\nB,2,15\n")
    return tmp_path, a, b, nar


def test_cli_writes_ipd_and_accuracy(files):
    tmp, a, b, nar = files
    out = tmp / "out"
    res = runner.invoke(
        app,
        ["reconstruct", "--curve", f"A={a}", "--curve", f"B={b}", "--at-risk", str(nar),
         "--events", "A=4", "--out", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    ipd = pd.read_csv(out / "ipd.csv")
    assert list(ipd.columns) == ["usubjid", "arm", "time", "event", "unit"]
    assert ipd["unit"].eq("years").all()
    assert ipd.groupby("arm").size().to_dict() == {"A": 20, "B": 20}
    assert int(ipd.loc[ipd["arm"] == "A", "event"].sum()) == 4
    acc = json.loads((out / "accuracy.json").read_text())
    assert acc["unit"] == "years"
    assert [r["reconstructed"] for r in acc["arms"]["B"]["at_risk"]] == [20, 15]
    assert acc["arms"]["A"]["events_published"] == 4
    assert "Numbers at risk" in res.output


def test_cli_wide_at_risk_table_gives_the_same_ipd(files):
    tmp, a, b, nar = files
    wide = tmp / "wide.csv"
    wide.write_text("months,A,B\n0,20,20\n24,16,15\n")
    a_m = _write_curve(tmp / "am.csv", [0, 12, 12, 24, 24, 36], [1, 1, 0.9, 0.9, 0.8, 0.8])
    b_m = _write_curve(tmp / "bm.csv", [0, 18, 18, 36], [1, 1, 0.85, 0.85])
    for src, ca, cb, out in ((nar, a, b, "y"), (wide, a_m, b_m, "m")):
        res = runner.invoke(
            app,
            ["reconstruct", "--curve", f"A={ca}", "--curve", f"B={cb}", "--at-risk", str(src),
             "--out", str(tmp / out)],
        )  # fmt: skip
        assert res.exit_code == 0, res.output
    y, m = pd.read_csv(tmp / "y" / "ipd.csv"), pd.read_csv(tmp / "m" / "ipd.csv")
    np.testing.assert_allclose(m["time"], y["time"] * 12, rtol=1e-12)
    assert m["unit"].eq("months").all()


def test_cli_aall1731_shortcut_runs_without_files(tmp_path):
    res = runner.invoke(app, ["reconstruct", "aall1731", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    ipd = pd.read_csv(tmp_path / "ipd.csv")
    assert ipd.groupby("arm").size().to_dict() == {"blinatumomab": 718, "chemotherapy": 722}
    assert ipd["usubjid"].is_unique
    res = runner.invoke(app, ["reconstruct", "aall1731", "--endpoint", "os"])
    assert res.exit_code == 0, res.output
    assert "AALL1731 OS" in res.output


def _one_line_error(args, *fragments):
    res = runner.invoke(app, ["reconstruct", *args])
    assert res.exit_code == 2, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1, res.output
    assert lines[0].startswith("error: ")
    assert "Traceback" not in res.output
    for f in fragments:
        assert f in lines[0], lines[0]
    return lines[0]


def test_cli_missing_file(files):
    tmp, _a, b, nar = files
    _one_line_error(
        ["--curve", f"A={tmp / 'nope.csv'}", "--curve", f"B={b}", "--at-risk", str(nar)],
        "nope.csv",
        "no such file",
    )


def test_cli_missing_column(files):
    tmp, _a, b, nar = files
    bad = _write_curve(tmp / "bad.csv", [0, 1], [1, 0.9], header="time,prob")
    _one_line_error(
        ["--curve", f"A={bad}", "--curve", f"B={b}", "--at-risk", str(nar)],
        "bad.csv",
        "no survival column",
        "prob",
    )


def test_cli_survival_outside_0_1(files):
    tmp, _a, b, nar = files
    bad = _write_curve(tmp / "pct.csv", [0, 1, 2], [100, 95, 90])
    _one_line_error(
        ["--curve", f"A={bad}", "--curve", f"B={b}", "--at-risk", str(nar)],
        "pct.csv",
        "row 2",
        "column 'St'",
        "not percent",
    )


def test_cli_negative_time(files):
    tmp, _a, b, nar = files
    bad = _write_curve(tmp / "neg.csv", [0, 1, -2], [1, 0.9, 0.8])
    _one_line_error(
        ["--curve", f"A={bad}", "--curve", f"B={b}", "--at-risk", str(nar)],
        "neg.csv",
        "row 4",
        "column 'time'",
        "negative",
    )


def test_cli_non_numeric_cell(files):
    tmp, _a, b, nar = files
    bad = _write_curve(tmp / "txt.csv", [0, 1, 2], [1, "0.9x", 0.8])
    _one_line_error(
        ["--curve", f"A={bad}", "--curve", f"B={b}", "--at-risk", str(nar)],
        "txt.csv",
        "row 3",
        "'0.9x'",
    )


def test_cli_at_risk_increasing(files):
    tmp, a, b, _nar = files
    up = tmp / "up.csv"
    up.write_text("arm,year,n_at_risk\nA,0,20\nA,2,16\nB,0,20\nB,2,25\n")
    _one_line_error(
        ["--curve", f"A={a}", "--curve", f"B={b}", "--at-risk", str(up)],
        "up.csv",
        "row 5",
        "column 'n_at_risk'",
        "cannot increase",
    )


def test_cli_at_risk_arm_without_curve(files):
    _tmp, a, b, nar = files
    _one_line_error(
        ["--curve", f"A={a}", "--curve", f"C={b}", "--at-risk", str(nar)],
        "nar.csv",
        "'B'",
        "has no curve",
    )


def test_cli_curve_arm_not_in_at_risk(files):
    _tmp, a, _b, nar = files
    _one_line_error(
        ["--curve", f"A={a}", "--at-risk", str(nar)],
        "nar.csv",
        "'B'",
    )


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--events", "Z=3"], "--events (total_events): arm 'Z' has no curve"),
        (["--events", "A=three"], "not a whole number"),
        (["--unit", "fortnights"], "not one of"),
    ],
)
def test_cli_bad_options(files, extra, fragment):
    _tmp, a, b, nar = files
    _one_line_error(
        ["--curve", f"A={a}", "--curve", f"B={b}", "--at-risk", str(nar), *extra], fragment
    )


def test_cli_malformed_curve_option_and_unknown_example(files):
    _tmp, a, _b, nar = files
    _one_line_error(["--curve", str(a), "--at-risk", str(nar)], "--curve", "ARM=FILE.csv")
    _one_line_error(["aall9999"], "not a shipped example")


def test_cli_unwritable_out_is_one_line_and_exit_2(files):
    """Nothing is printed before the error: the files are written first (defect 1)."""
    tmp, a, b, nar = files
    args = ["--curve", f"A={a}", "--curve", f"B={b}", "--at-risk", str(nar)]
    _one_line_error([*args, "--out", "/proc/x"], "--out", "cannot create", "/proc/x")
    blocked = tmp / "blocked"
    (blocked / "ipd.csv").mkdir(parents=True)  # a folder where the file should go
    _one_line_error([*args, "--out", str(blocked)], "--out", "cannot write", "ipd.csv")
    _one_line_error(["aall1731", "--out", "/proc/x"], "--out", "cannot create")


def test_cli_needs_a_unit_when_the_time_column_does_not_say(files):
    tmp, a, b, _nar = files
    plain = tmp / "plain.csv"
    plain.write_text("arm,time,n_at_risk\nA,0,20\nA,2,16\nB,0,20\nB,2,15\n")
    args = ["--curve", f"A={a}", "--curve", f"B={b}", "--at-risk", str(plain)]
    _one_line_error(args, "plain.csv", "--unit")
    res = runner.invoke(app, ["reconstruct", *args, "--unit", "months"])
    assert res.exit_code == 0, res.output


def test_cli_endpoint_column_must_be_chosen(tmp_path):
    src = str(builtin_data_path("aall1731", ""))
    args = ["--curve", f"blinatumomab={src}/dfs_blinatumomab.csv"]
    args += ["--curve", f"chemotherapy={src}/dfs_chemotherapy.csv"]
    args += ["--at-risk", f"{src}/numbers_at_risk.csv"]
    _one_line_error(args, "numbers_at_risk.csv", "--endpoint")
    res = runner.invoke(app, ["reconstruct", *args, "--endpoint", "dfs"])
    assert res.exit_code == 0, res.output


def test_readers_name_row_and_column(tmp_path):
    p = _write_curve(tmp_path / "c.csv", [0, 1, ""], [1, 0.9, 0.8])
    with pytest.raises(InputError, match=r"c\.csv: row 4, column 'time': an empty cell"):
        read_curve(p)
    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"):
        read_curve(empty)
    t, s = read_curve(_write_curve(tmp_path / "ok.csv", [0, 1], [1, 0.9], header="Time,Survival"))
    assert t.tolist() == [0.0, 1.0] and s.tolist() == [1.0, 0.9]
    with pytest.raises(InputError, match="no numbers at risk for arm 'x'"):
        reconstruct({"x": ([0, 1], [1, 0.9])}, {"y": ([0], [5])})


def test_docstring_examples():
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module("survtrial.reconstruct._guyot"))
    assert result.attempted > 0
    assert result.failed == 0


def test_cli_help_names_what_each_option_takes():
    """Options show a name for their value, not a Python type (defect 5)."""
    res = runner.invoke(app, ["reconstruct", "--help"], terminal_width=120)
    assert res.exit_code == 0, res.output
    assert "[EXAMPLE]" in res.output
    lines = [line for line in res.output.splitlines() if "--" in line and "--help" not in line]
    for line in lines:
        assert not any(t in line for t in ("<str>", "<list[str]>", "<path>")), line
    assert any("--curve" in line and "ARM=FILE" in line for line in lines)


def test_reconstruct_files_is_reconstruct_on_what_the_files_hold(files):
    from survtrial.reconstruct import reconstruct_files

    tmp, a, b, nar = files
    rec = reconstruct_files({"B": b, "A": a}, nar, {"A": 4})
    arrays = reconstruct(
        {"B": read_curve(b), "A": read_curve(a)},
        {"A": ([0, 2], [20, 16]), "B": ([0, 2], [20, 15])},
        {"A": 4},
        unit="years",
    )
    assert rec.labels == ("B", "A") and rec.unit == "years"
    for x, y in zip(rec.arms, arrays.arms, strict=True):
        np.testing.assert_array_equal(x.time, y.time)
        np.testing.assert_array_equal(x.event, y.event)
    with pytest.raises(InputError, match=r"^curves: arm 'C' .* is not in .*nar\.csv"):
        reconstruct_files({"A": a, "B": b, "C": b}, nar)
    with pytest.raises(InputError, match=r"nar\.csv: arm 'B' in the at-risk table has no curve"):
        reconstruct_files({"A": a}, nar)
    plain = tmp / "plain.csv"
    plain.write_text("arm,time,n_at_risk\nA,0,20\nA,2,16\nB,0,20\nB,2,15\n")
    with pytest.raises(InputError, match=r"^unit: .*plain\.csv does not say the time unit"):
        reconstruct_files({"A": a, "B": b}, plain)
    assert reconstruct_files({"A": a, "B": b}, plain, unit="month").unit == "months"


def test_shipped_example_checks_its_name_and_unit():
    from survtrial.reconstruct.examples import example

    assert example("AALL1731", "os").labels == ("chemotherapy", "blinatumomab")
    with pytest.raises(InputError, match=r"^example: 'aall9' is not a shipped example"):
        example("aall9")
    with pytest.raises(InputError, match=r"^unit: the aall1731 curves are in years"):
        example("aall1731", unit="months")


def test_report_notes_and_written_lines(files):
    from pathlib import Path

    from survtrial.reconstruct import reconstruct_files
    from survtrial.report.reconstruct_tables import accuracy_title, note_lines, written_lines

    _tmp, a, b, nar = files
    rec = reconstruct_files({"A": a, "B": b}, nar, {"A": 19})  # more events than possible
    notes = note_lines(rec)
    assert notes and all(line.startswith("note (A): ") for line in notes)
    assert written_lines(rec, Path("o/ipd.csv"), Path("o/accuracy.json")) == [
        "wrote o/ipd.csv (40 rows, time in years)",
        "wrote o/accuracy.json",
    ]
    assert accuracy_title("aall1731", "os").startswith("AALL1731 OS: reconstruction accuracy")
