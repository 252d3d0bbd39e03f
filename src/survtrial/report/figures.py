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
from scipy.special import ndtr

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
    linestyle: str = ""  # a matplotlib line style; overrides ``dashed``


@dataclass(frozen=True)
class AtRiskRow:
    label: str
    colour: str
    values: Sequence[int | str]  # one per at-risk year


def save_figure(fig, out_stem: Path) -> list[Path]:
    """Save ``fig`` as ``out_stem``.png (300 dpi) and .svg (no date, so it is reproducible),
    close it, and return the two paths. A tight box keeps labels outside the axes."""
    import matplotlib.pyplot as plt

    paths = [out_stem.with_suffix(".png"), out_stem.with_suffix(".svg")]
    fig.savefig(paths[0], dpi=300, bbox_inches="tight")
    fig.savefig(paths[1], metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    return paths


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
    y_range: tuple[float, float] | None = None,
) -> list[Path]:
    """Draw and save ``out_stem``.png (300 dpi) and .svg; return the paths. ``y_range`` None:
    survival style, from below the lowest point drawn to 100%."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_rows = len(at_risk_rows)
    fig = plt.figure(figsize=(8, 5.2 + 0.22 * n_rows))
    grid = fig.add_gridspec(2, 1, height_ratios=[5.0, 0.45 + 0.25 * n_rows], hspace=0.32)
    ax = fig.add_subplot(grid[0])
    for c in curves:
        ls = c.linestyle or ("--" if c.dashed else "-")
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
    ax.set_ylim(*(y_range or (_y_floor(curves), 100.5)))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.25, lw=0.5)
    ax.legend(fontsize=7.5, loc="upper left" if y_range else "lower left", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    # numbers at risk: a panel of its own, sharing the x positions (years)
    tab = fig.add_subplot(grid[1], sharex=ax)
    tab.set_ylim(n_rows - 0.5, -0.5)
    tab.axis("off")
    tab.text(0, -0.9, "Numbers at risk" if n_rows <= 4 else "Numbers at risk, events, censored",
             fontsize=8, weight="bold", ha="left", va="bottom",
             transform=tab.get_yaxis_transform())
    shown = [y for y in at_risk_years if y <= xmax_years * 1.02]
    for i, row in enumerate(at_risk_rows):
        tab.text(-0.05, i, row.label, color=row.colour, fontsize=7.5, ha="right", va="center",
                 transform=tab.get_yaxis_transform())
        for y, v in zip(at_risk_years, row.values, strict=True):
            if y in shown:
                tab.text(y, i, str(v), color=row.colour, fontsize=7.5, ha="center", va="center")
    return save_figure(fig, out_stem)


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


def kmunicate_rows(result) -> list[AtRiskRow]:
    """Under the KM axis, per arm (KMunicate: Morris et al., BMJ Open 2019): the numbers at
    risk at each year, and the cumulative numbers of events and of censored patients by then."""
    km = result.kaplan_meier
    rows = []
    for i, a in enumerate(result.arms):
        colour = ARM_COLOURS[i % len(ARM_COLOURS)]
        f = km.by_arm[a].curve
        days = np.asarray(km.at_risk_years) * DAYS_PER_YEAR
        upto = np.searchsorted(f.time, days, side="left")  # steps before each year
        events = np.concatenate([[0], np.cumsum(f.n_event)])[upto]
        censored = np.concatenate([[0], np.cumsum(f.n_censor)])[upto]
        rows += [
            AtRiskRow(f"{a}: at risk", colour, list(km.by_arm[a].n_at_risk.values())),
            AtRiskRow("events", colour, [int(v) for v in events]),
            AtRiskRow("censored", colour, [int(v) for v in censored]),
        ]
    return rows


def analysis_km_figure(result, endpoint: str, out_stem: Path, ci_bands: bool = False):
    """KM by arm with censoring ticks (optional CI bands, the analysis' transform), the
    KMunicate table under it, log-rank p and HR in the title."""
    from survtrial.report.analysis_tables import fmt

    km = result.kaplan_meier
    xmax = max(float(e.curve.time[-1]) for e in km.by_arm.values()) / DAYS_PER_YEAR
    hr = result.cox.overall.hazard_ratio
    title = f"{endpoint} by arm: log-rank p = {fmt(result.logrank.pvalue, 'p')}" + (
        f", HR {hr:.2f}" if hr is not None else ""
    )
    return km_figure(
        analysis_curves(result, ci_bands),
        km.at_risk_years,
        kmunicate_rows(result),
        title=title,
        ylabel=f"{endpoint} (%)",
        xmax_years=xmax,
        out_stem=out_stem,
        xlabel="Years since start of follow-up",
    )


def incidence_curves(result) -> list[Curve]:
    """Cumulative incidence (percent) of each cause by arm, steps in years: one curve per cause
    and arm (the arm's colour, a line style per cause)."""
    ci = result.cumulative_incidence
    styles = ("-", "--", ":", "-.")
    curves = []
    for k, cause in enumerate(ci.causes, start=1):
        for i, arm in enumerate(result.arms):
            key = (k, i)
            if key not in ci.curves:
                continue
            f = ci.curves[key]
            x = np.concatenate([[0.0], f.time, [f.max_time]])
            y = np.concatenate([[0.0], f.estimate, [f.estimate[-1] if f.estimate.size else 0.0]])
            curves.append(
                Curve(
                    label=f"{cause}: {arm}",
                    colour=ARM_COLOURS[i % len(ARM_COLOURS)],
                    x_years=x / DAYS_PER_YEAR,
                    y_pct=100 * y,
                    linestyle=styles[(k - 1) % len(styles)],
                )
            )
    return curves


def incidence_figure(result, out_stem: Path) -> list[Path]:
    """Cumulative incidence by cause and arm (Aalen-Johansen, cmprsk's estimator)."""
    curves = incidence_curves(result)
    top = max((float(np.max(c.y_pct)) for c in curves), default=1.0)
    xmax = max((float(c.x_years[-1]) for c in curves), default=1.0)
    km = result.kaplan_meier
    rows = [
        AtRiskRow(a, ARM_COLOURS[i % len(ARM_COLOURS)], list(km.by_arm[a].n_at_risk.values()))
        for i, a in enumerate(result.arms)
    ]
    return km_figure(
        curves, km.at_risk_years, rows,
        title="Cumulative incidence by cause and arm", ylabel="Cumulative incidence (%)",
        xmax_years=xmax, out_stem=out_stem, xlabel="Years since start of follow-up",
        y_range=(0.0, max(5.0, 5.0 * math.ceil(top * 1.1 / 5.0))),
    )


def forest_rows(result):
    """The forest plot's rows (see :func:`survtrial.report.forest.forest_rows`)."""
    from survtrial.report.forest import forest_rows as rows

    return rows(result)


def forest_figure(result, out_stem: Path) -> list[Path]:
    """Hazard ratios with their CIs (log scale), overall, by stratum and by subgroup, with
    Cochran's Q and the interaction tests (drawn by :mod:`survtrial.report.forest`)."""
    from survtrial.report.forest import forest_drawing

    return save_figure(forest_drawing(result), out_stem)


def boundary_points(design) -> dict[str, np.ndarray]:
    """The design's bounds to draw: information fractions, efficacy z (finite only) and
    futility z at the interim looks (finite only), on the scale where large favours the
    experimental arm (``-z`` of survtrial's log-rank)."""
    t = np.asarray(design.information_rates, dtype=float)
    eff = np.asarray(design.efficacy_bounds, dtype=float)
    fut = np.asarray(design.futility_bounds, dtype=float)
    e_ok, f_ok = np.isfinite(eff), np.isfinite(fut)
    return {
        "efficacy_t": t[e_ok], "efficacy_z": eff[e_ok],
        "futility_t": t[:-1][f_ok], "futility_z": fut[f_ok],
    }  # fmt: skip


def boundary_figure(design, out_stem: Path, title: str = "") -> list[Path]:
    """Efficacy (and futility) z bounds against the information fraction, with the nominal
    one-sided p of each efficacy bound."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pts = boundary_points(design)
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    ax.plot(pts["efficacy_t"], pts["efficacy_z"], "o-", color="#1f5fa8", label="efficacy")
    for t, z in zip(pts["efficacy_t"], pts["efficacy_z"], strict=True):
        ax.annotate(f"p = {1 - ndtr(z):.3g}", (t, z), textcoords="offset points", xytext=(4, 6),
                    fontsize=7, color="#1f5fa8")
    if pts["futility_t"].size:
        ax.plot(pts["futility_t"], pts["futility_z"], "s--", color="#c0392b",
                label="futility" + (" (binding)" if design.binding_futility else ""))
    ax.axhline(0, color="#999", lw=0.6)
    ax.set_xlim(0, 1.05)
    ax.set_ylim(top=float(np.max(pts["efficacy_z"], initial=2.0)) + 0.4)
    ax.set_xlabel("Information fraction")
    ax.set_ylabel("z (large favours the experimental arm)")
    spend = design.alpha_spending + (f" / beta {design.beta_spending}" if design.beta_spending
                                     else "")
    ax.set_title(title or f"Group-sequential bounds: alpha {design.alpha:g}, {spend}",
                 fontsize=9)
    ax.grid(alpha=0.3, lw=0.5)
    ax.legend(fontsize=8, frameon=False)
    return save_figure(fig, out_stem)


def consort_figure(flow, arm_labels: dict[str, str], out_stem: Path) -> list[Path]:
    """The CONSORT flow diagram of a :class:`survtrial.trial.Consort` (boxes and arrows)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 6))
    ax.set_axis_off()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    box = {"boxstyle": "round,pad=0.4", "fc": "#f4f6fa", "ec": "#555", "lw": 0.8}

    def text(x, y, s, **kw):
        ax.text(x, y, s, ha="center", va="center", fontsize=8, bbox=box, wrap=True, **kw)

    def arrow(x0, y0, x1, y1):
        ax.annotate("", (x1, y1), (x0, y0), arrowprops={"arrowstyle": "->", "lw": 0.8})

    text(3.2, 9.2, f"Enrolled: {flow.enrolled}")
    excluded = sum(flow.not_randomized.values()) + flow.randomization_pending
    lines = [f"Not randomized: {excluded}"]
    import textwrap

    for r, n in flow.not_randomized.items():
        lines.append(textwrap.fill(f"{n}: {r}", 56, initial_indent="  ",
                                   subsequent_indent="      "))
    if flow.randomization_pending:
        lines.append(f"  {flow.randomization_pending}: randomization pending at the cut")
    ax.text(5.2, 7.4, "\n".join(lines), ha="left", va="center", fontsize=6.5, bbox=box)
    arrow(3.2, 8.9, 3.2, 6.2)
    arrow(3.2, 7.4, 5.1, 7.4)
    text(3.2, 5.8, f"Randomized: {sum(flow.randomized.values())}")
    for i, (arm, n) in enumerate(flow.randomized.items()):
        x = 1.6 + 3.4 * i
        arrow(3.2, 5.5, x, 4.3)
        text(x, 3.9, f"{arm_labels.get(arm, arm)}\nallocated: {n}")
        arrow(x, 3.5, x, 2.2)
        text(x, 1.8, f"Analysed: {flow.analysed[arm]}")
    return save_figure(fig, out_stem)


