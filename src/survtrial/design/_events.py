"""Events required for a log-rank test under a group-sequential design (Schoenfeld, Freedman).

Events do not depend on time; the hazard-ratio bounds are on the scale of the alternative.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from survtrial._errors import InputError
from survtrial.design import _checks
from survtrial.design._group_sequential import GroupSequentialDesign, _frozen

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
    expected_events_h0, expected_events_h1 : float
        Expected events under H0 and under the design alternative: the design's expected
        information relative to the fixed sample times ``events_fixed`` (rpact's
        ``averageSampleNumber0``/``1`` times ``eventsFixed``).
    """

    hazard_ratio: float
    allocation_ratio: float
    method: str
    events_fixed: float
    max_events: float
    events: np.ndarray
    hr_efficacy_bounds: np.ndarray
    hr_futility_bounds: np.ndarray
    expected_events_h0: float
    expected_events_h1: float


def check_method(method: str) -> str:
    m = str(method).strip().lower()
    if m not in _METHODS:
        raise InputError(f"method: unknown method {method!r}; use 'schoenfeld' or 'freedman'")
    return m


def fixed_events(design: GroupSequentialDesign, hr: float, r: float, method: str) -> float:
    z2 = design.fixed_drift**2
    if method == "freedman":
        return z2 * (1.0 + hr * r) ** 2 / (r * (1.0 - hr) ** 2)
    return z2 * (1.0 + r) ** 2 / (r * np.log(hr) ** 2)


def hr_bounds(z: np.ndarray, events: np.ndarray, hr: float, r: float) -> np.ndarray:
    sign = -1.0 if hr < 1 else 1.0
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.exp(sign * z * (1.0 + r) / np.sqrt(r * events))
    return np.where(np.isfinite(z), out, np.nan)


def logrank_drift(hr: float, events: float, r: float, method: str) -> float:
    """Drift ``E[Z_K]`` of the log-rank statistic oriented towards the alternative."""
    if method == "freedman":
        return float(np.sqrt(events * r) * abs(1.0 - hr) / (1.0 + r * hr))
    return float(abs(np.log(hr)) * np.sqrt(events * r) / (1.0 + r))


def check_design(design: Any) -> GroupSequentialDesign:
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
    design = check_design(design)
    hr = _checks.hazard_ratio(hazard_ratio)
    r = _checks.positive(allocation_ratio, "allocation_ratio")
    method = check_method(method)
    fixed = fixed_events(design, hr, r, method)
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
        hr_efficacy_bounds=_frozen(hr_bounds(design.efficacy_bounds, events, hr, r)),
        hr_futility_bounds=_frozen(hr_bounds(fut, events[:-1], hr, r)),
        expected_events_h0=float(design.expected_information_h0 * fixed),
        expected_events_h1=float(design.expected_information_h1 * fixed),
    )
