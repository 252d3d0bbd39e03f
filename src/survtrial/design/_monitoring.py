"""Interim monitoring of a group-sequential log-rank trial, and inference after stopping.

Data enter as the overall (cumulative) log-rank z statistics and events at the looks done so
far. survtrial's sign convention: a negative z favours the experimental arm, and the hazard
ratio estimate at look ``k`` is ``exp(z_k (1 + r) / sqrt(r d_k))`` (Schoenfeld 1981), with ``r``
the experimental : control allocation and ``d_k`` the cumulative events. The alternative is a
hazard ratio below 1 (rpact's ``directionUpper = FALSE``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from survtrial._errors import InputError
from survtrial.design import _checks
from survtrial.design._checks import brentq
from survtrial.design._events import check_design
from survtrial.design._group_sequential import (
    GroupSequentialDesign,
    _frozen,
    _futility_bounds_for_drift,
    cumulative_alpha,
    efficacy_bounds,
    reported_bounds,
)
from survtrial.design._kernel import LOWER_LIMIT, UPPER_LIMIT, Paths, exit_probabilities
from survtrial.design._spending import spending

# ---------------------------------------------------------------------------------------------
# bounds at the observed information


@dataclass(frozen=True)
class MonitoringBounds:
    """Bounds re-spent at the information fractions actually observed.

    Attributes
    ----------
    information_fractions : ndarray
        Observed information (events) at each look divided by the planned maximum.
    final : bool
        Whether the last look is the final analysis (it then spends all remaining alpha).
    efficacy_bounds : ndarray
        z bounds at the observed looks.
    futility_bounds : ndarray
        Futility z bounds at the observed interim looks (``-inf`` without beta spending;
        at a final look the futility bound equals the efficacy bound).
    cumulative_alpha_spent : ndarray
        Alpha spent up to each observed look, ``a(min(t, 1))`` (``alpha`` at a final look).
    nominal_p_bounds : ndarray
        One-sided nominal p-values at the efficacy bounds.
    """

    information_fractions: np.ndarray
    final: bool
    efficacy_bounds: np.ndarray
    futility_bounds: np.ndarray
    cumulative_alpha_spent: np.ndarray
    nominal_p_bounds: np.ndarray


def _cumulative(
    family: str, total: float, gamma, user, planned: np.ndarray, t: np.ndarray, sides: int
) -> np.ndarray:
    if family == "user":
        # a user spending vector is interpolated linearly in the information fraction
        return np.interp(np.minimum(t, 1.0), np.r_[0.0, planned], np.r_[0.0, user])
    return spending(family, total, t, gamma, sides)


def spending_bounds(
    information_rates: Sequence[float] | np.ndarray,
    alpha: float = 0.025,
    alpha_spending: str | Sequence[float] = "OF",
    alpha_gamma: float | None = None,
    sided: int = 1,
) -> np.ndarray:
    """The efficacy z bounds of :func:`~survtrial.design.group_sequential` without futility,
    and nothing else: the same checks, alpha spending and recursion (the same numbers) without
    the drift for the design's power and its expected sample sizes, in about half the time;
    ``inf`` where rpact reports no bound (7.5 or more).
    For monitoring code that recomputes bounds at many observed information paths."""
    rates = _checks.information_rates(information_rates)
    alpha, _, sided = _checks.error_rates(alpha, 0.2, sided)
    _, cum = cumulative_alpha(rates, alpha, alpha_spending, alpha_gamma, sided)
    return reported_bounds(efficacy_bounds(rates, cum, sided))


def update_bounds(
    design: GroupSequentialDesign,
    information_fractions: Sequence[float],
    final: bool = False,
) -> MonitoringBounds:
    """Recompute the bounds by spending at the observed information fractions.

    Parameters
    ----------
    design : GroupSequentialDesign
        The planned design; its spending functions are used.
    information_fractions : sequence of float
        Observed information at each look done so far (for a log-rank test, events observed
        divided by the planned maximum number of events), strictly increasing; values above 1
        (over-running) are allowed. Skipped or extra looks are simply absent or present.
    final : bool
        The last look is the final analysis: it spends all the remaining alpha whatever its
        information (under- or over-running).

    Notes
    -----
    The Lan & DeMets (1983) recipe: at look ``k`` spend ``a(min(t_k, 1))`` (``alpha`` at the
    final look) with the correlations ``sqrt(t_j / t_k)`` of the observed information. This
    is what rpact gives for ``getDesignGroupSequential(typeOfDesign = "asUser",
    userAlphaSpending = c(a(t_1), ..., alpha), informationRates = t / t_K)``. With beta
    spending, futility bounds are re-spent the same way under the design's drift; futility
    bounds given directly (non-binding) are not carried over (``-inf``).
    A user spending vector is interpolated linearly in ``t``.
    """
    design = check_design(design)
    t = _checks.fractions_observed(information_fractions, "information_fractions")
    final = bool(final)
    if design.has_futility and design.beta_spending is None and design.binding_futility:
        raise InputError(
            "design: bounds cannot be re-spent with given binding futility bounds (they are "
            "tied to the planned looks); use beta spending or non-binding futility"
        )
    planned = np.asarray(design.information_rates)
    cum_a = _cumulative(
        design.alpha_spending,
        design.alpha,
        design.alpha_gamma,
        design.user_alpha_spending,
        planned,
        t,
        design.sided,
    )
    if final:
        cum_a[-1] = design.alpha
    if np.any(np.diff(cum_a) < 0):  # pragma: no cover - spending functions are monotone
        raise InputError("information_fractions: spending must not decrease")
    fut = np.full(t.size, -np.inf)
    if design.beta_spending is not None and design.sided == 1:
        cum_b = _cumulative(
            design.beta_spending,
            design.beta,
            design.beta_gamma,
            design.user_beta_spending,
            planned,
            t,
            1,
        )
        if final:
            cum_b[-1] = design.beta
        critical = None if design.binding_futility else efficacy_bounds(t, cum_a, 1)
        crit, f_all = _futility_bounds_for_drift(t, cum_b, design.drift, critical, cum_a)
        fut = f_all.copy()
        if final:
            fut[-1] = crit[-1]
    else:
        crit = efficacy_bounds(t, cum_a, design.sided)
    crit = np.where(crit >= 7.5 - 1e-8, np.inf, crit)
    return MonitoringBounds(
        information_fractions=_frozen(t),
        final=final,
        efficacy_bounds=_frozen(crit),
        futility_bounds=_frozen(fut),
        cumulative_alpha_spent=_frozen(cum_a),
        nominal_p_bounds=_frozen(ndtr(-crit)),
    )


# ---------------------------------------------------------------------------------------------
# data at the looks


def _data(design, z, events, allocation_ratio):
    z = _checks.as_float_array(z, "z")
    d = _checks.as_float_array(events, "events")
    if z.size != d.size:
        raise InputError(f"events: has {d.size} values but z has {z.size}; one per look")
    if z.size > design.kmax:
        raise InputError(f"z: {z.size} looks given but the design has {design.kmax}")
    if (d <= 0).any() or (np.diff(d) <= 0).any():
        raise InputError("events: cumulative events must be positive and strictly increasing")
    r = _checks.positive(allocation_ratio, "allocation_ratio")
    return z, d, r


def _se(d: np.ndarray, r: float) -> np.ndarray:
    return (1.0 + r) / np.sqrt(r * d)


@dataclass(frozen=True)
class RepeatedConfidenceIntervals:
    """Repeated confidence intervals for the hazard ratio (Jennison & Turnbull 1989).

    ``hazard_ratio``, ``lower`` and ``upper`` have one value per look; the coverage is
    simultaneous, ``1 - alpha`` for two-sided designs and ``1 - 2 alpha`` for one-sided ones.
    """

    hazard_ratio: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


def repeated_confidence_intervals(
    design: GroupSequentialDesign,
    z: Sequence[float],
    events: Sequence[float],
    allocation_ratio: float = 1.0,
) -> RepeatedConfidenceIntervals:
    """Repeated confidence intervals for the hazard ratio at each look.

    ``exp(log HR_k +- c_k (1 + r) / sqrt(r d_k))`` with ``c_k`` the design's efficacy bounds
    (rpact's ``repeatedConfidenceIntervalLowerBounds``/``UpperBounds`` for a group-sequential
    design; rpact finds them by root search, we write them in closed form). Futility bounds
    are treated as non-binding.

    References
    ----------
    .. [1] Jennison C, Turnbull BW. Interim analyses: the repeated confidence interval approach.
       J R Stat Soc B 1989;51:305-361. doi:10.1111/j.2517-6161.1989.tb01429.x
    """
    design = check_design(design)
    z, d, r = _data(design, z, events, allocation_ratio)
    se = _se(d, r)
    log_hr = z * se
    c = np.minimum(np.asarray(design.efficacy_bounds)[: z.size], UPPER_LIMIT)
    return RepeatedConfidenceIntervals(
        hazard_ratio=_frozen(np.exp(log_hr)),
        lower=_frozen(np.exp(log_hr - c * se)),
        upper=_frozen(np.exp(log_hr + c * se)),
    )


@dataclass(frozen=True)
class ConditionalPower:
    """Conditional power at the remaining looks.

    Attributes
    ----------
    hazard_ratio : float
        Hazard ratio assumed for the rest of the trial (the current estimate when none given).
    looks : ndarray
        1-based indices of the remaining looks.
    cumulative : ndarray
        Probability of rejecting H0 at or before each remaining look, given the data.
    """

    hazard_ratio: float
    looks: np.ndarray
    cumulative: np.ndarray

    @property
    def power(self) -> float:
        """Conditional probability of rejecting H0 by the end of the trial."""
        return float(self.cumulative[-1])


def conditional_power(
    design: GroupSequentialDesign,
    z: Sequence[float],
    events: Sequence[float],
    planned_events: Sequence[float],
    hazard_ratio: float | None = None,
    allocation_ratio: float = 1.0,
) -> ConditionalPower:
    """Conditional power given the data so far, under the current trend or an assumed effect.

    Parameters
    ----------
    design : GroupSequentialDesign
    z, events : sequence of float
        Overall log-rank z (negative favours the experimental arm) and cumulative events at the
        looks done so far.
    planned_events : sequence of float
        Planned cumulative events at each remaining look.
    hazard_ratio : float, optional
        Hazard ratio assumed from now on; default: the current estimate (the trend), as in
        rpact. Pass the design alternative for conditional power under the design effect.
    allocation_ratio : float

    Notes
    -----
    Stage-wise increments of the log-rank score are independent with drift
    ``-log(HR) sqrt(r n_j) / (1 + r)`` for ``n_j`` new events. Following rpact's
    ``getConditionalPower`` for group-sequential designs, the data enter through the inverse
    normal combination of the stage-wise statistics with the planned weights
    ``sqrt(t_j - t_{j-1})``, the future bounds ``c_m`` (and futility bounds ``f_m``) are
    rescaled to the remaining increments, and the probability of crossing them is computed by
    the recursive integration over the scaled remaining information ``(t_m - t_k) / (1 - t_k)``
    (Jennison & Turnbull 2000, sec. 10.6).
    """
    design = check_design(design)
    z, d, r = _data(design, z, events, allocation_ratio)
    k, kmax = z.size, design.kmax
    if k >= kmax:
        raise InputError("z: the trial is at its last look; there is no power left to compute")
    future = _checks.as_float_array(planned_events, "planned_events")
    if future.size != kmax - k:
        raise InputError(
            f"planned_events: give the cumulative events of the {kmax - k} remaining look(s)"
        )
    if (np.diff(np.r_[d[-1], future]) <= 0).any():
        raise InputError("planned_events: must exceed the events so far and increase")
    se = _se(d, r)
    hr1 = (
        float(np.exp(z[-1] * se[-1]))
        if hazard_ratio is None
        else _checks.positive(hazard_ratio, "hazard_ratio")
    )
    theta = -np.log(hr1)
    t = np.asarray(design.information_rates)
    w = np.sqrt(np.diff(np.r_[0.0, t]))
    # stage-wise statistics, oriented so that large values favour the experimental arm
    score = np.sqrt(d) * z
    stage = -np.diff(np.r_[0.0, score]) / np.sqrt(np.diff(np.r_[0.0, d]))
    n_new = np.diff(np.r_[d[-1], future]) * r / (1.0 + r) ** 2
    w_past, w_future = w[:k], w[k:]
    big_w = np.sum(w_past**2)
    cum_wf = np.sqrt(np.cumsum(w_future**2))
    combined = float(w_past @ stage)
    drift_part = theta * np.cumsum(np.sqrt(n_new) * w_future)
    crit = np.minimum(np.asarray(design.efficacy_bounds)[k:], UPPER_LIMIT)
    scale = np.sqrt(big_w + cum_wf**2) / cum_wf
    upper = crit * scale - combined / cum_wf - drift_part / cum_wf
    if design.sided == 2:
        overall = -z[-1]  # 1 - Phi^-1 of the overall one-sided p-value
        lower = -crit * scale - overall * np.sqrt(big_w) / cum_wf - drift_part / cum_wf
    else:
        fut = np.asarray(design.futility_bounds)[k:]
        fut = np.where(np.isfinite(fut), fut, LOWER_LIMIT)
        lower = np.full(kmax - k, LOWER_LIMIT)
        lower[:-1] = fut * scale[:-1] - combined / cum_wf[:-1] - drift_part[:-1] / cum_wf[:-1]
    scaled = (t[k:] - t[k - 1]) / (1.0 - t[k - 1])
    _, above = exit_probabilities(lower, upper, scaled)
    return ConditionalPower(
        hazard_ratio=hr1,
        looks=np.arange(k + 1, kmax + 1),
        cumulative=_frozen(np.cumsum(above)),
    )


# ---------------------------------------------------------------------------------------------
# inference after stopping


@dataclass(frozen=True)
class FinalInference:
    """Inference after the trial stopped (stage-wise ordering).

    Attributes
    ----------
    stage : int
        1-based look at which the trial stopped (an efficacy bound was crossed, or the last
        look was reached).
    p_value : float
        Stage-wise ordering p-value (one-sided for ``sided=1``, two-sided for ``sided=2``).
    hazard_ratio : float
        Median-unbiased estimate of the hazard ratio.
    lower, upper : float
        Confidence interval for the hazard ratio at level ``1 - 2 alpha / sided``.
    """

    stage: int
    p_value: float
    hazard_ratio: float
    lower: float
    upper: float


def _stopping_stage(design: GroupSequentialDesign, x: np.ndarray) -> int | None:
    """1-based look at which the statistics ``x`` (large favours experimental) stop the trial."""
    crit = np.asarray(design.efficacy_bounds)
    for j in range(x.size):
        if x[j] >= crit[j] or (design.sided == 2 and x[j] <= -crit[j]):
            return j + 1
        if design.binding_futility and j < design.kmax - 1 and x[j] <= design.futility_bounds[j]:
            return j + 1
    return design.kmax if x.size == design.kmax else None


def final_inference(
    design: GroupSequentialDesign,
    z: Sequence[float],
    events: Sequence[float],
    allocation_ratio: float = 1.0,
) -> FinalInference:
    """Stage-wise ordering p-value, median-unbiased hazard ratio and confidence interval.

    Parameters
    ----------
    design : GroupSequentialDesign
    z, events : sequence of float
        Overall log-rank z (negative favours the experimental arm) and cumulative events at each
        look done, up to the one at which the trial stopped.
    allocation_ratio : float

    Notes
    -----
    Outcomes are ordered by the stage at which a bound is crossed, then by the statistic
    (Armitage 1957; Tsiatis, Rosner & Mehta 1984; Jennison & Turnbull 2000, sec. 8.4). With
    the trial stopped at look ``k`` with statistic ``x_k``, ``P_theta(outcome at least as
    extreme)`` is the probability of crossing ``c_1, ..., c_{k-1}, x_k`` (non-binding futility
    bounds ignored). The p-value is this at ``theta = 0``; the median-unbiased estimate solves
    it equal to 1/2, the confidence limits equal to ``alpha / sided`` and
    ``1 - alpha / sided``. As in rpact, the correlation uses the planned information rates and
    the drift at look ``j`` is ``theta sqrt(d_k t_j / t_k)``; the estimate is on the
    hazard-ratio scale via ``log HR = -theta (1 + r) / sqrt(r)``. If the trial stopped at the
    first look these reduce to the fixed-sample normal ones.

    References
    ----------
    .. [1] Tsiatis AA, Rosner GL, Mehta CR. Exact confidence intervals following a group
       sequential test. Biometrics 1984;40:797-803. doi:10.2307/2530924
    .. [2] Jennison C, Turnbull BW. Group Sequential Methods with Applications to Clinical
       Trials. Chapman & Hall/CRC, 2000, ch. 8.

    Examples
    --------
    Stopped at the second of three O'Brien-Fleming looks (rpact's ``getAnalysisResults``:
    final p-value 0.0035136, median-unbiased hazard ratio 0.50108, CI 0.30330 to 0.82803):

    >>> from survtrial.design import group_sequential
    >>> d = group_sequential([1 / 3, 2 / 3, 1], beta=0.1)
    >>> fi = final_inference(d, z=[-1.5, -2.7], events=[30, 61])
    >>> fi.stage, round(fi.p_value, 7), round(fi.hazard_ratio, 5)
    (2, 0.0035136, 0.50108)
    >>> round(fi.lower, 5), round(fi.upper, 5)
    (0.3033, 0.82803)
    """
    design = check_design(design)
    z, d, r = _data(design, z, events, allocation_ratio)
    x = -z
    k = _stopping_stage(design, x)
    if k is None:
        raise InputError(
            "z: no bound was crossed and the last look is not reached; the trial goes on "
            "(use repeated_confidence_intervals for interim inference)"
        )
    if k < x.size:
        raise InputError(f"z: the trial stopped at look {k}; pass the data up to that look only")
    alpha_side = design.alpha / design.sided
    se = _se(d, r)
    if k == 1:
        p = float(ndtr(z[0]))
        if design.sided == 2:
            p = 2.0 * min(p, 1.0 - p)
        za = -float(ndtri(alpha_side))
        return FinalInference(
            stage=1,
            p_value=p,
            hazard_ratio=float(np.exp(z[0] * se[0])),
            lower=float(np.exp((z[0] - za) * se[0])),
            upper=float(np.exp((z[0] + za) * se[0])),
        )
    t = np.asarray(design.information_rates)[:k]
    crit = np.minimum(np.asarray(design.efficacy_bounds)[:k], UPPER_LIMIT)
    lower = np.full(k, LOWER_LIMIT)
    if design.binding_futility:
        lower[:-1] = np.maximum(design.futility_bounds[: k - 1], LOWER_LIMIT)

    def crossing(last: float) -> Paths:
        upper = crit.copy()
        upper[-1] = min(last, UPPER_LIMIT)
        return Paths(lower, upper, t)

    paths = crossing(x[-1])
    p = float(paths.exits(0.0)[1].sum())
    if design.sided == 2:
        p_other = float(crossing(-x[-1]).exits(0.0)[1].sum())
        p = 2.0 * min(p, p_other)
    scale = np.sqrt(d[-1] / t[-1])  # drift = theta * scale

    def solve(target: float) -> float:
        def f(theta: float) -> float:
            return float(paths.exits(theta * scale)[1].sum()) - target

        return float(brentq(f, -8.0, 8.0, xtol=1e-12))

    theta_mue = solve(0.5)
    theta_lo = solve(alpha_side)
    theta_hi = solve(1.0 - alpha_side)
    factor = (1.0 + r) / np.sqrt(r)
    hrs = np.exp(-np.array([theta_mue, theta_lo, theta_hi]) * factor)
    return FinalInference(
        stage=k,
        p_value=p,
        hazard_ratio=float(hrs[0]),
        lower=float(min(hrs[1], hrs[2])),
        upper=float(max(hrs[1], hrs[2])),
    )
