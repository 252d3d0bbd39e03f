"""`survtrial monitor`: bad input (one line, exit 2), arms, history, final looks, and the
library's result; the numbers themselves are checked against R in test_monitor_reference.py."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtr
from typer.testing import CliRunner

from survtrial._errors import InputError
from survtrial.cli import app
from survtrial.design import final_inference, group_sequential, update_bounds
from survtrial.monitor import (
    EFFICACY,
    Look,
    monitor_look,
    monitoring_design,
    plan_from_design_json,
)
from tests.helpers import FIXTURES
from tests.test_monitor_reference import protocol_file

HERE = FIXTURES / "monitor"
DESIGN = HERE / "design.json"
ARMS = ["--arms", "Control,Drug X"]
runner = CliRunner()
PLAN = plan_from_design_json(DESIGN.read_text(encoding="utf-8"), "design.json")


def invoke(*args):
    res = runner.invoke(app, ["monitor", *map(str, args)])
    return res.exit_code, res.stdout, res.stderr


def ok(tmp_path, data, *args, name="out") -> dict:
    code, out, err = invoke(data, "--out", tmp_path / name, *args)
    assert code == 0, (out, err)
    return json.loads((tmp_path / name / "monitoring.json").read_text(encoding="utf-8"))


def one_line_error(tmp_path, *args) -> str:
    code, out, err = invoke(*args, "--out", tmp_path / "bad")
    assert code == 2, (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and out == ""
    assert not (tmp_path / "bad" / "monitoring.json").exists()
    return lines[0]


def design_file(tmp_path, name="design.json", **changes):
    d = json.loads(DESIGN.read_text(encoding="utf-8"))
    d["design"].update(changes)
    p = tmp_path / name
    p.write_text(json.dumps(d), encoding="utf-8")
    return p


# ---------------------------------------------------------------------------------------------
# bad input


def test_a_look_whose_events_exceed_the_plan(tmp_path):
    small = design_file(tmp_path, max_events=40.0)
    msg = one_line_error(tmp_path, HERE / "adtte_look1.csv", "--design", small, *ARMS)
    assert "48 events" in msg and "40 planned" in msg and "exceed" in msg


def test_a_history_from_a_different_design(tmp_path):
    ok(tmp_path, HERE / "adtte_look1.csv", "--design", DESIGN, *ARMS, name="look1")
    other = design_file(tmp_path, "other.json", alpha=0.02)
    msg = one_line_error(
        tmp_path, HERE / "adtte_look2.csv", "--design", other, *ARMS,
        "--history", tmp_path / "look1" / "monitoring.json",
    )
    assert "different design" in msg and "alpha" in msg


def test_a_history_with_other_arms(tmp_path):
    ok(tmp_path, HERE / "adtte_look1.csv", "--design", DESIGN, "--arms", "Drug X,Control",
       name="look1")
    msg = one_line_error(
        tmp_path, HERE / "adtte_look2.csv", "--design", DESIGN, *ARMS,
        "--history", tmp_path / "look1" / "monitoring.json",
    )
    assert "arms" in msg and "do not match" in msg


def test_a_history_not_earlier_than_this_look(tmp_path):
    ok(tmp_path, HERE / "adtte_look2.csv", "--design", DESIGN, *ARMS, name="look2")
    msg = one_line_error(
        tmp_path, HERE / "adtte_look1.csv", "--design", DESIGN, *ARMS,
        "--history", tmp_path / "look2" / "monitoring.json",
    )
    assert "48 events" in msg and "92" in msg


def test_arms_that_do_not_match_the_protocol(tmp_path):
    # the built-in protocol's arms are control / experimental ("Standard care", "New
    # treatment"); the data's "Drug X" is neither
    msg = one_line_error(tmp_path, HERE / "adtte_look1.csv", "--protocol", "two_arm_example")
    assert msg.startswith("error: arms:") and "Drug X" in msg and "New treatment" in msg


def test_arms_given_in_the_wrong_order_for_the_protocol(tmp_path):
    msg = one_line_error(tmp_path, HERE / "adtte_look1.csv", "--protocol",
                         protocol_file(tmp_path), "--arms", "Drug X,Control")
    assert msg.startswith("error: --arms:") and "experimental" in msg


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ([], "give exactly one of --protocol"),
        (["--protocol", "two_arm_example", "--design", DESIGN], "give exactly one of"),
        (["--design", DESIGN], "--arms: give CONTROL,EXPERIMENTAL"),
        (["--design", DESIGN, "--arms", "Control"], "exactly two arms"),
        (["--design", HERE / "missing.json", *ARMS], "--design: cannot read"),
        (["--design", DESIGN, *ARMS, "--history", HERE / "missing.json"], "--history: cannot"),
        (["--protocol", "no_such_protocol"], "neither a built-in protocol"),
    ],
)
def test_bad_options(tmp_path, args, needle):
    assert needle in one_line_error(tmp_path, HERE / "adtte_look1.csv", *args)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"alpha_spending": "user"}, "not a user vector"),
        ({"max_events": None}, "design.max_events: missing"),
        ({"sided": 3}, "design.sided"),
        ({"hazard_ratio": "big"}, "design.hazard_ratio"),
    ],
)
def test_bad_design_files(tmp_path, change, needle):
    bad = design_file(tmp_path, "bad.json", **change)
    assert needle in one_line_error(tmp_path, HERE / "adtte_look1.csv", "--design", bad, *ARMS)


def test_a_design_file_that_is_not_json(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    msg = one_line_error(tmp_path, HERE / "adtte_look1.csv", "--design", bad, *ARMS)
    assert "bad.json: not JSON" in msg


def test_a_protocol_look_name_that_does_not_exist(tmp_path):
    msg = one_line_error(tmp_path, HERE / "adtte_look1.csv", "--protocol",
                         protocol_file(tmp_path), "--look", "Interim 7")
    assert "'Interim 7' is not a look" in msg and "Interim, Final" in msg


# ---------------------------------------------------------------------------------------------
# arms and sign


def test_protocol_arms_found_whatever_the_order_in_the_file(tmp_path):
    """The protocol names the control arm: a file listing Drug X first gives the same z."""
    df = pd.read_csv(HERE / "adtte_look1.csv")
    flipped = tmp_path / "flipped.csv"
    pd.concat([df[df.TRTP == "Drug X"], df[df.TRTP == "Control"]]).to_csv(flipped, index=False)
    proto = protocol_file(tmp_path)
    a = ok(tmp_path, HERE / "adtte_look1.csv", "--protocol", proto, name="a")
    b = ok(tmp_path, flipped, "--protocol", proto, name="b")
    assert a["arms"] == b["arms"] == {"control": "Control", "experimental": "Drug X"}
    assert b["z"] == pytest.approx(a["z"], abs=1e-12) and a["z"] < 0


def test_swapping_the_arms_flips_z_and_inverts_the_hazard_ratio(tmp_path):
    a = ok(tmp_path, HERE / "adtte_look1.csv", "--design", DESIGN, *ARMS, name="a")
    b = ok(tmp_path, HERE / "adtte_look1.csv", "--design", DESIGN, "--arms", "Drug X,Control",
           name="b")
    assert b["z"] == pytest.approx(-a["z"], abs=1e-12)
    assert b["hazard_ratio"] == pytest.approx(1 / a["hazard_ratio"], rel=1e-12)
    assert b["repeated_ci"]["low"] == pytest.approx(1 / a["repeated_ci"]["high"], rel=1e-12)
    assert a["decision"] == "continue" and b["decision"] == "stop for futility"


def test_unstratified_z_differs_and_is_recorded(tmp_path):
    a = ok(tmp_path, HERE / "adtte_look1.csv", "--design", DESIGN, *ARMS, name="a")
    b = ok(tmp_path, HERE / "adtte_look1.csv", "--design", DESIGN, *ARMS, "--strata", "none",
           name="b")
    assert a["data"]["strata_columns"] == ["STRATUM"] and b["data"]["strata_columns"] == []
    assert a["z"] != pytest.approx(b["z"], abs=1e-6)


# ---------------------------------------------------------------------------------------------
# the file and the terminal


def test_json_keys_and_summary(tmp_path):
    code, out, err = invoke(HERE / "adtte_look1.csv", "--design", DESIGN, *ARMS,
                            "--out", tmp_path / "o")
    assert code == 0, err
    got = json.loads((tmp_path / "o" / "monitoring.json").read_text(encoding="utf-8"))
    for key in ("look", "events", "information_fraction", "z", "sign_convention",
                "efficacy_bound", "futility_bound", "nominal_p", "decision", "repeated_ci",
                "repeated_p", "conditional_power", "final_p", "median_unbiased_hr",
                "median_unbiased_hr_ci"):
        assert key in got, key
    assert "negative favours the experimental arm" in got["sign_convention"]
    assert got["nominal_p"] == pytest.approx(float(ndtr(got["z"])), rel=1e-12)  # one-sided
    assert "Decision: continue" in out and "Wrote monitoring.json" in out
    assert got["look"] == "look 1" and got["design_source"] == "design.json"


def test_history_files_repeating_earlier_looks_are_merged(tmp_path):
    """Look 2's file repeats look 1: giving both as history keeps look 1 once."""
    look1 = ok(tmp_path, HERE / "adtte_look1.csv", "--design", DESIGN, *ARMS, name="l1")
    hist = tmp_path / "l1" / "monitoring.json"
    doubled = ok(tmp_path, HERE / "adtte_look2.csv", "--design", DESIGN, *ARMS,
                 "--history", hist, "--history", hist, name="l2")
    assert [lk["events"] for lk in doubled["looks"]] == [look1["events"], doubled["events"]]


