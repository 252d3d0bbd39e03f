"""Sample size and power of a group-sequential log-rank trial: subjects, events, look times.

Time is in months throughout, as in rpact: medians, hazards (per month), accrual and
follow-up durations, and the calendar times of the looks (see :mod:`survtrial.units` to
convert to the engine's days). The arithmetic of accrual and hazards is in
:mod:`survtrial.design._accrual`, the events in :mod:`survtrial.design._events`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from survtrial._errors import InputError
from survtrial.design import _checks
from survtrial.design._accrual import (
    ExpectedEvents,
    accrual_duration,
    accrual_pieces,
    accrued_fraction,
    control_arm_hazard,
    dropout_pair,
)
from survtrial.design._events import (
    check_design,
    check_method,
    events_required,
    fixed_events,
    logrank_drift,
)
from survtrial.design._group_sequential import GroupSequentialDesign, _frozen
from survtrial.design._kernel import Paths


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
    trial = ExpectedEvents(breaks, density, lam_e, lam_c, drop_e, drop_c, r)
    times = np.array([trial.time_for_events(n_subjects, e) for e in events])
    if final_time is not None:  # exact by construction (N solved for events at this time)
        times[-1] = final_time
    subjects = n_subjects * np.minimum(accrued_fraction(times, breaks, density), 1.0)
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
    design = check_design(design)
    hr = _checks.hazard_ratio(hazard_ratio)
    r = _checks.positive(allocation_ratio, "allocation_ratio")
    method = check_method(method)
    lam_c = control_arm_hazard(control_median, control_hazard, control_survival, survival_time)
    drop = dropout_pair(dropout_hazards)
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
            duration = accrual_duration(rate, f, req.max_events, hr * lam_c, lam_c, drop, r)
        breaks, density = np.array([0.0, duration]), np.array([1.0 / duration])
    else:
        breaks, density = accrual_pieces(
            12.0 if accrual_time is None else accrual_time, accrual_intensity
        )
    trial = ExpectedEvents(breaks, density, hr * lam_c, lam_c, drop[0], drop[1], r)
    if f is not None:
        n = req.max_events / float(trial.event_fraction(breaks[-1] + f))
    else:
        n = _checks.positive(max_subjects, "max_subjects")
    drift = logrank_drift(hr, req.max_events, r, method)
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
    design = check_design(design)
    hr = _checks.hazard_ratio(hazard_ratio)
    r = _checks.positive(allocation_ratio, "allocation_ratio")
    method = check_method(method)
    d_max = _checks.positive(max_events, "max_events")
    n = _checks.positive(max_subjects, "max_subjects")
    lam_c = control_arm_hazard(control_median, control_hazard, control_survival, survival_time)
    breaks, density = accrual_pieces(accrual_time, accrual_intensity)
    drop = dropout_pair(dropout_hazards)
    events = d_max * np.asarray(design.information_rates)
    fixed = fixed_events(design, hr, r, method)
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
        logrank_drift(hr, d_max, r, method),
        both_sides=True,
    )


__all__ = ["SurvivalPlan", "power_survival", "sample_size_survival"]


def power_curve(
    plan: SurvivalPlan, hazard_ratios: Sequence[float]
) -> tuple[tuple[float, float], ...]:
    """(hazard ratio, power) of ``plan``'s trial (its design, events, subjects, accrual,
    control hazard and dropout) at each hazard ratio (not 1): :func:`power_survival` on a
    grid."""
    out = []
    for hr in hazard_ratios:
        p = power_survival(
            plan.design,
            float(hr),
            plan.max_events,
            plan.max_subjects,
            control_hazard=plan.hazard_control,
            accrual_time=plan.accrual_time,
            accrual_intensity=plan.accrual_intensity,
            dropout_hazards=plan.dropout_hazards,
            allocation_ratio=plan.allocation_ratio,
            method=plan.method,
        )
        out.append((float(hr), float(p.power)))
    return tuple(out)
