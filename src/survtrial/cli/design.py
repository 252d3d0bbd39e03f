"""``survtrial design``: a group-sequential log-rank design and its boundary table.

Printing and file output live here; the numbers come from :mod:`survtrial.design`.
"""

from __future__ import annotations

import csv
import json
import math
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any

import typer

from survtrial._errors import InputError
from survtrial.design import (
    GroupSequentialDesign,
    SurvivalPlan,
    events_required,
    group_sequential,
    sample_size_survival,
)

COLUMNS = (
    "look",
    "information",
    "events",
    "time_months",
    "subjects",
    "z_efficacy",
    "p_nominal",
    "hr_efficacy",
    "cumulative_alpha",
    "z_futility",
    "hr_futility",
    "cumulative_power",
)


_OPTION_NAMES = {
    "information_rates": "--looks",
    "alpha_spending": "--spending",
    "alpha_gamma": "--gamma",
    "beta_spending": "--beta-spending",
    "beta_gamma": "--beta-gamma",
    "futility_bounds": "--futility",
    "hazard_ratio": "--hr",
    "allocation_ratio": "--allocation",
    "accrual_time": "--accrual",
    "accrual_rate": "--accrual-rate",
    "dropout_hazards": "--dropout",
    "follow_up": "--follow-up",
    "max_subjects": "--max-subjects",
    "alpha": "--alpha",
    "beta": "--beta",
    "sided": "--sided",
}


def _floats(text: str, name: str) -> list[float]:
    """Comma-separated numbers; fractions such as 1/3 are allowed."""
    try:
        return [float(Fraction(v.strip())) for v in text.split(",") if v.strip() != ""]
    except (ValueError, ZeroDivisionError):
        raise InputError(f"{name}: expected comma-separated numbers, got {text!r}") from None


def _spending(text: str, name: str) -> str | list[float]:
    return _floats(text, name) if any(ch.isdigit() for ch in text) else text.strip()


def boundary_rows(
    design: GroupSequentialDesign,
    hazard_ratio: float,
    allocation_ratio: float = 1.0,
    plan: SurvivalPlan | None = None,
) -> list[dict[str, Any]]:
    """One row per look: information, events, bounds on the z, p and hazard-ratio scales."""
    ev = events_required(design, hazard_ratio, allocation_ratio)
    rows = []
    for k in range(design.kmax):
        interim = k < design.kmax - 1
        fut = float(design.futility_bounds[k]) if interim else math.nan
        has_fut = interim and math.isfinite(fut)
        rows.append(
            {
                "look": k + 1,
                "information": float(design.information_rates[k]),
                "events": float(ev.events[k]),
                "time_months": float(plan.analysis_times[k]) if plan else math.nan,
                "subjects": float(plan.subjects[k]) if plan else math.nan,
                "z_efficacy": float(design.efficacy_bounds[k]),
                "p_nominal": float(design.nominal_p_bounds[k]),
                "hr_efficacy": float(ev.hr_efficacy_bounds[k]),
                "cumulative_alpha": float(design.cumulative_alpha_spent[k]),
                "z_futility": fut if has_fut else math.nan,
                "hr_futility": float(ev.hr_futility_bounds[k]) if has_fut else math.nan,
                "cumulative_power": float(design.cumulative_power[k]),
            }
        )
    return rows


