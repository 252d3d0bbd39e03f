"""Events, sample size and power for a log-rank test in a group-sequential design.

Time is in months throughout this module, as in rpact: medians, hazards (per month), accrual
and follow-up durations, and the calendar times of the looks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from survtrial._errors import InputError
from survtrial.design import _checks
from survtrial.design._checks import brentq
from survtrial.design._group_sequential import GroupSequentialDesign, _frozen
from survtrial.design._kernel import Paths

_METHODS = ("schoenfeld", "freedman")


@dataclass(frozen=True)
class EventsRequired:
    """Number of events for a log-rank test under a group-sequential design.

    Attributes
    ----------
    hazard_ratio : float
        Alternative hazard ratio, experimental over control.
    allocation_ratio : float
        Planned ratio of experimental to control subjects.
    method : str
        ``"schoenfeld"`` or ``"freedman"``.
    events_fixed : float
        Events for the fixed-sample test (rpact's ``eventsFixed``).
    max_events : float
        ``events_fixed * inflation_factor`` (rpact's ``maxNumberOfEvents``); not rounded.
    events : ndarray
        Cumulative events at each look, ``max_events * information_rates``.
    hr_efficacy_bounds, hr_futility_bounds : ndarray
        Efficacy (``K``) and futility (``K - 1``) bounds on the hazard-ratio scale,
        ``exp(-+c_k (1 + r) / sqrt(r d_k))`` on the side of the alternative (rpact's
        ``criticalValuesEffectScale``); ``nan`` where there is no bound.
    """

    hazard_ratio: float
    allocation_ratio: float
    method: str
    events_fixed: float
    max_events: float
    events: np.ndarray
    hr_efficacy_bounds: np.ndarray
    hr_futility_bounds: np.ndarray


def _method(method: str) -> str:
    m = str(method).strip().lower()
    if m not in _METHODS:
        raise InputError(f"method: unknown method {method!r}; use 'schoenfeld' or 'freedman'")
    return m


def _fixed_events(design: GroupSequentialDesign, hr: float, r: float, method: str) -> float:
    z2 = design.fixed_drift**2
    if method == "freedman":
        return z2 * (1.0 + hr * r) ** 2 / (r * (1.0 - hr) ** 2)
    return z2 * (1.0 + r) ** 2 / (r * np.log(hr) ** 2)


def _hr_bounds(z: np.ndarray, events: np.ndarray, hr: float, r: float) -> np.ndarray:
    sign = -1.0 if hr < 1 else 1.0
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.exp(sign * z * (1.0 + r) / np.sqrt(r * events))
    return np.where(np.isfinite(z), out, np.nan)


def _drift(hr: float, events: float, r: float, method: str) -> float:
    """Drift ``E[Z_K]`` of the log-rank statistic oriented towards the alternative."""
    if method == "freedman":
        return float(np.sqrt(events * r) * abs(1.0 - hr) / (1.0 + r * hr))
    return float(abs(np.log(hr)) * np.sqrt(events * r) / (1.0 + r))


def _check_design(design: Any) -> GroupSequentialDesign:
    if not isinstance(design, GroupSequentialDesign):
        raise InputError("design: expected the result of survtrial.design.group_sequential()")
    return design


def events_required(
    design: GroupSequentialDesign,
    hazard_ratio: float,
    allocation_ratio: float = 1.0,
    method: str = "schoenfeld",
) -> EventsRequired:
    """Events needed for the log-rank test to have the design's power.

    Parameters
    ----------
    design : GroupSequentialDesign
    hazard_ratio : float
        Alternative hazard ratio (experimental / control), positive and not 1.
    allocation_ratio : float
        Experimental : control allocation ``r``.
    method : {"schoenfeld", "freedman"}
        Schoenfeld (1983) or Freedman (1982) approximation.

    Notes
    -----
    Schoenfeld: ``D_fixed = (z_{1-alpha/s} + z_{1-beta})^2 (1 + r)^2 / (r log(HR)^2)``;
    Freedman: ``D_fixed = (z_{1-alpha/s} + z_{1-beta})^2 (1 + r HR)^2 / (r (1 - HR)^2)``.
    The group-sequential maximum is ``D_fixed`` times the design's inflation factor, as rpact's
    ``getSampleSizeSurvival`` computes ``maxNumberOfEvents``.

    References
    ----------
    .. [1] Schoenfeld DA. Sample-size formula for the proportional-hazards regression model.
       Biometrics 1983;39:499-503. doi:10.2307/2531021
    .. [2] Freedman LS. Tables of the number of patients required in clinical trials using the
       logrank test. Stat Med 1982;1:121-129. doi:10.1002/sim.4780010204

    Examples
    --------
    Hazard ratio 0.5, one-sided alpha 0.025, power 90%, O'Brien-Fleming spending over three
    equally spaced looks (rpact: ``maxNumberOfEvents`` 88.5162, ``eventsFixed`` 87.4793):

    >>> from survtrial.design import group_sequential
    >>> ev = events_required(group_sequential([1 / 3, 2 / 3, 1], beta=0.1), 0.5)
    >>> round(ev.events_fixed, 4), round(ev.max_events, 4)
    (87.4793, 88.5162)
    """
    design = _check_design(design)
    hr = _checks.hazard_ratio(hazard_ratio)
    r = _checks.positive(allocation_ratio, "allocation_ratio")
    method = _method(method)
    fixed = _fixed_events(design, hr, r, method)
    max_events = fixed * design.inflation_factor
    events = max_events * design.information_rates
    fut = np.where(np.isfinite(design.futility_bounds), design.futility_bounds, np.nan)
    return EventsRequired(
        hazard_ratio=hr,
        allocation_ratio=r,
        method=method,
        events_fixed=float(fixed),
        max_events=float(max_events),
        events=_frozen(events),
        hr_efficacy_bounds=_frozen(_hr_bounds(design.efficacy_bounds, events, hr, r)),
        hr_futility_bounds=_frozen(_hr_bounds(fut, events[:-1], hr, r)),
    )


# ---------------------------------------------------------------------------------------------
# accrual and event probabilities


def _control_hazard(
    control_median: float | None = None,
    control_hazard: float | None = None,
    control_survival: float | None = None,
    survival_time: float | None = None,
) -> float:
    """Exponential control hazard (per month) from exactly one of the three specifications."""
    given = [control_median is not None, control_hazard is not None, control_survival is not None]
    if sum(given) != 1:
        raise InputError(
            "control_median, control_hazard, control_survival: give exactly one of them"
        )
    if control_median is not None:
        return float(np.log(2.0) / _checks.positive(control_median, "control_median"))
    if control_hazard is not None:
        return _checks.positive(control_hazard, "control_hazard")
    s = _checks.open_unit(control_survival, "control_survival")
    if survival_time is None:
        raise InputError("survival_time: needed with control_survival (months)")
    t = _checks.positive(survival_time, "survival_time")
    return float(-np.log(s) / t)


def _accrual(
    accrual_time: float | Sequence[float], accrual_intensity: Sequence[float] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Breaks ``0 = a_0 < ... < a_m`` and the accrual density on each piece (integrates to 1)."""
    arr = _checks.as_float_array(accrual_time, "accrual_time")
    if arr.size == 1:
        breaks = np.array([0.0, arr[0]])
    else:
        breaks = arr
        if breaks[0] != 0:
            raise InputError("accrual_time: a sequence of breaks must start at 0 (months)")
    if (np.diff(breaks) <= 0).any():
        raise InputError(
            "accrual_time: accrual must last a positive time and its breaks must increase"
        )
    widths = np.diff(breaks)
    if accrual_intensity is None:
        weights = np.ones(widths.size)
    else:
        weights = _checks.as_float_array(accrual_intensity, "accrual_intensity")
        if weights.size != widths.size:
            raise InputError(
                f"accrual_intensity: has {weights.size} values but accrual_time defines "
                f"{widths.size} pieces"
            )
        if (weights < 0).any() or weights.sum() <= 0:
            raise InputError("accrual_intensity: must be non-negative and not all zero")
    total = float(np.sum(weights * widths))
    if total <= 0:
        raise InputError("accrual_time: zero accrual")
    return breaks, weights / total


def _accrued_fraction(times: np.ndarray, breaks: np.ndarray, density: np.ndarray) -> np.ndarray:
    lo, hi = breaks[:-1], breaks[1:]
    t = np.asarray(times, dtype=float)[..., None]
    return np.sum(density * np.clip(np.minimum(t, hi) - lo, 0.0, None), axis=-1)


def _event_fraction(
    times: np.ndarray, breaks: np.ndarray, density: np.ndarray, hazard: float, dropout: float
) -> np.ndarray:
    """Expected fraction of all planned subjects of one arm with an observed event by ``times``.

    ``int_0^min(T, A) g(s) lambda / (lambda + gamma) (1 - exp(-(lambda + gamma)(T - s))) ds``
    for accrual density ``g``, event hazard ``lambda`` and dropout hazard ``gamma``
    (Lachin & Foulkes 1986; Kim & Tsiatis 1990).
    """
    mu = hazard + dropout
    t = np.asarray(times, dtype=float)[..., None]
    lo = np.minimum(breaks[:-1], t)
    hi = np.minimum(breaks[1:], t)
    width = hi - lo
    integral = width - (np.exp(-mu * (t - hi)) - np.exp(-mu * (t - lo))) / mu
    return hazard / mu * np.sum(density * integral, axis=-1)


@dataclass(frozen=True)
class SurvivalPlan:
    """Sample size or power of a group-sequential log-rank test (times in months).

    Attributes
    ----------
    design : GroupSequentialDesign
    hazard_ratio, allocation_ratio : float
    method : str
    hazard_control, hazard_experimental : float
        Exponential event hazards per month.
    dropout_hazards : tuple of float
        Dropout hazards per month (experimental, control).
    accrual_time : ndarray
        Accrual breaks in months, from 0 to the end of accrual.
    accrual_intensity : ndarray
        Subjects per month on each accrual piece.
    follow_up : float
        Months from the end of accrual to the last look (the planned study end).
    max_subjects : float
        Subjects to enrol (not rounded).
    events_fixed, max_events : float
        Events of the fixed-sample test and the group-sequential maximum.
    events, analysis_times, subjects : ndarray
        Cumulative events, expected calendar time (months) and subjects enrolled at each look.
    power : float
        Probability of rejecting H0 at the planning hazard ratio.
    rejection_probabilities, futility_probabilities : ndarray
        Stage-wise probabilities of stopping for efficacy (``K``) or futility (``K - 1``).
    expected_events_h0, expected_events_h01, expected_events_h1 : float
        Expected events under H0, half the design effect, and the planning hazard ratio
        (rpact's ``expectedEventsH0``/``H01``/``H1``; for :func:`power_survival` the H1 value
        is rpact's ``expectedNumberOfEvents``).
    expected_duration : float
        Expected study duration (months) at the planning hazard ratio.
    expected_subjects : float
        Expected number of subjects enrolled at the planning hazard ratio.
    """

    design: GroupSequentialDesign
    hazard_ratio: float
    allocation_ratio: float
    method: str
    hazard_control: float
    hazard_experimental: float
    dropout_hazards: tuple[float, float]
    accrual_time: np.ndarray
    accrual_intensity: np.ndarray
    follow_up: float
    max_subjects: float
    events_fixed: float
    max_events: float
    events: np.ndarray
    analysis_times: np.ndarray
    subjects: np.ndarray
    power: float
    rejection_probabilities: np.ndarray
    futility_probabilities: np.ndarray
    expected_events_h0: float
    expected_events_h01: float
    expected_events_h1: float
    expected_duration: float
    expected_subjects: float


class _Trial:
    """Expected events and subjects over calendar time for given accrual and hazards."""

    def __init__(self, breaks, density, lam_e, lam_c, drop_e, drop_c, r):
        self.breaks, self.density = breaks, density
        self.pe, self.pc = r / (1.0 + r), 1.0 / (1.0 + r)
        self.arms = ((self.pe, lam_e, drop_e), (self.pc, lam_c, drop_c))

    def event_fraction(self, t):
        return sum(
            p * _event_fraction(t, self.breaks, self.density, lam, gam) for p, lam, gam in self.arms
        )

    def time_for_events(self, n_subjects: float, events: float) -> float:
        end = float(self.breaks[-1])
        limit = n_subjects * float(self.event_fraction(end + 1e6))
        if events >= limit:
            raise InputError(
                f"max_subjects: {n_subjects:.6g} subjects can never give {events:.6g} events "
                "with these hazards and dropout; enrol more subjects"
            )
        hi = max(end, 1.0)
        while n_subjects * float(self.event_fraction(hi)) < events:
            hi *= 2.0
        return float(
            brentq(
                lambda t: n_subjects * float(self.event_fraction(t)) - events,
                0.0,
                hi,
                xtol=1e-12,
            )
        )


def _stage_probabilities(
    design: GroupSequentialDesign, drift: float, both_sides: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stage-wise efficacy, futility and stopping probabilities at ``drift`` (bounds obeyed).

    Efficacy counts the upper side only unless ``both_sides`` (two-sided designs).
    """
    upper = np.minimum(design.efficacy_bounds, 7.5)
    lower = design.lower_bounds()
    below, above = Paths(lower, upper, design.information_rates).exits(drift)
    k = design.kmax
    fut = np.zeros(max(k - 1, 0))
    if design.sided == 1 and design.has_futility:
        fut = np.where(np.isfinite(design.futility_bounds), below[:-1], 0.0)
    stop = np.zeros(k)
    if k > 1:
        stop[:-1] = above[:-1] + (below[:-1] if design.sided == 2 else fut)
    stop[-1] = 1.0 - stop[:-1].sum()
    if both_sides and design.sided == 2:
        above = above + below
    return above, fut, stop


def _plan(
    design,
    hr,
    r,
    method,
    lam_c,
    dropout_hazards,
    breaks,
    density,
    n_subjects,
    events,
    events_fixed,
    max_events,
    power_drift,
    both_sides=False,
    final_time=None,
) -> SurvivalPlan:
    lam_e = hr * lam_c
    drop_e, drop_c = dropout_hazards
    trial = _Trial(breaks, density, lam_e, lam_c, drop_e, drop_c, r)
    times = np.array([trial.time_for_events(n_subjects, e) for e in events])
    if final_time is not None:  # exact by construction (N solved for events at this time)
        times[-1] = final_time
    subjects = n_subjects * np.minimum(_accrued_fraction(times, breaks, density), 1.0)
    above, fut, stop = _stage_probabilities(design, power_drift, both_sides)
    _, _, stop0 = _stage_probabilities(design, 0.0)
    _, _, stop01 = _stage_probabilities(design, design.drift / 2.0)
    widths = np.diff(breaks)
    return SurvivalPlan(
        design=design,
        hazard_ratio=hr,
        allocation_ratio=r,
        method=method,
        hazard_control=lam_c,
        hazard_experimental=lam_e,
        dropout_hazards=(drop_e, drop_c),
        accrual_time=_frozen(breaks),
        accrual_intensity=_frozen(density * n_subjects * np.ones_like(widths)),
        follow_up=float(times[-1] - breaks[-1]),
        max_subjects=float(n_subjects),
        events_fixed=float(events_fixed),
        max_events=float(max_events),
        events=_frozen(events),
        analysis_times=_frozen(times),
        subjects=_frozen(subjects),
        power=float(above.sum()),
        rejection_probabilities=_frozen(above),
        futility_probabilities=_frozen(fut),
        expected_events_h0=float(stop0 @ events),
        expected_events_h01=float(stop01 @ events),
        expected_events_h1=float(stop @ events),
        expected_duration=float(stop @ times),
        expected_subjects=float(stop @ subjects),
    )


def _accrual_duration(
    rate: float,
    follow_up: float,
    events: float,
    lam_e: float,
    lam_c: float,
    drop: tuple[float, float],
    r: float,
) -> float:
    """Accrual duration ``A`` at ``rate`` subjects/month giving ``events`` at ``A + follow_up``."""

    def gap(a: float) -> float:
        trial = _Trial(np.array([0.0, a]), np.array([1.0 / a]), lam_e, lam_c, *drop, r)
        return rate * a * float(trial.event_fraction(a + follow_up)) - events

    hi = 1.0
    while gap(hi) < 0:
        hi *= 2.0
        if hi > 1e6:  # pragma: no cover - events always grow with the accrual duration
            raise InputError("accrual_rate: the events cannot be reached")
    return float(brentq(gap, 1e-9, hi, xtol=1e-12))


def _dropout(dropout_hazards: Sequence[float]) -> tuple[float, float]:
    arr = _checks.as_float_array(dropout_hazards, "dropout_hazards")
    if arr.size != 2 or (arr < 0).any():
        raise InputError(
            "dropout_hazards: give two non-negative hazards per month (experimental, control)"
        )
    return float(arr[0]), float(arr[1])


def sample_size_survival(
    design: GroupSequentialDesign,
    hazard_ratio: float,
    *,
    control_median: float | None = None,
    control_hazard: float | None = None,
    control_survival: float | None = None,
    survival_time: float | None = None,
    accrual_time: float | Sequence[float] | None = None,
    accrual_intensity: Sequence[float] | None = None,
    accrual_rate: float | None = None,
    follow_up: float | None = None,
    max_subjects: float | None = None,
    dropout_hazards: Sequence[float] = (0.0, 0.0),
    allocation_ratio: float = 1.0,
    method: str = "schoenfeld",
) -> SurvivalPlan:
    """Subjects, events and look times for a group-sequential log-rank trial (months).

    Parameters
    ----------
    design : GroupSequentialDesign
    hazard_ratio : float
        Alternative hazard ratio (experimental / control).
    control_median, control_hazard, control_survival : float
        Exactly one: median survival (months), hazard (per month), or survival probability at
        ``survival_time`` months on the control arm (exponential survival).
    survival_time : float
        Months at which ``control_survival`` is given (rpact's ``eventTime``).
    accrual_time : float or sequence of float, optional
        Accrual duration in months, or breaks ``[0, a_1, ..., a_m]`` (default 12 months).
    accrual_intensity : sequence of float, optional
        Relative accrual intensities on the pieces between breaks (default: uniform).
    accrual_rate : float, optional
        Constant accrual in subjects per month, instead of ``accrual_time``: the accrual
        duration is then found (with ``follow_up``: the shortest accrual giving the events at
        ``follow_up`` months after its end; with ``max_subjects``: ``max_subjects / rate``).
        rpact's ``accrualTime = 0, accrualIntensity = rate``.
    follow_up : float, optional
        Months from the end of accrual to the final analysis; the number of subjects follows.
    max_subjects : float, optional
        Subjects to enrol; the follow-up that gives the events follows (negative when the
        events are reached before accrual ends). Give exactly one of ``follow_up`` and
        ``max_subjects``.
    dropout_hazards : (float, float)
        Exponential dropout hazards per month (experimental, control). rpact's
        ``dropoutRate`` ``p`` at ``dropoutTime`` ``t`` is ``-log(1 - p) / t``.
    allocation_ratio : float
        Experimental : control.
    method : {"schoenfeld", "freedman"}

    Notes
    -----
    Events as :func:`events_required`. Expected events by calendar time ``T`` are
    ``N sum_arms p_arm int_0^min(T, A) g(s) lambda / (lambda + gamma) (1 - exp(-(lambda +
    gamma)(T - s))) ds`` (Lachin & Foulkes 1986; Kim & Tsiatis 1990), for accrual density ``g``.
    ``N`` solves this equal to the maximum events at ``T = A + follow_up``; the look times solve
    it equal to the events of each look. Expected events, duration and subjects weight each look
    by the probability of stopping there (bounds obeyed), as rpact does.

    References
    ----------
    .. [1] Lachin JM, Foulkes MA. Evaluation of sample size and power for analyses of survival
       with allowance for nonuniform patient entry, losses to follow-up, noncompliance, and
       stratification. Biometrics 1986;42:507-519. doi:10.2307/2531201
    .. [2] Kim K, Tsiatis AA. Study duration for clinical trials with survival response and
       early stopping rule. Biometrics 1990;46:81-92. doi:10.2307/2531632

    Examples
    --------
    A trial like AALL1731 (3-year DFS 88% on control, hazard ratio 0.5, one-sided alpha
    0.025, power 90%, two interim looks), 36 months of accrual and 36 of follow-up; rpact's
    ``getSampleSizeSurvival`` gives 667.5619 subjects and looks at 35.1659, 53.0909 and 72
    months:

    >>> from survtrial.design import group_sequential
    >>> d = group_sequential([1 / 3, 2 / 3, 1], alpha=0.025, beta=0.1)
    >>> plan = sample_size_survival(d, 0.5, control_survival=0.88, survival_time=36,
    ...                             accrual_time=36, follow_up=36)
    >>> round(plan.max_subjects, 4), [round(float(t), 4) for t in plan.analysis_times]
    (667.5619, [35.1659, 53.0909, 72.0])
    """
    design = _check_design(design)
    hr = _checks.hazard_ratio(hazard_ratio)
    r = _checks.positive(allocation_ratio, "allocation_ratio")
    method = _method(method)
    lam_c = _control_hazard(control_median, control_hazard, control_survival, survival_time)
    drop = _dropout(dropout_hazards)
    if (follow_up is None) == (max_subjects is None):
        raise InputError("follow_up, max_subjects: give exactly one of them")
    req = events_required(design, hr, r, method)
    f = None if follow_up is None else _checks.positive(follow_up, "follow_up", allow_zero=True)
    if accrual_rate is not None:
        if accrual_time is not None or accrual_intensity is not None:
            raise InputError(
                "accrual_rate: give either accrual_rate (the duration is found) or "
                "accrual_time with accrual_intensity"
            )
        rate = _checks.positive(accrual_rate, "accrual_rate")
        if f is None:
            duration = _checks.positive(max_subjects, "max_subjects") / rate
        else:
            duration = _accrual_duration(rate, f, req.max_events, hr * lam_c, lam_c, drop, r)
        breaks, density = np.array([0.0, duration]), np.array([1.0 / duration])
    else:
        breaks, density = _accrual(
            12.0 if accrual_time is None else accrual_time, accrual_intensity
        )
    trial = _Trial(breaks, density, hr * lam_c, lam_c, drop[0], drop[1], r)
    if f is not None:
        n = req.max_events / float(trial.event_fraction(breaks[-1] + f))
    else:
        n = _checks.positive(max_subjects, "max_subjects")
    drift = _drift(hr, req.max_events, r, method)
    return _plan(
        design,
        hr,
        r,
        method,
        lam_c,
        drop,
        breaks,
        density,
        n,
        np.asarray(req.events),
        req.events_fixed,
        req.max_events,
        drift,
        final_time=None if follow_up is None else float(breaks[-1] + f),
    )


def power_survival(
    design: GroupSequentialDesign,
    hazard_ratio: float,
    max_events: float,
    max_subjects: float,
    *,
    control_median: float | None = None,
    control_hazard: float | None = None,
    control_survival: float | None = None,
    survival_time: float | None = None,
    accrual_time: float | Sequence[float] = 12.0,
    accrual_intensity: Sequence[float] | None = None,
    dropout_hazards: Sequence[float] = (0.0, 0.0),
    allocation_ratio: float = 1.0,
    method: str = "schoenfeld",
) -> SurvivalPlan:
    """Power of a group-sequential log-rank trial with given events and subjects (months).

    The drift of the log-rank statistic at the maximum events ``D`` is
    ``|log HR| sqrt(r D) / (1 + r)`` (Schoenfeld) or ``|1 - HR| sqrt(r D) / (1 + r HR)``
    (Freedman); power and stage-wise stopping probabilities follow from the design's bounds
    (rpact's ``getPowerSurvival``). For a two-sided design, power counts rejections on either
    side, as rpact's ``overallReject`` does. Other parameters as :func:`sample_size_survival`.
    """
    design = _check_design(design)
    hr = _checks.hazard_ratio(hazard_ratio)
    r = _checks.positive(allocation_ratio, "allocation_ratio")
    method = _method(method)
    d_max = _checks.positive(max_events, "max_events")
    n = _checks.positive(max_subjects, "max_subjects")
    lam_c = _control_hazard(control_median, control_hazard, control_survival, survival_time)
    breaks, density = _accrual(accrual_time, accrual_intensity)
    drop = _dropout(dropout_hazards)
    events = d_max * np.asarray(design.information_rates)
    fixed = _fixed_events(design, hr, r, method)
    return _plan(
        design,
        hr,
        r,
        method,
        lam_c,
        drop,
        breaks,
        density,
        n,
        events,
        fixed,
        d_max,
        _drift(hr, d_max, r, method),
        both_sides=True,
    )


def dropout_hazard(rate: float, time: float) -> float:
    """Exponential dropout hazard per month from a dropout proportion ``rate`` by ``time``."""
    p = _checks.positive(rate, "rate", allow_zero=True)
    if p >= 1:
        raise InputError(f"rate: must lie in [0, 1), got {rate!r}")
    t = _checks.positive(time, "time")
    return float(-np.log1p(-p) / t)


__all__ = [
    "EventsRequired",
    "SurvivalPlan",
    "dropout_hazard",
    "events_required",
    "power_survival",
    "sample_size_survival",
]
