"""The forest plot: hazard ratios with their CIs overall, by stratum and by subgroup level,
with Cochran's Q across strata and the likelihood-ratio arm x subgroup test of each factor.

:func:`forest_rows` reads them from an :class:`~survtrial.analysis.AnalysisResult`;
:func:`draw_forest` draws exactly those rows (one marker and one CI line per estimable row,
a bold header per subgroup factor), top to bottom in their order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ForestRow:
    label: str
    hazard_ratio: float | None
    low: float | None
    high: float | None
    n: int | None
    events: int | None
    kind: str = "stratum"  # "overall", "stratum", "header" (a subgroup factor), "subgroup"


def _p(p: float | None) -> str:
    return "-" if p is None else (f"{p:.2g}" if p < 0.001 else f"{p:.3f}")


def forest_rows(result) -> list[ForestRow]:
    """The overall hazard ratio, one row per stratum, then per subgroup factor a header
    (its interaction test) and one row per level, as the analysis estimated them."""
    cox = result.cox
    name = "Overall (stratified)" if cox.overall_stratified else "Overall"
    rows = [ForestRow(name, cox.overall.hazard_ratio, *cox.overall.ci, cox.overall.n,
                      cox.overall.events, "overall")]
    for st, c in cox.by_stratum.items():
        rows.append(ForestRow(st, c.hazard_ratio, *c.ci, c.n, c.events))
    for sg in result.subgroups:
        it = sg.interaction
        rows.append(ForestRow(f"{sg.column}: interaction p = {_p(it.pvalue)} (LR, {it.df} df)",
                              None, None, None, None, None, "header"))
        for lv in sg.levels:
            c = lv.cox
            rows.append(ForestRow(f"{sg.column} = {lv.level}", c.hazard_ratio, *c.ci,
                                  sum(lv.n.values()), sum(lv.events.values()), "subgroup"))
    return rows


def _title(result) -> str:
    parts = ["stratum"] if result.cox.by_stratum else []
    parts += ["subgroup"] if result.subgroups else []
    title = "Hazard ratio by " + " and ".join(parts or ["stratum"])
    h = result.cox.heterogeneity
    if h is not None and h.pvalue is not None:
        title += f"; strata: Cochran's Q = {h.statistic:.2f} on {h.df} df, p = {h.pvalue:.3g}"
    return title


def draw_forest(rows: list[ForestRow], xlabel: str, title: str):
    """A matplotlib figure of ``rows`` (log x axis): returned open, for saving or reading."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, NullFormatter, StrMethodFormatter

    fig, ax = plt.subplots(figsize=(7.5, 1.2 + 0.4 * len(rows)))
    ys = np.arange(len(rows))[::-1]
    for y, r in zip(ys, rows, strict=True):
        if r.hazard_ratio is None or r.low is None or r.high is None:
            continue
        ax.plot([r.low, r.high], [y, y], color="#333", lw=1.2)
        big = r.kind == "overall"
        ax.plot([r.hazard_ratio], [y], "s" if big else "o", color="#1f5fa8",
                markersize=7 if big else 5)
        ax.text(1.02, y, f"{r.hazard_ratio:.2f} ({r.low:.2f}-{r.high:.2f})",
                transform=ax.get_yaxis_transform(), va="center", fontsize=8)
    ax.axvline(1.0, color="#999", lw=0.8, ls="--")
    ax.set_xscale("log")
    drawn = [r for r in rows if r.hazard_ratio is not None and r.low and r.high]
    lo = min((r.low for r in drawn), default=0.1)
    hi = max((r.high for r in drawn), default=1.0)
    ticks = [t for t in (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10) if lo / 2 <= t <= max(hi, 1) * 2]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    labels = [r.label if r.kind == "header" else f"{r.label} (n = {r.n}, {r.events} events)"
              for r in rows]
    ax.set_yticks(ys, labels, fontsize=8)
    for tick, r in zip(ax.get_yticklabels(), rows, strict=True):
        if r.kind == "header":
            tick.set_fontweight("bold")
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def forest_drawing(result):
    """:func:`draw_forest` of :func:`forest_rows` with the result's axis label and title."""
    return draw_forest(
        forest_rows(result),
        f"Hazard ratio, {result.cox.hazard_ratio_of} (log scale)",
        _title(result),
    )
