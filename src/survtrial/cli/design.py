"""``survtrial design``: a group-sequential log-rank design and its boundary table.

Parses the options, calls :mod:`survtrial.design` and prints what
:mod:`survtrial.report.design_tables` renders; ``--json`` and ``--csv`` are written (before
anything is printed) through :mod:`survtrial.report.files`.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Annotated

import typer

from survtrial._errors import InputError
from survtrial.design import events_required, group_sequential, sample_size_survival
from survtrial.report.design_tables import boundary_rows, csv_text, json_text, text_report
from survtrial.report.files import write_text

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
                accrual_time=accrual,
                accrual_rate=accrual_rate,
                follow_up=follow_up,
                max_subjects=max_subjects,
                dropout_hazards=_floats(dropout, "dropout_hazards"),
                allocation_ratio=allocation,
            )
        if json_path is not None:
            write_text(json_path, json_text(d, ev, plan), "--json")
        if csv_path is not None:
            write_text(csv_path, csv_text(boundary_rows(d, ev, plan)), "--csv")
    except InputError as exc:
        message = str(exc)
        name, sep, rest = message.partition(":")
        if sep and name in _OPTION_NAMES:
            message = f"{_OPTION_NAMES[name]} ({name}):{rest}"
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(text_report(d, ev, plan))