def _fmt(value: Any, column: str) -> str:
    if isinstance(value, int):
        return str(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if column in ("p_nominal", "cumulative_alpha"):
        return f"{value:.6f}"
    if column in ("events", "subjects", "time_months"):
        return f"{value:.1f}"
    return f"{value:.4f}"


def format_table(rows: list[dict[str, Any]]) -> str:
    """Fixed-width text table; columns without any value are left out."""
    cols = [c for c in COLUMNS if any(_fmt(r[c], c) != "-" for r in rows)]
    cells = [[_fmt(r[c], c) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(cols, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)


def _json_value(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    return v


def design(
    looks: Annotated[
        str, typer.Option(help="Information fractions of the looks, e.g. 1/3,2/3,1.")
    ] = "1/3,2/3,1",
    alpha: Annotated[
        float, typer.Option(help="Type I error (one-sided unless --sided 2).")
    ] = 0.025,
    beta: Annotated[float, typer.Option(help="Type II error (power = 1 - beta).")] = 0.2,
    spending: Annotated[
        str,
        typer.Option(help="Alpha spending: OF, Pocock, HSD, KD, or cumulative alpha a1,a2,..."),
    ] = "OF",
    gamma: Annotated[float | None, typer.Option(help="Gamma of the HSD/KD alpha spending.")] = None,
    beta_spending: Annotated[
        str | None,
        typer.Option(help="Beta spending for futility bounds: OF, Pocock, HSD, KD, or b1,b2,..."),
    ] = None,
    beta_gamma: Annotated[float | None, typer.Option(help="Gamma of the beta spending.")] = None,
    futility: Annotated[
        str | None,
        typer.Option(help="Futility z bounds at the interim looks, f1,f2,... (no beta spending)."),
    ] = None,
    binding: Annotated[bool, typer.Option(help="Binding futility bounds.")] = False,
    sided: Annotated[int, typer.Option(help="1 (one-sided) or 2 (two-sided symmetric).")] = 1,
    hr: Annotated[
        float, typer.Option(help="Alternative hazard ratio (experimental/control).")
    ] = 0.7,
    allocation: Annotated[float, typer.Option(help="Allocation ratio experimental:control.")] = 1.0,
    control_median: Annotated[
        float | None, typer.Option(help="Control median survival, months.")
    ] = None,
    control_hazard: Annotated[float | None, typer.Option(help="Control hazard per month.")] = None,
    control_survival: Annotated[
        float | None, typer.Option(help="Control survival probability at --survival-time.")
    ] = None,
    survival_time: Annotated[
        float | None, typer.Option(help="Months at which --control-survival holds.")
    ] = None,
    accrual: Annotated[
        float | None, typer.Option(help="Accrual duration, months (default 12).")
    ] = None,
    accrual_rate: Annotated[
        float | None,
        typer.Option(help="Accrual, subjects per month (the duration is then found)."),
    ] = None,
    follow_up: Annotated[
        float | None, typer.Option(help="Follow-up after accrual ends, months.")
    ] = None,
    max_subjects: Annotated[
        float | None, typer.Option(help="Subjects to enrol (instead of --follow-up).")
    ] = None,
    dropout: Annotated[
        str, typer.Option(help="Dropout hazards per month, experimental,control.")
    ] = "0,0",
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the design and table as JSON here.")
    ] = None,
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Write the boundary table as CSV here.")
    ] = None,
) -> None:
    """Group-sequential log-rank design: boundary table (z, nominal p, hazard ratio)."""
    try:
        d = group_sequential(
            _floats(looks, "information_rates"),
            alpha=alpha,
            beta=beta,
            alpha_spending=_spending(spending, "alpha_spending"),
            alpha_gamma=gamma,
            beta_spending=None
            if beta_spending is None
            else _spending(beta_spending, "beta_spending"),
            beta_gamma=beta_gamma,
            binding_futility=binding,
            sided=sided,
            futility_bounds=None if futility is None else _floats(futility, "futility_bounds"),
        )
        ev = events_required(d, hr, allocation)
        plan = None
        control = (control_median, control_hazard, control_survival)
        if any(v is not None for v in control):
            if follow_up is None and max_subjects is None:
                raise InputError("follow_up: give --follow-up or --max-subjects with a control arm")
            plan = sample_size_survival(
                d,
                hr,
                control_median=control_median,
                control_hazard=control_hazard,
                control_survival=control_survival,
                survival_time=survival_time,
                accrual_time=12.0 if accrual is None and accrual_rate is None else accrual,
                accrual_rate=accrual_rate,
                follow_up=follow_up,
                max_subjects=max_subjects,
                dropout_hazards=_floats(dropout, "dropout_hazards"),
                allocation_ratio=allocation,
            )
    except InputError as exc:
        message = str(exc)
        name, sep, rest = message.partition(":")
        if sep and name in _OPTION_NAMES:
            message = f"{_OPTION_NAMES[name]} ({name}):{rest}"
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(code=2) from None
    rows = boundary_rows(d, hr, allocation, plan)
    spend = d.alpha_spending + (f"(gamma={d.alpha_gamma:g})" if d.alpha_gamma is not None else "")
    futility = ""
    kind = "binding" if d.binding_futility else "non-binding"
    if d.beta_spending:
        futility = f", beta spending {d.beta_spending} ({kind})"
    elif d.has_futility:
        futility = f", given futility bounds ({kind})"
    head = [
        f"Group-sequential design: {d.kmax} looks, {d.sided}-sided alpha {d.alpha:g}, "
        f"power {1 - d.beta:g}, alpha spending {spend}{futility}",
        f"Inflation factor {d.inflation_factor:.4f}; hazard ratio {hr:g}, "
        f"allocation {allocation:g}; events: fixed {ev.events_fixed:.1f}, "
        f"maximum {ev.max_events:.1f}",
        f"Expected events under H1 {d.expected_information_h1 * ev.events_fixed:.1f}, "
        f"under H0 {d.expected_information_h0 * ev.events_fixed:.1f}",
    ]
    if plan is not None:
        head.append(
            f"Subjects {plan.max_subjects:.1f} over {plan.accrual_time[-1]:.1f} months of accrual; "
            f"follow-up {plan.follow_up:.1f} months; expected duration under H1 "
            f"{plan.expected_duration:.1f} months"
        )
    typer.echo("\n".join(head))
    typer.echo("")
    typer.echo(format_table(rows))
    if json_path is not None:
        payload = {
            "design": {
                "information_rates": [float(v) for v in d.information_rates],
                "alpha": d.alpha,
                "beta": d.beta,
                "sided": d.sided,
                "alpha_spending": d.alpha_spending,
                "alpha_gamma": d.alpha_gamma,
                "beta_spending": d.beta_spending,
                "beta_gamma": d.beta_gamma,
                "binding_futility": d.binding_futility,
                "inflation_factor": d.inflation_factor,
                "hazard_ratio": hr,
                "allocation_ratio": allocation,
                "events_fixed": ev.events_fixed,
                "max_events": ev.max_events,
                "max_subjects": None if plan is None else plan.max_subjects,
                "follow_up_months": None if plan is None else plan.follow_up,
            },
            "table": [{k: _json_value(v) for k, v in r.items()} for r in rows],
        }
        json_path.write_text(json.dumps(payload, indent=2) + "\n")
    if csv_path is not None:
        with open(csv_path, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(COLUMNS))
            writer.writeheader()
            for r in rows:
                writer.writerow({k: ("" if _fmt(v, k) == "-" else repr(v)) for k, v in r.items()})
