"""Operating characteristics at scale: ``survtrial simulate`` against rpact's
``getSimulationSurvival`` and a loop of lifelines calls, in trials per second, as whole processes.

    PYTHONPATH=src .venv/bin/python benchmarks/simulate.py [--scenario of_hr075]
        [--replicates 100000] [--workers 2] [--dask] [--hazard-ratios 0.6,0.7,0.8]
        [--skip-r] [--json OUT]

Every tool runs the same rpact-comparable scenario: a protocol in
tests/reference/fixtures/simulate/<scenario>.toml for survtrial, and the ``input`` section of
the rpact fixture <scenario>.json next to it (written by
tests/reference/make_simulate_reference.R) for rpact and the lifelines loop. Each tool is one
child process, timed from outside (wall clock, and CPU time and peak RSS from ``os.wait4``):

* rpact: ``Rscript`` that loads rpact, builds the design and runs ``getSimulationSurvival`` for
  ``--replicates`` iterations (one core: rpact's simulation is single-threaded); a second
  ``Rscript`` does the same without the simulation, so its wall time is rpact's start-up. Both
  rates are shown: whole process, and net of start-up.
* survtrial: ``python -m survtrial simulate TOML --replicates N --seed 1 --out DIR --workers W``
  (its start-up: the same command for one trial, whose chunk runs in the parent);
  with ``--dask``, the same with ``--executor dask`` too (a LocalCluster of W one-thread
  workers, its start-up included), as a second survtrial row.
  Where this survtrial has no ``simulate`` command, that row is skipped with a message and
  ``survtrial run TOML --replicates M --workers W`` (the full per-trial analysis and figures,
  not the operating-characteristics path) is timed instead, labelled as a stand-in, on
  ``--standin-replicates`` trials.
* lifelines (when importable by ``--lifelines-python``): a hand-written Python loop per trial
  (numpy data as rpact simulates them: deterministic uniform accrual, alternating arms,
  exponential event and dropout times; the cut at the k-th event; ``logrank_test`` at each
  look against the design's critical values) for ``--lifelines-trials`` trials.

``--hazard-ratios`` times a power curve: rpact's ``hazardRatio`` vector and survtrial's
``--vary`` of the experimental arm's hazard, ``--replicates`` trials at each ratio (survtrial's
scenarios then share their chunks' patients up to the outcomes: common random numbers).

The table (Markdown, on stdout) gives trials per second and the ratios survtrial / rpact and
survtrial / lifelines; the JSON (``--json``) every timing, command and version.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "tests" / "reference" / "fixtures" / "simulate"
SURVTRIAL = ["-m", "survtrial"]

R_PROGRAM = """\
suppressPackageStartupMessages(library(rpact))
setLogLevel("DISABLED")
design <- getDesignGroupSequential(informationRates = c({rates}), alpha = {alpha},
                                   sided = 1, typeOfDesign = "{type}")
if ({simulate}) {{
  started <- proc.time()
  sim <- getSimulationSurvival(
    design, lambda2 = {lambda2}, hazardRatio = c({hr}), directionUpper = FALSE,
    plannedEvents = c({events}), accrualTime = 0, accrualIntensity = {intensity},
    maxNumberOfSubjects = {subjects}, dropoutRate1 = {dropout}, dropoutRate2 = {dropout},
    dropoutTime = {dropout_time}, allocation1 = 1, allocation2 = 1,
    maxNumberOfIterations = {iterations}, seed = {seed}, longTimeSimulationAllowed = TRUE)
  used <- proc.time() - started
  cat(sprintf('{{"simulation_seconds": %.6f, "simulation_cpu_seconds": %.6f, "power": [%s]}}\\n',
              used[["elapsed"]], used[["user.self"]] + used[["sys.self"]],
              paste(sprintf("%.10g", sim$overallReject), collapse = ", ")))
}}
cat(sprintf('{{"rpact": "%s", "r": "%s"}}\\n', packageVersion("rpact"), R.version.string))
"""

LIFELINES_LOOP = """\
import json, sys, time
import numpy as np
from lifelines.statistics import logrank_test

