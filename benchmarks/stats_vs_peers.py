"""Speed of survtrial.stats against lifelines, scikit-survival, statsmodels, scipy and R survival.

Operations (issue 2, item 6), each on the same simulated trial data for every tool:

* ``km``            Kaplan-Meier curves of the two arms (two fits, or one ``survfit(~ arm)``)
* ``logrank_strat`` log-rank test of arm stratified by the 4 strata (``survdiff(~ arm + strata)``)
* ``cox_strat``     Cox model, arm as covariate, 4 strata, Efron ties (``coxph(~ arm + strata)``)
* ``rmst_diff``     restricted mean survival time per arm up to tau, difference and its SE
* ``logrank``       (extra row) unstratified two-arm log-rank, which every peer can do

Timing: every call is timed as it is made by a user (from numpy arrays, or a pandas frame where
a peer needs one, built outside the timing; splitting by arm is inside). One warm-up call, then
batches of ``loops`` calls lasting at least ``--min-batch`` seconds, repeated ``k`` times within
``--budget`` seconds (``k <= --repeats``; small n therefore gets many repeats and many loops).
The time reported is the **minimum** over the k batches of batch time / loops (best-of-k); the
median is in the JSON. A warm-up call longer than ``--slow`` seconds is the single measurement.
R is timed the same way in one ``Rscript`` process per size (benchmarks/_r_survival.R), which
reads the data from temporary binary files (not timed) and writes its estimates back, so that
each operation's maximum relative difference between survtrial and R is printed next to its
timing (and each peer's, in the agreement table).

Run ``python benchmarks/stats_vs_peers.py --help``; see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
R_SCRIPT = HERE / "_r_survival.R"

OPS = ("km", "logrank_strat", "cox_strat", "rmst_diff", "logrank")
OP_TITLES = {
    "km": "KM, two arms",
    "logrank_strat": "log-rank, 4 strata",
    "cox_strat": "Cox Efron, 4 strata",
    "rmst_diff": "RMST difference",
    "logrank": "log-rank, unstratified (extra)",
}
PEERS = ("lifelines", "sksurv", "statsmodels", "scipy", "R")
PEER_TITLES = {
    "lifelines": "lifelines",
    "sksurv": "scikit-survival",
    "statsmodels": "statsmodels",
    "scipy": "scipy",
    "R": "R survival",
}
#: Targets of issue 2: minimum R time / our time at n >= 100,000.
R_TARGET = {"km": 10.0, "logrank_strat": 10.0, "rmst_diff": 10.0, "cox_strat": 3.0}
TARGET_OPS = ("km", "logrank_strat", "cox_strat", "rmst_diff")
SMALL_N_LIMIT = 1e-3  # seconds per call at n = 1,440

#: Simulation: yearly hazards of the 4 strata, arm hazard ratio, censoring hazard (~30 %).
STRATUM_HAZARD = np.array([0.08, 0.12, 0.16, 0.24])
ARM_HR = 0.75
CENSOR_HAZARD = 0.0496
TAU = 5.0
GRID = (0.5, 1.0, 2.0, 3.0, 5.0, 8.0)


# ---------------------------------------------------------------------------------------------
# data


@dataclass(frozen=True)
class Data:
    time: np.ndarray  # float64, years
    event: np.ndarray  # int64 0/1
    arm: np.ndarray  # int64 0/1
    stratum: np.ndarray  # int64 0..3
    tau: float

    @property
    def n(self) -> int:
        return int(self.time.shape[0])


def make_data(n: int, seed: int) -> Data:
    """Two arms, four strata, exponential event and censoring times (about 30 % censored)."""
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 2, n)
    stratum = rng.integers(0, 4, n)
    rate = STRATUM_HAZARD[stratum] * np.where(arm == 1, ARM_HR, 1.0)
    t_event = rng.exponential(1.0 / rate)
    t_censor = rng.exponential(1.0 / CENSOR_HAZARD, n)
    time_ = np.minimum(t_event, t_censor)
    event = (t_event <= t_censor).astype(np.int64)
    last = min(float(time_[arm == a].max()) for a in (0, 1))
    return Data(time_, event, arm, stratum, min(TAU, last))


# ---------------------------------------------------------------------------------------------
# timing


@dataclass
class Timing:
    best: float
    median: float
    k: int
    loops: int

    def as_dict(self) -> dict[str, float | int]:
        return {"best_s": self.best, "median_s": self.median, "k": self.k, "loops": self.loops}


def measure(
    fn: Callable[[], Any], budget: float, max_repeats: int, min_batch: float, slow: float
) -> tuple[Timing, Any]:
    """Best-of-k per-call time of ``fn`` (see the module docstring) and its first result."""
    gc.collect()
    t0 = time.perf_counter()
    result = fn()
    first = time.perf_counter() - t0
    if first >= slow:
        return Timing(first, first, 1, 1), result
    loops = 1
    while True:  # autorange: a batch must last >= min_batch
        t0 = time.perf_counter()
        for _ in range(loops):
            fn()
        batch = time.perf_counter() - t0
        if batch >= min_batch:
            break
        loops *= max(2, math.ceil(1.2 * min_batch / batch)) if batch > 0 else 10
    k = max(1, min(max_repeats, int(budget // batch)))
    times = [batch / loops]
    for _ in range(k - 1):
        t0 = time.perf_counter()
        for _ in range(loops):
            fn()
        times.append((time.perf_counter() - t0) / loops)
    return Timing(min(times), float(np.median(times)), k, loops), result


# ---------------------------------------------------------------------------------------------
# the tools: for each operation a zero-argument call and a function reading its estimates


@dataclass
class Case:
    fn: Callable[[], Any]
    extract: Callable[[Any], dict[str, Any]] = field(default=lambda _: {})


Cases = dict[str, "Case | str"]  # a str says why the tool cannot do the operation


def _step_at(times: np.ndarray, values: np.ndarray, at: np.ndarray, before: float) -> np.ndarray:
    """A right-continuous step function given at ``times`` evaluated at ``at``."""
    idx = np.searchsorted(times, at, side="right") - 1
    return np.where(idx >= 0, values[np.maximum(idx, 0)], before)


def ours_cases(d: Data) -> Cases:
    from survtrial.stats import kaplan_meier, logrank, rmst

    t, e, a, s, tau = d.time, d.event, d.arm, d.stratum, d.tau
    grid = np.array(GRID)

    def km():
        m1 = a == 1
        m0 = ~m1
        return kaplan_meier(t[m0], e[m0]), kaplan_meier(t[m1], e[m1])

    def km_values(fits):
        cat = np.concatenate
        return {
            "time": cat([f.time for f in fits]),
            "surv": cat([f.survival for f in fits]),
            "std_err_log": cat([f.cumulative_hazard_std_err for f in fits]),
            "n_risk": cat([f.n_risk for f in fits]),
            "surv_grid": cat([f.survival_at(grid) for f in fits]),
            "se_grid": cat([f.std_err_at(grid) for f in fits]),
        }

    def lr_values(r):
        return {"chisq": r.statistic, "observed": r.observed, "expected": r.expected}

    def lr_strat_values(r):
        return {**lr_values(r), "variance": r.variance}

    def rmst_values(r):
        return {
            "rmst": r.rmst,
            "rmst_se": r.std_err,
            "diff": r.difference,
            "diff_se": r.difference_std_err,
        }

    cases: Cases = {
        "km": Case(km, km_values),
        "logrank_strat": Case(lambda: logrank(t, e, a, strata=s), lr_strat_values),
        "rmst_diff": Case(lambda: rmst(t, e, a, tau), rmst_values),
        "logrank": Case(lambda: logrank(t, e, a), lr_values),
    }
    try:
        from survtrial.stats.cox import cox
    except ImportError:
        cases["cox_strat"] = "pending"
    else:

        def cox_values(r):
            return {
                "coef": r.coef,
                "se": r.std_err,
                "loglik": r.loglik[1],
                "loglik_null": r.loglik[0],
                "score": r.score_statistic,
                "wald": r.wald_statistic,
            }

        cases["cox_strat"] = Case(lambda: cox(t, e, a, strata=s, ties="efron"), cox_values)
    return cases


def lifelines_cases(d: Data) -> Cases:
    import pandas as pd
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import logrank_test
    from lifelines.utils import restricted_mean_survival_time

    t, e, a, tau = d.time, d.event, d.arm, d.tau
    grid = np.array(GRID)
    frame = pd.DataFrame({"time": t, "event": e, "arm": a, "stratum": d.stratum})

    def km():
        m1 = a == 1
        m0 = ~m1
        return KaplanMeierFitter().fit(t[m0], e[m0]), KaplanMeierFitter().fit(t[m1], e[m1])

    def km_values(fits):
        return {
            "surv_grid": np.concatenate(
                [f.survival_function_at_times(grid).to_numpy() for f in fits]
            )
        }

    def lr():
        m1 = a == 1
        m0 = ~m1
        return logrank_test(t[m0], t[m1], e[m0], e[m1])

    def cox():
        return CoxPHFitter().fit(frame, "time", "event", strata=["stratum"])

    def rmst():
        out = []
        for arm in (0, 1):
            m = a == arm
            kmf = KaplanMeierFitter().fit(t[m], e[m])
            out.append(restricted_mean_survival_time(kmf, t=tau, return_variance=True))
        (r0, v0), (r1, v1) = out
        return (r0, r1), (math.sqrt(v0), math.sqrt(v1)), r1 - r0, math.sqrt(v0 + v1)

    return {
        "km": Case(km, km_values),
        "logrank_strat": "unsupported (no strata in logrank_test)",
        "cox_strat": Case(
            cox,
            lambda f: {
                "coef": f.params_.to_numpy(),
                "se": f.standard_errors_.to_numpy(),
                "loglik": f.log_likelihood_,
            },
        ),
        "rmst_diff": Case(
            rmst,
            lambda r: {"rmst": r[0], "rmst_se": r[1], "diff": r[2], "diff_se": r[3]},
        ),
        "logrank": Case(lr, lambda r: {"chisq": r.test_statistic}),
    }


def sksurv_cases(d: Data) -> Cases:
    from sksurv.compare import compare_survival
    from sksurv.nonparametric import kaplan_meier_estimator

    t, a = d.time, d.arm
    e = d.event.astype(bool)
    grid = np.array(GRID)
    y = np.empty(d.n, dtype=[("event", bool), ("time", float)])
    y["event"], y["time"] = e, t

    def km():
        m1 = a == 1
        m0 = ~m1
        return kaplan_meier_estimator(e[m0], t[m0]), kaplan_meier_estimator(e[m1], t[m1])

    def km_values(fits):
        return {"surv_grid": np.concatenate([_step_at(x, s, grid, 1.0) for x, s in fits])}

    return {
        "km": Case(km, km_values),
        "logrank_strat": "unsupported (no strata in compare_survival)",
        "cox_strat": "unsupported (no strata in CoxPHSurvivalAnalysis)",
        "rmst_diff": "unsupported (no RMST)",
        "logrank": Case(lambda: compare_survival(y, a), lambda r: {"chisq": r[0]}),
    }


def statsmodels_cases(d: Data) -> Cases:
    from statsmodels.duration.hazard_regression import PHReg
    from statsmodels.duration.survfunc import SurvfuncRight, survdiff

    t, e, a, s = d.time, d.event, d.arm, d.stratum
    grid = np.array(GRID)
    exog = a.astype(float)[:, None]

    def km():
        m1 = a == 1
        m0 = ~m1
        return SurvfuncRight(t[m0], e[m0]), SurvfuncRight(t[m1], e[m1])

    def km_values(fits):
        return {
            "surv_grid": np.concatenate(
                [_step_at(f.surv_times, f.surv_prob, grid, 1.0) for f in fits]
            ),
            "se_grid": np.concatenate(
                [_step_at(f.surv_times, f.surv_prob_se, grid, 0.0) for f in fits]
            ),
        }

    def cox():
        return PHReg(t, exog, status=e, strata=s, ties="efron").fit()

    return {
        "km": Case(km, km_values),
        "logrank_strat": Case(lambda: survdiff(t, e, a, strata=s), lambda r: {"chisq": r[0]}),
        "cox_strat": Case(cox, lambda f: {"coef": f.params, "se": f.bse, "loglik": f.llf}),
        "rmst_diff": "unsupported (no RMST)",
        "logrank": Case(lambda: survdiff(t, e, a), lambda r: {"chisq": r[0]}),
    }


def scipy_cases(d: Data) -> Cases:
    from scipy import stats

    t, a = d.time, d.arm
    cens = d.event == 0
    grid = np.array(GRID)

    def km():
        m1 = a == 1
        m0 = ~m1
        return (
            stats.ecdf(stats.CensoredData.right_censored(t[m0], cens[m0])),
            stats.ecdf(stats.CensoredData.right_censored(t[m1], cens[m1])),
        )

    def lr():
        m1 = a == 1
        m0 = ~m1
        return stats.logrank(
            stats.CensoredData.right_censored(t[m0], cens[m0]),
            stats.CensoredData.right_censored(t[m1], cens[m1]),
        )

    return {
        "km": Case(
            km, lambda fits: {"surv_grid": np.concatenate([f.sf.evaluate(grid) for f in fits])}
        ),
        "logrank_strat": "unsupported (no strata in scipy.stats.logrank)",
        "cox_strat": "unsupported (no Cox model)",
        "rmst_diff": "unsupported (no RMST)",
        "logrank": Case(lr, lambda r: {"chisq": float(r.statistic) ** 2}),
    }


PEER_CASES = {
    "lifelines": (lifelines_cases, "lifelines"),
    "sksurv": (sksurv_cases, "sksurv"),
    "statsmodels": (statsmodels_cases, "statsmodels"),
    "scipy": (scipy_cases, "scipy"),
}


# ---------------------------------------------------------------------------------------------
# R


def run_r(d: Data, ops: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """Time R survival on ``d`` in one Rscript process; its timings, estimates and versions."""
    with tempfile.TemporaryDirectory(prefix="survtrial-bench-") as tmp:
        folder = Path(tmp)
        d.time.astype("<f8").tofile(folder / "time.f64")
        for name, values in (("event", d.event), ("arm", d.arm), ("stratum", d.stratum)):
            values.astype("<i4").tofile(folder / f"{name}.i32")
        command = [
            args.rscript,
            str(R_SCRIPT),
            str(folder),
            repr(d.tau),
            repr(args.budget),
            str(args.repeats),
            repr(args.min_batch),
            repr(args.slow),
            ",".join(ops),
            ",".join(repr(g) for g in GRID),
        ]
        proc = subprocess.run(command, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"Rscript failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        timings: dict[str, Timing] = {}
        values: dict[str, dict[str, Any]] = {op: {} for op in ops}
        versions: dict[str, str] = {}
        for line in (folder / "r_results.tsv").read_text().splitlines():
            kind, *rest = line.split("\t")
            if kind == "version":
                versions[rest[0]] = rest[1]
            elif kind == "timing":
                op, best, median, k, loops = rest
                timings[op] = Timing(float(best), float(median), int(k), int(loops))
            elif kind == "value":
                op, key, numbers = rest
                values[op][key] = np.array([float(x) for x in numbers.split()])
        if "km" in ops:
            km = values["km"]
            for key in ("time", "surv", "std_err_log", "n_risk"):
                km[key] = np.fromfile(folder / f"r_km_{key}.f64", dtype="<f8")
    return {"timings": timings, "values": values, "versions": versions}


# ---------------------------------------------------------------------------------------------
# comparison and reporting


def max_rel_diff(ours: dict[str, Any], ref: dict[str, Any]) -> dict[str, float]:
    """Per estimate both sides give: max |a - b| / max(|a|, |b|) (0 where equal)."""
    out = {}
    for key in sorted(set(ours) & set(ref)):
        x = np.asarray(ours[key], dtype=float).ravel()
        y = np.asarray(ref[key], dtype=float).ravel()
        if x.shape != y.shape:
            out[key] = math.inf
            continue
        same = (x == y) | (np.isnan(x) & np.isnan(y))
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.abs(x - y) / np.maximum(np.abs(x), np.abs(y))
        rel = np.where(same, 0.0, rel)
        rel = np.where(np.isfinite(rel), rel, math.inf)
        out[key] = float(rel.max()) if rel.size else 0.0
    return out


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def fmt_ratio(r: float) -> str:
    return f"{r:.2g}x" if r < 10 else f"{r:.0f}x"


def fmt_diff(x: float | None) -> str:
    if x is None:
        return "–"
    if x == 0:
        return "0"
    return f"{x:.1e}"


def run_size(n: int, args: argparse.Namespace, peers: list[str], ops: list[str]) -> list[dict]:
    d = make_data(n, args.seed)
    print(
        f"# n = {n:,}: {int(d.event.sum()):,} events, "
        f"{100 * (1 - d.event.mean()):.1f} % censored, tau = {d.tau:g}",
        file=sys.stderr,
    )
    tools: dict[str, Cases | str] = {"survtrial": ours_cases(d)}
    for peer in peers:
        if peer == "R":
            continue
        factory, module = PEER_CASES[peer]
        try:
            importlib.import_module(module)
        except ImportError:
            tools[peer] = "not installed"
            continue
        tools[peer] = factory(d)
    records: dict[str, dict[str, Any]] = {op: {"op": op, "n": n, "tools": {}} for op in ops}
    results: dict[str, dict[str, Any]] = {op: {} for op in ops}
    for op in ops:
        for tool, cases in tools.items():
            case = cases if isinstance(cases, str) else cases[op]
            if isinstance(case, str):
                records[op]["tools"][tool] = {"status": case}
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    timing, result = measure(
                        case.fn, args.budget, args.repeats, args.min_batch, args.slow
                    )
                    results[op][tool] = case.extract(result)
            except Exception as exc:  # a peer failing is reported, not fatal
                records[op]["tools"][tool] = {"status": f"error: {type(exc).__name__}: {exc}"}
                continue
            records[op]["tools"][tool] = {"status": "ok", **timing.as_dict()}
            print(f"  {op:14s} {tool:12s} {fmt_time(timing.best):>10s}", file=sys.stderr)
    if "R" in peers:
        r = run_r(d, ops, args)
        for op in ops:
            if op in r["timings"]:
                records[op]["tools"]["R"] = {"status": "ok", **r["timings"][op].as_dict()}
                results[op]["R"] = r["values"][op]
                print(
                    f"  {op:14s} {'R':12s} {fmt_time(r['timings'][op].best):>10s}", file=sys.stderr
                )
        args.r_versions = r["versions"]
    for op in ops:
        ref = results[op].get("R")
        agreement = {}
        for tool, values in results[op].items():
            if tool != "R" and ref is not None:
                per_key = max_rel_diff(values, ref)
                agreement[tool] = {
                    "max_rel_diff_vs_R": max(per_key.values(), default=0.0),
                    "per_estimate": per_key,
                }
        records[op]["agreement"] = agreement
        records[op]["censored_fraction"] = float(1 - d.event.mean())
        records[op]["tau"] = d.tau
    return [records[op] for op in ops]


def best(rec: dict, tool: str) -> float | None:
    entry = rec["tools"].get(tool)
    return entry["best_s"] if entry and entry["status"] == "ok" else None


def table(records: list[dict], peers: list[str]) -> str:
    head = ["operation", "n", "survtrial"] + [PEER_TITLES[p] for p in peers]
    head += ["fastest peer / ours", "max rel diff vs R"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for rec in records:
        ours = best(rec, "survtrial")
        ours_entry = rec["tools"]["survtrial"]
        row = [OP_TITLES[rec["op"]], f"{rec['n']:,}"]
        row.append(fmt_time(ours) if ours is not None else ours_entry["status"])
        fastest = None
        for peer in peers:
            entry = rec["tools"].get(peer, {"status": "skipped"})
            t = best(rec, peer)
            if t is None:
                status = entry["status"]
                row.append("unsupported" if status.startswith("unsupported") else status)
                continue
            fastest = t if fastest is None else min(fastest, t)
            row.append(fmt_time(t) + (f" ({fmt_ratio(t / ours)})" if ours else ""))
        row.append(fmt_ratio(fastest / ours) if fastest and ours else "–")
        diff = rec["agreement"].get("survtrial", {}).get("max_rel_diff_vs_R")
        row.append(fmt_diff(diff))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def agreement_table(records: list[dict], peers: list[str]) -> str:
    tools = ["survtrial"] + [p for p in peers if p != "R"]
    head = ["operation", "n"] + [PEER_TITLES.get(t, t) for t in tools]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for rec in records:
        row = [OP_TITLES[rec["op"]], f"{rec['n']:,}"]
        for tool in tools:
            a = rec["agreement"].get(tool)
            if not a:
                row.append("–")
                continue
            per = a["per_estimate"]
            worst = max(per, key=per.get)
            others = ", ".join(k for k in per if k != worst)
            row.append(
                f"{fmt_diff(per[worst])} ({worst}" + (f"; also {others}" if others else "") + ")"
            )
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def targets(records: list[dict], peers: list[str]) -> list[dict]:
    """The issue's targets, each with its measured value and met / missed."""
    out = []
    for rec in records:
        op, n = rec["op"], rec["n"]
        if op not in TARGET_OPS:
            continue
        ours = best(rec, "survtrial")
        if ours is None:
            out.append({"op": op, "n": n, "target": "all", "status": "pending"})
            continue
        times = {p: best(rec, p) for p in peers}
        times = {p: t for p, t in times.items() if t is not None}
        if times:
            peer = min(times, key=times.get)
            ratio = times[peer] / ours
            out.append(
                {
                    "op": op,
                    "n": n,
                    "target": f"faster than fastest peer ({PEER_TITLES[peer]})",
                    "value": f"{fmt_ratio(ratio)}",
                    "met": ratio > 1,
                }
            )
        if n >= 100_000 and "R" in times:
            ratio = times["R"] / ours
            out.append(
                {
                    "op": op,
                    "n": n,
                    "target": f">= {R_TARGET[op]:g}x R",
                    "value": fmt_ratio(ratio),
                    "met": ratio >= R_TARGET[op],
                }
            )
        if n <= 1440:
            out.append(
                {
                    "op": op,
                    "n": n,
                    "target": "< 1 ms per call",
                    "value": fmt_time(ours),
                    "met": ours < SMALL_N_LIMIT,
                }
            )
    return out


