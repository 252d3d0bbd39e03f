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
from survtrial.cli._common import command_line, fail, option_message

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
    ctx: typer.Context,
    looks: Annotated[
        str,
        typer.Option(
            metavar="T1,T2,...", help="Information fractions of the looks, e.g. 1/3,2/3,1."
        ),
    ] = "1/3,2/3,1",
    alpha: Annotated[
        float,
        typer.Option(
            metavar="ALPHA",
            help="Type I error: one-sided, in (0, 0.5); with --sided 2 the total of both sides.",
        ),
    ] = 0.025,
    beta: Annotated[
        float, typer.Option(metavar="BETA", help="Type II error (power = 1 - beta).")
    ] = 0.2,
    spending: Annotated[
        str,
        typer.Option(
            metavar="NAME|A1,A2,...",
            help="Alpha spending: OF, Pocock, HSD, KD, or cumulative alpha a1,a2,...",
        ),
    ] = "OF",
    gamma: Annotated[
        float | None,
        typer.Option(
            metavar="GAMMA", help="Gamma of the HSD/KD alpha spending.", show_default=False
        ),
    ] = None,
    beta_spending: Annotated[
        str | None,
        typer.Option(
            metavar="NAME|B1,B2,...",
            help="Beta spending for futility bounds: OF, Pocock, HSD, KD, or b1,b2,...",
            show_default=False,
        ),
    ] = None,
    beta_gamma: Annotated[
        float | None,
        typer.Option(metavar="GAMMA", help="Gamma of the beta spending.", show_default=False),
    ] = None,
    futility: Annotated[
        str | None,
        typer.Option(
            metavar="Z1,Z2,...",
            help="Futility z bounds at the interim looks, f1,f2,... (no beta spending).",
            show_default=False,
        ),
    ] = None,
    binding: Annotated[
        bool, typer.Option("--binding/--no-binding", metavar="", help="Binding futility bounds.")
    ] = False,
    sided: Annotated[
        int, typer.Option(metavar="1|2", help="1 (one-sided) or 2 (two-sided symmetric).")
    ] = 1,
    hr: Annotated[
        float,
        typer.Option(metavar="HR", help="Alternative hazard ratio (experimental/control)."),
    ] = 0.7,
    allocation: Annotated[
        float, typer.Option(metavar="RATIO", help="Allocation ratio experimental:control.")
    ] = 1.0,
    control_median: Annotated[
        float | None,
        typer.Option(metavar="MONTHS", help="Control median survival, months.", show_default=False),
    ] = None,
    control_hazard: Annotated[
        float | None,
        typer.Option(metavar="RATE", help="Control hazard per month.", show_default=False),
    ] = None,
    control_survival: Annotated[
        float | None,
        typer.Option(
            metavar="PROB",
            help="Control survival probability at --survival-time.",
            show_default=False,
        ),
    ] = None,
    survival_time: Annotated[
        float | None,
        typer.Option(
            metavar="MONTHS", help="Months at which --control-survival holds.", show_default=False
        ),
    ] = None,
    accrual: Annotated[
        float | None,
        typer.Option(
            metavar="MONTHS", help="Accrual duration, months (default 12).", show_default=False
        ),
    ] = None,
    accrual_rate: Annotated[
        float | None,
        typer.Option(
            metavar="RATE",
            help="Accrual, subjects per month (the duration is then found).",
            show_default=False,
        ),
    ] = None,
    follow_up: Annotated[
        float | None,
        typer.Option(
            metavar="MONTHS", help="Follow-up after accrual ends, months.", show_default=False
        ),
    ] = None,
    max_subjects: Annotated[
        float | None,
        typer.Option(
            metavar="N", help="Subjects to enrol (instead of --follow-up).", show_default=False
        ),
    ] = None,
    dropout: Annotated[
        str,
        typer.Option(metavar="E,C", help="Dropout hazards per month, experimental,control."),
    ] = "0,0",
    json_path: Annotated[
        Path | None,
        typer.Option(
            "--json",
            metavar="FILE",
            help="Write the design and table as JSON here.",
            show_default=False,
        ),
    ] = None,
    csv_path: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            metavar="FILE",
            help="Write the boundary table as CSV here.",
            show_default=False,
        ),
    ] = None,
    plot_path: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            metavar="FILE",
            help="Draw the bounds: FILE.png (300 dpi) and FILE.svg.",
            show_default=False,
        ),
    ] = None,
    report_dir: Annotated[
        Path | None,
        typer.Option(
            "--report",
            metavar="DIR",
            help="Write the design report (report.html and its figures) to DIR.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Group-sequential log-rank design: boundary table (z, nominal p, hazard ratio)."""
    # the library is loaded when the command runs: `survtrial` starts faster for every command
    from survtrial.design import events_required, group_sequential, sample_size_survival
    from survtrial.report.design_tables import boundary_rows, csv_text, json_text, text_report
    from survtrial.report.files import make_dir, write_text
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
        if plot_path is not None:
            from survtrial.report.figures import boundary_figure

            make_dir(plot_path.parent, "--plot")
            try:
                boundary_figure(d, plot_path)
            except OSError as exc:
                raise InputError(f"--plot: cannot write {plot_path}: {exc.strerror}") from None
        if report_dir is not None:
            from survtrial.design import power_curve
            from survtrial.report.design_report import power_grid, write_design_report

            curve = None if plan is None else power_curve(plan, power_grid(plan.hazard_ratio))
            write_design_report(report_dir, d, ev, plan, curve, command_line(ctx))
    except InputError as exc:
        fail(option_message(exc, _OPTION_NAMES))
    typer.echo(text_report(d, ev, plan))