@dataclass(frozen=True)
class AdverseEventRow:
    term: str
    risk: tuple[float, float]  # control, experimental (proportions)
    difference: float | None  # experimental - control
    low: float | None
    high: float | None


def adverse_event_rows(result) -> list[AdverseEventRow]:
    """Each term's risk by arm and the risk difference with its CI, largest difference first."""
    ae = result.adverse_events
    rows = [
        AdverseEventRow(term, (t.risk[result.arms[0]], t.risk[result.arms[1]]),
                        t.risk_difference, *t.ci)
        for term, t in ae.terms.items()
    ]
    return sorted(rows, key=lambda r: -(r.difference or 0.0))


def adverse_event_figure(result, out_stem: Path) -> list[Path]:
    """Dot plot: the risk of each term by arm (left) and the risk difference with its CI
    (right), as in Amit et al. (BMJ 2008) safety graphics."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = adverse_event_rows(result)
    ys = np.arange(len(rows))[::-1]
    fig, (left, right) = plt.subplots(1, 2, sharey=True, figsize=(8, 1.2 + 0.35 * len(rows)),
                                      gridspec_kw={"width_ratios": [1, 1.2], "wspace": 0.05})
    for i, arm in enumerate(result.arms):
        left.plot([100 * r.risk[i] for r in rows], ys, "o" if i else "^",
                  color=ARM_COLOURS[i % len(ARM_COLOURS)], label=arm)
    left.set_yticks(ys, [r.term for r in rows], fontsize=8)
    left.set_xlabel("Subjects with the event (%)")
    left.legend(fontsize=7, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2)
    for y, r in zip(ys, rows, strict=True):
        if r.difference is None:
            continue
        right.plot([100 * r.low, 100 * r.high], [y, y], color="#333", lw=1)
        right.plot([100 * r.difference], [y], "o", color="#333", ms=4)
    right.axvline(0, color="#999", ls="--", lw=0.8)
    right.set_xlabel(f"Risk difference, {result.arms[1]} - {result.arms[0]} (points)")
    for ax in (left, right):
        ax.grid(axis="x", alpha=0.3, lw=0.5)
        ax.spines[["top", "right"]].set_visible(False)
    return save_figure(fig, out_stem)
