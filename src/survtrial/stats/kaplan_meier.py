"""Kaplan-Meier survival curve with Greenwood standard errors, as R's ``survfit``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from survtrial._errors import InputError
from survtrial.stats._results import ConfidenceInterval, Estimate
from survtrial.stats._risksets import SortedSample, risk_table, sort_with_events
from survtrial.stats._timefix import find_cuts
from survtrial.stats._validate import check_event, check_level, check_time

CI_METHODS = ("log", "log-log", "plain")
MEDIAN_TOLERANCE = float(np.sqrt(np.finfo(float).eps))


@dataclass(frozen=True, slots=True)
class KaplanMeierResult:
    """A Kaplan-Meier curve at every distinct follow-up time (events and censorings).

    ``survival`` is S(t) just after t; ``std_err`` its Greenwood standard error;
    ``cumulative_hazard_std_err`` the standard error of -log S(t) (what R stores as
    ``survfit()$std.err``). Times are in the units given.
    """

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    survival: np.ndarray
    std_err: np.ndarray
    cumulative_hazard_std_err: np.ndarray
    n: int

    @property
    def n_events(self) -> int:
        return int(self.n_event.sum())

    def _index(self, times: Any) -> tuple[np.ndarray, np.ndarray]:
        t = np.atleast_1d(np.asarray(times, dtype=float))
        if np.isnan(t).any():
            raise InputError("times: contains NaN")
        return t, np.searchsorted(self.time, t, side="right") - 1

    def survival_at(self, times: Any) -> np.ndarray:
        """S(t) at each time (right-continuous step function; 1 before the first time).

        Past the last follow-up time the last value is carried forward, as R's
        ``summary(fit, times, extend = TRUE)``.
        """
        _, idx = self._index(times)
        return np.where(idx >= 0, self.survival[np.maximum(idx, 0)], 1.0)

    def std_err_at(self, times: Any) -> np.ndarray:
        """Greenwood standard error of S(t) at each time, as R's ``summary(fit, times)``."""
        _, idx = self._index(times)
        return np.where(idx >= 0, self.std_err[np.maximum(idx, 0)], 0.0)

    def n_risk_at(self, times: Any) -> np.ndarray:
        """Number at risk (follow-up time >= t) at each time: the rows under a KM plot."""
        t, _ = self._index(times)
        pos = np.searchsorted(self.time, t, side="left")
        inside = pos < self.time.shape[0]
        return np.where(inside, self.n_risk[np.minimum(pos, self.time.shape[0] - 1)], 0).astype(
            np.int64
        )

    def confidence_interval(
        self, confidence_level: float = 0.95, method: str = "log", times: Any = None
    ) -> ConfidenceInterval:
        """Pointwise confidence interval of S(t) at the curve's times (or at ``times``).

        ``method`` names the transform, as R's ``conf.type``: "log" (R's default),
        "log-log" (SAS's default) or "plain". Values are NaN where the transform is undefined
        (log-log at S = 1 or 0; log at S = 0), as in R.
        """
        level = check_level(confidence_level)
        if times is None:
            surv, se = self.survival, self.cumulative_hazard_std_err
        else:
            _, idx = self._index(times)
            ok = idx >= 0
            surv = np.where(ok, self.survival[np.maximum(idx, 0)], 1.0)
            se = np.where(ok, self.cumulative_hazard_std_err[np.maximum(idx, 0)], 0.0)
        low, high = km_confidence_limits(surv, se, level, method)
        return ConfidenceInterval(low, high, level, method)

    def median(self, confidence_level: float = 0.95, method: str = "log") -> Estimate:
        """Median survival time with its confidence interval, as R's ``print(survfit)``.

        The median is the first time S(t) <= 1/2; where S equals 1/2 on a flat stretch it is the
        midpoint of that stretch (R's rule). The limits are the same quantity read off the lower
        and upper confidence curves (Brookmeyer & Crowley 1982). NaN when not reached.
        """
        low, high = self.confidence_interval(confidence_level, method)
        return Estimate(
            _first_below_half(self.survival, self.time),
            _first_below_half(low, self.time),
            _first_below_half(high, self.time),
            float(confidence_level),
            method,
        )