# ---------------------------------------------------------------------------------------------
# the library


def test_result_is_frozen():
    m = monitor_look(PLAN, [Look("a", 48, -2.5)], ("C", "E"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.z = 0.0  # type: ignore[misc]


def test_history_that_already_crossed_is_refused():
    with pytest.raises(InputError, match="history: the trial crossed the efficacy bound"):
        monitor_look(PLAN, [Look("a", 48, -4.0), Look("b", 92, -4.5)], ("C", "E"))


def test_looks_must_add_events():
    with pytest.raises(InputError, match="history: look 'b' has 40 events"):
        monitor_look(PLAN, [Look("a", 48, -1.0), Look("b", 40, -1.5)], ("C", "E"))


def test_final_look_at_the_planned_events_spends_all_alpha():
    looks = [Look("a", 48, -1.0), Look("b", 92, -1.2), Look("c", 133, -1.5)]
    m = monitor_look(PLAN, looks, ("C", "E"))
    d = group_sequential([48 / 133, 92 / 133, 1.0], alpha_spending="OF", beta_spending="OF")
    assert m.final and m.conditional_power_design is None
    assert m.efficacy_bound == pytest.approx(-d.efficacy_bounds[-1], abs=1e-12)
    assert m.futility_bound == m.efficacy_bound  # the last futility bound meets efficacy
    assert m.decision == "stop for futility"  # z = -1.5 does not reach about -2.0
    fi = final_inference(d, [-1.0, -1.2, -1.5], [48, 92, 133])
    assert m.final_p == pytest.approx(fi.p_value, rel=1e-12)


def test_under_running_final_look_spends_all_alpha():
    """The protocol's last look, before the planned events: a(t) at the interims, alpha at
    the last (update_bounds(final=True), checked against rpact in test_design_reference)."""
    plan = dataclasses.replace(PLAN, look_names=("Interim", "Final"), beta_spending=None)
    looks = [Look("Interim", 48, -1.0), Look("Final", 120, -2.1)]
    m = monitor_look(plan, looks, ("C", "E"))
    planned = group_sequential(list(plan.information_rates))
    ub = update_bounds(planned, [48 / 133, 120 / 133], final=True)
    assert m.final
    assert m.efficacy_bounds == pytest.approx(-np.asarray(ub.efficacy_bounds), abs=1e-9)
    assert m.cumulative_alpha_spent[-1] == pytest.approx(0.025, abs=1e-12)
    assert m.decision == EFFICACY and m.final_p is not None and m.final_p < 0.025


def test_repeated_p_is_the_level_at_which_the_bound_is_met():
    """At alpha = repeated p the design's bound at this look equals the observed statistic."""
    m = monitor_look(PLAN, [Look("a", 48, -2.5)], ("C", "E"))
    d = monitoring_design(PLAN, [48 / 133], final=False, alpha=m.repeated_p, futility=False)
    assert d.efficacy_bounds[0] == pytest.approx(2.5, abs=1e-8)


def test_a_history_that_is_not_a_monitoring_file(tmp_path):
    """Another survtrial JSON (a run's results.json) is named as what it is not, not as a
    different design."""
    other = tmp_path / "results.json"
    other.write_text(json.dumps({"protocol": "x", "replicates": 10}), encoding="utf-8")
    msg = one_line_error(
        tmp_path, HERE / "adtte_look2.csv", "--design", DESIGN, *ARMS, "--history", other
    )
    assert "not a monitoring.json" in msg and "no 'design'" in msg
