"""`survtrial analyze`: the full analysis of real (or reconstructed) time-to-event data.

Registered in :mod:`survtrial.cli`. User errors print one line (``error: ...``) and exit 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from survtrial._errors import InputError


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out += [p.strip() for p in v.split(",") if p.strip()]
    return out


def analyze_command(
    data: Annotated[
        Path,
        typer.Argument(
            help="ADaM ADTTE or a plain table (CSV, Parquet, XPT, SAS7BDAT).", show_default=False
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("analyze-out"),
    adsl: Annotated[
        Path | None, typer.Option("--adsl", help="ADSL merged on USUBJID (treatment, strata).")
    ] = None,
    adae: Annotated[
        Path | None, typer.Option("--adae", help="ADAE: adverse-event incidence by arm.")
    ] = None,
    param: Annotated[
        str | None, typer.Option("--param", help="PARAMCD to analyse (e.g. DFS).")
    ] = None,
    time: Annotated[
        str | None, typer.Option("--time", help="Plain table: the time column.")
    ] = None,
    event: Annotated[
        str | None, typer.Option("--event", help="Plain table: event column (1 = event).")
    ] = None,
    arm: Annotated[
        str | None, typer.Option("--arm", help="Treatment column (default TRT01P/TRTP/ARM).")
    ] = None,
    arms: Annotated[
        str | None,
        typer.Option("--arms", help="CONTROL,EXPERIMENTAL: the two arms compared, in order."),
    ] = None,
    strata: Annotated[
        list[str] | None,
        typer.Option("--strata", help="Stratification column(s); 'none' for unstratified."),
    ] = None,
    id_: Annotated[
        str | None, typer.Option("--id", help="Subject identifier column (default USUBJID).")
    ] = None,
    cause: Annotated[
        str | None,
        typer.Option("--cause", help="Column naming each event's cause (competing risks)."),
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option("--unit", help="Unit of the times: days, weeks, months or years."),
    ] = None,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="CSV encoding (default UTF-8, BOM or not).")
    ] = None,
    milestone: Annotated[
        list[str] | None,
        typer.Option(
            "--milestone",
            help="Milestone time(s), years (or 36m, 1095d); repeat or 2,3. Default 3.",
        ),
    ] = None,
    ae_grade_min: Annotated[
        int | None,
        typer.Option(
            "--ae-grade-min", help="ADAE: only rows with AETOXGR/ATOXGR >= N. Default: all."
        ),
    ] = None,
    tau: Annotated[
        str | None,
        typer.Option("--tau", help="RMST horizon, years (or 54m, 1644d). Default: common FU."),
    ] = None,
    level: Annotated[float, typer.Option("--level", help="Confidence level.")] = 0.95,
    conf_type: Annotated[
        str, typer.Option("--conf-type", help="KM CI transform: log-log, log or plain.")
    ] = "log-log",
    report: Annotated[
        bool, typer.Option("--report", help="Also write report.html and km.png/km.svg.")
    ] = False,
) -> None:
    """Analyse time-to-event data: KM, log-rank, Cox, RMST, milestone, CIF, AEs."""
    from survtrial.analyze import Options, analyze, command_line, make_settings
    from survtrial.cli import fail

    try:
        arm_pair = None
        if arms is not None:
            parts = [a.strip() for a in arms.split(",")]
            if len(parts) != 2 or not all(parts):
                raise InputError(f"--arms: {arms!r}: give exactly two arms, CONTROL,EXPERIMENTAL")
            arm_pair = (parts[0], parts[1])
        strata_cols = None
        if strata is not None:
            names = _split(strata)
            strata_cols = () if [n.lower() for n in names] == ["none"] else tuple(names)
        opts = Options(
            adtte=data,
            adsl=adsl,
            adae=adae,
            param=param,
            time=time,
            event=event,
            arm=arm,
            id=id_,
            strata=strata_cols,
            cause=cause,
            unit=unit,
            encoding=encoding,
            arms=arm_pair,
            ae_grade_min=ae_grade_min,
        )
        settings = make_settings(_split(milestone) or None, tau, level, conf_type)
        argv = [str(data), "--out", str(out)]
        for flag, value in (
            ("--adsl", adsl),
            ("--adae", adae),
            ("--param", param),
            ("--time", time),
            ("--event", event),
            ("--arm", arm),
            ("--arms", arms),
            ("--id", id_),
            ("--cause", cause),
            ("--unit", unit),
            ("--encoding", encoding),
            ("--tau", tau),
            ("--ae-grade-min", ae_grade_min),
        ):
            if value is not None:
                argv += [flag, str(value)]
        for s in strata or []:
            argv += ["--strata", s]
        for m in milestone or []:
            argv += ["--milestone", m]
        if level != 0.95:
            argv += ["--level", str(level)]
        if conf_type != "log-log":
            argv += ["--conf-type", conf_type]
        if report:
            argv.append("--report")
        analyze(opts, settings, out, report=report, command=command_line(argv))
    except InputError as exc:
        fail(str(exc))
