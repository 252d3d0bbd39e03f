"""Benchmark: `survtrial analyze` end to end on a large ADaM ADTTE (reading included).

Writes an ADTTE of N rows (default 5,000,000: one DFS row per subject, two arms, two strata,
four causes of an event in EVNTDESC, integer days) as Parquet and as CSV, then runs

    survtrial analyze FILE --param DFS --cause EVNTDESC --report --out DIR

once per file, each in a fresh Python process, and reports the wall time of the whole command
(reading, validation, statistics, tables, JSON, CSV, HTML and figure) and the process's peak
resident memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``). Target (issue 5): under 60 s
and under 4 GB. Results are printed and written as JSON (``--json``).

    python benchmarks/analyze_large.py [--rows 5000000] [--dir /tmp/analyze_large] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def make_adtte(rows: int, folder: Path, seed: int = 1) -> tuple[Path, Path]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 2, rows)
    stratum = rng.integers(0, 2, rows)
    rate = np.where(arm == 1, 0.6, 1.0) * np.where(stratum == 1, 1.8, 1.0) / 4000.0
    ev = np.ceil(rng.exponential(1.0 / rate))
    cens = np.ceil(rng.uniform(30, 1800, rows))
    event = ev <= cens
    aval = np.minimum(ev, cens).astype(np.int64)
    causes = np.array(["Relapse", "CNS relapse", "Death in remission", "Second malignancy"])
    cause = np.where(event, causes[rng.integers(0, 4, rows)], "")
    ids = pc.utf8_lpad(pa.array(np.arange(1, rows + 1)).cast(pa.string()), 8, "0")
    table = pa.table(
        {
            "STUDYID": pa.array(np.full(rows, "BIGSTUDY")),
            "USUBJID": pc.binary_join_element_wise("BIGSTUDY-", ids, ""),
            "TRTP": pa.array(np.array(["control", "experimental"])[arm]),
            "STRATUM": pa.array(np.array(["low risk", "high risk"])[stratum]),
            "PARAMCD": pa.array(np.full(rows, "DFS")),
            "PARAM": pa.array(np.full(rows, "Disease-free survival (days)")),
            "AVAL": aval,
            "AVALU": pa.array(np.full(rows, "DAYS")),
            "CNSR": (~event).astype(np.int64),
            "EVNTDESC": pa.array(cause),
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    pq_path = folder / "adtte_large.parquet"
    csv_path = folder / "adtte_large.csv"
    pq.write_table(table, pq_path)
    pcsv.write_csv(table, csv_path, pcsv.WriteOptions(quoting_style="needed"))
    return pq_path, csv_path


def child(args: list[str]) -> None:
    """Run the CLI in this process; print seconds and peak memory as JSON on the last line.

    The clock starts before survtrial is imported, as a user's command would."""
    t0 = time.perf_counter()
    from survtrial.cli import app

    code = 0
    try:
        app(args, standalone_mode=False)
    except SystemExit as exc:  # pragma: no cover
        code = int(exc.code or 0)
    seconds = time.perf_counter() - t0
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"seconds": seconds, "peak_gb": kib * 1024 / 1e9, "exit": code}))


def machine() -> dict:
    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    try:
        with open("/proc/meminfo") as fh:
            info["memory_gb"] = round(int(fh.readline().split()[1]) * 1024 / 1e9, 1)
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:  # pragma: no cover
        pass
    import pandas
    import pyarrow

    info["pandas"] = pandas.__version__
    info["pyarrow"] = pyarrow.__version__
    return info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/analyze_large"))
    ap.add_argument("--keep", action="store_true", help="Keep the generated files.")
    ap.add_argument("--json", type=Path, default=None, help="Write the results here too.")
    ap.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child is not None:
        child(a.child)
        return
    t0 = time.perf_counter()
    pq_path, csv_path = make_adtte(a.rows, a.dir)
    gen = time.perf_counter() - t0
    sizes = {p.suffix[1:]: round(p.stat().st_size / 1e6, 1) for p in (pq_path, csv_path)}
    print(f"wrote {a.rows:,} rows in {gen:.1f} s: {sizes} MB", flush=True)
    runs = []
    for path in (pq_path, csv_path):
        out = a.dir / f"out_{path.suffix[1:]}"
        cmd = [
            "analyze",
            str(path),
            "--param",
            "DFS",
            "--cause",
            "EVNTDESC",
            "--report",
            "--out",
            str(out),
        ]
        proc = subprocess.run(
            [sys.executable, __file__, "--child", *cmd],
            capture_output=True,
            text=True,
            check=False,
        )
        last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "{}"
        try:
            r = json.loads(last)
        except json.JSONDecodeError:
            r = {"error": proc.stderr[-2000:]}
        r.update({"format": path.suffix[1:], "rows": a.rows, "file_mb": sizes[path.suffix[1:]]})
        m = re.search(r"Read and checked in ([0-9.]+) s, analysed in ([0-9.]+) s", proc.stdout)
        if m:
            r["read_and_check_seconds"] = float(m.group(1))
            r["statistics_seconds"] = float(m.group(2))
        if proc.returncode != 0 or r.get("exit"):
            r["stderr"] = proc.stderr[-2000:]
        runs.append(r)
        print(json.dumps(r), flush=True)
    result = {"machine": machine(), "runs": runs, "generate_seconds": gen}
    print(json.dumps(result, indent=2))
    if a.json:
        a.json.write_text(json.dumps(result, indent=2) + "\n")
    if not a.keep:
        shutil.rmtree(a.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
