"""One interim (or final) look of a group-sequential log-rank trial: the bounds re-spent at the
information observed so far, the committee's decision, repeated CI and p-value, conditional
power and, when the trial stops, the stage-wise ordering inference.

Sign convention: ``z`` is the stratified log-rank statistic ``(O - E) / sqrt(V)`` of the
experimental arm (R's ``survdiff``), negative when it favours the experimental arm. Bounds are
written on the same scale: stop for efficacy when ``z <= efficacy_bound`` (two-sided designs:
also when ``z >= -efficacy_bound``), for futility when ``z >= futility_bound``.

The design at look ``k`` is rpact's ``getDesignGroupSequential`` with the observed information
rates ``t_j = d_j / D`` (``D`` the planned events) for ``j <= k`` followed by the planned rates
beyond ``t_k``; the same spending families (Lan & DeMets 1983) spend ``a(t_j)`` at each look.
A final look (``d_k = D``, or the protocol's last look) spends all of ``alpha``. Repeated CI,
repeated p, conditional power and final inference are rpact's ``getAnalysisResults`` on that
design (``directionUpper = FALSE``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtr

from survtrial._errors import InputError
from survtrial.design import (
    GroupSequentialDesign,
    conditional_power,
    final_inference,
    group_sequential,
    repeated_confidence_intervals,
    update_bounds,
)
from survtrial.monitor.plan import MonitoringPlan

CONTINUE = "continue"
EFFICACY = "stop for efficacy"
FUTILITY = "stop for futility"
P_TOLERANCE = 1e-6  # rpact's analysis tolerance: the smallest repeated p-value reported
SIGN_CONVENTION = (
    "z = (O - E) / sqrt(V) of the experimental arm (stratified log-rank, R's survdiff): "
    "negative favours the experimental arm. Bounds are on the same scale: stop for efficacy "
    "when z <= efficacy_bound, for futility when z >= futility_bound."
)


@dataclass(frozen=True)
class Look:
    """One look's data: its name, cumulative events and log-rank z."""

    name: str
    events: int
    z: float


@dataclass(frozen=True)
class MonitoringLook:
    """The monitoring of one look (see the module docstring for the sign convention).

    Attributes
    ----------
    look, look_number, final : str, int, bool
        The look's name, its 1-based position among the looks done, and whether it is the
        final analysis.
    events, planned_events, information_fraction
        Cumulative events, events planned at the final analysis, and their ratio.
    z, hazard_ratio
        Stratified log-rank z and the hazard ratio it implies,
        ``exp(z (1 + r) / sqrt(r d))`` (Schoenfeld 1981).
    efficacy_bound, futility_bound
        z bounds at this look (``futility_bound`` None without futility monitoring; at the
        final look it equals the efficacy bound); ``nominal_p_bound`` is the one-sided nominal
        level of the efficacy bound.
    nominal_p
        p-value of ``z`` alone (one-sided for a one-sided design, else two-sided).
    decision
        ``"stop for efficacy"``, ``"stop for futility"`` or ``"continue"``.
    repeated_ci_low, repeated_ci_high, repeated_ci_level
        Repeated confidence interval for the hazard ratio (Jennison & Turnbull 1989) and its
        simultaneous coverage ``1 - 2 alpha / sided``.
    repeated_p
        Smallest alpha at which the design (same spending family, same looks) rejects at this
        look (rpact's ``repeatedPValues``; futility ignored unless binding).
    conditional_power_design, conditional_power_trend
        Probability of rejecting by the final look given the data, under the design's hazard
        ratio and under the current estimate (None at the final look).
    hazard_ratio_design, hazard_ratio_trend
        The hazard ratios those assume.
    final_p, median_unbiased_hr, final_ci_low, final_ci_high
        Stage-wise ordering inference when the trial stops (None when it continues, and after
        a non-binding futility stop, where rpact gives none).
    looks
        Every look so far, this one last.
    information_rates, efficacy_bounds, futility_bounds, cumulative_alpha_spent
        The design used at this look: its looks (observed, then planned) and bounds.
    arms
        (control, experimental) arm labels of the data.
    plan
        The monitoring plan.
    """

    look: str
    look_number: int
    final: bool
    events: int
    planned_events: int
    information_fraction: float
    z: float
    hazard_ratio: float
    efficacy_bound: float
    futility_bound: float | None
    nominal_p_bound: float
    nominal_p: float
    decision: str
    repeated_ci_low: float
    repeated_ci_high: float
    repeated_ci_level: float
    repeated_p: float
    conditional_power_design: float | None
    conditional_power_trend: float | None
    hazard_ratio_design: float
    hazard_ratio_trend: float
    final_p: float | None
    median_unbiased_hr: float | None
    final_ci_low: float | None
    final_ci_high: float | None
    looks: tuple[Look, ...]
    information_rates: tuple[float, ...]
    efficacy_bounds: tuple[float, ...]
    futility_bounds: tuple[float, ...]
    cumulative_alpha_spent: tuple[float, ...]
    arms: tuple[str, str]
    plan: MonitoringPlan
    sign_convention: str = SIGN_CONVENTION


