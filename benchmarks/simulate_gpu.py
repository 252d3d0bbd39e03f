"""`survtrial simulate --device gpu` (issue 12): trials per second on the GPU beside the CPU on
the same machine, and the agreement of their operating characteristics.

    PYTHONPATH=src python benchmarks/simulate_gpu.py [--million] [--cpu-workers 16]
        [--json OUT.json]

Runs, each a whole process timed from outside (wall clock; peak host RSS from ``os.wait4``):

1. ``survtrial simulate aall1731 --device gpu`` at 100,000 replicates, then (``--million``, when
   the first run predicts under LIMIT_S seconds) at 1,000,000;
2. ``survtrial simulate aall1731`` on the CPU with ``--cpu-workers`` processes, 20,000
   replicates;
3. the rpact-comparable scenarios of tests/reference/fixtures/simulate/ (of_hr075,
   pocock_hr075_dropout, of_null) on the GPU at 200,000 replicates, against rpact's 100,000
   (the committed fixtures, made by tests/reference/make_simulate_reference.R).

Agreement: every estimate within 3 combined Monte Carlo SEs (probabilities: the pooled
estimate's binomial SE; means: sqrt(se_a^2 + se_b^2)). The table is printed last; ``--json``
keeps every number, command and version.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "reference" / "fixtures" / "simulate"
LIMIT_S = 150


def run(args: list[str]) -> dict:
    """One child process: wall seconds, its peak RSS (MB, ``os.wait4``), exit status, output."""
    with tempfile.TemporaryFile("w+") as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "survtrial", *args], stdout=log,
                                stderr=subprocess.STDOUT)  # fmt: skip
        timer = threading.Timer(LIMIT_S, proc.kill)  # a run past the limit: killed, rc -9
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        timer.cancel()
        wall = time.perf_counter() - t0
        log.seek(0)
        tail = log.read()[-1500:]
    return {"cmd": args, "wall_s": wall, "peak_rss_mb": usage.ru_maxrss / 1024,
            "rc": os.waitstatus_to_exitcode(status), "tail": tail}  # fmt: skip


def oc(folder: Path) -> dict:
    return json.loads((folder / "operating_characteristics.json").read_text())["scenarios"][0]


def agree(a: dict, b: dict, n_a: int, n_b: int, prob: bool) -> tuple[float, float]:
    """(gap, 3 combined SEs)."""
    if prob:
        p = (a["estimate"] * n_a + b["estimate"] * n_b) / (n_a + n_b)
        se = math.sqrt(p * (1 - p) * (1 / n_a + 1 / n_b))
    else:
        se = math.sqrt(a["mc_se"] ** 2 + b["mc_se"] ** 2)
    return abs(a["estimate"] - b["estimate"]), 3 * se


def compare_oc(a: dict, b: dict, n_a: int, n_b: int) -> list[dict]:
    rows = []
    pairs = [("rejection_probability", True), ("expected_events", False),
             ("expected_subjects", False), ("expected_duration_years", False)]  # fmt: skip
    for key, prob in pairs:
        gap, lim = agree(a[key], b[key], n_a, n_b, prob)
        rows.append({"what": key, "a": a[key]["estimate"], "b": b[key]["estimate"],
                     "gap": gap, "3se": lim, "ok": gap <= lim})  # fmt: skip
    for la, lb in zip(a["rejection_by_look"], b["rejection_by_look"], strict=True):
        gap, lim = agree(la, lb, n_a, n_b, True)
        rows.append({"what": f"rejection at {la['look']}", "a": la["estimate"],
                     "b": lb["estimate"], "gap": gap, "3se": lim, "ok": gap <= lim})  # fmt: skip
    return rows


def compare_rpact(ours: dict, ref: dict, n: int) -> list[dict]:
    n_ref = ref["iterations"]
    rows = []
    gap, lim = agree(ours["rejection_probability"], ref["overall_reject"], n, n_ref, True)
    rows.append({"what": "power", "a": ours["rejection_probability"]["estimate"],
                 "b": ref["overall_reject"]["estimate"], "gap": gap, "3se": lim,
                 "ok": gap <= lim})  # fmt: skip
    for k, (la, lb) in enumerate(
        zip(ours["rejection_by_look"], ref["reject_per_stage"], strict=True)
    ):
        gap, lim = agree(la, lb, n, n_ref, True)
        rows.append({"what": f"rejection at look {k + 1}", "a": la["estimate"],
                     "b": lb["estimate"], "gap": gap, "3se": lim, "ok": gap <= lim})  # fmt: skip
    a, b = ours["expected_subjects"], ref["expected_number_of_subjects"]
    gap, lim = agree(a, b, n, n_ref, False)
    rows.append({"what": "expected subjects", "a": a["estimate"], "b": b["estimate"],
                 "gap": gap, "3se": lim, "ok": gap <= lim})  # fmt: skip
    return rows


def versions() -> dict:
    v = {"python": platform.python_version(), "machine": platform.machine()}
    try:
        import cupy
        import numpy

        props = cupy.cuda.runtime.getDeviceProperties(0)
        v.update(
            cupy=cupy.__version__,
            numpy=numpy.__version__,
            gpu=props["name"].decode(),
            gpu_memory_gib=round(props["totalGlobalMem"] / 2**30, 1),
            cuda_runtime=cupy.cuda.runtime.runtimeGetVersion(),
            driver=cupy.cuda.runtime.driverGetVersion(),
        )
    except Exception as exc:  # no GPU here: say so in the table
        v["gpu"] = f"none ({exc})"
    v["cpus"] = os.cpu_count()
    return v


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--million", action="store_true")
    ap.add_argument("--cpu-workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--cpu-replicates", type=int, default=20_000)
    ap.add_argument("--gpu-replicates", type=int, default=100_000)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    out: dict = {"versions": versions(), "runs": {}, "agreement": {}}
    print(json.dumps(out["versions"]), flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="gpu-bench-"))

    def sim(tag: str, protocol: str, n: int, *extra: str) -> dict:
        folder = tmp / tag
        r = run(["simulate", protocol, "--replicates", str(n), "--seed", "1", "--out",
                 str(folder), *extra])  # fmt: skip
        r["replicates"] = n
        r["trials_per_s"] = n / r["wall_s"]
        out["runs"][tag] = r
        print(f"{tag}: {n} trials, {r['wall_s']:.1f} s, {r['trials_per_s']:,.0f}/s, rc {r['rc']}",
              flush=True)  # fmt: skip
        if r["rc"] != 0:
            print(r["tail"], flush=True)
        return r

    gpu = sim("aall1731_gpu", "aall1731", a.gpu_replicates, "--device", "gpu")
    n_gpu, tag_gpu = a.gpu_replicates, "aall1731_gpu"
    if a.million and gpu["rc"] == 0 and gpu["wall_s"] * 1e6 / a.gpu_replicates < LIMIT_S:
        sim("aall1731_gpu_1m", "aall1731", 1_000_000, "--device", "gpu")
        if out["runs"]["aall1731_gpu_1m"]["rc"] == 0:
            n_gpu, tag_gpu = 1_000_000, "aall1731_gpu_1m"
    cpu = sim("aall1731_cpu", "aall1731", a.cpu_replicates, "--workers", str(a.cpu_workers))
    if gpu["rc"] == 0 and cpu["rc"] == 0:
        out["agreement"]["aall1731 gpu vs cpu"] = compare_oc(
            oc(tmp / tag_gpu), oc(tmp / "aall1731_cpu"), n_gpu, a.cpu_replicates
        )
    for name in ("of_hr075", "pocock_hr075_dropout", "of_null"):
        r = sim(f"{name}_gpu", str(FIXTURES / f"{name}.toml"), 200_000, "--device", "gpu")
        if r["rc"] == 0:
            ref = json.loads((FIXTURES / f"{name}.json").read_text())
            out["agreement"][f"{name} gpu vs rpact"] = compare_rpact(
                oc(tmp / f"{name}_gpu"), ref, 200_000
            )
    if a.json:
        a.json.write_text(json.dumps(out, indent=1, default=str))
    print("\n| run | trials | wall s | trials/s | peak RSS MB | exit |")
    print("|---|---:|---:|---:|---:|---:|")
    for tag, r in out["runs"].items():
        rate = f"{r['trials_per_s']:,.0f}" if r["rc"] == 0 else "failed"
        print(f"| {tag} | {r['replicates']:,} | {r['wall_s']:.1f} | {rate} | "
              f"{r['peak_rss_mb']:,.0f} | {r['rc']} |")
    for what, rows in out["agreement"].items():
        bad = [x for x in rows if not x["ok"]]
        print(f"\n{what}: {len(rows) - len(bad)}/{len(rows)} within 3 MC SE")
        for x in rows:
            print(f"  {x['what']}: {x['a']:.4f} vs {x['b']:.4f} (gap {x['gap']:.4f}, "
                  f"3 SE {x['3se']:.4f}){'' if x['ok'] else '  <-- outside'}")  # fmt: skip


if __name__ == "__main__":
    main()