p = json.loads(sys.argv[1])
rng = np.random.default_rng(p["seed"])
n, hazard = p["subjects"], np.array([p["lambda2"], p["lambda1"]])  # per month
entry = np.arange(n) / p["intensity"]  # deterministic uniform accrual, as rpact
arm = np.arange(n) % 2  # alternating arms, as rpact (1: experimental)
started, rejected = time.perf_counter(), 0
for _ in range(p["trials"]):
    t = rng.exponential(1.0, n) / hazard[arm]
    c = rng.exponential(1.0, n) / p["dropout_hazard"] if p["dropout_hazard"] > 0 else np.inf
    obs, ev = np.minimum(t, c), t <= c
    calendar = np.sort(entry[ev] + obs[ev])
    for events, bound in zip(p["events"], p["bounds"]):
        cut = calendar[events - 1]
        inside = entry <= cut
        time_k = np.minimum(obs, cut - entry)[inside]
        event_k = (ev & (entry + obs <= cut))[inside]
        arm_k = arm[inside]
        e1, e0 = arm_k == 1, arm_k == 0
        res = logrank_test(time_k[e1], time_k[e0], event_k[e1], event_k[e0])
        rate1 = event_k[e1].sum() / time_k[e1].sum()
        rate0 = event_k[e0].sum() / time_k[e0].sum()
        z = np.sqrt(res.test_statistic) * (1.0 if rate1 < rate0 else -1.0)
        if z >= bound:
            rejected += 1
            break
elapsed = time.perf_counter() - started
print(json.dumps({"loop_seconds": elapsed, "power": rejected / p["trials"]}))
"""


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def timed(cmd: list[str], cwd: Path | None = None) -> dict:
    """Run ``cmd`` as a child process: wall seconds, CPU seconds, peak RSS, output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    return {
        "command": cmd,
        "rc": proc.returncode,
        "wall_seconds": wall,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        # the largest single process of the tree (Linux reports kilobytes)
        "peak_rss_mb": usage.ru_maxrss / 1024.0,
        "stdout": stdout,
        "stderr": stderr,
    }


def startup_run(cmd: list[str], runs: int) -> dict:
    """The fastest of ``runs`` runs of a start-up-only command (start-up times are noisy)."""
    best = None
    for _ in range(max(runs, 1)):
        run = timed(cmd)
        if run["rc"] != 0:
            return run
        if best is None or run["wall_seconds"] < best["wall_seconds"]:
            best = run
    return best


def json_lines(text: str) -> dict:
    """Merge the JSON objects printed one a line (other lines are ignored)."""
    merged: dict = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            merged.update(json.loads(line))
    return merged


def load_scenario(name: str) -> tuple[Path, dict]:
    toml, fixture = SCENARIOS / f"{name}.toml", SCENARIOS / f"{name}.json"
    if not toml.exists() or not fixture.exists():
        known = sorted(p.stem for p in SCENARIOS.glob("*.toml"))
        raise SystemExit(f"error: unknown scenario {name!r}; known: {', '.join(known)}")
    return toml, json.loads(fixture.read_text())


def failed(run: dict, what: str) -> bool:
    if run["rc"] != 0:
        log(f"  {what} failed (exit {run['rc']}):\n{run['stderr'][-2000:]}")
        return True
    return False


def hazard_ratios(fixture: dict, args) -> list[float]:
    """The hazard ratios simulated: ``--hazard-ratios`` or the fixture's one."""
    return args.hazard_ratios or [fixture["input"]["hazard_ratio"]]


