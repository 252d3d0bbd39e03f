"""`survtrial monitor`: one look of a group-sequential trial on real data. Parses the options,
calls :func:`survtrial.monitor.monitor`, writes with :mod:`survtrial.report.monitoring` and
prints a short summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from survtrial._errors import InputError
from survtrial.cli._common import command_line, protocol_text, user_errors


def _arms(arms: str | None) -> tuple[str, str] | None:
    if arms is None:
        return None
    parts = [a.strip() for a in arms.split(",")]
    if len(parts) != 2 or not all(parts):
        raise InputError(f"--arms: {arms!r}: give exactly two arms, CONTROL,EXPERIMENTAL")
    return parts[0], parts[1]


def _strata(strata: list[str] | None) -> tuple[str, ...] | None:
    if strata is None:
        return None
    names = [p.strip() for s in strata for p in s.split(",") if p.strip()]
    return () if [n.lower() for n in names] == ["none"] else tuple(names)


def _plan(protocol: str | None, design: Path | None):
    from survtrial.monitor import plan_from_design_json, plan_from_protocol
    from survtrial.protocol import parse_protocol

    if (protocol is None) == (design is None):
        raise InputError("--protocol/--design: give exactly one of --protocol FILE.toml|NAME "
                         "and --design DESIGN.json")
    if protocol is not None:
        text, source, _ = protocol_text(protocol)
        return plan_from_protocol(parse_protocol(text, source), source)
    try:
        text = design.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--design: cannot read {design}: {exc}") from None
    return plan_from_design_json(text, design.name)


@user_errors
def monitor_command(
    ctx: typer.Context,
    data: Annotated[
        Path,
        typer.Argument(help="ADTTE (or a plain table) cut at this look.", show_default=False),
    ],
    out: Annotated[Path, typer.Option("--out", help="Output folder.")],
    protocol: Annotated[
        str | None,
        typer.Option("--protocol", help="Protocol (FILE.toml or built-in NAME): its monitoring."),
    ] = None,
    design: Annotated[
        Path | None,
        typer.Option("--design", help="Design JSON written by `survtrial design --json`."),
    ] = None,
    param: Annotated[
        str | None, typer.Option("--param", help="PARAMCD to monitor (e.g. DFS).")
    ] = None,
    strata: Annotated[
        list[str] | None,
        typer.Option("--strata", help="Stratification column(s); 'none' for unstratified."),
    ] = None,
    arms: Annotated[
        str | None,
        typer.Option("--arms", help="CONTROL,EXPERIMENTAL: the two arms compared, in order."),
    ] = None,
    adsl: Annotated[
        Path | None, typer.Option("--adsl", help="ADSL merged on USUBJID (treatment, strata).")
    ] = None,
    adae: Annotated[
        Path | None,
        typer.Option("--adae", help="ADAE: adverse events by arm in the report's closed section."),
    ] = None,
    look: Annotated[
        str | None, typer.Option("--look", help="Name of this look (a protocol's look name).")
    ] = None,
    history: Annotated[
        list[Path] | None,
        typer.Option("--history", help="monitoring.json of an earlier look (repeatable)."),
    ] = None,
    report: Annotated[
        bool, typer.Option("--report", help="Also write the DSMB report (report.html).")
    ] = False,
    time_unit: Annotated[
        str, typer.Option("--time-unit", help="Report's KM figure: years or months.")
    ] = "years",
) -> None:
    """Interim monitoring: log-rank z against bounds at the observed information."""
    from survtrial.io.options import LoadOptions
    from survtrial.monitor import monitor
    from survtrial.report.figures import check_time_unit
    from survtrial.report.monitoring import summary_lines, write_monitoring

    check_time_unit(time_unit)
    plan = _plan(protocol, design)
    opts = LoadOptions(adtte=data, adsl=adsl, adae=adae, param=param, strata=_strata(strata),
                       arms=_arms(arms))
    result, loaded = monitor(opts, plan, look=look, history=tuple(history or ()))
    command = command_line(ctx)
    written = write_monitoring(out, result, loaded, command)
    if report:
        from survtrial.analysis import AnalysisSettings, analyse
        from survtrial.monitor.subjects import read_subject_level
        from survtrial.report.monitoring import write_dsmb_report

        look_analysis = analyse(loaded, AnalysisSettings(milestone_days=1095.75,
                                                         milestone_text="3 years"))
        subjects = None if adsl is None else read_subject_level(adsl, loaded)
        written += write_dsmb_report(out, result, loaded, look_analysis, command, subjects,
                                     time_unit)
    for line in summary_lines(result):
        typer.echo(line)
    typer.echo(f"Wrote {', '.join(written)} to {out}/")
