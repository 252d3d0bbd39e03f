"""survtrial.design against rpact: speed of the same designs, and accuracy over the fixtures.

    .venv/bin/python benchmarks/design_vs_rpact.py [--repeats 7] [--no-r]

Speed: each case runs in Python (best of ``--repeats`` batches, per-call time) and in R with
rpact (the same batches, timed with ``proc.time()``); rpact's time for a design includes
``getDesignCharacteristics`` because ``group_sequential`` computes the characteristics too.
Accuracy: the largest absolute and relative differences (relative only where rpact's value
exceeds 1e-10) from the rpact fixtures in
tests/reference/fixtures/design/ (written by tests/reference/make_design_reference.R).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import timeit
from pathlib import Path

import numpy as np

from survtrial.design import (
    conditional_power,
    dropout_hazard,
    events_required,
    final_inference,
    group_sequential,
    power_survival,
    repeated_confidence_intervals,
    sample_size_survival,
    update_bounds,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "reference" / "fixtures" / "design"

CASES = {
    "5-look OF design": (
        lambda: group_sequential([0.2, 0.4, 0.6, 0.8, 1.0]),
        "d <- getDesignGroupSequential(informationRates = (1:5) / 5, typeOfDesign = 'asOF'); "
        "ch <- getDesignCharacteristics(d)",
    ),
    "5-look HSD(-4) two-sided": (
        lambda: group_sequential(
            [0.2, 0.4, 0.6, 0.8, 1.0], alpha=0.05, sided=2, alpha_spending="HSD", alpha_gamma=-4
        ),
        "d <- getDesignGroupSequential(informationRates = (1:5) / 5, alpha = 0.05, sided = 2, "
        "typeOfDesign = 'asHSD', gammaA = -4); ch <- getDesignCharacteristics(d)",
    ),
    "5-look OF + bsOF non-binding": (
        lambda: group_sequential([0.2, 0.4, 0.6, 0.8, 1.0], beta_spending="OF"),
        "d <- getDesignGroupSequential(informationRates = (1:5) / 5, typeOfDesign = 'asOF', "
        "typeBetaSpending = 'bsOF'); ch <- getDesignCharacteristics(d)",
    ),
    "5-look OF + bsOF binding": (
        lambda: group_sequential(
            [0.2, 0.4, 0.6, 0.8, 1.0], beta_spending="OF", binding_futility=True
        ),
        "d <- getDesignGroupSequential(informationRates = (1:5) / 5, typeOfDesign = 'asOF', "
        "typeBetaSpending = 'bsOF', bindingFutility = TRUE); ch <- getDesignCharacteristics(d)",
    ),
    "AALL1731-like sample size": (
        lambda: sample_size_survival(
            group_sequential([1 / 3, 2 / 3, 1.0], beta=0.1),
            0.5,
            control_survival=0.88,
            survival_time=36,
            accrual_time=24,
            follow_up=36,
        ),
        "d <- getDesignGroupSequential(informationRates = c(1, 2, 3) / 3, beta = 0.1, "
        "typeOfDesign = 'asOF'); s <- getSampleSizeSurvival(d, pi2 = 0.12, eventTime = 36, "
        "hazardRatio = 0.5, accrualTime = c(0, 24), followUpTime = 36)",
    ),
}


def time_python(fn, repeats: int) -> float:
    fn()
    number = max(1, int(0.2 / max(timeit.timeit(fn, number=1), 1e-6)))
    return min(timeit.repeat(fn, number=number, repeat=repeats)) / number


def time_r(code: str, repeats: int) -> float | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    script = (
        "suppressPackageStartupMessages(library(rpact)); setLogLevel('DISABLED');"
        f"f <- function() {{ {code} }}; f();"
        "t1 <- system.time(f())[['elapsed']]; n <- max(1L, as.integer(0.5 / max(t1, 1e-3)));"
        f"best <- Inf; for (r in seq_len({repeats})) {{"
        "  t <- system.time(for (i in seq_len(n)) f())[['elapsed']] / n; best <- min(best, t) };"
        "cat(sprintf('%.9f', best))"
    )
    out = subprocess.run([rscript, "-e", script], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        print(out.stderr, file=sys.stderr)
        return None
    return float(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# accuracy over the fixtures


def _num(value) -> np.ndarray:
    special = {"NA": np.nan, "NaN": np.nan, "Inf": np.inf, "-Inf": -np.inf}
    items = value if isinstance(value, list) else [value]
    return np.array([special.get(v, v) if isinstance(v, str) else v for v in items], float)


def _cases(name: str) -> list[dict]:
    return json.loads((FIXTURES / name).read_text())["cases"]


class Errors:
    def __init__(self) -> None:
        self.rows: dict[str, list[float]] = {}

    def add(self, name: str, ours, theirs) -> None:
        a = np.atleast_1d(np.asarray(ours, float))
        b = np.atleast_1d(np.asarray(theirs, float))
        ok = np.isfinite(a) & np.isfinite(b)
        if not ok.any():
            return
        abs_err = np.abs(a[ok] - b[ok])
        big = np.abs(b[ok]) > 1e-10  # relative error only where the reference is not ~0
        rel_err = abs_err[big] / np.abs(b[ok][big]) if big.any() else np.zeros(1)
        row = self.rows.setdefault(name, [0.0, 0.0, 0])
        row[0] = max(row[0], float(abs_err.max()))
        row[1] = max(row[1], float(rel_err.max()))
        row[2] += int(ok.sum())


def _opt(v):
    arr = _num(v)
    return None if np.isnan(arr).all() else arr


def _design(inp: dict):
    tod = inp["type_of_design"]
    tbs = inp["type_beta_spending"]
    gamma_a, gamma_b = _opt(inp["gamma_a"]), _opt(inp["gamma_b"])
    beta_spending = None
    if tbs == "bsUser":
        beta_spending = _num(inp["user_beta_spending"])
    elif tbs != "none":
        beta_spending = tbs
    return group_sequential(
        _num(inp["information_rates"]),
        alpha=inp["alpha"],
        beta=inp["beta"],
        sided=inp["sided"],
        alpha_spending=_num(inp["user_alpha_spending"]) if tod == "asUser" else tod,
        alpha_gamma=None if gamma_a is None else float(gamma_a[0]),
        beta_spending=beta_spending,
        beta_gamma=None if gamma_b is None else float(gamma_b[0]),
        binding_futility=inp["binding_futility"],
        futility_bounds=_opt(inp.get("futility_bounds_given", "NA")),
    )


def _design_args(da: dict):
    return group_sequential(
        da["informationRates"],
        alpha=da["alpha"],
        beta=da["beta"],
        sided=da.get("sided", 1),
        alpha_spending=da["typeOfDesign"],
        alpha_gamma=da.get("gammaA"),
        beta_spending=da.get("typeBetaSpending"),
    )


def accuracy() -> Errors:
    err = Errors()
    for c in _cases("designs.json"):
        d = _design(c["input"])
        err.add(
            "group_sequential: efficacy bounds (z)", d.efficacy_bounds, _num(c["critical_values"])
        )
        if c["input"]["type_beta_spending"] != "none":
            err.add(
                "group_sequential: futility bounds (z)",
                d.futility_bounds,
                _num(c["futility_bounds"]),
            )
        err.add(
            "group_sequential: cumulative alpha spent",
            d.cumulative_alpha_spent,
            _num(c["alpha_spent"]),
        )
        err.add("group_sequential: inflation factor", d.inflation_factor, c["inflation_factor"])
        err.add("group_sequential: cumulative power", d.cumulative_power, _num(c["power"]))
        if d.kmax > 1:
            err.add(
                "group_sequential: expected information H0/H01/H1",
                [d.expected_information_h0, d.expected_information_h01, d.expected_information_h1],
                [c["asn0"], c["asn01"], c["asn1"]],
            )
    for c in _cases("monitoring.json"):
        inp = c["input"]
        g = _opt(inp["gamma_a"])
        d = group_sequential(
            inp["planned_information_rates"],
            alpha=inp["alpha"],
            sided=inp["sided"],
            alpha_spending=inp["type_of_design"],
            alpha_gamma=None if g is None else float(g[0]),
        )
        m = update_bounds(d, _num(inp["observed"]), final=inp["final"])
        err.add("update_bounds: efficacy bounds (z)", m.efficacy_bounds, _num(c["critical_values"]))
    for c in _cases("survival.json"):
        d = _design_args(c["design"])
        a = c["input"]
        kw: dict = {}
        if a["accrualTime"] == 0:  # absolute intensity, accrual duration found
            kw["accrual_rate"] = a["accrualIntensity"]
        else:
            kw["accrual_time"] = a["accrualTime"]
        if "pi2" in a:
            kw.update(control_survival=1 - a["pi2"], survival_time=a["eventTime"])
        if "median2" in a:
            kw["control_median"] = a["median2"]
        if "lambda2" in a:
            kw["control_hazard"] = a["lambda2"]
        if "accrualIntensity" in a and "accrual_time" in kw:
            kw["accrual_intensity"] = a["accrualIntensity"]
        t = a.get("dropoutTime", 12)
        kw["dropout_hazards"] = (
            dropout_hazard(a.get("dropoutRate1", 0), t),
            dropout_hazard(a.get("dropoutRate2", 0), t),
        )
        kw["allocation_ratio"] = a.get("allocationRatioPlanned", 1)
        kw["method"] = a.get("typeOfComputation", "Schoenfeld")
        if c["kind"] == "sample_size":
            for key, name in (
                ("followUpTime", "follow_up"),
                ("maxNumberOfSubjects", "max_subjects"),
            ):
                if key in a:
                    kw[name] = a[key]
            p = sample_size_survival(d, a["hazardRatio"], **kw)
            ev = events_required(d, a["hazardRatio"], kw["allocation_ratio"], kw["method"])
            err.add("events_required: max events", ev.max_events, _num(c["max_events"]))
            err.add("sample_size_survival: subjects", p.max_subjects, _num(c["max_subjects"]))
            err.add(
                "sample_size_survival: look times (months)",
                p.analysis_times,
                _num(c["analysis_time"]),
            )
            err.add(
                "sample_size_survival: expected events H1",
                p.expected_events_h1,
                _num(c["expected_events_h1"]),
            )
        else:
            p = power_survival(
                d, a["hazardRatio"], a["maxNumberOfEvents"], a["maxNumberOfSubjects"], **kw
            )
            err.add("power_survival: power", p.power, _num(c["overall_reject"]))
            err.add(
                "power_survival: look times (months)", p.analysis_times, _num(c["analysis_time"])
            )
            err.add(
                "power_survival: expected events", p.expected_events_h1, _num(c["expected_events"])
            )
    for c in _cases("analysis.json"):
        d = _design_args(c["design"])
        a = c["input"]
        ev, z, r = _num(a["events"]), _num(a["logranks"]), a["allocation_ratio"]
        k = z.size
        rci = repeated_confidence_intervals(d, z, ev, r)
        err.add(
            "repeated_confidence_intervals: limits",
            np.r_[rci.lower, rci.upper],
            np.r_[_num(c["rci_lower"])[:k], _num(c["rci_upper"])[:k]],
        )
        if k < d.kmax:
            th = _opt(a["theta_h1"])
            cp = conditional_power(
                d,
                z,
                ev,
                ev[-1] + np.cumsum(_num(a["n_planned"])),
                None if th is None else float(th[0]),
                r,
            )
            err.add("conditional_power", cp.cumulative, _num(c["conditional_power"])[k:])
        stage = _num(c["final_stage"])[0]
        if np.isfinite(stage):
            fi = final_inference(d, z, ev, r)
            j = int(stage) - 1
            err.add("final_inference: p-value", fi.p_value, _num(c["final_p"])[j])
            err.add(
                "final_inference: median-unbiased HR and CI",
                [fi.hazard_ratio, fi.lower, fi.upper],
                [
                    _num(c["median_unbiased"])[j],
                    _num(c["final_ci_lower"])[j],
                    _num(c["final_ci_upper"])[j],
                ],
            )
    return err


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-r", action="store_true", help="skip the rpact timings")
    args = parser.parse_args()
    print(f"# survtrial.design vs rpact ({platform.python_version()}, {platform.machine()})")
    print()
    print(f"{'case':34s} {'survtrial ms':>13s} {'rpact ms':>10s}")
    for name, (fn, r_code) in CASES.items():
        ours = time_python(fn, args.repeats) * 1e3
        theirs = None if args.no_r else time_r(r_code, args.repeats)
        r_text = "-" if theirs is None else f"{theirs * 1e3:10.2f}"
        print(f"{name:34s} {ours:13.2f} {r_text:>10s}")
    print()
    print(f"{'accuracy vs rpact fixtures':52s} {'max abs':>10s} {'max rel':>10s} {'n':>5s}")
    for name, (a, r, n) in accuracy().rows.items():
        print(f"{name:52s} {a:10.2e} {r:10.2e} {n:5d}")


if __name__ == "__main__":
    main()
