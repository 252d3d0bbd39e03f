"""Analyse real (or reconstructed) trial data: ADaM or a plain table in, the full analysis out.

:func:`analyze` reads and validates the input (:mod:`survtrial.analyze._input`), runs the same
analysis that :func:`survtrial.trial._analysis.full_analysis` gives a simulated trial
(:mod:`survtrial.analyze._analysis`), and writes ``results.json``, one CSV per table and, on
request, an HTML report with a Kaplan-Meier figure (:mod:`survtrial.analyze._report`).

Every value records where it came from (``results["input"]["sources"]``: user, detected or
default), every row left out by an option is counted (``results["input"]["excluded"]``) and
``results["command"]`` is the call that regenerates the results.
"""

from __future__ import annotations

import json
import math
import shlex
import time as _time
from pathlib import Path
from typing import Any

import numpy as np

from survtrial import __version__
from survtrial._errors import InputError
from survtrial.analyze._analysis import Settings, run_analysis
from survtrial.analyze._input import (
    DAYS_PER,
    DAYS_PER_YEAR,
    AnalysisData,
    Options,
    load,
    parse_horizon,
)

__all__ = ["AnalysisData", "Options", "Settings", "analyze", "load", "make_settings"]

DEFAULT_MILESTONE_YEARS = 3.0
CONF_TYPES = ("log-log", "log", "plain")


def make_settings(
    milestone: str | list[str] | tuple[str, ...] | None,
    tau: str | None,
    confidence_level: float = 0.95,
    conf_type: str = "log-log",
) -> Settings:
    """Horizons as given (years unless a unit is written: 36m, 1095d) -> Settings in days."""
    if not (0 < confidence_level < 1):
        raise InputError(f"--level: must be between 0 and 1, got {confidence_level!r}")
    if conf_type not in CONF_TYPES:
        raise InputError(f"--conf-type: {conf_type!r} is not one of {', '.join(CONF_TYPES)}")
    given = [milestone] if isinstance(milestone, str | int | float) else list(milestone or [])
    parsed: list[tuple[float, str]] = []
    for g in given:
        h = parse_horizon(g, "--milestone")
        if h is not None and all(abs(h[0] - p[0]) > 1e-9 for p in parsed):
            parsed.append(h)
    ms = parsed[0] if parsed else None
    if ms is None:
        ms_days, ms_text, ms_src = (
            DEFAULT_MILESTONE_YEARS * DAYS_PER_YEAR,
            f"{DEFAULT_MILESTONE_YEARS:g} years",
            "default",
        )
    else:
        ms_days, ms_text, ms_src = ms[0], ms[1], "user"
    tt = parse_horizon(tau, "--tau")
    return Settings(
        milestone_days=ms_days,
        milestone_text=ms_text,
        milestone_source=ms_src,
        tau_days=None if tt is None else tt[0],
        tau_text="the shorter arm's last follow-up (default)" if tt is None else tt[1],
        confidence_level=float(confidence_level),
        conf_type=conf_type,
        milestones=tuple(parsed) or ((ms_days, ms_text),),
    )


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items() if not str(k).startswith("_")}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, bool | str) or obj is None:
        return obj
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        x = float(obj)
        return x if math.isfinite(x) else None
    return str(obj)