def rpact_rows(fixture: dict, args) -> list[dict]:
    x = fixture["input"]
    replicates, rscript, startup_runs = args.replicates, args.rscript, args.startup_runs
    hrs = hazard_ratios(fixture, args)
    trials = replicates * len(hrs)  # rpact simulates each hazard ratio in turn
    values = {
        "rates": ", ".join(repr(r) for r in x["information_rates"]),
        "alpha": x["alpha"],
        "type": x["type_of_design"],
        "lambda2": repr(x["lambda2_per_month"]),
        "hr": ", ".join(repr(h) for h in hrs),
        "events": ", ".join(str(e) for e in x["planned_events"]),
        "intensity": x["accrual_intensity_per_month"],
        "subjects": x["max_number_of_subjects"],
        "dropout": x["dropout_rate"],
        "dropout_time": x["dropout_time_months"],
        "iterations": replicates,
        "seed": x["seed"],
    }
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        runs = {}
        for simulate in (False, True):
            script = Path(tmp) / f"rpact_{simulate}.R"
            script.write_text(R_PROGRAM.format(simulate="TRUE" if simulate else "FALSE", **values))
            log(f"  rpact: Rscript {'with' if simulate else 'without'} the simulation ...")
            cmd = [rscript, "--vanilla", str(script)]
            runs[simulate] = timed(cmd) if simulate else startup_run(cmd, startup_runs)
        if failed(runs[False], "Rscript (start-up)") or failed(runs[True], "Rscript"):
            return rows
    startup, full = runs[False], runs[True]
    info = json_lines(full["stdout"])
    net = full["wall_seconds"] - startup["wall_seconds"]
    rows.append(
        {
            "tool": "rpact getSimulationSurvival",
            "label": f"rpact {info.get('rpact', '?')} getSimulationSurvival (1 core)",
            "trials": trials,
            "workers": 1,
            "wall_seconds": full["wall_seconds"],
            "startup_seconds": startup["wall_seconds"],
            "trials_per_second": trials / full["wall_seconds"],
            "trials_per_second_net": trials / net if net > 0 else None,
            "trials_per_second_alone": trials / info["simulation_seconds"],
            "trials_per_cpu_second_alone": trials / info["simulation_cpu_seconds"],
            "cpu_seconds": full["cpu_seconds"],
            "peak_rss_mb": full["peak_rss_mb"],
            "power": info.get("power"),
            "versions": {"rpact": info.get("rpact"), "r": info.get("r")},
            "runs": {"startup": strip(startup), "simulation": strip(full)},
        }
    )
    return rows


def strip(run: dict) -> dict:
    """A run for the JSON: the output tails only."""
    return {**run, "stdout": run["stdout"][-2000:], "stderr": run["stderr"][-2000:]}


def has_simulate(python: str) -> bool:
    probe = timed([python, *SURVTRIAL, "simulate", "--help"])
    return probe["rc"] == 0


def survtrial_version(python: str) -> dict:
    code = "import survtrial; print(survtrial.__version__); print(survtrial.__file__)"
    run = timed([python, "-c", code])
    lines = run["stdout"].split()
    return {"version": lines[0], "path": lines[1]} if run["rc"] == 0 and len(lines) == 2 else {}


def simulate_power(out_dir: Path) -> list[float] | None:
    try:
        oc = json.loads((out_dir / "operating_characteristics.json").read_text())
        return [float(sc["rejection_probability"]["estimate"]) for sc in oc["scenarios"]]
    except (OSError, KeyError, IndexError, TypeError, ValueError):
        return None


def vary_hazard_ratios(toml: Path, fixture: dict, args) -> list[str]:
    """``--vary`` of the experimental arm's hazard (``outcomes.hazards[1]``, as in every
    scenario file) at each of ``--hazard-ratios``: the control hazard per year times the
    ratio; nothing for the scenario's own ratio."""
    if not args.hazard_ratios:
        return []
    control = fixture["input"]["lambda2_per_month"] * 12.0
    values = ",".join(f"[{control * h!r}]" for h in args.hazard_ratios)
    return ["--vary", f"outcomes.hazards[1].per_year={values}"]


