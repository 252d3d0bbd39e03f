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
