"""Tables of a group-sequential log-rank design: fixed-width text, CSV and a JSON-ready dict.

Everything here takes the results of :mod:`survtrial.design` (a
:class:`~survtrial.design.GroupSequentialDesign`, its
:class:`~survtrial.design.EventsRequired` and, when a control arm is given, its
:class:`~survtrial.design.SurvivalPlan`) and only formats them. Times are in months, the
design's unit (as in rpact).
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from survtrial.design import EventsRequired, GroupSequentialDesign, SurvivalPlan

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
"""Columns of the boundary table, in order (a column without any value is left out of the
text table, kept empty in the CSV)."""


def boundary_rows(
    design: GroupSequentialDesign, events: EventsRequired, plan: SurvivalPlan | None = None
) -> list[dict[str, Any]]:
    """One row per look: information, events, bounds on the z, p and hazard-ratio scales.

    ``nan`` where a value does not exist (no futility bound at the last look, no calendar
    time or subjects without a plan).
    """
    rows = []
    for k in range(design.kmax):
        interim = k < design.kmax - 1
        fut = float(design.futility_bounds[k]) if interim else math.nan
        has_fut = interim and math.isfinite(fut)
        rows.append(
            {
                "look": k + 1,
                "information": float(design.information_rates[k]),
                "events": float(events.events[k]),
                "time_months": float(plan.analysis_times[k]) if plan else math.nan,
                "subjects": float(plan.subjects[k]) if plan else math.nan,
                "z_efficacy": float(design.efficacy_bounds[k]),
                "p_nominal": float(design.nominal_p_bounds[k]),
                "hr_efficacy": float(events.hr_efficacy_bounds[k]),
                "cumulative_alpha": float(design.cumulative_alpha_spent[k]),
                "z_futility": fut if has_fut else math.nan,
                "hr_futility": float(events.hr_futility_bounds[k]) if has_fut else math.nan,
                "cumulative_power": float(design.cumulative_power[k]),
            }
        )
    return rows


def format_value(value: Any, column: str) -> str:
    """A table cell: 6 decimals for p and alpha, 1 for events, subjects and months, else 4;
    ``-`` for a missing value."""
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


def text_table(rows: list[dict[str, Any]]) -> str:
    """Fixed-width text table, right-aligned; columns without any value are left out."""
    cols = [c for c in COLUMNS if any(format_value(r[c], c) != "-" for r in rows)]
    cells = [[format_value(r[c], c) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(cols, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)


def summary_lines(
    design: GroupSequentialDesign, events: EventsRequired, plan: SurvivalPlan | None = None
) -> list[str]:
    """The lines above the table: the design, its events and, with a plan, subjects and time."""
    d, ev = design, events
    spend = d.alpha_spending + (f"(gamma={d.alpha_gamma:g})" if d.alpha_gamma is not None else "")
    futility = ""
    kind = "binding" if d.binding_futility else "non-binding"
    if d.beta_spending:
        futility = f", beta spending {d.beta_spending} ({kind})"
    elif d.has_futility:
        futility = f", given futility bounds ({kind})"
    lines = [
        f"Group-sequential design: {d.kmax} looks, {d.sided}-sided alpha {d.alpha:g}, "
        f"power {1 - d.beta:g}, alpha spending {spend}{futility}",
        f"Inflation factor {d.inflation_factor:.4f}; hazard ratio {ev.hazard_ratio:g}, "
        f"allocation {ev.allocation_ratio:g}; events: fixed {ev.events_fixed:.1f}, "
        f"maximum {ev.max_events:.1f}",
        f"Expected events under H1 {ev.expected_events_h1:.1f}, "
        f"under H0 {ev.expected_events_h0:.1f}",
    ]
    if plan is not None:
        lines.append(
            f"Subjects {plan.max_subjects:.1f} over {plan.accrual_time[-1]:.1f} months of accrual; "
            f"follow-up {plan.follow_up:.1f} months; expected duration under H1 "
            f"{plan.expected_duration:.1f} months"
        )
    return lines


def text_report(
    design: GroupSequentialDesign, events: EventsRequired, plan: SurvivalPlan | None = None
) -> str:
    """What ``survtrial design`` prints: the summary lines, a blank line and the table."""
    lines = summary_lines(design, events, plan)
    return "\n".join([*lines, "", text_table(boundary_rows(design, events, plan))])


def _json_value(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    return v


def json_dict(
    design: GroupSequentialDesign, events: EventsRequired, plan: SurvivalPlan | None = None
) -> dict[str, Any]:
    """The design and its table as plain JSON values (``nan`` -> None, ``inf`` -> "Infinity")."""
    d, ev = design, events
    return {
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
            "hazard_ratio": ev.hazard_ratio,
            "allocation_ratio": ev.allocation_ratio,
            "events_fixed": ev.events_fixed,
            "max_events": ev.max_events,
            "max_subjects": None if plan is None else plan.max_subjects,
            "follow_up_months": None if plan is None else plan.follow_up,
        },
        "table": [{k: _json_value(v) for k, v in r.items()} for r in boundary_rows(d, ev, plan)],
    }


def json_text(
    design: GroupSequentialDesign, events: EventsRequired, plan: SurvivalPlan | None = None
) -> str:
    """:func:`json_dict` as indented JSON text, ending with a newline."""
    return json.dumps(json_dict(design, events, plan), indent=2) + "\n"


def csv_text(rows: list[dict[str, Any]]) -> str:
    """The boundary table as CSV (all columns; a missing value is an empty cell; full
    precision, ``repr`` of each float; lines end with CRLF, as Python's csv module writes)."""
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=list(COLUMNS))
    writer.writeheader()
    for r in rows:
        writer.writerow({k: ("" if format_value(v, k) == "-" else repr(v)) for k, v in r.items()})
    return buf.getvalue()


__all__ = [
    "COLUMNS",
    "boundary_rows",
    "csv_text",
    "format_value",
    "json_dict",
    "json_text",
    "summary_lines",
    "text_report",
    "text_table",
]