def survtrial_rows(toml: Path, fixture: dict, args) -> list[dict]:
    python = args.python
    rows = []
    n_hr = len(hazard_ratios(fixture, args))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        workers = str(args.workers)
        if has_simulate(python):
            # the start-up: a run of one trial (Python, the imports, numba's cached kernels,
            # the outputs; the one chunk runs in the parent, the workers started unused)
            startup = startup_run(
                [python, *SURVTRIAL, "simulate", str(toml), "--replicates", "1", "--seed", "1",
                 "--out", str(Path(tmp) / "startup"), "--workers", workers],
                args.startup_runs,
            )  # fmt: skip
            n = args.replicates
            cmd = [
                python,
                *SURVTRIAL,
                "simulate",
                str(toml),
                "--replicates",
                str(n),
                "--seed",
                "1",
                "--out",
                str(out),
                "--workers",
                workers,
                *vary_hazard_ratios(toml, fixture, args),
            ]
            tool, label = "survtrial simulate", f"survtrial simulate ({args.workers} workers)"
        else:
            log(
                "  survtrial simulate: not in this survtrial (`python -m survtrial simulate "
                "--help` failed); that row is skipped. Timing the stand-in `survtrial run` "
                f"on {args.standin_replicates} trials instead."
            )
            n = args.standin_replicates
            cmd = [
                python,
                *SURVTRIAL,
                "run",
                str(toml),
                "--replicates",
                str(n),
                "--seed",
                "1",
                "--out",
                str(out),
                "--workers",
                workers,
            ]
            startup = startup_run([python, *SURVTRIAL, "--version"], args.startup_runs)
            tool = "survtrial run (stand-in)"
            label = f"STAND-IN survtrial run, not simulate ({args.workers} workers)"
        runs = [(tool, label, cmd)]
        if args.dask and tool == "survtrial simulate":
            runs.append((
                "survtrial simulate dask",
                f"survtrial simulate --executor dask (LocalCluster, {args.workers} workers)",
                [*cmd, "--executor", "dask"],
            ))  # fmt: skip
        for tool, label, command in runs:
            log(f"  {tool}: {n} trials ...")
            shutil.rmtree(out, ignore_errors=True)
            run = timed(command, cwd=Path(tmp))
            if failed(run, tool):
                continue
            power = simulate_power(out) if tool.startswith("survtrial simulate") else None
            net = run["wall_seconds"] - startup["wall_seconds"]
            trials = n * (n_hr if tool.startswith("survtrial simulate") else 1)
            rows.append(
                {
                    "tool": tool,
                    "label": label,
                    "trials": trials,
                    "workers": args.workers,
                    "wall_seconds": run["wall_seconds"],
                    "startup_seconds": startup["wall_seconds"] if startup["rc"] == 0 else None,
                    "trials_per_second": trials / run["wall_seconds"],
                    "trials_per_second_net": (
                        trials / net if startup["rc"] == 0 and net > 0 else None
                    ),
                    "cpu_seconds": run["cpu_seconds"],
                    "peak_rss_mb": run["peak_rss_mb"],
                    "power": power,
                    "versions": survtrial_version(python),
                    "runs": {"startup": strip(startup), "simulation": strip(run)},
                }
            )
    return rows


def lifelines_rows(fixture: dict, args) -> list[dict]:
    python = args.lifelines_python
    probe = timed([python, "-c", "import lifelines; print(lifelines.__version__)"])
    if probe["rc"] != 0:
        log(f"  lifelines: not importable by {python}; that row is skipped.")
        return []
    x = fixture["input"]
    params = {
        "seed": 1,
        "trials": args.lifelines_trials,
        "subjects": x["max_number_of_subjects"],
        "intensity": x["accrual_intensity_per_month"],
        "lambda2": x["lambda2_per_month"],
        "lambda1": x["lambda1_per_month"],
        "dropout_hazard": x["dropout_hazard_per_year"] / 12.0,  # per month
        "events": x["planned_events"],
        "bounds": fixture["design"]["critical_values"],
    }
    log(f"  lifelines loop: {args.lifelines_trials} trials ...")
    run = timed([python, "-c", LIFELINES_LOOP, json.dumps(params)])
    if failed(run, "lifelines loop"):
        return []
    info = json_lines(run["stdout"])
    n = args.lifelines_trials
    return [
        {
            "tool": "lifelines loop",
            "label": f"lifelines {probe['stdout'].strip()} loop of logrank_test (1 core)",
            "trials": n,
            "workers": 1,
            "wall_seconds": run["wall_seconds"],
            "startup_seconds": None,
            "trials_per_second": n / run["wall_seconds"],
            "trials_per_second_net": None,
            "trials_per_second_alone": n / info["loop_seconds"],
            "cpu_seconds": run["cpu_seconds"],
            "peak_rss_mb": run["peak_rss_mb"],
            "power": info.get("power"),
            "versions": {"lifelines": probe["stdout"].strip()},
            "runs": {"simulation": strip(run)},
        }
    ]


