"""The outputs of one analysis of a data set: ``results.json``, one CSV per table, the curve
table and, on request, the HTML report with its figures (the CONSORT flow when an ADSL is
given, Kaplan-Meier by arm and by stratum, cumulative incidence, hazard ratios, adverse events).

``results.json`` records where every value came from (``input.sources``: user, detected or
default), every row left out and why (``input.excluded``), which arm is the reference, and the
command that regenerates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from survtrial import __version__
from survtrial.analysis import AnalysisData, AnalysisResult, AnalysisSettings, headline
from survtrial.report import files
from survtrial.report.analysis_tables import Table, build_tables, write_csv, write_curves
from survtrial.report.figures import (
    adverse_event_figure,
    analysis_km_figure,
    consort_figure,
    forest_figure,
    incidence_figure,
)
from survtrial.report.html import Figure, render
from survtrial.report.journal_tables import journal_tables
from survtrial.report.jsonify import analysis_json, dumps, jsonable
from survtrial.units import DAYS_PER_UNIT, DAYS_PER_YEAR


def header_lines(data: AnalysisData, settings: AnalysisSettings, res: AnalysisResult) -> list[str]:
    """What was read, what was analysed and how, and what was left out: one line each."""
    lines = []
    for f in data.files:
        enc = f" ({f['encoding']})" if f.get("encoding") else ""
        lines.append(f"{f['role']}: {f['path']}, {f['format']}{enc}, {f['rows']} data rows read")
    what = f"parameter {data.param}, " if data.param else ""
    lines.append(
        f"analysed: {what}{data.n} subjects ({', '.join(f'{a} {n}' for a, n in res.n.items())}"
        f"), {int(data.event.sum())} events; control (reference) = {res.reference_arm}, "
        f"experimental = {res.experimental_arm} [{data.sources.get('arms')}]"
    )
    strata = (
        f"{', '.join(data.strata_columns)} ({len(data.stratum_labels)} strata: "
        f"{', '.join(data.stratum_labels)})"
        if data.strata_columns
        else "none"
    )
    lines.append(f"strata: {strata} [{data.sources.get('strata')}]")
    many = len(settings.all_milestones()) > 1
    lines.append(
        f"time unit of the input: {data.unit} [{data.sources.get('unit')}]; results in days "
        f"(1 year = {DAYS_PER_YEAR} days, 1 month = {DAYS_PER_UNIT['months']:g} days); milestone"
        + ("s " if many else " ")
        + "; ".join(f"{t} = {d:g} days" for d, t in settings.all_milestones())
        + f" [{settings.milestone_source}]"
    )
    if data.baseline is not None:
        lines.append(
            f"baseline characteristics: {', '.join(map(str, data.baseline.columns))} "
            f"[{data.sources.get('baseline')}]"
        )
    if data.subgroups is not None:
        lines.append(
            f"subgroups (forest plot): {', '.join(map(str, data.subgroups.columns))} [user]"
        )
    if data.excluded:
        for e in data.excluded:
            lines.append(f"left out: {e['rows']} rows of {e['file']}: {e['reason']}")
    else:
        lines.append("left out: no rows")
    return lines


def results_document(
    data: AnalysisData,
    settings: AnalysisSettings,
    res: AnalysisResult,
    notes: list[str],
    command: str | None,
) -> dict[str, Any]:
    """The content of results.json (JSON-ready)."""
    doc = {
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
            "arms": {
                "control": res.reference_arm,
                "experimental": res.experimental_arm,
                "reference": res.reference_arm,
                "chosen_by": data.sources.get("arms"),
            },
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
        **analysis_json(res),
        **{k: jsonable(v) for k, v in (("baseline", res.baseline),
                                       ("adverse_event_grades", graded(res)),
                                       ("subgroups", res.subgroups)) if v},
        "headline": headline(res, data.param or "survival"),
        "notes": notes,
    }
    return jsonable(doc)


def report_tables(res: AnalysisResult, data: AnalysisData) -> list[Table]:
    """Every table, in report order: baseline characteristics first, the journal tables after
    the analysis tables, the rows left out last."""
    tables = build_tables(res, data)
    extra = [t for t in journal_tables(res)
             if t.name != "adverse_events_by_grade" or graded(res) is not None]
    first = [t for t in extra if t.name == "baseline"]
    rest = [t for t in extra if t.name != "baseline"]
    return [*first, *tables[:-1], *rest, tables[-1]]


def graded(res: AnalysisResult):
    """The adverse events by grade when at least one event has a grade, else None: with every
    grade blank (a simulated ADAE, whose AETOXGRC says only '>=3'), a table of grades 1-5
    would show zeros that are not counts."""
    g = res.adverse_event_grades
    if g is None or not any(c["any"] > c["not graded"] for arms in g.terms.values()
                            for c in arms.values()):
        return None
    return g


def _table_notes(data: AnalysisData, res: AnalysisResult) -> list[str]:
    out = []
    if res.adverse_events is not None and res.adverse_event_grades is None:
        out.append(
            "adverse events by grade: the ADAE has no toxicity grade column (AETOXGR or "
            "ATOXGR), so there is no table by grade"
        )
    elif res.adverse_event_grades is not None and graded(res) is None:
        out.append(
            f"adverse events by grade: no event has a grade in "
            f"{res.adverse_event_grades.grade_column}, so there is no table by grade (the "
            "adverse events table counts them)"
        )
    if res.baseline is None and data.sources.get("baseline", "").startswith("none detected"):
        out.append(f"baseline characteristics: {data.sources['baseline']}")
    return out


def consort_page_figure(data: AnalysisData, subjects, out: Path) -> tuple[list[Figure], list[str]]:
    """The real-data CONSORT flow by arm (:func:`survtrial.analysis.consort.trial_flow`,
    drawn as out/consort.png and .svg) when an ADSL was given, and the page's notes on it:
    the boxes left out for want of a column, or that there is no flow without an ADSL."""
    from survtrial.analysis.consort import trial_flow

    if subjects is None:
        return [], ["CONSORT flow: not available: no ADSL was given (--adsl), and enrolment, "
                    "eligibility and randomization are recorded there"]
    flow = trial_flow(subjects, data)
    fig = Figure(f"CONSORT flow ({subjects.file})", out / "consort")
    consort_figure(flow, {}, fig.stem)
    return [fig], [f"CONSORT flow: {n}" for n in (*flow.left_out, *flow.notes)]


@dataclass(frozen=True)
class AnalysisOutputs:
    header: list[str]
    tables: list[Table]
    notes: list[str]
    written: list[str]
    document: dict[str, Any]


def write_analysis(
    out: Path,
    data: AnalysisData,
    settings: AnalysisSettings,
    res: AnalysisResult,
    *,
    report: bool = False,
    command: str | None = None,
    title: str = "survtrial analyze",
    ci_bands: bool = False,
    time_unit: str = "years",
    subjects=None,
) -> AnalysisOutputs:
    """Write results.json, the CSV tables, km_curves.csv and (``report``) the HTML page and
    its figures (km.png/km.svg, ...) to ``out``; return what to print. ``subjects``: the
    ADSL's :class:`~survtrial.analysis.consort.SubjectLevel` for the CONSORT flow (None: no
    ADSL, the page says the flow is not available)."""
    out = files.output_dir(out)
    notes = [*data.notes, *res.notes(), *_table_notes(data, res)]
    header = header_lines(data, settings, res)
    tables = report_tables(res, data)
    doc = results_document(data, settings, res, notes, command)
    files.write_text(out / "results.json", dumps(doc), "--out")
    written = ["results.json"]
    for t in tables:
        write_csv(out / f"{t.name}.csv", t)
        written.append(f"{t.name}.csv")
    write_curves(out / "km_curves.csv", res)
    written.append("km_curves.csv")
    if report:
        endpoint = data.param or "Survival"
        figures, page_notes = consort_page_figure(data, subjects, out)
        analysis_km_figure(res, endpoint, out / "km", ci_bands=ci_bands, time_unit=time_unit)
        figures.append(Figure(f"{endpoint}: Kaplan-Meier by arm", out / "km"))
        from survtrial.report.km_strata import stratum_km_page_figures  # KM by stratum

        figures += stratum_km_page_figures(res, endpoint, out, ci_bands=ci_bands,
                                           time_unit=time_unit)
        if res.cumulative_incidence is not None:
            incidence_figure(res, out / "cif", time_unit=time_unit)
            figures.append(Figure("Cumulative incidence by cause and arm", out / "cif"))
        if res.cox.by_stratum or res.subgroups:
            forest_figure(res, out / "forest")
            by = " and ".join(w for w, has in (("stratum", res.cox.by_stratum),
                                              ("subgroup", res.subgroups)) if has)
            figures.append(Figure(f"Hazard ratios by {by}", out / "forest"))
        if res.adverse_events is not None and res.adverse_events.terms:
            adverse_event_figure(res, out / "adverse_events")
            figures.append(Figure("Adverse events by arm", out / "adverse_events"))
        page = render(
            "analysis.html.j2",
            title=title,
            version=__version__,
            command=command or "",
            header=header,
            tables=tables,
            notes=[*notes, *page_notes],
            figures=[f.for_page() for f in figures],
        )
        files.write_text(out / "report.html", page, "--out")
        written += ["report.html", *[n for f in figures for n in f.files()]]
    return AnalysisOutputs(header, tables, notes, written, doc)
