"""The Kaplan-Meier figure with its numbers-at-risk table, one drawing function for everyone.

:func:`km_figure` draws step curves (optional bands and censoring ticks) over a table of numbers
at risk in its own panel under the x axis (rows coloured by arm, as KMunicate and survminer
lay it out), so that the axis title and the table never overlap. :func:`analysis_km_figure`
feeds it one analysed trial; :mod:`survtrial.report.reproduction` feeds it replicate curves
and published ones. Axis ranges come from the data drawn. x in years, y in percent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from survtrial.units import DAYS_PER_YEAR

ARM_COLOURS = ("#c0392b", "#1f5fa8", "#27864a", "#8e44ad")  # control first
MAX_PLOT_STEPS = 4000  # a figure needs no more steps than pixels
MAX_CENSOR_MARKS = 300  # beyond this the ticks merge into a band and hide the curve


@dataclass(frozen=True)
class Curve:
    """One curve: x in years, y in percent; ``band`` (low, high) in percent on the same x."""

    label: str
    colour: str
    x_years: np.ndarray
    y_pct: np.ndarray
    band: tuple[np.ndarray, np.ndarray] | None = None
    censor_x_years: np.ndarray | None = None
    censor_y_pct: np.ndarray | None = None
    dashed: bool = False


@dataclass(frozen=True)
class AtRiskRow:
    label: str
    colour: str
    values: Sequence[int | str]  # one per at-risk year


def _y_floor(curves: Sequence[Curve]) -> float:
    """The y axis' lower end: below the lowest point drawn, on a multiple of 5 percent."""
    low = 100.0
    for c in curves:
        ys = [c.y_pct] + ([c.band[0]] if c.band is not None else [])
        for y in ys:
            y = np.asarray(y, dtype=float)
            y = y[np.isfinite(y)]
            if y.size:
                low = min(low, float(y.min()))
    return max(0.0, 5.0 * math.floor((low - 2.0) / 5.0))


def km_figure(
    curves: Sequence[Curve],
    at_risk_years: Sequence[float],
    at_risk_rows: Sequence[AtRiskRow],
    *,
    title: str,
    ylabel: str,
    xmax_years: float,
    out_stem: Path,
    xlabel: str = "Years since randomization",
) -> list[Path]:
    """Draw and save ``out_stem``.png (300 dpi) and .svg; return the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_rows = len(at_risk_rows)
    fig = plt.figure(figsize=(8, 5.2 + 0.22 * n_rows))
    grid = fig.add_gridspec(2, 1, height_ratios=[5.0, 0.45 + 0.25 * n_rows], hspace=0.32)
    ax = fig.add_subplot(grid[0])
    for c in curves:
        ls = "--" if c.dashed else "-"
        ax.step(c.x_years, c.y_pct, where="post", color=c.colour, ls=ls, lw=1.4, label=c.label)
        if c.band is not None:
            ax.fill_between(
                c.x_years, c.band[0], c.band[1], step="post", color=c.colour, alpha=0.16, lw=0
            )
        if c.censor_x_years is not None and 0 < len(c.censor_x_years) <= MAX_CENSOR_MARKS:
            ax.plot(
                c.censor_x_years,
                c.censor_y_pct,
                linestyle="none",
                marker="|",
                markersize=5,
                markeredgewidth=0.8,
                color=c.colour,
            )
    ax.set_xlim(0, xmax_years * 1.02)
    ax.set_ylim(_y_floor(curves), 100.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.25, lw=0.5)
    ax.legend(fontsize=7.5, loc="lower left", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    # numbers at risk: a panel of its own, sharing the x positions (years)
    tab = fig.add_subplot(grid[1], sharex=ax)
    tab.set_ylim(n_rows - 0.5, -0.5)
    tab.axis("off")
    tab.text(0, -0.9, "Numbers at risk", fontsize=8, weight="bold", ha="left", va="bottom",
             transform=tab.get_yaxis_transform())
    shown = [y for y in at_risk_years if y <= xmax_years * 1.02]
    for i, row in enumerate(at_risk_rows):
        tab.text(-0.05, i, row.label, color=row.colour, fontsize=7.5, ha="right", va="center",
                 transform=tab.get_yaxis_transform())
        for y, v in zip(at_risk_years, row.values, strict=True):
            if y in shown:
                tab.text(y, i, str(v), color=row.colour, fontsize=7.5, ha="center", va="center")
    paths = [out_stem.with_suffix(".png"), out_stem.with_suffix(".svg")]
    # the row labels lie left of the axes: a tight box keeps them in the picture
    fig.savefig(paths[0], dpi=300, bbox_inches="tight")
    fig.savefig(paths[1], metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    return paths


def _steps(f) -> tuple[np.ndarray, np.ndarray]:
    """Step corners of a Kaplan-Meier result (days, proportion): the start, each drop, the end."""
    jumps = np.flatnonzero(f.n_event > 0)
    if jumps.size > MAX_PLOT_STEPS:
        x = np.linspace(0.0, float(f.time[-1]), MAX_PLOT_STEPS)
        return x, f.survival_at(x)
    x = np.concatenate([[0.0], f.time[jumps], [f.time[-1]]])
    y = np.concatenate([[1.0], f.survival[jumps], [f.survival[-1]]])
    return x, y


def analysis_curves(result, ci_bands: bool = False) -> list[Curve]:
    """Kaplan-Meier curves by arm of an :class:`~survtrial.analysis.AnalysisResult`."""
    s = result.settings
    curves = []
    for i, a in enumerate(result.arms):
        f = result.kaplan_meier.by_arm[a].curve
        x, y = _steps(f)
        band = None
        if ci_bands:
            lo, hi = f.confidence_interval(s.confidence_level, s.conf_type, times=x)
            band = (100 * np.nan_to_num(lo, nan=0.0), 100 * np.nan_to_num(hi, nan=1.0))
        cens = np.flatnonzero(f.n_censor > 0)
        curves.append(
            Curve(
                label=f"{a} (n = {result.n[a]}, {result.events[a]} events)",
                colour=ARM_COLOURS[i % len(ARM_COLOURS)],
                x_years=x / DAYS_PER_YEAR,
                y_pct=100 * y,
                band=band,
                censor_x_years=f.time[cens] / DAYS_PER_YEAR,
                censor_y_pct=100 * f.survival[cens],
            )
        )
    return curves


def analysis_km_figure(result, endpoint: str, out_stem: Path, ci_bands: bool = False):
    """KM by arm with censoring ticks, numbers at risk by arm, log-rank p and HR in the title."""
    from survtrial.report.analysis_tables import fmt

    km = result.kaplan_meier
    rows = [
        AtRiskRow(a, ARM_COLOURS[i % len(ARM_COLOURS)], list(km.by_arm[a].n_at_risk.values()))
        for i, a in enumerate(result.arms)
    ]
    xmax = max(float(e.curve.time[-1]) for e in km.by_arm.values()) / DAYS_PER_YEAR
    hr = result.cox.overall.hazard_ratio
    title = f"{endpoint} by arm: log-rank p = {fmt(result.logrank.pvalue, 'p')}" + (
        f", HR {hr:.2f}" if hr is not None else ""
    )
    return km_figure(
        analysis_curves(result, ci_bands),
        km.at_risk_years,
        rows,
        title=title,
        ylabel=f"{endpoint} (%)",
        xmax_years=xmax,
        out_stem=out_stem,
        xlabel="Years since start of follow-up",
    )
