"""Published versus simulated: each published quantity beside one simulated trial and the
replicate median and 2.5-97.5% range, with the closeness rule it is judged by."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from survtrial.analysis import names


@dataclass(frozen=True, slots=True)
class Closeness:
    """How close the replicate median must come to the published value."""

    tolerance: float
    kind: str  # "abs" or "rel"
    unit: str


def closeness_rules(endpoint: str) -> tuple[tuple[re.Pattern, Closeness], ...]:
    """Rules by kind of quantity (first match wins). Survival, incidence and their SEs in
    percentage points; p-values are judged by their place in the simulated distribution only
    (inside its 2.5-97.5% range or not). ``endpoint`` is kept for callers; names of every
    endpoint (``dfs3_``, ``os3_``) follow the same rules."""
    pct = Closeness(1.0, "abs", "percentage point")
    return (
        (re.compile(r"^(hr_pvalue_|p_)"), Closeness(math.inf, "abs", "p-value")),
        (re.compile(r"^[a-z]+\d+(_\d+)?_se_"), pct),
        (re.compile(r"^hr_"), Closeness(0.08, "abs", "")),
        (re.compile(rf"^{names.RMST_DIFFERENCE}$"), Closeness(12.0, "abs", "days")),
        (re.compile(r"^([a-z]+_)?at_risk_"), Closeness(0.10, "rel", "relative")),
        (re.compile(r"^randomized_"), Closeness(0.05, "rel", "relative (assumption)")),
        (re.compile(r".*_\d+(_\d+)?y_"), Closeness(1.0, "abs", "percentage point (assumption)")),
        (re.compile(rf"^{names.MEDIAN_FOLLOW_UP}$"), Closeness(0.25, "abs", "years (assumption)")),
        (re.compile(r"^[a-z]+\d+(_\d+)?_"), pct),
    )


def closeness(key: str, endpoint: str) -> Closeness:
    for pattern, rule in closeness_rules(endpoint):
        if pattern.search(key):
            return rule
    return Closeness(math.inf, "abs", "")


def replicate_range(values: np.ndarray) -> tuple[float, float, float]:
    """(median, 2.5th, 97.5th percentile) of the finite values; NaN when there are none."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return (math.nan, math.nan, math.nan)
    lo, med, hi = np.percentile(v, [2.5, 50, 97.5])
    return float(med), float(lo), float(hi)


def rounded(x: float | None) -> float | None:
    """Six significant digits (what results.json keeps); None for missing or not finite."""
    if x is None:
        return None
    x = float(x)
    return float(f"{x:.6g}") if math.isfinite(x) else None


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    key: str
    published: float | None
    simulated: float | None  # the first simulated trial
    replicate_median: float | None
    replicate_low: float | None
    replicate_high: float | None
    within_range: bool | None  # None: nothing published to compare
    close: bool | None
    note: str
    role: str | None = None  # "calibration_target" or "held_out"; None: nothing published
    fitted_parameters: tuple[str, ...] = ()
    # share of replicates below the published value (where it falls in the simulated spread)
    published_percentile: float | None = None
    # p-values only: share of replicates with p < 0.05 (the simulated power or type I error)
    share_below_0_05: float | None = None

    @property
    def reached(self) -> bool | None:
        return None if self.within_range is None else bool(self.within_range and self.close)


def compare(
    published: dict[str, float],
    first_trial: dict[str, float | None],
    replicates: dict[str, np.ndarray],
    endpoint: str,
    role_of=lambda key: (None, ()),
) -> tuple[ComparisonRow, ...]:
    """One row per published quantity (every replicate quantity when nothing is published);
    ``role_of(key)`` gives (role, fitted parameters), e.g. ``Protocol.published_role``."""
    keys = list(published) or [k for k in first_trial if k in replicates]
    rows = []
    for key in keys:
        pub = published.get(key)
        sim = first_trial.get(key)
        role, fitted = role_of(key) if pub is not None else (None, ())
        if key not in replicates:
            rows.append(
                ComparisonRow(
                    key, rounded(pub), rounded(sim), None, None, None, False, False,
                    "not produced by the engine for this protocol", role, fitted,
                )
            )
            continue
        med, lo, hi = replicate_range(replicates[key])
        rule = closeness(key, endpoint)
        within = close = None
        note = ""
        if pub is not None:
            within = bool(lo <= pub <= hi)
            gap = abs(med - pub) if rule.kind == "abs" else abs(med - pub) / abs(pub)
            close = bool(gap <= rule.tolerance)
            if not within or not close:
                what = [] if within else ["outside the replicate range"]
                if not close:
                    what.append(
                        f"median {med:.3g} not within {rule.tolerance:g} of the published value"
                    )
                note = "the simulation does not reach the published figure: " + "; ".join(what)
        v = np.asarray(replicates[key], dtype=float)
        v = v[np.isfinite(v)]
        percentile = rounded(np.mean(v < pub)) if pub is not None and v.size else None
        below = rounded(np.mean(v < 0.05)) if rule.unit == "p-value" and v.size else None
        rows.append(
            ComparisonRow(
                key, rounded(pub), rounded(sim), rounded(med), rounded(lo), rounded(hi),
                within, close, note, role, fitted, percentile, below,
            )
        )
    return tuple(rows)


@dataclass(frozen=True, slots=True)
class InterimSummary:
    """The first look: one simulated trial, and the replicate distribution."""

    events: float | None
    information_fraction: float | None
    z: float | None
    bound: float | None
    decision: str
    replicate: dict[str, tuple[float | None, float | None, float | None]]  # median, low, high
    share_stopping_at_first_interim: float | None
    published_decision: str | None
    published_decision_role: str | None = None
    fitted_parameters: tuple[str, ...] = ()
    z_convention: str = "stratified log-rank z; negative favours the experimental arm"


def interim_summary(
    interim: dict[str, np.ndarray],
    published_decision: str | None,
    role: tuple[str | None, tuple[str, ...]] = (None, ()),
):
    stop = bool(interim["stopped_at_first"][0])
    rep = {}
    for k in ("events", "information_fraction", "z", "bound"):
        med, lo, hi = replicate_range(interim[k])
        rep[k] = (rounded(med), rounded(lo), rounded(hi))
    return InterimSummary(
        events=rounded(interim["events"][0]),
        information_fraction=rounded(interim["information_fraction"][0]),
        z=rounded(interim["z"][0]),
        bound=rounded(interim["bound"][0]),
        decision="stop for efficacy" if stop else "continue",
        replicate=rep,
        share_stopping_at_first_interim=rounded(np.mean(interim["stopped_at_first"])),
        published_decision=published_decision,
        published_decision_role=role[0] if published_decision else None,
        fitted_parameters=role[1] if published_decision else (),
    )
