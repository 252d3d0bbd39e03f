"""The Kaplan-Meier figure with its numbers-at-risk table, one drawing function for everyone.

:func:`km_figure` draws step curves (optional bands and censoring ticks) over a table of numbers
at risk in its own panel under the x axis (rows coloured by arm, as KMunicate and survminer
lay it out), so that the axis title and the table never overlap. :func:`analysis_km_figure`
feeds it one analysed trial, :func:`stratum_km_figure` one panel per stratum;
:mod:`survtrial.report.reproduction` feeds it replicate curves and published ones. Axis ranges
come from the data drawn. Curves carry x in years and y in percent; the axis shows years or
months (``time_unit``, :data:`TIME_UNITS`), converted here at the edge.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.special import ndtr

from survtrial._errors import InputError
from survtrial.units import DAYS_PER_MONTH, DAYS_PER_UNIT, DAYS_PER_YEAR

ARM_COLOURS = ("#c0392b", "#1f5fa8", "#27864a", "#8e44ad")  # control first
MAX_PLOT_STEPS = 4000  # a figure needs no more steps than pixels
MAX_CENSOR_MARKS = 300  # beyond this the ticks merge into a band and hide the curve
TIME_UNITS = ("years", "months")  # the x axis of the survival figures


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


def plain_text(s: object) -> str:
    """A user string drawn as written: ``$`` escaped so that matplotlib does not read it as
    mathtext (an arm named ``a$b`` must not fail to draw or change)."""
    return str(s).replace("$", r"\$")


def check_time_unit(unit: str, what: str = "--time-unit") -> str:
    """``unit`` if it is one of :data:`TIME_UNITS`, else a one-line :class:`InputError`."""
    if unit not in TIME_UNITS:
        raise InputError(f"{what}: {unit!r} is not one of {', '.join(TIME_UNITS)}")
    return unit


def unit_scale(unit: str) -> float:
    """Axis units per year (1 for years, 12 for months): x drawn = years x this."""
    return DAYS_PER_YEAR / DAYS_PER_UNIT[check_time_unit(unit)]


def at_risk_days(max_days: float, unit: str = "years", years_grid=None) -> np.ndarray:
    """Days of the numbers-at-risk table (and of the x ticks). Years: ``years_grid`` (the
    analysis' grid: yearly, quarterly under two years) or that rule on ``max_days``. Months:
    every 12 months from 4 years of follow-up, every 6 from 1 year, else every 3; a month is
    :data:`survtrial.units.DAYS_PER_MONTH` days."""
    if check_time_unit(unit) == "years":
        if years_grid is None:
            from survtrial.analysis.run import at_risk_grid_years

            years_grid = at_risk_grid_years(max_days)
        return np.asarray(years_grid, dtype=float) * DAYS_PER_YEAR
    top = max_days / DAYS_PER_MONTH
    step = 12 if top >= 48 else 6 if top >= 12 else 3
    return step * np.arange(math.floor(top / step + 1e-9) + 1) * DAYS_PER_MONTH


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


def draw_km_panel(fig, cell, curves, at_risk_years, at_risk_rows, *, title, ylabel, xmax_years,
                  xlabel, y_range, scale, legend_loc=None):
    """One survival panel in the gridspec ``cell``: curves over their numbers-at-risk table
    (its axes labelled ``at risk: <title>``); x drawn = years x ``scale``. Returns the table's
    axes."""
    n_rows = len(at_risk_rows)
    grid = cell.subgridspec(2, 1, height_ratios=[5.0, 0.45 + 0.25 * n_rows], hspace=0.32)
    ax = fig.add_subplot(grid[0])
    for c in curves:
        ls = c.linestyle or ("--" if c.dashed else "-")
        x = np.asarray(c.x_years, dtype=float) * scale
        ax.step(x, c.y_pct, where="post", color=c.colour, ls=ls, lw=1.4,
                label=plain_text(c.label))
        if c.band is not None:
            ax.fill_between(x, c.band[0], c.band[1], step="post", color=c.colour, alpha=0.16,
                            lw=0)
        if c.censor_x_years is not None and 0 < len(c.censor_x_years) <= MAX_CENSOR_MARKS:
            ax.plot(np.asarray(c.censor_x_years) * scale, c.censor_y_pct, linestyle="none",
                    marker="|", markersize=5, markeredgewidth=0.8, color=c.colour)
    xmax = xmax_years * scale
    ax.set_xlim(0, xmax * 1.02)
    ticks = np.asarray(at_risk_years, dtype=float) * scale
    if ticks.size >= 2 and ticks[1] > ticks[0]:  # ticks at the at-risk times, on to the end
        step = ticks[1] - ticks[0]
        ax.set_xticks(ticks[0] + step * np.arange(math.floor((xmax * 1.02 - ticks[0]) / step
                                                             + 1e-9) + 1))
    ax.set_ylim(*(y_range or (_y_floor(curves), 100.5)))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(plain_text(ylabel))
    ax.set_title(plain_text(title), fontsize=10)
    ax.grid(alpha=0.25, lw=0.5)
    loc = legend_loc or ("upper left" if y_range else "lower left")
    ax.legend(fontsize=7.5, loc=loc, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    # numbers at risk: a panel of its own, sharing the x positions
    tab = fig.add_subplot(grid[1], sharex=ax, label=f"at risk: {title}")
    tab.set_ylim(n_rows - 0.5, -0.5)
    tab.axis("off")
    tab.text(0, -0.9, "Numbers at risk" if n_rows <= 4 else "Numbers at risk, events, censored",
             fontsize=8, weight="bold", ha="left", va="bottom",
             transform=tab.get_yaxis_transform())
    for i, row in enumerate(at_risk_rows):
        tab.text(-0.05, i, plain_text(row.label), color=row.colour, fontsize=7.5, ha="right",
                 va="center", transform=tab.get_yaxis_transform())
        for y, v in zip(at_risk_years, row.values, strict=True):
            if y <= xmax_years * 1.02:
                tab.text(y * scale, i, plain_text(v), color=row.colour, fontsize=7.5,
                         ha="center", va="center")
    return tab


def time_axis_label(unit: str, since: str) -> str:
    return f"{check_time_unit(unit).capitalize()} since {since}"


def km_figure(
    curves: Sequence[Curve],
    at_risk_years: Sequence[float],
    at_risk_rows: Sequence[AtRiskRow],
    *,
    title: str,
    ylabel: str,
    xmax_years: float,
    out_stem: Path,
    xlabel: str = "",
    y_range: tuple[float, float] | None = None,
    time_unit: str = "years",
) -> list[Path]:
    """Draw (:func:`km_drawing`) and save ``out_stem``.png (300 dpi) and .svg; return the
    paths."""
    return save_figure(
        km_drawing(curves, at_risk_years, at_risk_rows, title=title, ylabel=ylabel,
                   xmax_years=xmax_years, xlabel=xlabel, y_range=y_range, time_unit=time_unit),
        out_stem,
    )


def km_drawing(curves, at_risk_years, at_risk_rows, *, title, ylabel, xmax_years, xlabel="",
               y_range=None, time_unit="years"):
    """The figure of :func:`km_figure`, not saved. ``y_range`` None: survival style, from below
    the lowest point drawn to 100%. The x axis in ``time_unit`` (years or months; ``xlabel``
    by default '<unit> since randomization'), ticked at the at-risk times."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(8, 5.2 + 0.22 * len(at_risk_rows)))
    draw_km_panel(fig, fig.add_gridspec(1, 1)[0], curves, at_risk_years, at_risk_rows,
                  title=title, ylabel=ylabel, xmax_years=xmax_years,
                  xlabel=xlabel or time_axis_label(time_unit, "randomization"), y_range=y_range,
                  scale=unit_scale(time_unit))
    return fig


def _steps(f) -> tuple[np.ndarray, np.ndarray]:
    """Step corners of a Kaplan-Meier result (days, proportion): the start, each drop, the end."""
    jumps = np.flatnonzero(f.n_event > 0)
    if jumps.size > MAX_PLOT_STEPS:
        x = np.linspace(0.0, float(f.time[-1]), MAX_PLOT_STEPS)
        return x, f.survival_at(x)
    x = np.concatenate([[0.0], f.time[jumps], [f.time[-1]]])
    y = np.concatenate([[1.0], f.survival[jumps], [f.survival[-1]]])
    return x, y


def km_curve(f, label: str, colour: str, settings=None) -> Curve:
    """The :class:`Curve` of one Kaplan-Meier result ``f`` (days -> years, proportion ->
    percent) with its censoring ticks; with ``settings`` (an AnalysisSettings) its CI band in
    the analysis' level and transform."""
    x, y = _steps(f)
    band = None
    if settings is not None:
        lo, hi = f.confidence_interval(settings.confidence_level, settings.conf_type, times=x)
        band = (100 * np.nan_to_num(lo, nan=0.0), 100 * np.nan_to_num(hi, nan=1.0))
    cens = np.flatnonzero(f.n_censor > 0)
    return Curve(label=label, colour=colour, x_years=x / DAYS_PER_YEAR, y_pct=100 * y,
                 band=band, censor_x_years=f.time[cens] / DAYS_PER_YEAR,
                 censor_y_pct=100 * f.survival[cens])


def analysis_curves(result, ci_bands: bool = False) -> list[Curve]:
    """Kaplan-Meier curves by arm of an :class:`~survtrial.analysis.AnalysisResult`."""
    return [
        km_curve(result.kaplan_meier.by_arm[a].curve,
                 f"{a} (n = {result.n[a]}, {result.events[a]} events)",
                 ARM_COLOURS[i % len(ARM_COLOURS)], result.settings if ci_bands else None)
        for i, a in enumerate(result.arms)
    ]


def kmunicate_rows(result, days=None) -> list[AtRiskRow]:
    """Under the KM axis, per arm (KMunicate: Morris et al., BMJ Open 2019): the numbers at
    risk at each time of ``days`` (default: the analysis' at-risk years, its own numbers), and
    the cumulative numbers of events and of censored patients by then."""
    km = result.kaplan_meier
    rows = []
    for i, a in enumerate(result.arms):
        colour = ARM_COLOURS[i % len(ARM_COLOURS)]
        f = km.by_arm[a].curve
        if days is None:
            at = np.asarray(km.at_risk_years) * DAYS_PER_YEAR
            at_risk = list(km.by_arm[a].n_at_risk.values())
        else:
            at = np.asarray(days, dtype=float)
            at_risk = [int(v) for v in f.n_risk_at(at)]
        upto = np.searchsorted(f.time, at, side="left")  # steps before each time
        events = np.concatenate([[0], np.cumsum(f.n_event)])[upto]
        censored = np.concatenate([[0], np.cumsum(f.n_censor)])[upto]
        rows += [
            AtRiskRow(f"{a}: at risk", colour, at_risk),
            AtRiskRow("events", colour, [int(v) for v in events]),
            AtRiskRow("censored", colour, [int(v) for v in censored]),
        ]
    return rows


def _last_day(km) -> float:
    return max(float(e.curve.time[-1]) for e in km.by_arm.values())


def analysis_km_figure(result, endpoint: str, out_stem: Path, ci_bands: bool = False,
                       time_unit: str = "years"):
    """KM by arm with censoring ticks (optional CI bands, the analysis' transform), the
    KMunicate table under it, log-rank p and HR in the title; x in ``time_unit``."""
    from survtrial.report.analysis_tables import fmt

    km = result.kaplan_meier
    last = _last_day(km)
    days = None if time_unit == "years" else at_risk_days(last, time_unit)
    hr = result.cox.overall.hazard_ratio
    title = f"{endpoint} by arm: log-rank p = {fmt(result.logrank.pvalue, 'p')}" + (
        f", HR {hr:.2f}" if hr is not None else ""
    )
    return km_figure(
        analysis_curves(result, ci_bands),
        km.at_risk_years if days is None else days / DAYS_PER_YEAR,
        kmunicate_rows(result, days),
        title=title,
        ylabel=f"{endpoint} (%)",
        xmax_years=last / DAYS_PER_YEAR,
        out_stem=out_stem,
        xlabel=time_axis_label(time_unit, "start of follow-up"),
        time_unit=time_unit,
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


def incidence_figure(result, out_stem: Path, time_unit: str = "years") -> list[Path]:
    """Cumulative incidence by cause and arm (Aalen-Johansen, cmprsk's estimator), x in
    ``time_unit``; drawn by :func:`incidence_drawing`."""
    return save_figure(incidence_drawing(result, time_unit), out_stem)


def incidence_drawing(result, time_unit: str = "years"):
    """The figure of :func:`incidence_figure`: the curves of :func:`incidence_curves` over the
    numbers at risk by arm (the analysis' own at-risk years, or every 3/6/12 months of
    :func:`at_risk_days` read off each arm's Kaplan-Meier), not saved."""
    curves = incidence_curves(result)
    top = max((float(np.max(c.y_pct)) for c in curves), default=1.0)
    xmax = max((float(c.x_years[-1]) for c in curves), default=1.0)
    km = result.kaplan_meier
    if check_time_unit(time_unit) == "years":
        years = np.asarray(km.at_risk_years, dtype=float)
        values = {a: list(km.by_arm[a].n_at_risk.values()) for a in result.arms}
    else:
        days = at_risk_days(_last_day(km), time_unit)
        years = days / DAYS_PER_YEAR
        values = {a: [int(v) for v in km.by_arm[a].curve.n_risk_at(days)] for a in result.arms}
    rows = [AtRiskRow(a, ARM_COLOURS[i % len(ARM_COLOURS)], values[a])
            for i, a in enumerate(result.arms)]
    return km_drawing(
        curves, years, rows,
        title="Cumulative incidence by cause and arm", ylabel="Cumulative incidence (%)",
        xmax_years=xmax, xlabel=time_axis_label(time_unit, "start of follow-up"),
        y_range=(0.0, max(5.0, 5.0 * math.ceil(top * 1.1 / 5.0))), time_unit=time_unit,
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


def consort_boxes(flow, arm_labels: dict[str, str]) -> list[tuple[str, list[str]]]:
    """The CONSORT diagram's rows, top to bottom: ("main", [text]), ("side", [not randomized])
    or ("arms", [one text per arm]). Works on a :class:`survtrial.trial.Consort` (simulated)
    and a :class:`survtrial.analysis.consort.TrialFlow` (real data): a count that is None is
    left out; risk groups, eligible, events and censored are drawn where the flow has them."""
    import textwrap

    risk = getattr(flow, "risk_groups", None)
    risk_of = getattr(flow, "risk_group_of", None)

    def with_risk(text: str, who: str) -> str:
        if not risk or risk_of != who:
            return text
        groups = ["    " + textwrap.shorten(f"{g}: {n}", 44) for g, n in risk.items()]
        return "\n".join([text, "  by risk group:", *groups])

    rows: list[tuple[str, list[str]]] = []
    if flow.enrolled is not None:
        rows.append(("main", [with_risk(f"Enrolled: {flow.enrolled}", "enrolled")]))
    if getattr(flow, "eligible", None) is not None:
        rows.append(("main", [f"Eligible: {flow.eligible}"]))
    if flow.not_randomized is not None:
        excluded = sum(flow.not_randomized.values()) + flow.randomization_pending
        lines = [f"Not randomized: {excluded}"]
        for r, n in flow.not_randomized.items():
            lines.append(textwrap.fill(f"{n}: {r}", 56, initial_indent="  ",
                                       subsequent_indent="      "))
        if flow.randomization_pending:
            lines.append(f"  {flow.randomization_pending}: randomization pending at the cut")
        rows.append(("side", ["\n".join(lines)]))
    total = getattr(flow, "randomized_total", None)
    if total is None and not hasattr(flow, "randomized_total") and flow.randomized is not None:
        total = sum(flow.randomized.values())  # the simulated flow: every arm is compared
    if total is not None:
        rows.append(("main", [with_risk(f"Randomized: {total}", "randomized")]))
    arms = list(flow.analysed)
    label = {a: textwrap.fill(str(arm_labels.get(a, a)), 30) for a in arms}
    if flow.randomized is not None:
        rows.append(("arms", [f"{label[a]}\nallocated: {flow.randomized[a]}" for a in arms]))
    events = getattr(flow, "events", None)
    censored = getattr(flow, "censored", None)
    rows.append(("arms", [
        ("" if flow.randomized is not None else f"{label[a]}\n") + f"Analysed: {flow.analysed[a]}"
        + (f"\nevents: {events[a]}, censored: {censored[a]}" if events is not None else "")
        for a in arms
    ]))  # fmt: skip
    return rows


def consort_figure(flow, arm_labels: dict[str, str], out_stem: Path) -> list[Path]:
    """The CONSORT flow diagram (boxes and arrows) of :func:`consort_boxes`: the main column,
    the not-randomized box beside it, then one column per arm (one for a pooled flow)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = consort_boxes(flow, arm_labels)
    sizes = {"main": 8.0, "side": 6.5, "arms": 8.0}

    def height(text: str, kind: str) -> float:  # inches
        return (text.count("\n") + 1) * sizes[kind] * 1.3 / 72 + 0.22

    heights = [max(height(t, kind) for t in texts) + 0.3 for kind, texts in rows]
    total = sum(heights) + 0.2
    fig, ax = plt.subplots(figsize=(8, total))
    ax.set_axis_off()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, total)
    box = {"boxstyle": "round,pad=0.4", "fc": "#f4f6fa", "ec": "#555", "lw": 0.8}
    arrow = {"arrowstyle": "->", "lw": 0.8, "shrinkA": 5, "shrinkB": 5}
    main_x, top = 3.2, total - 0.1
    previous: list = []  # the boxes the next row's arrows start from
    for (kind, texts), h in zip(rows, heights, strict=True):
        y = top - h / 2
        top -= h
        if kind == "side":
            side = ax.text(5.2, y, plain_text(texts[0]), ha="left", va="center",
                           fontsize=sizes[kind], bbox=box)
            ax.annotate("", (0, 0.5), xycoords=side, xytext=(main_x, y), textcoords="data",
                        arrowprops={**arrow, "shrinkA": 0})
            continue
        xs = [main_x] if kind == "main" else [
            main_x - 1.7 * (len(texts) - 1) + 3.4 * i for i in range(len(texts))]
        made = [ax.text(x, y, plain_text(t), ha="center", va="center", fontsize=sizes[kind],
                        bbox=box, multialignment="left" if "by risk group" in t else "center")
                for x, t in zip(xs, texts, strict=True)]
        for i, b in enumerate(made):
            for a in [previous[i]] if len(previous) == len(made) else previous:
                ax.annotate("", (0.5, 1.0), xycoords=b, xytext=(0.5, 0.0), textcoords=a,
                            arrowprops=arrow)
        previous = made
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
