"""``survtrial reconstruct``: pseudo-IPD from published Kaplan-Meier curves (Guyot et al. 2012).

Parses the options, calls :mod:`survtrial.reconstruct` and prints the tables that
:mod:`survtrial.report.reconstruct_tables` renders; ``--out`` is written (before anything is
printed) through :mod:`survtrial.report.files`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from survtrial._errors import InputError
from survtrial.cli._common import fail, option_message

_OPTION_NAMES = {
    "curves": "--curve",
    "total_events": "--events",
    "endpoint": "--endpoint",
    "unit": "--unit",
    "last_interval": "--last-interval",
}
"""Library argument -> option, to name the option in an error message."""


def _pairs(values: list[str] | None, option: str, what: str) -> dict[str, str]:
    """``ARM=VALUE`` options as a dict, in the order given."""
    out: dict[str, str] = {}
    for v in values or []:
        arm, sep, rest = v.partition("=")
        arm, rest = arm.strip(), rest.strip()
        if not sep or not arm or not rest:
            raise InputError(f"{option}: expected ARM={what}, got {v!r}")
        if arm in out:
            raise InputError(f"{option}: arm {arm!r} given twice")
        out[arm] = rest
    return out


def _counts(values: list[str] | None) -> dict[str, int]:
    totals: dict[str, int] = {}
    for arm, text in _pairs(values, "--events", "N").items():
        try:
            totals[arm] = int(text)
        except ValueError:
            raise InputError(f"--events {arm}={text}: {text!r} is not a whole number") from None
    return totals


def reconstruct_command(
    example: Annotated[
        str | None,
        typer.Argument(
            metavar="EXAMPLE",
            help="Use a shipped example instead of files: aall1731 (DFS; --endpoint os for OS).",
            show_default=False,
        ),
    ] = None,
    curve: Annotated[
        list[str] | None,
        typer.Option(
            "--curve",
            metavar="ARM=FILE",
            help="Digitized points of one arm's curve: a CSV with columns time and St (or "
            "survival), 0-1. Repeat per arm.",
            show_default=False,
        ),
    ] = None,
    at_risk: Annotated[
        str | None,
        typer.Option(
            "--at-risk",
            metavar="FILE",
            help="Numbers-at-risk CSV: long (arm, time|year|month|day, n_at_risk [, endpoint]) "
            "or wide (time column + one column per arm).",
            show_default=False,
        ),
    ] = None,
    events: Annotated[
        list[str] | None,
        typer.Option(
            "--events",
            metavar="ARM=N",
            help="Published total events of an arm (optional; repeat per arm).",
            show_default=False,
        ),
    ] = None,
    endpoint: Annotated[
        str | None,
        typer.Option(
            "--endpoint",
            metavar="NAME",
            help="Rows of this endpoint when the at-risk file has an "
            "endpoint column (e.g. dfs, os).",
            show_default=False,
        ),
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option(
            "--unit",
            metavar="UNIT",
            help="Time unit (days, weeks, months, years); default: from the "
            "at-risk time column's name (e.g. year).",
            show_default=False,
        ),
    ] = None,
    last_interval: Annotated[
        str,
        typer.Option(
            "--last-interval",
            metavar="guyot|to-end",
            help="Censoring after the last at-risk time without --events: guyot (the paper's "
            "average rate) or to-end (spread up to the curve's end; suits a data cut-off).",
        ),
    ] = "guyot",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Write DIR/ipd.csv (usubjid, arm, time, event, unit) and DIR/accuracy.json.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Rebuild individual patient data from published Kaplan-Meier curves (Guyot et al. 2012)."""
    # the library is loaded when the command runs: `survtrial` starts faster for every command
    from survtrial.reconstruct import reconstruct_files
    from survtrial.reconstruct.examples import example as shipped_example
    from survtrial.report.files import make_dir, write_text
    from survtrial.report.reconstruct_tables import (
        accuracy_json,
        accuracy_table,
        accuracy_title,
        at_risk_table,
        ipd_csv,
        note_lines,
        written_lines,
    )
    try:
        if example is not None:
            if curve or at_risk or events:
                raise InputError(
                    f"example {example}: uses its shipped curves; drop --curve/--at-risk/--events"
                )
            ep = (endpoint or "dfs").strip().lower()
            rec = shipped_example(example, ep, last_interval=last_interval, unit=unit)
            title = accuracy_title(example, ep)
        else:
            curves = _pairs(curve, "--curve", "FILE.csv")
            if not curves:
                raise InputError(
                    "--curve: give at least one ARM=FILE.csv (or the example: aall1731)"
                )
            if at_risk is None:
                raise InputError("--at-risk: give the numbers-at-risk CSV file")
            rec = reconstruct_files(
                curves,
                at_risk,
                _counts(events),
                endpoint=endpoint,
                unit=unit,
                last_interval=last_interval,
            )
            title = accuracy_title()
        if out is not None:
            folder = make_dir(out, "--out")
            ipd = write_text(folder / "ipd.csv", ipd_csv(rec), "--out")
            acc = write_text(folder / "accuracy.json", accuracy_json(rec), "--out")
    except InputError as exc:
        fail(option_message(exc, _OPTION_NAMES))
    from rich.console import Console

    con = Console(width=max(Console().width, 100))
    con.print(accuracy_table(rec, title))
    con.print(at_risk_table(rec))
    for line in note_lines(rec):
        con.print(line)
    if out is not None:
        for line in written_lines(rec, ipd, acc):
            typer.echo(line)
