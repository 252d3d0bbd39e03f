"""Defects found by trying the commands as a new user would (issue 8), one test each.

Every command runs through ``python -m survtrial`` (the console script's path), so exit status
and stderr are what a user sees.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from survtrial.report.figures import Curve, _y_floor

ROOT = Path(__file__).resolve().parents[1]


def survtrial(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "survtrial", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,
    )


def one_line_error(done: subprocess.CompletedProcess, *needles: str) -> None:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "Traceback" not in done.stderr
    for n in needles:
        assert n in lines[0], lines[0]


@pytest.fixture(scope="module")
def adtte(tmp_path_factory) -> Path:
    """A small two-arm plain table."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(8)
    n = 120
    arm = np.repeat(["control", "drug"], n // 2)
    t = np.ceil(rng.exponential(np.where(arm == "control", 400, 700)))
    c = np.ceil(rng.uniform(100, 1500, n))
    df = pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int), "arm": arm})
    path = tmp_path_factory.mktemp("data") / "plain.csv"
    df.to_csv(path, index=False)
    return path


# defect 1: an output path that cannot be written is one line with exit 2, for every command
def _blocked(tmp_path: Path) -> Path:
    """A folder that cannot exist: its parent is a regular file."""
    f = tmp_path / "a-file"
    f.write_text("x")
    return f / "out"


def test_analyze_unwritable_out(adtte, tmp_path):
    one_line_error(survtrial("analyze", str(adtte), "--out", str(_blocked(tmp_path))), "--out")
    one_line_error(survtrial("analyze", str(adtte), "--out", "/proc/x"), "--out", "/proc/x")


def test_reproduce_and_run_unwritable_out(tmp_path):
    one_line_error(
        survtrial("reproduce", "aall1731", "--replicates", "16", "--out", "/proc/x"), "/proc/x"
    )
    one_line_error(
        survtrial("run", "two_arm_example", "--replicates", "16", "--out", str(_blocked(tmp_path))),
        "--out",
    )


# generic protocols: the output folder, the published decision and the figure's range follow
# the protocol and the data, not AALL1731
@pytest.fixture(scope="module")
def two_arm(tmp_path_factory) -> Path:
    cwd = tmp_path_factory.mktemp("cwd")
    done = survtrial(
        "reproduce", "two_arm_example", "--replicates", "32",
        "--vary", "monitoring.planned_events=200,300", cwd=cwd,
    )
    assert done.returncode == 0, done.stderr
    return cwd


def test_default_output_folder_follows_the_protocol(two_arm):
    assert (two_arm / "two_arm_example-out" / "results.json").is_file()
    assert not (two_arm / "aall1731-out").exists()


def test_published_decision_comes_from_the_protocol(two_arm):
    res = json.loads((two_arm / "two_arm_example-out" / "results.json").read_text())
    assert res["interim"]["published_decision"] is None
    from survtrial.protocol import load_builtin

    assert load_builtin("aall1731").published_decision  # said in its protocol file


def test_figure_range_follows_the_data():
    """Two-arm DFS falls to about 40%: the y axis must reach below it (was fixed at 75)."""
    import numpy as np

    x = np.linspace(0, 3, 10)
    low = Curve("a", "k", x, np.linspace(100, 41, 10))
    assert _y_floor([low]) == 35.0
    high = Curve("b", "k", x, np.linspace(100, 96, 10), band=(np.full(10, 88.0), np.full(10, 99)))
    assert _y_floor([high]) == 85.0


# defect 2: a varied key changes that key only; sensitivity results are written
def test_vary_planned_events_keeps_the_interim_look(two_arm):
    out = two_arm / "two_arm_example-out"
    rows = json.loads((out / "sensitivity.json").read_text())
    assert [r["value"] for r in rows] == [None, 200, 300]
    info = [r["interim_information"] for r in rows]
    # the interim stays at 125 events: information 125/250, 125/200, 125/300
    assert info == pytest.approx([125 / 250, 125 / 200, 125 / 300], abs=0.01)
    assert [r["dfs_events"] for r in rows] == [250, 200, 300]  # the final look moves
    csv_text = (out / "sensitivity.csv").read_text()
    assert csv_text.splitlines()[0].startswith("setting,key,value,stop_at_interim_1")
    assert len(csv_text.splitlines()) == 4


# defect 5: help reads like a well-kept CLI's
@pytest.mark.parametrize("command", ["analyze", "reproduce", "run", "design", "reconstruct"])
def test_help_has_no_type_placeholders(command):
    done = survtrial(command, "--help")
    assert done.returncode == 0
    for junk in ("<bool>", "<str>", "<int>", "<float>", "<path>", "{"):
        assert junk not in done.stdout, (command, junk)


# defect 6: one default interval transform, R's
def test_analyze_default_interval_transform_is_rs(adtte, tmp_path):
    done = survtrial("analyze", str(adtte), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    res = json.loads((tmp_path / "results.json").read_text())
    assert res["settings"]["km_conf_type"] == res["kaplan_meier"]["conf_type"] == "log"
    from survtrial.analysis import AnalysisSettings

    assert AnalysisSettings(1.0, "1 day").conf_type == "log"


# defect 7 (analyze): every output says which arm is the reference
def test_analyze_states_the_reference_arm(adtte, tmp_path):
    done = survtrial("analyze", str(adtte), "--out", str(tmp_path), "--arms", "drug,control")
    assert done.returncode == 0, done.stderr
    res = json.loads((tmp_path / "results.json").read_text())
    assert res["reference_arm"] == res["input"]["arms"]["reference"] == "drug"
    assert "control (reference) = drug" in done.stdout
    assert res["cox"]["hazard_ratio_of"] == "control vs drug"