def monitoring_design(
    plan: MonitoringPlan,
    observed: Sequence[float],
    final: bool,
    alpha: float | None = None,
    futility: bool = True,
) -> GroupSequentialDesign:
    """The design at the current look: observed information ``observed`` (fractions of the
    planned events), then the planned looks beyond; ``alpha`` replaces the plan's (for the
    repeated p-value); ``futility=False`` drops beta spending."""
    t = np.asarray(observed, dtype=float)
    alpha = plan.alpha if alpha is None else alpha
    beta_spending = plan.beta_spending if futility else None
    common = dict(
        alpha=alpha,
        beta=plan.beta,
        alpha_gamma=plan.alpha_gamma,
        beta_gamma=plan.beta_gamma,
        binding_futility=plan.binding_futility and beta_spending is not None,
        sided=plan.sided,
    )
    if final and t[-1] < 1.0 - 1e-12:
        # under-running final look: a(t_j) at the interims, all of alpha at the last (rpact's
        # asUser with the rates rescaled to the last look)
        if beta_spending is not None and plan.binding_futility:
            raise InputError(
                "look: a final look before the planned events cannot be monitored with binding "
                "beta-spending futility bounds"
            )
        planned = group_sequential(
            list(plan.information_rates), alpha_spending=plan.alpha_spending, **common
        )
        spent = update_bounds(planned, t, final=True).cumulative_alpha_spent
        common["binding_futility"] = False
        return group_sequential(list(t / t[-1]), alpha_spending=list(spent), **common)
    rates = list(t) if final else [*t, *(r for r in plan.information_rates if r > t[-1] + 1e-9)]
    return group_sequential(
        rates, alpha_spending=plan.alpha_spending, beta_spending=beta_spending, **common
    )


def _repeated_p(plan, observed, final, x, k, binding) -> float:
    """rpact's repeated p-value: the alpha whose design's bound at look ``k`` equals ``x``."""
    stat = abs(x) if plan.sided == 2 else x

    def gap(level: float) -> float:
        d = monitoring_design(plan, observed, final, alpha=level, futility=binding)
        return float(min(d.efficacy_bounds[k - 1], 8.0)) - stat

    hi = 0.5 - 1e-9  # rpact searches levels up to 0.5, for both one- and two-sided designs
    if gap(hi) > 0:
        return 0.5
    if gap(P_TOLERANCE) <= 0:
        return P_TOLERANCE
    return float(brentq(gap, P_TOLERANCE, hi, xtol=1e-10))


def _decide(plan, final, x, c, f) -> str:
    crossed = abs(x) >= c if plan.sided == 2 else x >= c
    if crossed:
        return EFFICACY
    if final or (f is not None and x <= f):
        return FUTILITY
    return CONTINUE