def versions(args: argparse.Namespace) -> dict[str, str]:
    import numpy
    import scipy

    import survtrial

    v = {
        "python": platform.python_version(),
        "survtrial": survtrial.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
    }
    for name, module in (
        ("pandas", "pandas"),
        ("lifelines", "lifelines"),
        ("scikit-survival", "sksurv"),
        ("statsmodels", "statsmodels"),
    ):
        try:
            v[name] = importlib.import_module(module).__version__
        except ImportError:
            v[name] = "not installed"
    v.update(getattr(args, "r_versions", {}))
    v["machine"] = f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}"
    return v


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--sizes",
        type=lambda s: [int(float(x)) for x in s.split(",")],
        default=[1440, 100_000, 1_000_000],
        help="comma-separated n (default: 1440,100000,1000000)",
    )
    p.add_argument(
        "--repeats",
        type=int,
        default=25,
        help="most timed batches per measurement, best-of-k (default 25)",
    )
    p.add_argument(
        "--budget",
        type=float,
        default=2.0,
        help="seconds of timed batches per measurement (default 2)",
    )
    p.add_argument(
        "--min-batch",
        type=float,
        default=0.05,
        help="shortest batch of calls in seconds (default 0.05)",
    )
    p.add_argument(
        "--slow",
        type=float,
        default=30.0,
        help="a warm-up call this long (s) is the only measurement (default 30)",
    )
    p.add_argument(
        "--ops",
        type=lambda s: s.split(","),
        default=list(OPS),
        help=f"comma-separated subset of {','.join(OPS)}",
    )
    p.add_argument(
        "--peers",
        type=lambda s: s.split(","),
        default=list(PEERS),
        help=f"comma-separated subset of {','.join(PEERS)}",
    )
    p.add_argument("--skip-r", action="store_true", help="do not run R survival")
    p.add_argument("--rscript", default=shutil.which("Rscript") or "Rscript")
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--json", metavar="OUT", type=Path, help="write all results as JSON")
    args = p.parse_args(argv)
    for op in args.ops:
        if op not in OPS:
            p.error(f"unknown operation {op!r}")
    for peer in args.peers:
        if peer not in PEERS:
            p.error(f"unknown peer {peer!r}")
    if args.skip_r or shutil.which(args.rscript) is None:
        args.peers = [x for x in args.peers if x != "R"]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    peers = [p for p in PEERS if p in args.peers]
    started = time.perf_counter()
    records: list[dict] = []
    for n in args.sizes:
        records.extend(run_size(n, args, peers, args.ops))
    order = {op: i for i, op in enumerate(OPS)}
    records.sort(key=lambda r: (order[r["op"]], r["n"]))
    print(
        "Per-call time, best of k (minimum over k timed batches), and (peer time / survtrial "
        "time). 'unsupported': the peer has no such function."
    )
    print()
    print(table(records, peers))
    print()
    print(
        "Agreement with R survival on the same data: max relative difference (estimates compared)"
    )
    print()
    print(agreement_table(records, peers))
    print()
    lacking = {}
    for rec in records:
        for tool, entry in rec["tools"].items():
            if entry["status"].startswith("unsupported"):
                lacking.setdefault(rec["op"], set()).add(f"{PEER_TITLES[tool]} {entry['status']}")
    for op, names in lacking.items():
        print(f"{OP_TITLES[op]}: " + "; ".join(sorted(names)))
    print()
    verdicts = targets(records, peers)
    print("Targets (issue 2):")
    for v in verdicts:
        if v.get("status") == "pending":
            print(f"  PENDING  {OP_TITLES[v['op']]:28s} n={v['n']:>9,}  our function not there")
            continue
        mark = "met   " if v["met"] else "MISSED"
        print(f"  {mark}  {OP_TITLES[v['op']]:28s} n={v['n']:>9,}  {v['target']}: {v['value']}")
    info = versions(args)
    print()
    print("Versions: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    print(f"Total run time {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "settings": {
                        k: (str(v) if isinstance(v, Path) else v)
                        for k, v in vars(args).items()
                        if k != "r_versions"
                    },
                    "versions": info,
                    "records": records,
                    "targets": verdicts,
                },
                indent=1,
                default=float,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
