"""`survtrial analyze`: read a data set (:mod:`survtrial.io`), analyse it
(:func:`survtrial.analysis.analyse`), write and print the results (:mod:`survtrial.report`)."""

from __future__ import annotations

import time as _time
from pathlib import Path
from typing import Annotated

import typer

from survtrial._errors import InputError
from survtrial.analysis import CONF_TYPES, DEFAULT_CONF_TYPE, AnalysisSettings
from survtrial.cli._common import command_line, console, user_errors
from survtrial.units import DAYS_PER_YEAR

DEFAULT_MILESTONE_YEARS = 3.0


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out += [p.strip() for p in v.split(",") if p.strip()]
    return out


@user_errors
def analyze_command(
    ctx: typer.Context,
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
        str,
        typer.Option("--conf-type", help="KM CI transform: log (R's default), log-log or plain."),
    ] = DEFAULT_CONF_TYPE,
    baseline: Annotated[
        list[str] | None,
        typer.Option(
            "--baseline",
            help="Baseline table columns (ADSL, else the data); default: CDISC names in "
            "ADSL (AGE, SEX, RACE, ...) and the strata; 'none' for no table.",
        ),
    ] = None,
    subgroups: Annotated[
        list[str] | None,
        typer.Option(
            "--subgroups",
            help="Subgroup columns for the forest plot (e.g. SEX,AGEGR1): HR per level and "
            "the arm x subgroup likelihood-ratio test.",
        ),
    ] = None,
    report: Annotated[
        bool, typer.Option("--report", help="Also write report.html and the figures.")
    ] = False,
    ci_bands: Annotated[
        bool, typer.Option("--ci-bands", help="Draw the KM confidence bands (--conf-type).")
    ] = False,
    time_unit: Annotated[
        str,
        typer.Option("--time-unit", help="KM and incidence figures' time axis: years or months."),
    ] = "years",
) -> None:
    """Analyse time-to-event data: KM, log-rank, Cox, RMST, milestone, CIF, AEs."""
    from survtrial._processes import keep_freed_memory
    from survtrial.analysis import analyse
    from survtrial.io.analysis_input import load_analysis_data
    from survtrial.io.options import LoadOptions
    from survtrial.report.analysis_report import write_analysis
    from survtrial.report.analysis_tables import print_tables
    from survtrial.report.figures import check_time_unit

    keep_freed_memory()  # large inputs: their temporaries reused, not page-faulted anew
    check_time_unit(time_unit)
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
    baseline_cols = None
    if baseline is not None:
        names = _split(baseline)
        baseline_cols = () if [n.lower() for n in names] == ["none"] else tuple(names)
    opts = LoadOptions(
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
        baseline=baseline_cols,
        subgroups=tuple(dict.fromkeys(_split(subgroups))),
    )
    settings = analysis_settings(_split(milestone) or None, tau, level, conf_type)
    command = command_line(ctx)
    t0 = _time.perf_counter()
    loaded = load_analysis_data(opts)
    t_read = _time.perf_counter() - t0
    result = analyse(loaded, settings)
    t_stats = _time.perf_counter() - t0 - t_read
    title = f"survtrial analyze: {data.name}" + (f" ({loaded.param})" if loaded.param else "")
    subjects = None
    if report and adsl is not None:  # the ADSL's CONSORT columns, for the report's flow
        from survtrial.monitor.subjects import read_subject_level

        subjects = read_subject_level(adsl, loaded, encoding)
    outputs = write_analysis(
        out, loaded, settings, result, report=report, command=command, title=title,
        ci_bands=ci_bands, time_unit=time_unit, subjects=subjects,
    )
    print_tables(console(), outputs.header, outputs.tables, outputs.notes)
    typer.echo(
        f"Read and checked in {t_read:.1f} s, analysed in {t_stats:.1f} s "
        f"({_time.perf_counter() - t0:.1f} s in all). Wrote {', '.join(outputs.written)} "
        f"to {out}/"
    )


def analysis_settings(
    milestone: list[str] | None, tau: str | None, level: float, conf_type: str
) -> AnalysisSettings:
    """Horizons as given (years unless a unit is written: 36m, 1095d) -> settings in days."""
    from survtrial.io.values import parse_horizon

    if not (0 < level < 1):
        raise InputError(f"--level: must be between 0 and 1, got {level!r}")
    if conf_type not in CONF_TYPES:
        raise InputError(f"--conf-type: {conf_type!r} is not one of {', '.join(CONF_TYPES)}")
    parsed: list[tuple[float, str]] = []
    for g in milestone or []:
        h = parse_horizon(g, "--milestone")
        if h is not None and all(abs(h[0] - p[0]) > 1e-9 for p in parsed):
            parsed.append(h)
    if parsed:
        ms_days, ms_text, ms_src = parsed[0][0], parsed[0][1], "user"
    else:
        ms_days = DEFAULT_MILESTONE_YEARS * DAYS_PER_YEAR
        ms_text, ms_src = f"{DEFAULT_MILESTONE_YEARS:g} years", "default"
    tt = parse_horizon(tau, "--tau")
    return AnalysisSettings(
        milestone_days=ms_days,
        milestone_text=ms_text,
        milestone_source=ms_src,
        tau_days=None if tt is None else tt[0],
        tau_text="the shorter arm's last follow-up (default)" if tt is None else tt[1],
        confidence_level=float(level),
        conf_type=conf_type,
        milestones=tuple(parsed) or ((ms_days, ms_text),),
    )