def _header(data: AnalysisData, settings: Settings, res: dict) -> list[str]:
    lines = []
    for f in data.files:
        enc = f" ({f['encoding']})" if f.get("encoding") else ""
        lines.append(f"{f['role']}: {f['path']}, {f['format']}{enc}, {f['rows']} data rows read")
    what = f"parameter {data.param}, " if data.param else ""
    lines.append(
        f"analysed: {what}{data.n} subjects ({', '.join(f'{a} {n}' for a, n in res['n'].items())}"
        f"), {int(data.event.sum())} events; control = {data.arm_labels[0]}, experimental = "
        f"{data.arm_labels[1]} [{data.sources.get('arms')}]"
    )
    strata = (
        f"{', '.join(data.strata_columns)} ({len(data.stratum_labels)} strata: "
        f"{', '.join(data.stratum_labels)})"
        if data.strata_columns
        else "none"
    )
    lines.append(f"strata: {strata} [{data.sources.get('strata')}]")
    lines.append(
        f"time unit of the input: {data.unit} [{data.sources.get('unit')}]; results in days "
        f"(1 year = {DAYS_PER_YEAR} days, 1 month = {DAYS_PER['months']:g} days); milestone"
        + ("s " if len(settings.all_milestones()) > 1 else " ")
        + "; ".join(f"{t} = {d:g} days" for d, t in settings.all_milestones())
        + f" [{settings.milestone_source}]"
    )
    if data.excluded:
        for e in data.excluded:
            lines.append(f"left out: {e['rows']} rows of {e['file']}: {e['reason']}")
    else:
        lines.append("left out: no rows")
    return lines