def monitor_look(
    plan: MonitoringPlan,
    looks: Sequence[Look],
    arms: tuple[str, str],
    final: bool | None = None,
) -> MonitoringLook:
    """Monitor the last of ``looks`` (the earlier ones are the history) under ``plan``.

    ``final`` forces the last look to be (or not be) the final analysis; by default it is
    final when its events reach the planned events or it is the protocol's last look.
    """
    looks = tuple(looks)
    if not looks:
        raise InputError("looks: no look to monitor")
    cur = looks[-1]
    d_plan = plan.planned_events
    if cur.events > d_plan:
        raise InputError(
            f"events: look {cur.name!r} has {cur.events} events, more than the {d_plan} planned "
            f"for the final analysis ({plan.source}); a look cannot exceed the plan"
        )
    for prev, nxt in pairwise(looks):
        if nxt.events <= prev.events:
            raise InputError(
                f"history: look {nxt.name!r} has {nxt.events} events, not more than the "
                f"{prev.events} of the earlier look {prev.name!r}"
            )
    if final is None:
        final = cur.events >= d_plan or bool(plan.look_names and cur.name == plan.look_names[-1])
    k = len(looks)
    events = np.array([lk.events for lk in looks], dtype=float)
    z = np.array([lk.z for lk in looks], dtype=float)
    observed = events / d_plan
    design = monitoring_design(plan, observed, final)
    r = plan.allocation_ratio
    x = -z  # large favours the experimental arm (the design's orientation)
    crit = np.asarray(design.efficacy_bounds)
    for j in range(k - 1):
        hit = abs(x[j]) >= crit[j] if plan.sided == 2 else x[j] >= crit[j]
        if hit:
            raise InputError(
                f"history: the trial crossed the efficacy bound at look {looks[j].name!r} "
                f"(z = {z[j]:.4f}); it stopped there"
            )
    c = float(crit[k - 1])
    has_futility = plan.sided == 1 and design.has_futility
    if final:
        f = c if plan.sided == 1 else None
    else:
        f = float(design.futility_bounds[k - 1]) if has_futility else None
        f = None if f is not None and not np.isfinite(f) else f
    decision = _decide(plan, final, float(x[-1]), c, None if final else f)
    rci = repeated_confidence_intervals(design, z, events, r)
    nominal = float(ndtr(z[-1]))
    if plan.sided == 2:
        nominal = 2.0 * min(nominal, 1.0 - nominal)
    binding = plan.binding_futility and plan.beta_spending is not None
    rep_p = _repeated_p(plan, observed, final, float(x[-1]), k, binding)
    hr_trend = float(np.exp(z[-1] * (1.0 + r) / np.sqrt(r * events[-1])))
    cp_design = cp_trend = None
    if not final:
        future = np.asarray(design.information_rates)[k:] * d_plan
        cp_design = conditional_power(design, z, events, future, plan.hazard_ratio, r).power
        cp_trend = conditional_power(design, z, events, future, None, r).power
    inference = None
    if decision == EFFICACY or final or (decision == FUTILITY and binding):
        inference = final_inference(design, z, events, r)
    fut_all = np.full(design.kmax, np.nan)
    fut_all[:-1] = design.futility_bounds
    fut_all[-1] = crit[-1]
    return MonitoringLook(
        look=cur.name,
        look_number=k,
        final=bool(final),
        events=int(cur.events),
        planned_events=int(d_plan),
        information_fraction=float(observed[-1]),
        z=float(z[-1]),
        hazard_ratio=hr_trend,
        efficacy_bound=-c,
        futility_bound=None if f is None else -f,
        nominal_p_bound=float(ndtr(-c)),
        nominal_p=nominal,
        decision=decision,
        repeated_ci_low=float(rci.lower[-1]),
        repeated_ci_high=float(rci.upper[-1]),
        repeated_ci_level=1.0 - 2.0 * plan.alpha / plan.sided,
        repeated_p=rep_p,
        conditional_power_design=cp_design,
        conditional_power_trend=cp_trend,
        hazard_ratio_design=plan.hazard_ratio,
        hazard_ratio_trend=hr_trend,
        final_p=None if inference is None else inference.p_value,
        median_unbiased_hr=None if inference is None else inference.hazard_ratio,
        final_ci_low=None if inference is None else inference.lower,
        final_ci_high=None if inference is None else inference.upper,
        looks=looks,
        information_rates=tuple(float(t) for t in design.information_rates),
        efficacy_bounds=tuple(float(-b) for b in crit),
        futility_bounds=tuple(float(-b) for b in fut_all) if has_futility else (),
        cumulative_alpha_spent=tuple(float(a) for a in design.cumulative_alpha_spent),
        arms=arms,
        plan=plan,
    )


__all__ = [
    "CONTINUE",
    "EFFICACY",
    "FUTILITY",
    "SIGN_CONVENTION",
    "Look",
    "MonitoringLook",
    "monitor_look",
    "monitoring_design",
]
