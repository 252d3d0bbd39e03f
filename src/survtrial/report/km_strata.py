"""Kaplan-Meier by stratum: one panel per stratum level, the arms within each, each panel with
its own numbers-at-risk rows coloured by arm (:func:`survtrial.report.figures.km_figure`'s
layout, drawn once per stratum). The curves and numbers are the analysis' per-stratum-and-arm
Kaplan-Meier results (``KaplanMeierSection.by_stratum_and_arm``); x in years or months."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from survtrial.report.figures import (
    ARM_COLOURS,
    AtRiskRow,
    _y_floor,
    at_risk_days,
    draw_km_panel,
    km_curve,
    save_figure,
    time_axis_label,
    unit_scale,
)
from survtrial.units import DAYS_PER_YEAR


@dataclass(frozen=True)
class StratumPanel:
    """What one panel draws: the stratum, its curves' KM results by arm (None for an empty
    cell), the at-risk days and, per arm, the numbers at risk then."""

    stratum: str
    curves: dict  # arm -> survtrial.stats Kaplan-Meier result, or None (no patient)
    n: dict[str, int]
    events: dict[str, int]
    days: np.ndarray
    at_risk: dict[str, list[int]]


def stratum_panels(result, time_unit: str = "years") -> list[StratumPanel]:
    """One :class:`StratumPanel` per stratum level of ``result`` (none when unstratified). All
    panels share the at-risk days (the whole trial's grid in ``time_unit``)."""
    km = result.kaplan_meier
    if not km.by_stratum_and_arm:
        return []
    last = max(float(e.curve.time[-1]) for e in km.by_arm.values())
    grid = km.at_risk_years if time_unit == "years" else None
    days = at_risk_days(last, time_unit, grid)
    panels = []
    for st, cells in km.by_stratum_and_arm.items():
        curves, n, events, at_risk = {}, {}, {}, {}
        for a in result.arms:
            cell = cells[a]
            f = getattr(cell, "curve", None)
            curves[a] = f
            n[a] = int(cell.n if f is not None else cell["n"])
            events[a] = int(cell.events if f is not None else cell["events"])
            at_risk[a] = [0] * days.size if f is None else [int(v) for v in f.n_risk_at(days)]
        panels.append(StratumPanel(st, curves, n, events, days, at_risk))
    return panels


def stratum_km_drawing(result, endpoint: str, *, ci_bands: bool = False,
                       time_unit: str = "years"):
    """The matplotlib figure of :func:`stratum_km_figure`, not saved (None without strata).
    Each panel's at-risk axes is labelled ``at risk: <endpoint>, <stratum>``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = stratum_panels(result, time_unit)
    if not panels:
        return None
    n_arms = len(result.arms)
    ncols = 1 if len(panels) <= 3 else 2
    nrows = math.ceil(len(panels) / ncols)
    fig = plt.figure(figsize=(8 * ncols, (5.0 + 0.22 * n_arms) * nrows))
    grid = fig.add_gridspec(nrows, ncols, hspace=0.22, wspace=0.45)
    last = max(float(e.curve.time[-1]) for e in result.kaplan_meier.by_arm.values())
    drawn = []
    for p in panels:
        drawn.append([
            km_curve(f, f"{a} (n = {p.n[a]}, {p.events[a]} events)",
                     ARM_COLOURS[i % len(ARM_COLOURS)], result.settings if ci_bands else None)
            for i, (a, f) in enumerate(p.curves.items()) if f is not None
        ])
    y_range = (min(_y_floor(c) for c in drawn), 100.5)  # one y scale for every panel
    for k, (p, curves) in enumerate(zip(panels, drawn, strict=True)):
        rows = [AtRiskRow(a, ARM_COLOURS[i % len(ARM_COLOURS)], p.at_risk[a])
                for i, a in enumerate(result.arms)]
        draw_km_panel(fig, grid[k // ncols, k % ncols], curves, p.days / DAYS_PER_YEAR, rows,
                      title=f"{endpoint}, {p.stratum}", ylabel=f"{endpoint} (%)",
                      xmax_years=last / DAYS_PER_YEAR,
                      xlabel=time_axis_label(time_unit, "start of follow-up"), y_range=y_range,
                      scale=unit_scale(time_unit), legend_loc="lower left")
    return fig


def stratum_km_figure(result, endpoint: str, out_stem: Path, *, ci_bands: bool = False,
                      time_unit: str = "years") -> list[Path]:
    """Kaplan-Meier by arm within each stratum, saved as ``out_stem``.png/.svg; [] when the
    analysis has no strata."""
    fig = stratum_km_drawing(result, endpoint, ci_bands=ci_bands, time_unit=time_unit)
    return [] if fig is None else save_figure(fig, out_stem)


def stratum_km_page_figures(result, endpoint: str, out: Path, *, ci_bands: bool = False,
                            time_unit: str = "years") -> list:
    """For a report: ``[Figure]`` of ``out/km_strata`` when the analysis has strata, else []."""
    from survtrial.report.html import Figure

    fig = Figure(f"{endpoint}: Kaplan-Meier by stratum and arm", out / "km_strata")
    made = stratum_km_figure(result, endpoint, fig.stem, ci_bands=ci_bands, time_unit=time_unit)
    return [fig] if made else []
