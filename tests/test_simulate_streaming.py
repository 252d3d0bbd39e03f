"""`survtrial simulate` writes replicates.parquet chunk by chunk (report.simulation.
ReplicatesWriter as simulate's sink): the file and the operating characteristics equal those of
a run that keeps every replicate, whatever the chunks and workers (the characteristics are
accumulated chunk by chunk: tests/test_running_characteristics.py); an interrupted run leaves no
file."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest

import survtrial.simulate.run as run_mod
from survtrial.protocol import builtin_text
from survtrial.report.simulation import ReplicatesWriter, document, replicates_table
from survtrial.simulate import simulate
from survtrial.simulate.chunk import sharing
from survtrial.trial._rng import BLOCK
from survtrial.trial.executor import map_chunks

TWO_ARM = builtin_text("two_arm_example")
ARGS = dict(replicates=300, seed=3, vary=("monitoring.alpha=0.025,0.05",))


def _same_tables(a, b) -> None:
    assert a.schema == b.schema and a.num_rows == b.num_rows
    for name in a.column_names:
        x, y = a[name].to_numpy(), b[name].to_numpy()
        if x.dtype.kind == "f":
            np.testing.assert_array_equal(x, y)  # NaN where NaN
        else:
            assert (x == y).all(), name


@pytest.mark.parametrize("workers", [1, 2])
def test_streamed_file_equals_the_kept_replicates(tmp_path, monkeypatch, workers):
    monkeypatch.setattr(run_mod, "cpu_chunk_blocks", lambda *args: 64)  # a chunk a scenario
    kept = simulate(TWO_ARM, "t.toml", "t", **ARGS)
    # one block a chunk: 5 per scenario
    monkeypatch.setattr(run_mod, "cpu_chunk_blocks", lambda *args: 1)
    monkeypatch.setattr(ReplicatesWriter, "ROW_GROUP", 500)  # several row groups
    writer = ReplicatesWriter(tmp_path)
    streamed = simulate(TWO_ARM, "t.toml", "t", workers=workers, sink=writer, **ARGS)
    writer.close()
    assert all(s.replicates is None for s in streamed.scenarios)
    table = pq.read_table(tmp_path / "replicates.parquet")
    _same_tables(table, replicates_table(kept))
    assert pq.ParquetFile(tmp_path / "replicates.parquet").num_row_groups > 1
    assert not (tmp_path / "replicates.parquet.part").exists()
    a, b = document(kept), document(streamed)
    a.pop("elapsed_seconds", None), b.pop("elapsed_seconds", None)
    assert json.dumps(a["scenarios"]) == json.dumps(b["scenarios"])


def test_abort_leaves_no_file(tmp_path):
    writer = ReplicatesWriter(tmp_path)
    writer.ROW_GROUP = 1
    kept = simulate(TWO_ARM, "t.toml", "t", replicates=16, seed=2)
    writer(0, kept.scenarios[0].protocol, kept.scenarios[0].replicates)
    assert (tmp_path / "replicates.parquet.part").exists()
    writer.abort()
    assert not list(tmp_path.iterdir())


def _square(x):
    return x * x


def test_consume_receives_results_in_call_order():
    got = []
    out = map_chunks(_square, [(i,) for i in range(7)], [1] * 7,
                     consume=lambda i, r: got.append((i, r)))  # fmt: skip
    assert out == [] and got == [(i, i * i) for i in range(7)]


def test_chunks_run_here_keep_freed_memory():
    """As in a worker process: glibc otherwise returns each chunk's freed temporaries, and
    they are page-faulted anew (the chunks took 1.7 times as long). A fresh process, as the
    setting is process-wide."""
    code = (
        "from survtrial._processes import keep_freed_memory as k\n"
        "from survtrial.trial.executor import map_chunks\n"
        "before = k.cache_info().currsize\n"
        "map_chunks(abs, [(-1,), (2,)], [1, 1], workers=1)\n"
        "print(before, k.cache_info().currsize)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "1"]


def test_prestarted_workers_are_used_and_released(monkeypatch):
    """prestart_workers starts a pool for the next map_chunks with as many workers (the same
    results as a pool started there); release_prestarted shuts down one left unused."""
    from survtrial import _processes

    # 3 chunks of one block: processes
    monkeypatch.setattr(run_mod, "cpu_chunk_blocks", lambda *args: 1)
    try:
        _processes.prestart_workers(2, ["survtrial.simulate.chunk"])
        pool = _processes.PRESTARTED[2]
        args = dict(replicates=3 * BLOCK, seed=5)
        with_pool = simulate(TWO_ARM, "t.toml", "t", workers=2, **args)
        assert 2 not in _processes.PRESTARTED  # taken by the run
        assert pool._shutdown_thread  # and shut down after it
        alone = simulate(TWO_ARM, "t.toml", "t", workers=1, **args)
        assert document(with_pool)["scenarios"] == document(alone)["scenarios"]
        _processes.prestart_workers(2)
        _processes.prestart_workers(1)  # one worker: nothing to start
        assert list(_processes.PRESTARTED) == [2]
        _processes.release_prestarted()
        assert not _processes.PRESTARTED
    finally:
        _processes.release_prestarted()


def test_chunks_in_hand_stay_bounded(monkeypatch):
    """Local processes get at most IN_FLIGHT_PER_WORKER chunks a worker ahead of the one
    consumed next (submitted, or finished and waiting for their turn): a finished chunk's
    future and result are let go once consumed, so memory does not grow with the chunks (at
    1,000,000 trials the parent's peak RSS went from 316 to 215 MB). Here a thread pool
    stands in for the processes and the first chunk is the slowest, so results wait."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from survtrial.trial import executor

    lock, submitted, consumed, peak = threading.Lock(), [0], [0], [0]

    class Counted(ThreadPoolExecutor):
        def submit(self, fn, *args):
            with lock:
                submitted[0] += 1
                peak[0] = max(peak[0], submitted[0] - consumed[0])
            return super().submit(fn, *args)

    def slow_first(x):
        time.sleep(0.2 if x == 0 else 0.001)
        return x * x

    def consume(i, r):
        with lock:
            consumed[0] += 1
        got.append((i, r))

    got: list = []
    monkeypatch.setattr(executor, "new_pool", lambda n: Counted(n))
    out = map_chunks(slow_first, [(i,) for i in range(60)], [1] * 60, workers=2, consume=consume)
    assert out == [] and got == [(i, i * i) for i in range(60)]
    assert peak[0] == executor.IN_FLIGHT_PER_WORKER * 2


def _listed_plan(replicates: int, chunk_blocks: int, block: int) -> list[tuple[int, int, int]]:
    """The chunks as a list, written out directly (the oracle)."""
    out, b0, left = [], 0, replicates
    while left > 0:
        nb = min(chunk_blocks, -(-left // block))
        out.append((b0, nb, min(nb * block, left)))
        b0, left = b0 + nb, left - nb * block
    return out


@pytest.mark.parametrize(
    ("replicates", "chunk_blocks", "block"),
    [(1, 1, 64), (64, 1, 64), (65, 1, 64), (300, 5, 64), (320, 5, 64), (321, 5, 64),
     (100_000, 5, 64), (7, 3, 2)],
)  # fmt: skip
def test_chunk_plan_is_made_on_demand_and_equals_the_list(replicates, chunk_blocks, block):
    from survtrial.trial.executor import chunk_plan

    plan = chunk_plan(replicates, chunk_blocks, block)
    listed = _listed_plan(replicates, chunk_blocks, block)
    assert len(plan) == len(listed) and list(plan) == listed
    assert plan[-1] == listed[-1] and plan[1:3] == listed[1:3]
    assert sum(n for _, _, n in plan) == replicates
    with pytest.raises(IndexError):
        plan[len(listed)]


def test_chunk_calls_take_the_same_memory_for_any_replicates():
    """simulate's calls and sizes are made on demand (no list of about 200 bytes a chunk):
    equal to the written-out calls, family by family (the two alpha scenarios share their
    cohort: one call a chunk for both), and a plan for 10^9 replicates (about a million
    chunks) takes a few kilobytes."""
    import tracemalloc

    grid = run_mod.scenarios(TWO_ARM, "two_arm_example", ARGS["vary"])
    protocols = tuple(p for _, p in grid)
    assert run_mod.families(list(protocols)) == [(0, 1)]
    nb = run_mod.cpu_chunk_blocks(protocols[0], 1000)
    calls = run_mod._ChunkCalls(grid, 3, 1000)
    share = sharing(protocols)
    assert share.cohort == share.patients == share.looks == (0, 0)  # alpha: decisions only
    listed = [(protocols, share, 3, *chunk) for chunk in _listed_plan(1000, nb, BLOCK)]
    assert list(calls) == listed
    assert list(calls.sizes) == [2 * c[-1] for c in listed]
    assert {calls.family_of(i) for i in range(len(listed))} == {(0, 1)}
    tracemalloc.start()
    try:
        big = run_mod._ChunkCalls(grid, 3, 10**9)
        used = tracemalloc.get_traced_memory()[0]  # kept (the peak has capacity()'s grid)
    finally:
        tracemalloc.stop()
    assert len(big) > 500_000 and used < 16_384
    last = big[len(big) - 1]  # the last chunk ends at block 10^9 / 64
    assert last[0] == protocols and last[3] + last[4] == -(-(10**9) // BLOCK)
    most = run_mod.cpu_chunk_blocks(protocols[1], 10**9)
    assert last[5] == 10**9 - last[3] * BLOCK and 1 <= last[4] <= most


def test_dask_window_counts_the_threads_again_as_workers_join():
    """The chunks kept in hand on Dask follow the cluster's threads, counted again at most
    every ``every`` seconds (each count is a call to the scheduler)."""
    from survtrial.trial import executor

    cluster = {"threads": {"w1": 1}, "calls": 0}

    class Client:
        def nthreads(self):
            cluster["calls"] += 1
            return dict(cluster["threads"])

    per = executor.IN_FLIGHT_PER_WORKER
    often, seldom = executor._DaskWindow(Client(), every=0.0), executor._DaskWindow(Client(), 3600)
    assert often() == seldom() == per
    cluster["threads"] = {"w1": 1, "w2": 2}  # two workers joined, three threads in all
    assert often() == 3 * per and seldom() == per  # the second counts again within the hour
    assert cluster["calls"] == 3
    cluster["threads"] = {}
    assert often() == per  # no threads yet: still one chunk's worth a worker slot


def test_text_columns_are_the_labels_of_their_codes():
    """replicates.parquet's text columns (decision, look) are built from buffers with numpy:
    the labels of the codes, in order, non-ASCII and empty ones too, a valid Arrow array."""
    from survtrial.report.simulation import _text

    labels = ["continue", "stop for efficacy", "Zwischenanalyse (é)", ""]
    codes = np.array([1, 0, 0, 2, 3, 1, 2, 2])
    column = _text(labels, codes)
    column.validate(full=True)
    assert column.to_pylist() == [labels[c] for c in codes]
    assert _text(labels, np.array([], dtype=np.int64)).to_pylist() == []


def test_chunk_sizes():
    """At least 1,024 replicates a chunk (16 blocks of 64) under 1.6 million generated
    patients (AALL1731, 5,879 a replicate: 4 blocks), and smaller where a run is short, so each
    worker gets 4 chunks; one block at the least."""
    from survtrial.protocol import load_builtin
    from survtrial.trial.enrol import capacity

    two_arm, aall = load_builtin("two_arm_example"), load_builtin("aall1731")
    assert capacity(aall) == 5879
    assert run_mod.cpu_chunk_blocks(two_arm, 100_000, 2) == 16
    assert run_mod.cpu_chunk_blocks(aall, 100_000, 2) == 4  # 16 would be 6 million patients
    assert run_mod.cpu_chunk_blocks(two_arm, 1_000, 2) == 2  # 16 blocks: 8 chunks of 2
    assert run_mod.cpu_chunk_blocks(two_arm, 10, 2) == 1
    assert run_mod.cpu_chunk_blocks(two_arm, 100_000, 400) == 1  # 1,563 blocks, 400 workers
