"""Accrual, hazards and expected events over calendar time (months, as in rpact).

Exponential event and dropout hazards per month, piecewise-uniform accrual, and the expected
number of events by calendar time (Lachin & Foulkes 1986; Kim & Tsiatis 1990). Months are the
design's unit at its edge; :mod:`survtrial.units` converts them to the engine's days.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from survtrial._errors import InputError
from survtrial.design import _checks
from survtrial.design._checks import brentq


def control_arm_hazard(
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


def accrual_pieces(
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


def accrued_fraction(times: np.ndarray, breaks: np.ndarray, density: np.ndarray) -> np.ndarray:
    lo, hi = breaks[:-1], breaks[1:]
    t = np.asarray(times, dtype=float)[..., None]
    return np.sum(density * np.clip(np.minimum(t, hi) - lo, 0.0, None), axis=-1)


def event_fraction(
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


class ExpectedEvents:
    """Expected events and subjects over calendar time for given accrual and hazards."""

    def __init__(self, breaks, density, lam_e, lam_c, drop_e, drop_c, r):
        self.breaks, self.density = breaks, density
        self.pe, self.pc = r / (1.0 + r), 1.0 / (1.0 + r)
        self.arms = ((self.pe, lam_e, drop_e), (self.pc, lam_c, drop_c))

    def event_fraction(self, t):
        return sum(
            p * event_fraction(t, self.breaks, self.density, lam, gam) for p, lam, gam in self.arms
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


def accrual_duration(
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
        trial = ExpectedEvents(np.array([0.0, a]), np.array([1.0 / a]), lam_e, lam_c, *drop, r)
        return rate * a * float(trial.event_fraction(a + follow_up)) - events

    hi = 1.0
    while gap(hi) < 0:
        hi *= 2.0
        if hi > 1e6:  # pragma: no cover - events always grow with the accrual duration
            raise InputError("accrual_rate: the events cannot be reached")
    return float(brentq(gap, 1e-9, hi, xtol=1e-12))


def dropout_pair(dropout_hazards: Sequence[float]) -> tuple[float, float]:
    arr = _checks.as_float_array(dropout_hazards, "dropout_hazards")
    if arr.size != 2 or (arr < 0).any():
        raise InputError(
            "dropout_hazards: give two non-negative hazards per month (experimental, control)"
        )
    return float(arr[0]), float(arr[1])


def dropout_hazard(rate: float, time: float) -> float:
    """Exponential dropout hazard per month from a dropout proportion ``rate`` by ``time``."""
    p = _checks.positive(rate, "rate", allow_zero=True)
    if p >= 1:
        raise InputError(f"rate: must lie in [0, 1), got {rate!r}")
    t = _checks.positive(time, "time")
    return float(-np.log1p(-p) / t)
