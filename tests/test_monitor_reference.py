"""`survtrial monitor` against R: the stratified log-rank z of survival::survdiff, the bounds of
rpact's getDesignGroupSequential at the observed information rates and getAnalysisResults on
the same z and events (tests/reference/make_monitor_reference.R, rpact 3.3.4).

Cuts: one trial at a look that continues (look 1) and at one that stops for efficacy (look 2,
with look 1 as --history); a trial without effect that crosses the futility bound; look 1 under
a protocol (the built-in two_arm_example re-planned to 133 events).

Tolerances: z 1e-9 (the same closed form); bounds 1e-6 (rpact's bound search); repeated CI and
repeated p 1e-4 (rpact's root searches have tolerance 1e-6 on the alpha scale); conditional
power 1e-6; final p-value 1e-6 relative; median-unbiased HR and its CI 1e-5 relative (rpact's
root search for the effect has tolerance 1e-6).
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from survtrial.cli import app
from survtrial.protocol import builtin_text
from tests.helpers import FIXTURES

HERE = FIXTURES / "monitor"
EXPECTED = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
CASES = {c["id"]: c for c in EXPECTED["cases"]}
runner = CliRunner()


def _list(x):
    return x if isinstance(x, list) else [x]


def protocol_file(tmp_path):
    """two_arm_example with 133 planned events, the interim at 44, and the data's arm label."""
    text = builtin_text("two_arm_example")
    for old, new in (
        ("planned_events = 250", "planned_events = 133"),
        ("events = 125", "events = 44"),
        ('label = "New treatment"', 'label = "Drug X"'),
    ):
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "protocol.toml"
    path.write_text(text, encoding="utf-8")
    return path


def monitor(tmp_path, data, *args) -> dict:
    out = tmp_path / data.removesuffix(".csv")
    res = runner.invoke(app, ["monitor", str(HERE / data), "--out", str(out), *map(str, args)])
    assert res.exit_code == 0, (res.stdout, res.stderr)
    return json.loads((out / "monitoring.json").read_text(encoding="utf-8"))


def run_case(tmp_path, case) -> dict:
    if case["id"] == "protocol_interim":
        return monitor(tmp_path, case["files"], "--protocol", protocol_file(tmp_path),
                       "--look", "Interim")
    design = ["--design", HERE / "design.json", "--arms", "Control,Drug X"]
    history: list[str] = []
    for data in _list(case["files"]):
        got = monitor(tmp_path, data, *design, *history)
        history += ["--history", str(tmp_path / data.removesuffix(".csv") / "monitoring.json")]
    return got


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_monitor_matches_r_and_rpact(tmp_path, case_id):
    case = CASES[case_id]
    got = run_case(tmp_path, case)
    k = len(_list(case["events"]))
    assert got["look_number"] == k
    assert [lk["events"] for lk in got["looks"]] == _list(case["events"])
    assert got["events"] == _list(case["events"])[-1]
    assert got["z"] == pytest.approx(_list(case["z"])[-1], abs=1e-9)
    assert [lk["z"] for lk in got["looks"]] == pytest.approx(_list(case["z"]), abs=1e-9)
    assert got["information_fraction"] == pytest.approx(
        _list(case["events"])[-1] / case["planned_events"], abs=1e-12
    )
    assert got["bounds"]["information_rates"] == pytest.approx(
        case["information_rates"], abs=1e-12
    )
    # rpact's bounds are positive for directionUpper = FALSE; ours are on the scale of z
    assert got["efficacy_bound"] == pytest.approx(-case["efficacy_bound"], abs=1e-6)
    assert [lk["efficacy_bound"] for lk in got["looks"]] == pytest.approx(
        [-c for c in _list(case["efficacy_bounds"])[:k]], abs=1e-6
    )
    if case["futility_bound"] <= -6:  # rpact's "no futility bound"
        assert got["futility_bound"] is None
    else:
        assert got["futility_bound"] == pytest.approx(-case["futility_bound"], abs=1e-6)
    assert got["repeated_ci"]["low"] == pytest.approx(_list(case["rci_lower"])[-1], abs=1e-4)
    assert got["repeated_ci"]["high"] == pytest.approx(_list(case["rci_upper"])[-1], abs=1e-4)
    assert got["repeated_p"] == pytest.approx(_list(case["repeated_p"])[-1], abs=1e-4)
    cp = got["conditional_power"]
    assert cp["design_effect"]["hazard_ratio"] == pytest.approx(
        case["hazard_ratio_design"], rel=1e-9
    )
    assert cp["design_effect"]["power"] == pytest.approx(
        case["conditional_power_design"], abs=1e-6
    )
    assert cp["current_trend"]["hazard_ratio"] == pytest.approx(
        case["hazard_ratio_trend"], rel=1e-10
    )
    assert cp["current_trend"]["power"] == pytest.approx(case["conditional_power_trend"], abs=1e-6)
    if case["final_stage"] is None:
        assert got["final_p"] is None and got["median_unbiased_hr"] is None
        assert got["median_unbiased_hr_ci"] is None
    else:
        assert got["final_p"] == pytest.approx(case["final_p"], rel=1e-6)
        assert got["median_unbiased_hr"] == pytest.approx(case["median_unbiased_hr"], rel=1e-5)
        assert got["median_unbiased_hr_ci"]["low"] == pytest.approx(
            case["final_ci_lower"], rel=1e-5
        )
        assert got["median_unbiased_hr_ci"]["high"] == pytest.approx(
            case["final_ci_upper"], rel=1e-5
        )


DECISIONS = {
    "look1_continue": "continue",
    "look2_stop": "stop for efficacy",
    "null_look1_futility": "stop for futility",
    "protocol_interim": "continue",
}


@pytest.mark.parametrize("case_id", sorted(DECISIONS))
def test_decision_follows_the_bounds(tmp_path, case_id):
    """The committee's decision: z against rpact's bounds (efficacy first, then futility)."""
    case = CASES[case_id]
    got = run_case(tmp_path, case)
    x, c, f = -_list(case["z"])[-1], case["efficacy_bound"], case["futility_bound"]
    expected = "stop for efficacy" if x >= c else "stop for futility" if x <= f else "continue"
    assert expected == DECISIONS[case_id]  # the committed cuts cover all three decisions
    assert got["decision"] == expected
    assert (case["final_stage"] is not None) == (expected == "stop for efficacy")
