"""Where a GPU chunk's time goes: each trial step timed with device synchronisation around it.

    PYTHONPATH=src python benchmarks/profile_gpu_chunk.py [--protocol aall1731] [--blocks 16]

Wraps the steps that :func:`survtrial.simulate.chunk.simulate_chunk` calls (random draws,
enrolment, randomization, treatment, outcomes, the event calendar, the data cut, build_runs,
the log-rank, the bounds) with timers that synchronise the GPU before and after, runs one chunk
to warm up (kernel compilation) and one to time, and prints milliseconds per step and the
memory pool's size (the chunk's peak device memory).
"""

from __future__ import annotations

import argparse
import importlib
import time
from collections import defaultdict

import cupy

import survtrial.simulate.chunk as chunk_mod
import survtrial.trial.engine as engine
from survtrial.arrays import GPU_BLOCK
from survtrial.protocol import load_builtin
from survtrial.stats import batch as bs
from survtrial.trial import _rng

monitor_mod = importlib.import_module("survtrial.trial.monitor")  # the module, not the function

TIMES: dict[str, float] = defaultdict(float)


def timed(name, fn):
    def wrapper(*args, **kwargs):
        cupy.cuda.Device().synchronize()
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        cupy.cuda.Device().synchronize()
        TIMES[name] += time.perf_counter() - t0
        return out

    return wrapper


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--protocol", default="aall1731")
    ap.add_argument("--blocks", type=int, default=16)
    a = ap.parse_args()
    for mod, name in [(engine, "enrol"), (engine, "randomize"), (engine, "treat"),
                      (engine, "outcomes"), (monitor_mod, "_event_calendar_days"),
                      (monitor_mod, "endpoint_at"), (monitor_mod, "_bounds_by_path"),
                      (bs, "build_runs"), (bs, "logrank_z"), (chunk_mod, "look_statistics"),
                      (chunk_mod, "decide_looks"),
                      (chunk_mod, "simulate_batch")]:  # fmt: skip
        setattr(mod, name, timed(name, getattr(mod, name)))
    _rng.BlockStreams._draw = timed("random draws", _rng.BlockStreams._draw)
    p = load_builtin(a.protocol)
    n = a.blocks * GPU_BLOCK
    pool = cupy.get_default_memory_pool()
    for label in ("warm-up", "timed"):
        TIMES.clear()
        pool.free_all_blocks()
        t0 = time.perf_counter()
        chunk_mod.simulate_chunk(p, 1, 0, a.blocks, n, "gpu")
        total = time.perf_counter() - t0
        print(f"{label}: {n} trials in {total * 1e3:.0f} ms ({n / total:,.0f}/s), "
              f"pool {pool.total_bytes() / 2**30:.2f} GiB")  # fmt: skip
    for name, t in sorted(TIMES.items(), key=lambda kv: -kv[1]):
        print(f"  {name:24s} {t * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
