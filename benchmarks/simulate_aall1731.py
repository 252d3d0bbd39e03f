"""The full AALL1731 protocol at scale: ``survtrial simulate aall1731`` as a whole process, its
wall time and the memory of its whole process tree, against issue 10's targets.

    .venv/bin/python benchmarks/simulate_aall1731.py [--replicates 100000] [--workers 2]
        [--repeats 1] [--json FILE]

Targets (issue 10): 100,000 replicate trials in under 2 minutes on 2 cores, peak memory under
2 GB. The memory is read from ``/proc`` every 0.1 s (Linux): the resident sizes of the command
and every process it started (the worker pool, the forkserver), summed at each poll; its peak is
reported with each process's own peak. A process that lives less than 0.1 s can be missed;
the workers live the whole run. numba's cache is warmed by a first, short run that is not
reported.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
TARGET_SECONDS = 120.0
TARGET_MB = 2048.0


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc (pid -> child pids)."""
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # gone meanwhile
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _rss_mb(pid: int) -> float:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 2**20
    except (OSError, IndexError, ValueError):
        return 0.0


def _tree(root: int) -> list[int]:
    """``root`` and its descendants (the forkserver is re-parented to init on some systems:
    it is found through its parent's children while the parent lives)."""
    tree, out, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(tree.get(pid, []))
    return out


def run_once(python: str, replicates: int, workers: int, out: Path) -> dict:
    cmd = [python, "-m", "survtrial", "simulate", "aall1731", "--replicates", str(replicates),
           "--seed", "1", "--workers", str(workers), "--out", str(out)]  # fmt: skip
    seen: dict[int, float] = {}  # pid -> its peak resident MB
    peak_sum = 0.0
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    known: set[int] = set()
    while proc.poll() is None:
        pids = set(_tree(proc.pid)) | {p for p in known if Path(f"/proc/{p}").exists()}
        known |= pids
        sizes = {pid: _rss_mb(pid) for pid in pids}
        for pid, mb in sizes.items():
            seen[pid] = max(seen.get(pid, 0.0), mb)
        peak_sum = max(peak_sum, sum(sizes.values()))
        time.sleep(0.1)
    wall = time.perf_counter() - started
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"survtrial simulate failed ({proc.returncode}): {stderr.strip()}")
    return {
        "wall_seconds": wall,
        "trials_per_second": replicates / wall,
        "peak_tree_rss_mb": peak_sum,
        "peak_rss_mb_by_process": sorted(seen.values(), reverse=True),
        "summary_line": stdout.strip().splitlines()[-1],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicates", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1, help="runs; the median is reported")
    ap.add_argument("--python", default=sys.executable, help="interpreter for survtrial")
    ap.add_argument("--json", type=Path, help="write the runs here")
    args = ap.parse_args(argv)
    if args.replicates < 1 or args.workers < 1 or args.repeats < 1:
        ap.error("--replicates, --workers and --repeats must be at least 1")
    if not Path("/proc/self/statm").exists():
        ap.error("reads process memory from /proc: Linux only")
    with tempfile.TemporaryDirectory() as tmp:
        run_once(args.python, 640, args.workers, Path(tmp) / "warm")  # numba's cache
        runs = [
            run_once(args.python, args.replicates, args.workers, Path(tmp) / f"run{k}")
            for k in range(args.repeats)
        ]
    wall = statistics.median(r["wall_seconds"] for r in runs)
    memory = max(r["peak_tree_rss_mb"] for r in runs)
    print(f"survtrial simulate aall1731, {args.replicates:,} trials, {args.workers} workers, "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    for k, r in enumerate(runs, 1):
        each = ", ".join(f"{mb:.0f}" for mb in r["peak_rss_mb_by_process"][:4])
        speed = f"{r['trials_per_second']:,.0f} trials/s"
        print(f"  run {k}: {r['wall_seconds']:.1f} s wall ({speed}), peak "
              f"{r['peak_tree_rss_mb']:.0f} MB in all processes (largest: {each} MB)")
    print(f"median wall {wall:.1f} s: target under {TARGET_SECONDS:.0f} s "
          f"{'met' if wall < TARGET_SECONDS else 'NOT met'}; peak memory {memory:.0f} MB: target "
          f"under {TARGET_MB:.0f} MB {'met' if memory < TARGET_MB else 'NOT met'}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps({"replicates": args.replicates, "workers": args.workers,
                                         "runs": runs}, indent=2))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
