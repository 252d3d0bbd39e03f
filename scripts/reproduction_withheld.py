"""Out-of-sample check of the AALL1731 calibration: refit with groups of targets withheld.

Usage: python scripts/reproduction_withheld.py

For each group below, scripts/calibrate_aall1731.py's fit is rerun with the group's targets left
out of the least-squares objective (everything else as in the committed calibration) and the
refit's expected value of each withheld target is its out-of-sample prediction. Where leaving a
group out makes a parameter unidentifiable, that parameter is held at a stated assumption.

Writes docs/reproduction_withheld.json (every number) and the tables between the markers
``<!-- withheld:begin -->`` and ``<!-- withheld:end -->`` of docs/reproduction.md (rendered from
the JSON only). tests/test_calibration.py checks both against a rerun. Nothing is simulated: the
model values are the calibration's daily-grid expected values. The TOML is not touched.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reproduction.md"
JSON_OUT = ROOT / "docs" / "reproduction_withheld.json"
BEGIN, END = "<!-- withheld:begin -->", "<!-- withheld:end -->"
SECTION = "## Does the calibration predict? Targets withheld"


def _load_calibration():
    """scripts/calibrate_aall1731.py as a module (scripts/ is not a package)."""
    name = "calibrate_aall1731"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


cal = _load_calibration()
LATE_CURVE = tuple(cal.digit_key(a, t) for a in cal.ARMS for t in (3.5, 4.0))


@dataclass(frozen=True)
class Group:
    """Targets withheld together, and the parameters held at an assumption because of it."""

    id: str
    label: str
    withheld: tuple[str, ...]
    fixed_rel: dict = field(default_factory=dict)  # accrual period index -> relative rate
    fixed_hazards: dict = field(default_factory=dict)  # HAZARD_PARAMS name -> value
    assumption: str = ""


COMB_ASSUMPTION = (
    "Without the marrow-relapse incidences nothing separates isolated marrow from combined "
    "relapse in the chemotherapy arm (left free, the combined-relapse hazard goes to 0). It is "
    "held at {v:g} per year from year 1 (x0.67 in days 60-365, x0.5 after 3 years: about "
    "{c:.1f}% combined relapse by 3 years), an assumption fitted to nothing (0.005 is the "
    "calibration's starting value); the full fit has 0.0084. In the blinatumomab arm the split "
    "is left to the weak priors the calibration always uses (CNS 0.004, combined 0.001 per "
    "year), and the SR-Average marrow hazard of that arm goes to 0."
)


def _comb_group(gid: str, letter: str, v: float) -> Group:
    c = 100 * v * (0.67 * (365 - 60) + 2 * 365.25) / 365.25
    return Group(
        gid,
        f"({letter}) 3-year marrow-relapse incidence, both arms; combined relapse (chemotherapy) "
        f"held at {v:g}/year",
        cal.MARROW_KEYS,
        fixed_hazards={"comb_chemo": v},
        assumption=COMB_ASSUMPTION.format(v=v, c=c)
        if letter == "e"
        else f"as (e), with the combined-relapse hazard held at {v:g} per year (about {c:.1f}% "
        "by 3 years): how much the prediction depends on that assumption.",
    )


GROUPS = (
    Group(
        "sr_high",
        "(a) SR-High stratum: 3-year DFS both arms and its hazard ratio",
        ("dfs3_sr_high_blinatumomab", "dfs3_sr_high_chemotherapy", "hr_sr_high"),
    ),
    Group(
        "sr_average",
        "(a') SR-Average stratum: 3-year DFS both arms and its hazard ratio",
        ("dfs3_sr_average_blinatumomab", "dfs3_sr_average_chemotherapy", "hr_sr_average"),
    ),
    Group(
        "at_risk_late",
        "(b) numbers at risk at years 3-4 (accrual fitted to 1,440 and years 1-2 only)",
        ("at_risk_pooled_year3", "at_risk_pooled_year4"),
        fixed_rel={1: 1.0, 2: 1.0},
        assumption=(
            "Five accrual parameters and three remaining targets: the rates of the first three "
            "yearly periods cannot be told apart. They are held equal (relative rates of periods "
            "2 and 3 at 1: one enrolment rate over the first three years after the 6-month "
            "ramp-up), an assumption; rate_per_month and the last two relative rates are fitted."
        ),
    ),
    Group("rmst", "(c) RMST difference", (cal.RMST_KEY,)),
    Group("hr", "(d) hazard ratios, both strata", cal.HR_KEYS),
    _comb_group("marrow", "e", 0.005),
    _comb_group("marrow_comb_low", "e-", 0.0025),
    _comb_group("marrow_comb_high", "e+", 0.010),
    Group("curve_late", "(f) digitized DFS curves after 3 years (3.5 and 4 years)", LATE_CURVE),
    Group(
        "after_3y",
        "(g) everything after 3 years: the curves at 3.5 and 4 years and the RMST difference",
        (*LATE_CURVE, cal.RMST_KEY),
    ),
)

# Published uncertainty: ("se", SE) or ("ci", (low, high)), with the source tag (SOURCES.md).
UNCERTAINTY = {
    "dfs3_blinatumomab": ("se", 1.2, "[NEJM]"),
    "dfs3_chemotherapy": ("se", 2.1, "[NEJM]"),
    "dfs3_sr_average_blinatumomab": ("se", 1.3, "[NEJM]"),
    "dfs3_sr_average_chemotherapy": ("se", 2.3, "[NEJM]"),
    "dfs3_sr_high_blinatumomab": ("se", 2.5, "[NEJM]"),
    "dfs3_sr_high_chemotherapy": ("se", 3.8, "[NEJM]"),
    "marrow_relapse_3y_blinatumomab": ("se", 0.5, "[summary]"),
    "marrow_relapse_3y_chemotherapy": ("se", 1.3, "[summary]"),
    "rmst_difference_days": ("ci", (36.0, 108.0), "[NEJM]"),
}
Z95 = 1.959964


def target_label(key: str) -> tuple[str, str]:
    """(readable name, number format) of a target."""
    arm = "blinatumomab" if "blinatumomab" in key else "chemotherapy"
    if key.startswith("dfs3_sr_"):
        st = "SR-High" if "sr_high" in key else "SR-Average"
        return f"3-year DFS, {st}, {arm} (%)", ".2f"
    if key.startswith("dfs3_"):
        return f"3-year DFS, {arm} (%)", ".2f"
    if key.startswith("hr_"):
        return f"hazard ratio, {'SR-High' if 'high' in key else 'SR-Average'}", ".3f"
    if key.startswith("marrow_"):
        return f"3-year marrow relapse, {arm} (%)", ".2f"
    if key == cal.RMST_KEY:
        return "RMST difference (days)", ".1f"
    if key.startswith("at_risk_pooled_year"):
        return f"at risk at year {key[-1]}, both arms", ".1f"
    if key == cal.N_KEY:
        return "randomized by the cutoff", ".1f"
    t = key.rsplit("_", 1)[1].rstrip("y")
    return f"digitized DFS at {t} years, {arm} (%)", ".2f"


def parameters(c) -> dict[str, float]:
    """The fitted protocol parameters of a calibration, named as in the TOML."""
    out = {"rate_per_month": c.rate}
    out.update({f"relative_rate period {i + 1}": float(c.rel[i]) for i in range(1, len(c.rel))})
    hz = cal.hazards(c.par)
    out["death_in_remission days 0-60"] = float(hz[("chemotherapy", "SR-Average")][
        "death_in_remission"][0])  # fmt: skip
    out["cns_relapse SR-Average years 0.16-3"] = float(c.par["cns"])
    out["combined_relapse chemotherapy years 1-3"] = float(c.par["comb_chemo"])
    out["combined_relapse blinatumomab years 1-3"] = float(c.par["comb_blin"])
    spans = ("days 60-365", "year 1-2", "year 2-3", "after year 3")
    for arm in ("chemotherapy", "blinatumomab"):
        for st in ("SR-Average", "SR-High"):
            rates = hz[(arm, st)]["marrow_relapse"][1:]
            for span, r in zip(spans, rates, strict=True):
                out[f"marrow_relapse {arm} {st} {span}"] = float(r)
    return out


def judge(key: str, pub: float, pred: float) -> tuple[str, str]:
    """(published uncertainty, whether the prediction lies inside its 95% interval)."""
    if key not in UNCERTAINTY:
        return "none published", "n/a"
    kind, v, tag = UNCERTAINTY[key]
    if kind == "se":
        z = (pred - pub) / v
        return f"SE {v:g} {tag}", f"{'yes' if abs(z) <= Z95 else 'no'} (z = {z:+.2f})"
    lo, hi = v
    return f"95% CI {lo:g} to {hi:g} {tag}", "yes" if lo <= pred <= hi else "no"


def run(text: str | None = None, groups=GROUPS) -> dict:
    """Full fit and one refit per group; every number the doc shows (JSON-ready)."""
    text = cal.TOML.read_text(encoding="utf-8") if text is None else text
    full = cal.calibrate(text)
    pub = cal.published_targets(full.model)
    out = {
        "script": "scripts/reproduction_withheld.py",
        "protocol": "aall1731",
        "targets": {k: {"published": pub[k], "full_fit": full.values[k]} for k in cal.TARGETS},
        "parameters_full_fit": parameters(full),
        "groups": [],
    }
    for g in groups:
        c = cal.calibrate(text, frozenset(g.withheld), g.fixed_rel, g.fixed_hazards)
        out["groups"].append({
            "id": g.id,
            "label": g.label,
            "withheld": list(g.withheld),
            "fixed_accrual_relative_rates": {str(k + 1): v for k, v in g.fixed_rel.items()},
            "fixed_hazards": dict(g.fixed_hazards),
            "assumption": g.assumption,
            "values": dict(c.values),
            "parameters": parameters(c),
        })  # fmt: skip
    return out


def _fixed_params(g: dict) -> set[str]:
    fixed = {f"relative_rate period {k}" for k in g["fixed_accrual_relative_rates"]}
    if "comb_chemo" in g["fixed_hazards"]:
        fixed.add("combined_relapse chemotherapy years 1-3")
    return fixed


def render(res: dict) -> str:
    """The markdown between the markers, from run()'s result only."""
    tg, groups = res["targets"], res["groups"]
    lines = [
        "Generated by `scripts/reproduction_withheld.py` (numbers in "
        "`docs/reproduction_withheld.json`); do not edit by hand.",
        "",
        "| withheld group | quantity | published | full fit | withheld fit (prediction) "
        "| prediction error | published uncertainty | prediction inside its 95% interval |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for g in groups:
        for k in g["withheld"]:
            name, f = target_label(k)
            p, full, pred = tg[k]["published"], tg[k]["full_fit"], g["values"][k]
            unc, inside = judge(k, p, pred)
            lines.append(
                f"| {g['label']} | {name} | {p:{f}} | {full:{f}} | {pred:{f}} "
                f"| {pred - p:+{f}} | {unc} | {inside} |"
            )
    lines += ["", "Assumptions made for a withheld fit (parameters held instead of fitted):", ""]
    for g in groups:
        if g["assumption"]:
            lines.append(f"- {g['label']}: {g['assumption']}")
    lines += [
        "",
        "How far the other parameters moved: the refit's value relative to the full fit "
        "(percent; `held` marks a parameter held at an assumption). The marrow-relapse hazards "
        "are per year on each interval of `outcomes.interval_starts_days`.",
        "",
        "| parameter | full fit | " + " | ".join(g["id"] for g in groups) + " |",
        "|---|---:|" + "---:|" * len(groups),
    ]
    pf = res["parameters_full_fit"]
    for name, v in pf.items():
        cells = []
        for g in groups:
            if name in _fixed_params(g):
                cells.append("held")
            else:
                cells.append(f"{100 * (g['parameters'][name] / v - 1):+.1f}" if v else "0")
        lines.append(f"| {name} | {v:.5g} | " + " | ".join(cells) + " |")
    lines += ["", "Largest move among the parameters that were not held:", ""]
    for g in groups:
        moves = {
            n: 100 * (g["parameters"][n] / v - 1)
            for n, v in pf.items()
            if v and n not in _fixed_params(g)
        }
        n = max(moves, key=lambda k: abs(moves[k]))
        lines.append(f"- {g['id']}: {moves[n]:+.1f}% ({n})")
    return "\n".join(lines)


def splice(doc: str, block: str) -> str:
    """``doc`` with the text between the markers replaced by ``block`` (the section appended,
    markers included, when the doc has no markers yet)."""
    if BEGIN in doc and END in doc:
        head, rest = doc.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        return f"{head}{BEGIN}\n{block}\n{END}{tail}"
    return f"{doc.rstrip()}\n\n{SECTION}\n\n{BEGIN}\n{block}\n{END}\n"


def main() -> None:
    t0 = time.perf_counter()
    res = run()
    JSON_OUT.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Reproducing AALL1731\n"
    DOC.write_text(splice(doc, render(res)), encoding="utf-8")
    print(f"wrote {JSON_OUT.relative_to(ROOT)} and {DOC.relative_to(ROOT)} "
          f"({len(res['groups'])} groups, {time.perf_counter() - t0:.1f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