def analyze(
    opts: Options,
    settings: Settings,
    out: Path,
    report: bool = False,
    command: str | None = None,
    echo: bool = True,
) -> dict:
    """Read, validate, analyse and write; return the results (as written to results.json)."""
    from survtrial.analyze._report import (
        build_tables,
        km_figure,
        print_tables,
        write_csv,
        write_curves,
        write_html,
    )

    t0 = _time.perf_counter()
    data = load(opts)
    t_read = _time.perf_counter() - t0
    res = run_analysis(data, settings)
    t_stats = _time.perf_counter() - t0 - t_read
    notes = list(data.notes)
    for m in res["milestones"]:
        if m["beyond_follow_up"]:
            notes.append(
                f"the milestone ({m['given']}) is beyond the last follow-up of "
                f"{', '.join(m['beyond_follow_up'])}: its survival is carried "
                "forward from the last time (give --milestone)"
            )
    if res["rmst"]["tau_capped"]:
        notes.append(
            f"tau {settings.tau_text} is beyond the shorter arm's last follow-up: RMST is "
            f"computed at tau = {res['rmst']['tau_days']:g} days"
        )
    for key in ("overall", *res["cox"]["by_stratum"]):
        c = res["cox"]["overall"] if key == "overall" else res["cox"]["by_stratum"][key]
        if c.get("error") or c.get("warning"):
            notes.append(f"Cox ({key}): {c.get('error') or c.get('warning')}")
    res["headline"] = headline(res, data)
    header = _header(data, settings, res)
    tables = build_tables(res, data)
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "version": __version__,
        "command": command,
        "input": {
            "files": data.files,
            "layout": "ADaM ADTTE" if data.mode == "adam" else "plain table",
            "param": data.param,
            "columns": data.columns,
            "sources": data.sources,
            "excluded": data.excluded,
            "excluded_rows_total": int(sum(e["rows"] for e in data.excluded)),
            "n_subjects": data.n,
            "arms": {"control": data.arm_labels[0], "experimental": data.arm_labels[1]},
            "strata": {"columns": list(data.strata_columns), "levels": list(data.stratum_labels)},
            "causes": list(data.cause_labels),
            "aval_derived_rows": data.aval_derived_rows,
            "time_unit_input": data.unit,
            "time_unit_results": "days",
            "days_per_year": DAYS_PER_YEAR,
        },
        "settings": {
            "milestone": {
                "days": settings.milestone_days,
                "years": settings.milestone_days / DAYS_PER_YEAR,
                "given": settings.milestone_text,
                "source": settings.milestone_source,
            },
            "milestones": [
                {"days": d, "years": d / DAYS_PER_YEAR, "given": text}
                for d, text in settings.all_milestones()
            ],
            "tau": {"given": settings.tau_text},
            "confidence_level": settings.confidence_level,
            "km_conf_type": settings.conf_type,
            "cox_ties": "efron",
        },
        **{k: v for k, v in res.items() if not k.startswith("_")},
        "notes": notes,
    }
    results = _jsonable(results)
    (out / "results.json").write_text(
        json.dumps(results, indent=2, allow_nan=False, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    written = ["results.json"]
    for t in tables:
        write_csv(out / f"{t.name}.csv", t)
        written.append(f"{t.name}.csv")
    write_curves(out / "km_curves.csv", res, settings.confidence_level, settings.conf_type)
    written.append("km_curves.csv")
    if report:
        endpoint = data.param or "Survival"
        km_figure(res, data, out, endpoint)
        write_html(
            out / "report.html",
            title=f"survtrial analyze: {opts.adtte.name}"
            + (f" ({data.param})" if data.param else ""),
            version=__version__,
            command=command or "",
            header=header,
            tables=tables,
            notes=notes,
        )
        written += ["report.html", "km.png", "km.svg"]
    elapsed = _time.perf_counter() - t0
    if echo:
        print_tables(header, tables, notes)
        import typer

        typer.echo(
            f"Read and checked in {t_read:.1f} s, analysed in {t_stats:.1f} s "
            f"({elapsed:.1f} s in all). Wrote {', '.join(written)} to {out}/"
        )
    return results


def headline(res: dict, data: AnalysisData) -> dict:
    """The headline numbers under the names :func:`survtrial.trial._analysis.full_analysis` uses
    (percent for survival and incidence, days for RMST, years for follow-up), so that a real
    trial's results sit beside a simulated trial's and a publication's key for key. The endpoint
    prefix is the parameter (``dfs3_...`` for ``--param DFS`` at a 3-year milestone)."""
    from survtrial.trial._analysis import slug

    ep = slug(data.param or "survival")
    y = f"{res['kaplan_meier']['milestone_years']:g}".replace(".", "_")
    km = res["kaplan_meier"]
    head: dict = {}

    def pct(v):
        return None if v is None else 100 * v

    for a in data.arm_labels:
        e = km["by_arm"][a]
        head[f"randomized_{a}"] = res["n"][a]
        head[f"{ep}{y}_{a}"] = pct(e["survival"])
        head[f"{ep}{y}_se_greenwood_{a}"] = pct(e["std_err"])
        n_ms = e["n_at_risk_milestone"]
        s_ms = e["survival"]
        head[f"{ep}{y}_se_peto_{a}"] = (
            pct(s_ms * math.sqrt((1 - s_ms) / n_ms)) if n_ms and s_ms is not None else None
        )
        for st, per in km["by_stratum_and_arm"].items():
            head[f"{ep}{y}_{slug(st)}_{a}"] = pct(per[a].get("survival"))
        for yy, v in e["n_at_risk"].items():
            head[f"at_risk_year{yy}_{slug(a)}"] = v
        for cause, ce in res.get("cumulative_incidence", {}).get("causes", {}).items():
            head[f"{slug(cause)}_{y}y_{a}"] = pct(ce[a]["incidence"])
    for m in res["milestones"][1:]:  # further milestones: KM survival per arm
        ym = f"{m['time_years']:g}".replace(".", "_")
        for a in data.arm_labels:
            head[f"{ep}{ym}_{a}"] = pct(m["kaplan_meier_by_arm"][a]["survival"])
            head[f"{ep}{ym}_se_greenwood_{a}"] = pct(m["kaplan_meier_by_arm"][a]["std_err"])
    head["hr_overall"] = res["cox"]["overall"]["hazard_ratio"]
    for st, c in res["cox"]["by_stratum"].items():
        head[f"hr_{slug(st)}"] = c["hazard_ratio"]
    head["logrank_z"] = res["logrank"]["z"]
    head["rmst_difference_days"] = res["rmst"]["difference_days"]
    fu = res["median_follow_up_days"]
    head["median_follow_up_years"] = None if fu is None else fu / DAYS_PER_YEAR
    head[f"{ep}_events"] = int(data.event.sum())
    return head


def command_line(argv: list[str]) -> str:
    return "survtrial analyze " + " ".join(shlex.quote(a) for a in argv)
