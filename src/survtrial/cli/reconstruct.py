"""``survtrial reconstruct``: pseudo-IPD from published Kaplan-Meier curves (Guyot et al. 2012).

Printing and file output live here; the numbers come from :mod:`survtrial.reconstruct`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from survtrial._errors import InputError
from survtrial.reconstruct import Reconstruction, read_at_risk, read_curve, reconstruct
from survtrial.reconstruct._trial import check_unit
from survtrial.reconstruct.examples import EXAMPLES, aall1731


def _pairs(values: list[str] | None, option: str, what: str) -> dict[str, str]:
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


def _from_files(
    curve: list[str] | None,
    at_risk: str | None,
    events: list[str] | None,
    endpoint: str | None,
    unit: str | None,
    last_interval: str,
) -> Reconstruction:
    curves_in = _pairs(curve, "--curve", "FILE.csv")
    if not curves_in:
        raise InputError("--curve: give at least one ARM=FILE.csv (or the example: aall1731)")
    if at_risk is None:
        raise InputError("--at-risk: give the numbers-at-risk CSV file")
    curves = {arm: read_curve(path, path) for arm, path in curves_in.items()}
    table, file_unit = read_at_risk(at_risk, at_risk, endpoint=endpoint)
    for arm in table:
        if arm not in curves:
            raise InputError(
                f"{at_risk}: arm {arm!r} in the at-risk table has no --curve "
                f"(curves: {', '.join(curves)}); name each --curve ARM as in the table"
            )
    for arm, path in curves_in.items():
        if arm not in table:
            raise InputError(
                f"--curve {arm}={path}: arm {arm!r} is not in {at_risk} "
                f"(its arms: {', '.join(table)})"
            )
    totals: dict[str, int] = {}
    for arm, text in _pairs(events, "--events", "N").items():
        if arm not in curves:
            raise InputError(f"--events {arm}={text}: no --curve for arm {arm!r}")
        try:
            totals[arm] = int(text)
        except ValueError:
            raise InputError(f"--events {arm}={text}: {text!r} is not a whole number") from None
    if unit is None:
        if file_unit is None:
            raise InputError(
                f"{at_risk}: cannot tell the time unit from the time column; "
                "give --unit days|weeks|months|years"
            )
        unit = file_unit
    return reconstruct(
        curves,
        {arm: table[arm] for arm in curves},
        totals,
        unit=check_unit(unit),
        last_interval=last_interval,
    )


def _print(rec: Reconstruction, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console(width=max(Console().width, 100))
    t = Table(
        title=title,
        title_justify="left",
        caption="survival RMSE and max |diff|: reconstructed KM vs digitized points, 0-1 scale",
        caption_justify="left",
    )
    for col in ("arm", "N", "events", "points", "altered", "added", "RMSE", "max |diff|"):
        t.add_column(col, justify="left" if col == "arm" else "right")
    t.add_column("at risk |diff|", justify="right")
    for a in rec.arms:
        pub = "" if a.events_published is None else f" (published {a.events_published})"
        t.add_row(
            a.arm,
            str(a.n),
            f"{a.n_events}{pub}",
            str(a.curve.n_input),
            str(a.curve.n_altered),
            str(a.curve.n_added + a.n_points_added),
            f"{a.rmse:.4f}",
            f"{a.max_abs_difference:.4f}",
            str(a.at_risk.max_abs_difference),
        )
    con.print(t)
    nar = Table(title=f"Numbers at risk: published / reconstructed (time in {rec.unit})")
    nar.add_column(f"time ({rec.unit})", justify="right")
    for a in rec.arms:
        nar.add_column(a.arm, justify="right")
    times = sorted({float(x) for a in rec.arms for x in a.at_risk.time})
    for tm in times:
        cells = []
        for a in rec.arms:
            hit = [i for i, x in enumerate(a.at_risk.time) if float(x) == tm]
            if hit:
                i = hit[0]
                cells.append(f"{a.at_risk.published[i]} / {a.at_risk.reconstructed[i]}")
            else:
                cells.append("")
        nar.add_row(f"{tm:g}", *cells)
    con.print(nar)
    for a in rec.arms:
        for note in a.notes:
            con.print(f"note ({a.arm}): {note}")


def _write(rec: Reconstruction, out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out: cannot create {str(out)!r} ({exc.strerror})") from None
    rec.to_frame().to_csv(out / "ipd.csv", index=False)
    with open(out / "accuracy.json", "w", encoding="utf-8") as fh:
        json.dump(rec.accuracy(), fh, indent=2)
        fh.write("\n")
    typer.echo(f"wrote {out / 'ipd.csv'} ({sum(a.n for a in rec.arms)} rows, time in {rec.unit})")
    typer.echo(f"wrote {out / 'accuracy.json'}")


def reconstruct_command(
    example: Annotated[
        str | None,
        typer.Argument(
            help="Use a shipped example instead of files: aall1731 (DFS; --endpoint os for OS).",
            show_default=False,
        ),
    ] = None,
    curve: Annotated[
        list[str] | None,
        typer.Option(
            "--curve",
            help="ARM=FILE.csv: digitized points of one arm (columns time and St/survival, 0-1). "
            "Repeat per arm.",
            show_default=False,
        ),
    ] = None,
    at_risk: Annotated[
        str | None,
        typer.Option(
            "--at-risk",
            help="Numbers-at-risk CSV: long (arm, time|year|month|day, n_at_risk [, endpoint]) "
            "or wide (time column + one column per arm).",
            show_default=False,
        ),
    ] = None,
    events: Annotated[
        list[str] | None,
        typer.Option(
            "--events",
            help="ARM=N: published total events of an arm (optional).",
            show_default=False,
        ),
    ] = None,
    endpoint: Annotated[
        str | None,
        typer.Option(
            "--endpoint",
            help="Rows of this endpoint when the at-risk file has an "
            "endpoint column (e.g. dfs, os).",
            show_default=False,
        ),
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option(
            "--unit",
            help="Time unit (days, weeks, months, years); default: from the "
            "at-risk time column's name (e.g. year).",
            show_default=False,
        ),
    ] = None,
    last_interval: Annotated[
        str,
        typer.Option(
            "--last-interval",
            help="Censoring after the last at-risk time without --events: guyot (the paper's "
            "average rate) or to-end (spread up to the curve's end; suits a data cut-off).",
        ),
    ] = "guyot",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write DIR/ipd.csv (usubjid, arm, time, event, unit) and DIR/accuracy.json.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Rebuild individual patient data from published Kaplan-Meier curves (Guyot et al. 2012)."""
    from survtrial.cli._common import fail

    try:
        if example is not None:
            if example.strip().lower() not in EXAMPLES:
                raise InputError(
                    f"example: {example!r} is not a shipped example; choose {', '.join(EXAMPLES)}"
                )
            if curve or at_risk or events:
                raise InputError(
                    f"example {example}: uses its shipped curves; drop --curve/--at-risk/--events"
                )
            ep = (endpoint or "dfs").strip().lower()
            rec = aall1731(ep, last_interval=last_interval)
            if unit is not None and check_unit(unit) != rec.unit:
                raise InputError(f"--unit: the {example} curves are in {rec.unit}")
            title = f"AALL1731 {ep.upper()}: reconstruction accuracy (Guyot et al. 2012)"
        else:
            rec = _from_files(curve, at_risk, events, endpoint, unit, last_interval)
            title = "Reconstruction accuracy (Guyot et al. 2012)"
        _print(rec, title)
        if out is not None:
            _write(rec, out)
    except InputError as exc:
        fail(str(exc))
