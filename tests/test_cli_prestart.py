"""`survtrial simulate` starts its worker processes from the raw arguments, before Typer parses
them: only for a simulation on local CPU workers, with the worker count the command will use."""

import pytest

import survtrial._processes as processes
from survtrial.cli._start import DEFAULT_WORKERS, WORKER_MODULES, prestart_from_argv


@pytest.fixture
def started(monkeypatch):
    calls: list = []
    monkeypatch.setattr(processes, "prestart_workers", lambda w, m: calls.append((w, tuple(m))))
    return calls


@pytest.mark.parametrize(
    ("argv", "workers"),
    [
        (["simulate", "aall1731", "--workers", "3"], 3),
        (["simulate", "aall1731", "--workers=4", "--seed", "2"], 4),
        (["simulate", "p.toml", "--executor", "local", "--device=cpu"], DEFAULT_WORKERS),
    ],
)
def test_local_cpu_simulations_start_their_workers(started, argv, workers):
    prestart_from_argv(argv)
    assert started == [(workers, WORKER_MODULES)]


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["reproduce", "aall1731", "--workers", "2"],
        ["simulate", "--help"],
        ["simulate", "aall1731", "--executor", "dask"],
        ["simulate", "aall1731", "--device", "gpu"],
        ["simulate", "aall1731", "--workers", "two"],  # the parse will say what is wrong
        ["simulate", "aall1731", "--workers"],
    ],
)
def test_nothing_starts_otherwise(started, argv):
    prestart_from_argv(argv)
    assert started == []


def test_prestart_starts_every_worker_at_once():
    """A process pool that does not fork starts a process per task while none is idle: one
    task would start one worker, and the others only with map_chunks' first tasks."""
    processes.prestart_workers(3)
    try:
        pool = processes.PRESTARTED[3]
        assert len(pool._processes) == 3  # started now, not on the first chunks
    finally:
        processes.release_prestarted(wait=True)
    assert processes.PRESTARTED == {}