def km_confidence_limits(
    surv: np.ndarray, se_log: np.ndarray, level: float, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """Limits of S(t) from the standard error of log S(t) (R ``survival:::survfit_confint``)."""
    from scipy.special import ndtri  # on use: simulate's workers need none
    z = ndtri(1 - (1 - level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "plain":
            half = z * se_log * surv
            return np.maximum(surv - half, 0.0), np.minimum(surv + half, 1.0)
        if method == "log":
            logs = np.where(surv > 0, np.log(np.where(surv > 0, surv, 1.0)), np.nan)
            return np.exp(logs - z * se_log), np.minimum(np.exp(logs + z * se_log), 1.0)
        if method == "log-log":
            ok = (surv > 0) & (surv < 1)
            s = np.where(ok, surv, 0.5)
            loglog = np.log(-np.log(s))
            shift = z * se_log / np.log(s)
            low = np.where(ok, np.exp(-np.exp(loglog - shift)), np.nan)
            high = np.where(ok, np.exp(-np.exp(loglog + shift)), np.nan)
            return low, high
    raise InputError(f"method: {method!r} is not one of {', '.join(CI_METHODS)}")


def _first_below_half(y: np.ndarray, x: np.ndarray) -> float:
    """R's ``minmin`` (survival:::survmean): first x with y < 1/2, midpoint rule at y = 1/2."""
    keep = ~np.isnan(y) & (y < 0.5 + MEDIAN_TOLERANCE)
    if not keep.any():
        return float("nan")
    xk, yk = x[keep], y[keep]
    if abs(yk[0] - 0.5) < MEDIAN_TOLERANCE:
        lower = np.flatnonzero(yk < yk[0])
        if lower.size:
            return float((xk[0] + xk[lower[0]]) / 2)
    return float(xk[0])


def km_from_sample(sample: SortedSample) -> KaplanMeierResult:
    """Kaplan-Meier from a sorted sample (no checks); the workhorse behind the public API."""
    tab = risk_table(sample)
    d, n = tab.n_event, tab.n_risk
    # few, in-place passes: at 10^6 times the cost is memory traffic, not arithmetic
    survival = np.divide(d, n)
    np.subtract(1.0, survival, out=survival)
    np.cumprod(survival, out=survival)
    se_log = np.subtract(n, d)
    se_log *= n
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(d, se_log, out=se_log)  # d / (n (n - d)): 0 where d = 0, inf where d = n
        np.cumsum(se_log, out=se_log)
        np.sqrt(se_log, out=se_log)
        std_err = survival * se_log  # 0 * inf = NaN after a total loss, as R
    return KaplanMeierResult(
        time=tab.time,
        n_risk=tab.n_risk,
        n_event=tab.n_event,
        n_censor=tab.n_censor,
        survival=survival,
        std_err=std_err,
        cumulative_hazard_std_err=se_log,
        n=sample.n,
    )


def kaplan_meier(time: Any, event: Any) -> KaplanMeierResult:
    """Kaplan-Meier estimate of the survival function S(t).

    Parameters
    ----------
    time : array_like
        Follow-up times (any unit; results are in the same unit), finite and >= 0.
    event : array_like
        1 (or True) for an event, 0 for a censored time.

    Notes
    -----
    S(t) = prod_{t_i <= t} (1 - d_i / n_i); Greenwood's variance of log S(t) is
    sum_{t_i <= t} d_i / (n_i (n_i - d_i)) (Kalbfleisch & Prentice 2002, sec. 1.4).
    R conventions: events precede censorings at a tied time (a patient censored at t is at risk
    at t); times closer than sqrt(machine epsilon) are merged as ``survival:::aeqSurv`` does.

    Examples
    --------
    The 6-MP arm of the Freireich et al. (1963) leukaemia trial (R: ``survfit`` on
    ``MASS::gehan``):

    >>> t = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    >>> e = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    >>> km = kaplan_meier(t, e)
    >>> [round(float(s), 4) for s in km.survival_at([6, 10, 23])]
    [0.8571, 0.7529, 0.4482]
    >>> m = km.median()
    >>> float(m.estimate), float(m.low)
    (23.0, 16.0)
    """
    t = check_time(time)
    e = check_event(event, t.shape[0])
    all_times, is_event = sort_with_events(t, e)
    cuts = find_cuts(all_times)
    if cuts is not None:
        all_times = cuts.apply_sorted(all_times, in_place=True)
    return km_from_sample(SortedSample(all_times, is_event))
