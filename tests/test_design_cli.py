"""`survtrial design`: printed boundary table, JSON and CSV output, one-line errors (exit 2)."""

from __future__ import annotations

import csv
import json
import shlex
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from survtrial.cli import app
from survtrial.design import events_required, group_sequential, sample_size_survival

runner = CliRunner()

AALL = [
    "design",
    "--looks",
    "0.3333333333333333,0.6666666666666666,1",
    "--alpha",
    "0.025",
    "--beta",
    "0.1",
    "--spending",
    "OF",
    "--hr",
    "0.5",
    "--control-survival",
    "0.88",
    "--survival-time",
    "36",
    "--accrual",
    "24",
    "--follow-up",
    "36",
]


def test_design_prints_the_boundary_table(tmp_path):
    out_json, out_csv = tmp_path / "d.json", tmp_path / "d.csv"
    result = runner.invoke(app, [*AALL, "--json", str(out_json), "--csv", str(out_csv)])
    assert result.exit_code == 0, result.output
    d = group_sequential([1 / 3, 2 / 3, 1], alpha=0.025, beta=0.1)
    ev = events_required(d, 0.5)
    lines = result.output.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("look"))
    for col in ("information", "events", "z_efficacy", "p_nominal", "hr_efficacy", "cumulative"):
        assert col in header
    rows = [line.split() for line in lines[lines.index(header) + 1 :] if line.strip()]
    assert [r[0] for r in rows] == ["1", "2", "3"]
    z_col = header.split().index("z_efficacy")
    np.testing.assert_allclose([float(r[z_col]) for r in rows], d.efficacy_bounds, atol=5e-5)
    hr_col = header.split().index("hr_efficacy")
    np.testing.assert_allclose([float(r[hr_col]) for r in rows], ev.hr_efficacy_bounds, atol=5e-5)

    payload = json.loads(out_json.read_text())
    assert payload["design"]["max_events"] == pytest.approx(ev.max_events, rel=1e-12)
    plan = sample_size_survival(
        d, 0.5, control_survival=0.88, survival_time=36, accrual_time=24, follow_up=36
    )
    assert payload["design"]["max_subjects"] == pytest.approx(plan.max_subjects, rel=1e-12)
    table = payload["table"]
    np.testing.assert_allclose([r["z_efficacy"] for r in table], d.efficacy_bounds, rtol=1e-12)
    np.testing.assert_allclose([r["time_months"] for r in table], plan.analysis_times, rtol=1e-9)

    with open(out_csv, newline="") as fh:
        csv_rows = list(csv.DictReader(fh))
    assert len(csv_rows) == 3
    np.testing.assert_allclose(
        [float(r["cumulative_alpha"]) for r in csv_rows], d.cumulative_alpha_spent, rtol=1e-12
    )
    assert csv_rows[0]["z_futility"] == ""


def test_design_with_futility_shows_futility_columns():
    result = runner.invoke(
        app, ["design", "--looks", "0.25,0.5,0.75,1", "--beta-spending", "OF", "--hr", "0.7"]
    )
    assert result.exit_code == 0, result.output
    d = group_sequential([0.25, 0.5, 0.75, 1], beta_spending="OF")
    assert "z_futility" in result.output
    assert f"{d.futility_bounds[1]:.4f}" in result.output


@pytest.mark.parametrize(
    "args, option",
    [
        (["--looks", "0.5,0.4,1"], "--looks"),
        (["--looks", "0.5,x"], "--looks"),
        (["--spending", "Haybittle"], "--spending"),
        (["--alpha", "1.5"], "--alpha"),
        (["--alpha", "0.6"], "--alpha"),
        (["--alpha", "0.5"], "--alpha"),
        (["--beta", "0.98"], "--beta"),
        (["--hr", "-1"], "--hr"),
        (["--control-median", "12", "--accrual", "0", "--follow-up", "12"], "--accrual"),
    ],
)
def test_design_bad_input_is_one_line_and_exit_2(args, option):
    result = runner.invoke(app, ["design", *args])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {option}")


def test_docs_worked_example_is_what_the_cli_prints(tmp_path):
    """docs/design.md shows the AALL1731-like command and its output; they must agree."""
    doc = (Path(__file__).parents[1] / "docs" / "design.md").read_text()
    block = doc.split("```console\n", 1)[1].split("```", 1)[0]
    lines = block.splitlines()
    command_lines = []
    for line in lines:
        command_lines.append(line.rstrip("\\").strip())
        if not line.endswith("\\"):
            break
    argv = shlex.split(" ".join(command_lines).removeprefix("$ survtrial "))
    argv = [str(tmp_path / a) if a.endswith((".json", ".csv")) else a for a in argv]
    expected = lines[len(command_lines) :]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == expected


def test_design_with_accrual_rate_finds_the_accrual_duration():
    result = runner.invoke(
        app,
        [
            "design",
            "--hr",
            "0.7",
            "--control-median",
            "12",
            "--accrual-rate",
            "20",
            "--follow-up",
            "12",
        ],
    )
    assert result.exit_code == 0, result.output
    d = group_sequential([1 / 3, 2 / 3, 1])
    plan = sample_size_survival(d, 0.7, control_median=12, accrual_rate=20, follow_up=12)
    assert f"Subjects {plan.max_subjects:.1f} over {plan.accrual_time[-1]:.1f} months" in (
        result.output
    )
    assert plan.max_subjects == pytest.approx(20 * plan.accrual_time[-1], rel=1e-12)


@pytest.mark.parametrize("option", ["--json", "--csv"])
@pytest.mark.parametrize("path", ["/nonexistent/d.out", "/proc/x"])
def test_design_unwritable_output_is_one_line_and_exit_2(option, path):
    result = runner.invoke(app, ["design", option, path])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"error: {option}: cannot write {path}: "), lines[0]


def test_help_names_what_each_option_takes():
    """Flags show no `<bool>`, options a name for their value, not a Python type (defect 5).

    The `--help` line itself is Typer's own (its `<bool>` is left to the application).
    """
    result = runner.invoke(app, ["design", "--help"], terminal_width=120)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "--" in line and "--help" not in line]
    for line in lines:
        assert not any(t in line for t in ("<bool>", "<str>", "<float>", "<int>", "<path>")), line
    binding = next(line for line in lines if "--binding" in line)
    assert "--no-binding" in binding
    assert any("--looks" in line and "T1,T2,..." in line for line in lines)
