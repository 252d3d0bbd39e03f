"""Issue 9: every published figure says whether it was fitted (a calibration target, with the
parameters fitted to it) or held out (a prediction), and the held-out comparisons are there."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from survtrial._errors import InputError
from survtrial.cli import app
from survtrial.protocol import builtin_text, load_builtin, parse_protocol

runner = CliRunner()
AALL = load_builtin("aall1731")
HELD_OUT_REQUIRED = {
    "os3_blinatumomab",
    "os3_chemotherapy",
    "os_at_risk_year1_blinatumomab",
    "os_at_risk_year4_chemotherapy",
    "p_cns_relapse",
    "hr_pvalue_sr_average",
    "hr_pvalue_sr_high",
    "median_follow_up_years",
}


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("roles")
    res = runner.invoke(
        app, ["reproduce", "aall1731", "--out", str(out), "--replicates", "48", "--seed", "3"]
    )
    assert res.exit_code == 0, res.output
    return {"json": json.loads((out / "results.json").read_text()), "stdout": res.output,
            "html": (out / "report.html").read_text(), "out": out}


def test_every_published_figure_has_a_role(results):
    r = results["json"]
    keys = list(AALL.published_values)
    assert keys and all(k in r for k in keys)
    for k in keys:
        role, fitted = r[k]["role"], r[k]["fitted_parameters"]
        assert role in ("calibration_target", "held_out"), k
        assert bool(fitted) == (role == "calibration_target"), k
        assert (role, tuple(fitted)) == AALL.published_role(k)


def test_what_the_calibration_script_fits_is_a_target():
    """The figures scripts/calibrate_aall1731.py fits (its docstring), and the choices made to
    match (Peto SEs, the RMST horizon), are targets: never shown as predictions."""
    fitted = [
        "randomized_blinatumomab", "at_risk_year3_chemotherapy", "dfs3_blinatumomab",
        "dfs3_sr_high_chemotherapy", "hr_sr_average", "hr_sr_high",
        "marrow_relapse_3y_chemotherapy", "rmst_difference_days", "dfs3_se_blinatumomab",
    ]  # fmt: skip
    for k in fitted:
        assert AALL.published_role(k)[0] == "calibration_target", k
    assert "analysis.rmst_tau_days" in AALL.published_role("rmst_difference_days")[1]
    assert AALL.published_role("decision") == (
        "calibration_target",
        ("monitoring.planned_events",),
    )


def test_at_least_six_held_out_overall_survival_among_them(results):
    r = results["json"]
    held = {k for k in AALL.published_values if r[k]["role"] == "held_out"}
    assert HELD_OUT_REQUIRED <= held
    assert len(held) >= 6


def test_held_out_p_values_report_their_distribution(results):
    r = results["json"]
    for k in ("p_cns_relapse", "hr_pvalue_sr_average", "hr_pvalue_sr_high"):
        e = r[k]
        assert 0 <= e["replicate_low"] <= e["replicate_median"] <= e["replicate_high"] <= 1
        assert 0 <= e["share_of_replicates_below_0_05"] <= 1
        assert 0 <= e["published_percentile"] <= 1


def test_whole_curves_are_compared_with_their_roles(results):
    curves = {(c["endpoint"], c["arm"]): c for c in results["json"]["curves"]}
    assert set(curves) == {
        (ep, arm) for ep in ("dfs", "os") for arm in ("blinatumomab", "chemotherapy")
    }
    for (ep, _), c in curves.items():
        assert c["role"] == ("calibration_target" if ep == "dfs" else "held_out")
        assert 0 <= c["share_of_digitized_points_inside_band"] <= 1
        assert 0 <= c["mean_abs_distance_points"] <= c["max_abs_distance_points"] < 10
        assert c["points_compared"] > 10
    assert (results["out"] / "km_os.png").stat().st_size > 0


def test_the_table_and_the_report_show_the_role(results):
    out = results["stdout"]
    assert "role" in out and "held out" in out and "target" in out
    assert "calibration targets" in out and "held out (nothing was fitted to them)" in out
    line = next(x for x in out.splitlines() if x.startswith("│ os3_blinatumomab"))
    assert "held out" in line
    assert "<th>role</th>" in results["html"] and "held out" in results["html"]


def test_the_interim_decision_role(results):
    it = results["json"]["interim"]
    assert it["published_decision_role"] == "calibration_target"
    assert it["fitted_parameters"] == ["monitoring.planned_events"]


def test_a_calibration_target_must_be_a_published_figure():
    pair = '"dfs3_blinatumomab", "dfs3_chemotherapy",'
    text = builtin_text("aall1731").replace(pair, '"dfs3_nope",')
    with pytest.raises(InputError, match=r"calibration\[1\]\.targets\[0\].*'dfs3_nope'"):
        parse_protocol(text, "bad.toml")


def test_a_protocol_without_published_figures_has_no_roles(tmp_path):
    res = runner.invoke(
        app, ["run", "two_arm_example", "--out", str(tmp_path), "--replicates", "16"]
    )
    assert res.exit_code == 0, res.output
    r = json.loads((tmp_path / "results.json").read_text())
    assert r["hr_all"]["role"] is None and r["curves"] == []


def test_overall_survival_is_simulated_from_death_after_relapse():
    """The OS curve lies above the DFS curve (deaths follow relapses) and moves with the cited
    hazard of death after relapse."""
    from survtrial.protocol import with_override
    from survtrial.trial import run_trials

    base = run_trials(AALL, 64, seed=11)
    for arm in ("blinatumomab", "chemotherapy"):
        assert np.all(base.summary[f"os3_{arm}"] >= base.summary[f"dfs3_{arm}"])
    slower = with_override(builtin_text("aall1731"), "outcomes.death_after_relapse_per_year", 0.05)
    low = run_trials(slower, 64, seed=11)
    assert np.median(low.summary["os3_chemotherapy"]) > np.median(base.summary["os3_chemotherapy"])
