"""`survtrial simulate` starts its worker processes from the raw arguments, before Typer parses
them: only for a simulation on local CPU workers, with the worker count the command will use."""

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import pytest

import survtrial._processes as processes
from survtrial.cli._start import DEFAULT_WORKERS, WORKER_MODULES, prestart_from_argv


@pytest.fixture
def started(monkeypatch):
    for name in processes.THREAD_VARIABLES:  # as the user left them, restored after
        monkeypatch.delenv(name, raising=False)
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
    assert all(os.environ[name] == "1" for name in processes.THREAD_VARIABLES)


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
    simulation = bool(argv) and argv[0] == "simulate" and "--help" not in argv
    assert ("OPENBLAS_NUM_THREADS" in os.environ) == simulation  # one BLAS thread for any


def test_a_thread_count_the_user_chose_is_kept(started, monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    prestart_from_argv(["simulate", "aall1731"])
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"
    assert os.environ["OMP_NUM_THREADS"] == "1"


def _thread_variables() -> list:
    return [os.environ.get(name) for name in processes.THREAD_VARIABLES]


@pytest.mark.parametrize(("chosen", "seen"), [(None, "1"), ("3", "3")])
def test_workers_ask_for_one_blas_thread_unless_the_user_chose(monkeypatch, chosen, seen):
    """Each worker is one core's work: a pool of BLAS threads in each only competes. (Spawned,
    so that the worker starts from this environment: the pools' forkserver keeps the one it
    started with.)"""
    for name in processes.THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    if chosen is not None:
        monkeypatch.setenv("OPENBLAS_NUM_THREADS", chosen)
    pool = ProcessPoolExecutor(
        1, mp_context=multiprocessing.get_context("spawn"), initializer=processes._worker_setup
    )
    try:
        assert pool.submit(_thread_variables).result(timeout=60) == [seen, "1", "1"]
    finally:
        pool.shutdown()


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
