"""``survtrial design --report DIR``: one self-contained page with the boundary table, the
bounds, and (with a control arm) events and subjects over calendar time and the power against
the hazard ratio. Months, as the design's edge unit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from survtrial import __version__
from survtrial.report.design_tables import boundary_rows
from survtrial.report.figures import boundary_figure, save_figure
from survtrial.report.files import output_dir, write_text
from survtrial.report.html import Figure, render


def power_grid(hazard_ratio: float, points: int = 9) -> list[float]:
    """Hazard ratios from 20% beyond the planning effect to near no effect (1 excluded)."""
    log_hr = np.log(hazard_ratio)
    return [float(np.exp(x)) for x in np.linspace(1.2 * log_hr, 0.05 * log_hr, points)]


def _timeline_figure(plan, out_stem: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.0))
    t = np.asarray(plan.analysis_times)
    ax.plot(t, plan.subjects, "o-", color="#1f5fa8", label="subjects enrolled")
    ax.plot(t, plan.events, "s-", color="#c0392b", label="events")
    for i, x in enumerate(t, start=1):
        ax.axvline(x, color="#ccc", lw=0.6)
        ax.annotate(f"look {i}", (x, 0), textcoords="offset points", xytext=(3, 3), fontsize=7)
    ax.set_xlabel("Months from the start of accrual")
    ax.set_ylabel("Cumulative number")
    ax.set_title("Expected events and subjects at each look", fontsize=9)
    ax.grid(alpha=0.3, lw=0.5)
    ax.legend(fontsize=8, frameon=False)
    save_figure(fig, out_stem)


def _power_figure(curve, plan, out_stem: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hr, power = zip(*curve, strict=True)
    fig, ax = plt.subplots(figsize=(6.5, 4.0))
    ax.plot(hr, 100 * np.asarray(power), "o-", color="#1f5fa8")
    ax.axvline(plan.hazard_ratio, color="#999", ls="--", lw=0.8)
    ax.annotate(f"planning HR {plan.hazard_ratio:g}: {100 * plan.power:.1f}%",
                (plan.hazard_ratio, 100 * plan.power), textcoords="offset points",
                xytext=(6, -12), fontsize=7)
    ax.set_xlabel("Hazard ratio (experimental / control)")
    ax.set_ylabel("Power (%)")
    ax.set_ylim(0, 100)
    ax.set_title(f"Power at {plan.max_events:.0f} events and {plan.max_subjects:.0f} subjects",
                 fontsize=9)
    ax.grid(alpha=0.3, lw=0.5)
    save_figure(fig, out_stem)


def write_design_report(out: Path, design, events, plan, curve, command: str) -> list[str]:
    """``out/report.html`` and its figures; ``curve``: (hazard ratio, power) pairs or None."""
    folder = output_dir(out, "--report")
    bounds = Figure("Bounds against the information fraction", folder / "bounds")
    boundary_figure(design, bounds.stem)
    figures = [bounds]
    if plan is not None:
        timeline = Figure("Events and subjects over calendar time", folder / "timeline")
        _timeline_figure(plan, timeline.stem)
        figures.append(timeline)
    if curve:
        power = Figure("Power against the hazard ratio", folder / "power")
        _power_figure(curve, plan, power.stem)
        figures.append(power)
    rows = boundary_rows(design, events, plan)
    columns = list(rows[0]) if rows else []
    page = render(
        "design.html.j2",
        title="Group-sequential design",
        version=__version__,
        command=command,
        columns=columns,
        rows=[[_cell(r[c]) for c in columns] for r in rows],
        design=design,
        plan=plan,
        figures=[f.for_page() for f in figures],
    )
    write_text(folder / "report.html", page, "--report")
    return ["report.html", *[n for f in figures for n in f.files()]]


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return "-" if not np.isfinite(v) else f"{v:.4g}"
    return str(v)
