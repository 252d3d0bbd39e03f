"""The console script: user errors are one line on stderr with exit status 2, no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _survtrial(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "survtrial", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["analyze", "data.csv", "--bogus"], "No such option: --bogus"),
        (["analyze"], "Missing argument 'DATA'"),
        (["design", "--looks", "0.5,1", "--alpha", "abc"], "Invalid value for '--alpha'"),
        (["nosuchcommand"], "No such command 'nosuchcommand'"),
        (["analyze", "no/such/file.csv"], "no such file"),
        (["reproduce", "nope"], "'nope' is not a built-in protocol"),
    ],
)
def test_user_errors_are_one_line_with_status_2(args, message):
    done = _survtrial(*args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in done.stderr


def test_version_and_bare_command():
    done = _survtrial("--version")
    assert done.returncode == 0 and done.stdout.startswith("survtrial ")
    bare = _survtrial()
    assert bare.returncode == 2 and "Usage" in bare.stdout and bare.stderr == ""


@pytest.mark.parametrize(
    "args",
    [
        ["run", "two_arm_example", "--replicates", "0"],
        ["run", "two_arm_example", "--seed", "-3"],
        ["reproduce", "aall1731", "--workers", "0"],
        ["reproduce", "aall1731", "--vary", "nope=1"],
        ["simulate", "two_arm_example", "--vary", "nope.x=1"],
    ],
)
def test_a_command_that_fails_leaves_no_output_folder(tmp_path, args):
    """run, reproduce and simulate make --out before they work (a bad folder fails at once);
    when the work then fails, the folders made for it are removed again."""
    from typer.testing import CliRunner

    from survtrial.cli import app

    res = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "new" / "out")])
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("error: ") and len(res.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_output_folder_removes_only_what_it_made_and_left_empty(tmp_path):
    from survtrial.report.files import output_folder

    with pytest.raises(RuntimeError), output_folder(tmp_path / "a" / "b"):
        raise RuntimeError("the work failed")
    assert list(tmp_path.iterdir()) == []  # both made, both removed
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "mine.txt").write_text("x")
    (tmp_path / "a" / "b").mkdir()
    (tmp_path / "a" / "b" / "before.txt").write_text("z")
    with pytest.raises(RuntimeError), output_folder(tmp_path / "a" / "b") as folder:
        (folder / "partial.txt").write_text("y")
        raise RuntimeError("the work failed after writing")
    # what the failed work wrote is removed ('nothing written'); what was there stays
    assert [p.name for p in (tmp_path / "a" / "b").iterdir()] == ["before.txt"]
    with pytest.raises(RuntimeError), output_folder(tmp_path / "a" / "c") as folder:
        (folder / "partial.txt").write_text("y")
        raise RuntimeError("failed")
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b", "mine.txt"]  # c: gone
    with output_folder(tmp_path / "ok") as folder:
        pass
    assert folder.is_dir()  # kept when the work succeeds, even empty