def powers(p) -> str:
    """One power, or one a hazard ratio."""
    if isinstance(p, list):
        return ", ".join(fmt(x, ".4f") for x in p)
    return fmt(p, ".4f")


def fmt(x: float | None, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def times(x: float | None) -> str:
    """A ratio as '11.4x' or '1,001x' (3 significant figures, never an exponent)."""
    if x is None:
        return "-"
    return f"{x:,.0f}x" if x >= 100 else f"{x:.3g}x"


def ratios(rows: list[dict]) -> list[dict]:
    """Each survtrial row's rate over each peer's: whole process over whole process, and
    survtrial's whole process over the peer's simulation alone (timed inside it: its most
    favourable figure)."""
    out = []
    for ours, peer in itertools.product(rows, rows):
        if not ours["tool"].startswith("survtrial") or peer["tool"].startswith("survtrial"):
            continue
        out.append(
            {
                "survtrial": ours["label"],
                "peer": peer["label"],
                "whole_process": ours["trials_per_second"] / peer["trials_per_second"],
                "peer_simulation_alone": (
                    ours["trials_per_second"] / peer["trials_per_second_alone"]
                    if peer.get("trials_per_second_alone")
                    else None
                ),
            }
        )
    return out


def print_table(scenario: str, fixture: dict, rows: list[dict], rel: list[dict]) -> None:
    print(
        f"\n### Scenario `{scenario}` (rpact fixture power "
        f"{fixture['overall_reject']['estimate']:.4f} over {fixture['iterations']} iterations)\n"
    )
    print(
        "| tool | trials | wall s | start-up s | trials/s (whole process) "
        "| trials/s (net of start-up) | trials/s (simulation alone) | CPU s | peak RSS MB | power |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['label']} | {r['trials']} | {r['wall_seconds']:.2f} "
            f"| {fmt(r['startup_seconds'], '.2f')} | {r['trials_per_second']:,.0f} "
            f"| {fmt(r['trials_per_second_net'], ',.0f')} "
            f"| {fmt(r.get('trials_per_second_alone'), ',.0f')} | {r['cpu_seconds']:.1f} "
            f"| {r['peak_rss_mb']:.0f} | {powers(r['power'])} |"
        )
    for r in rows:
        if "trials_per_cpu_second_alone" in r:
            print(
                f"\n{r['label']}: getSimulationSurvival alone (`proc.time()` around it) ran "
                f"{r['trials_per_cpu_second_alone']:,.0f} trials per CPU second."
            )
    if rel:
        print("\n| survtrial / peer | whole process | peer's simulation alone |")
        print("|---|---:|---:|")
        for q in rel:
            print(
                f"| {q['survtrial']} / {q['peer']} | {times(q['whole_process'])} "
                f"| {times(q['peer_simulation_alone'])} |"
            )
    else:
        print("\n(no survtrial row: no ratios)")


def one_round(toml: Path, fixture: dict, args) -> list[dict]:
    """One timed run of each tool, in turn."""
    rows: list[dict] = []
    if args.skip_r:
        log("  rpact: skipped (--skip-r)")
    elif shutil.which(args.rscript) is None:
        log(f"  rpact: {args.rscript} not found; that row is skipped")
    else:
        rows += rpact_rows(fixture, args)
    rows += survtrial_rows(toml, fixture, args)
    if not args.skip_lifelines:
        rows += lifelines_rows(fixture, args)
    return rows


def median_rows(rounds: list[list[dict]]) -> list[dict]:
    """Each tool's row from the run with the median wall time over the rounds (of an even
    count, the faster of the middle two: the same rule for every tool), with every run's wall
    time in ``wall_seconds_all``."""
    out = []
    for tool in dict.fromkeys(r["tool"] for rows in rounds for r in rows):
        runs = sorted(
            (r for rows in rounds for r in rows if r["tool"] == tool),
            key=lambda r: r["wall_seconds"],
        )
        chosen = dict(runs[(len(runs) - 1) // 2])
        chosen["wall_seconds_all"] = [r["wall_seconds"] for rows in rounds for r in rows
                                      if r["tool"] == tool]  # fmt: skip
        out.append(chosen)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--scenario",
        default="of_hr075",
        help="scenario name(s), comma-separated (tests/reference/fixtures/simulate)",
    )
    ap.add_argument(
        "--replicates",
        type=int,
        default=100_000,
        help="trials for rpact and survtrial simulate (default 100000)",
    )
    ap.add_argument("--workers", type=int, default=2, help="survtrial worker processes")
    ap.add_argument(
        "--standin-replicates",
        type=int,
        default=200,
        help="trials for the `survtrial run` stand-in (default 200)",
    )
    ap.add_argument(
        "--lifelines-trials",
        type=int,
        default=100,
        help="trials for the lifelines loop (default 100)",
    )
    ap.add_argument(
        "--startup-runs", type=int, default=3, help="start-up runs; the fastest is used"
    )
    ap.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="rounds of runs, the tools taking turns; each tool's median run is reported",
    )
    ap.add_argument(
        "--dask",
        action="store_true",
        help="also time survtrial simulate --executor dask (a LocalCluster of --workers)",
    )
    ap.add_argument(
        "--hazard-ratios",
        type=lambda text: [float(v) for v in text.split(",") if v.strip()],
        help="a power curve: simulate each of these hazard ratios (comma-separated; rpact's "
        "hazardRatio vector, survtrial's --vary of the experimental hazard)",
    )
    ap.add_argument("--skip-r", action="store_true", help="no rpact row")
    ap.add_argument("--skip-lifelines", action="store_true", help="no lifelines row")
    ap.add_argument("--rscript", default=shutil.which("Rscript") or "Rscript")
    ap.add_argument("--python", default=sys.executable, help="interpreter for survtrial")
    ap.add_argument(
        "--lifelines-python", default=sys.executable, help="interpreter for the lifelines loop"
    )
    ap.add_argument("--json", type=Path, help="write every timing here")
    args = ap.parse_args(argv)
    if args.replicates < 1 or args.standin_replicates < 1 or args.lifelines_trials < 1:
        ap.error("replicate and trial counts must be at least 1")
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")

    report = {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "replicates": args.replicates,
        "workers": args.workers,
        "scenarios": {},
    }
    for scenario in [s.strip() for s in args.scenario.split(",") if s.strip()]:
        toml, fixture = load_scenario(scenario)
        log(f"scenario {scenario}:")
        rounds = []
        for k in range(args.repeats):  # the tools take turns: each round sees the same machine
            if args.repeats > 1:
                log(f" round {k + 1} of {args.repeats}:")
            rounds.append(one_round(toml, fixture, args))
        rows = median_rows(rounds)
        rel = ratios(rows)
        print_table(scenario, fixture, rows, rel)
        if args.hazard_ratios:
            print(f"\nA power curve: hazard ratios {', '.join(map(str, args.hazard_ratios))}, "
                  f"{args.replicates} trials each for rpact and survtrial (their trials are over "
                  "all of them; power one a ratio); the lifelines loop at the scenario's own "
                  "ratio.")  # fmt: skip
        if args.repeats > 1:
            print(f"\nEach tool's median of {args.repeats} runs (wall s of every run):")
            for r in rows:
                print(f"- {r['label']}: {', '.join(f'{w:.2f}' for w in r['wall_seconds_all'])}")
        report["scenarios"][scenario] = {
            "protocol": str(toml.relative_to(ROOT)),
            "rows": rows,
            "ratios": rel,
        }
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
