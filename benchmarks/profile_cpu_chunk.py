"""Where a CPU chunk's time goes: each step of `survtrial simulate`'s chunk timed in this process.

    PYTHONPATH=src .venv/bin/python benchmarks/profile_cpu_chunk.py [PROTOCOL] [--blocks 5]
        [--chunks 40] [--array-code]

PROTOCOL is a built-in name or a TOML file (default: the rpact-comparable scenario
tests/reference/fixtures/simulate/of_hr075.toml). Wraps the steps that
:func:`survtrial.simulate.chunk.simulate_chunk` calls (enrolment, randomization, treatment,
outcomes, the monitoring and its bounds, the random draws) with timers, runs one chunk to warm up
(numba's kernels load or compile), then ``--chunks`` chunks of ``--blocks`` stream blocks
replicates, and prints microseconds per trial by step (steps nest: the draws are inside the
steps that make them). ``--array-code`` runs the array code instead of the compiled kernels (what
the GPU runs; :data:`survtrial._compiled.ENABLED`). glibc keeps freed memory, as in the workers.
"""

from __future__ import annotations

import argparse
import importlib
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "tests" / "reference" / "fixtures" / "simulate" / "of_hr075.toml"
TIMES: dict[str, float] = defaultdict(float)


def timed(name, fn):
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        TIMES[name] += time.perf_counter() - t0
        return out

    return wrapper


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("protocol", nargs="?", default=str(DEFAULT))
    ap.add_argument("--blocks", type=int, default=5, help="stream blocks (64 replicates) a chunk")
    ap.add_argument("--chunks", type=int, default=40, help="chunks timed")
    ap.add_argument("--array-code", action="store_true", help="no compiled kernels")
    a = ap.parse_args()

    from survtrial import _compiled
    from survtrial._processes import keep_freed_memory
    from survtrial.protocol import load_builtin, parse_protocol

    keep_freed_memory()
    _compiled.ENABLED = not a.array_code
    chunk_mod = importlib.import_module("survtrial.simulate.chunk")
    engine = importlib.import_module("survtrial.trial.engine")
    monitor_mod = importlib.import_module("survtrial.trial.monitor")
    rng = importlib.import_module("survtrial.trial._rng")
    for mod, name in [(engine, "enrol"), (engine, "randomize"), (engine, "treat"),
                      (engine, "outcomes"), (monitor_mod, "_bounds_by_path"),
                      (chunk_mod, "look_statistics"), (chunk_mod, "decide_looks"),
                      (chunk_mod, "simulate_batch")]:  # fmt: skip
        setattr(mod, name, timed(name, getattr(mod, name)))
    rng.BlockStreams._draw = timed("random draws", rng.BlockStreams._draw)
    path = Path(a.protocol)
    p = parse_protocol(path.read_text(), str(path)) if path.suffix == ".toml" else load_builtin(
        a.protocol
    )
    from survtrial.arrays import CPU

    per_chunk = CPU.block * a.blocks
    chunk_mod.simulate_chunk(p, 1, 0, a.blocks, per_chunk)  # warm-up
    TIMES.clear()
    t0 = time.perf_counter()
    for i in range(a.chunks):
        chunk_mod.simulate_chunk(p, 1, a.blocks * (i + 1), a.blocks, per_chunk)
    total = time.perf_counter() - t0
    trials = a.chunks * per_chunk
    code = "array code" if a.array_code else "compiled kernels"
    print(f"{p.trial.id}: {trials} trials in chunks of {per_chunk} ({code}): "
          f"{1e6 * total / trials:.1f} us a trial")  # fmt: skip
    for name, seconds in sorted(TIMES.items(), key=lambda kv: -kv[1]):
        print(f"  {name:16s} {1e6 * seconds / trials:8.1f} us a trial")


if __name__ == "__main__":
    main()
