"""Restricted mean survival time and milestone survival differences between groups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from survtrial._errors import InputError
from survtrial.stats._results import ConfidenceInterval
from survtrial.stats._risksets import SortedSample, global_cuts, split_by_code
from survtrial.stats._validate import check_event, check_groups, check_level, check_time
from survtrial.stats.kaplan_meier import KaplanMeierResult, km_from_sample


def _z(level: float) -> float:
    from scipy.special import ndtri  # on use: simulate's workers need none
    return float(ndtri(1 - (1 - check_level(level)) / 2))


def _two_sided(estimate: float, std_err: float) -> float:
    """Two-sided normal p-value; NaN when the standard error is 0 (as R gives 0/0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        from scipy.special import ndtr  # on use: simulate's workers need none
        return float(2 * ndtr(-abs(np.float64(estimate) / np.float64(std_err))))


@dataclass(frozen=True, slots=True)
class RMSTResult:
    """Restricted mean survival time per group up to ``tau``, in time units.

    ``groups`` in level order (``levels``, a categorical's order, else sorted); the first is the
    ``reference``. ``difference`` is second group minus first (the reference); ``ratio`` second
    over first (two groups only, otherwise None). Standard errors as R's
    ``summary(survfit(...), rmean = tau)``; difference and ratio as ``survRM2::rmst2`` (ratio
    on the log scale by the delta method).
    """

    groups: np.ndarray
    tau: float
    rmst: np.ndarray
    std_err: np.ndarray
    difference: float | None
    difference_std_err: float | None
    ratio: float | None
    log_ratio_std_err: float | None

    @property
    def reference(self) -> Any:
        """The reference (control) group: the first of ``groups``."""
        return self.groups[0]

    def difference_confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        self._need_two()
        z = _z(confidence_level)
        half = z * self.difference_std_err
        return ConfidenceInterval(
            self.difference - half, self.difference + half, float(confidence_level), "wald"
        )

    @property
    def difference_pvalue(self) -> float:
        """Two-sided p-value of the Wald test of no difference."""
        self._need_two()
        return _two_sided(self.difference, self.difference_std_err)

    def ratio_confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        self._need_two()
        z = _z(confidence_level)
        lr = np.log(self.ratio)
        return ConfidenceInterval(
            float(np.exp(lr - z * self.log_ratio_std_err)),
            float(np.exp(lr + z * self.log_ratio_std_err)),
            float(confidence_level),
            "log",
        )

    @property
    def ratio_pvalue(self) -> float:
        """Two-sided p-value of the test of ratio 1, on the log scale."""
        self._need_two()
        return _two_sided(np.log(self.ratio), self.log_ratio_std_err)

    def _need_two(self) -> None:
        if self.difference is None:
            raise InputError(
                f"group: a difference needs exactly two groups, got {self.groups.shape[0]}"
            )


def rmst_from_km(km: KaplanMeierResult, tau: float) -> tuple[float, float]:
    """Area under the KM curve on [0, tau] and its standard error (R ``survival:::survmean``).

    Var = sum_{t_i <= tau} A_i^2 d_i / (n_i (n_i - d_i)), with A_i the area under S from t_i
    to tau (Klein & Moeschberger 2003, sec. 4.5).
    """
    keep = km.time <= tau
    n_keep = int(np.count_nonzero(keep))
    if n_keep == 0:
        return float(tau), 0.0
    times = np.append(km.time[:n_keep], tau)
    surv = km.survival[:n_keep]
    rect = np.diff(times, prepend=0.0) * np.concatenate([[1.0], surv])
    area = float(rect.sum())
    d, n = km.n_event[:n_keep], km.n_risk[:n_keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        hh = np.where(n - d > 0, d / (n * (n - d)), 0.0)
    after = area - np.cumsum(rect)[:n_keep]
    return area, float(np.sqrt(np.sum(after * after * hh)))


def _group_curves(time, event, group, levels) -> tuple[np.ndarray, list[KaplanMeierResult], list]:
    t = check_time(time)
    e = check_event(event, t.shape[0])
    labels, g = check_groups(group, t.shape[0], levels=levels)
    cuts = global_cuts(t)
    parts = split_by_code(g, labels.shape[0], t, e)
    curves = [km_from_sample(SortedSample.from_arrays(tt, ee, cuts)) for tt, ee in parts]
    return labels, curves, parts


def rmst(
    time: Any, event: Any, group: Any, tau: float, *, levels: Sequence[Any] | None = None
) -> RMSTResult:
    """Restricted mean survival time up to ``tau`` per group, and their difference and ratio.

    ``tau`` is in the units of ``time`` and must not exceed the last follow-up time of any
    group (as survRM2 requires: beyond it the curve is not estimated). ``levels`` orders the
    group labels, first = reference (as R's factor levels; default: a pandas categorical's
    order, else sorted); it must list every label of ``group`` once.
    """
    labels, curves, parts = _group_curves(time, event, group, levels)
    try:
        tau = float(tau)
    except (TypeError, ValueError):
        raise InputError(f"tau: {tau!r} is not a number") from None
    if not np.isfinite(tau) or tau <= 0:
        raise InputError(f"tau: must be a positive finite time, got {tau!r}")
    for label, (tt, _) in zip(labels, parts, strict=True):
        last = float(tt.max())
        if tau > last:
            raise InputError(
                f"tau: {tau:g} is beyond the last follow-up time of group {str(label)!r} "
                f"({last:g}); choose tau at or below the smallest of the groups' last times"
            )
    est = np.array([rmst_from_km(c, tau) for c in curves])
    values, ses = est[:, 0], est[:, 1]
    diff = dse = ratio = lse = None
    if labels.shape[0] == 2:
        diff = float(values[1] - values[0])
        dse = float(np.hypot(ses[0], ses[1]))
        ratio = float(values[1] / values[0])
        lse = float(np.sqrt((ses[0] / values[0]) ** 2 + (ses[1] / values[1]) ** 2))
    return RMSTResult(labels, tau, values, ses, diff, dse, ratio, lse)


@dataclass(frozen=True, slots=True)
class MilestoneResult:
    """Kaplan-Meier survival at a fixed time per group and their difference (second - first).

    ``groups`` in level order; the first is the ``reference``.
    """

    groups: np.ndarray
    time: float
    survival: np.ndarray
    std_err: np.ndarray
    difference: float
    difference_std_err: float

    @property
    def reference(self) -> Any:
        """The reference (control) group: the first of ``groups``."""
        return self.groups[0]

    def confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        """Wald interval of the difference, with Greenwood standard errors."""
        half = _z(confidence_level) * self.difference_std_err
        return ConfidenceInterval(
            self.difference - half, self.difference + half, float(confidence_level), "wald"
        )

    @property
    def pvalue(self) -> float:
        """Two-sided p-value of the Wald test of equal survival at ``time``."""
        if self.difference_std_err == 0:
            return float("nan")
        return _two_sided(self.difference, self.difference_std_err)


def milestone_difference(
    time: Any, event: Any, group: Any, t: float, *, levels: Sequence[Any] | None = None
) -> MilestoneResult:
    """Difference of Kaplan-Meier survival at time ``t`` between two groups (second - first).

    Each S_j(t) and its Greenwood standard error are as R's ``summary(survfit(...), times=t)``;
    the difference's standard error is sqrt(se_1^2 + se_2^2) (independent groups). ``levels``
    orders the two labels, first = reference (default: a categorical's order, else sorted).
    """
    labels, curves, _ = _group_curves(time, event, group, levels)
    if labels.shape[0] != 2:
        raise InputError(f"group: a milestone difference needs two groups, got {labels.shape[0]}")
    try:
        t = float(t)
    except (TypeError, ValueError):
        raise InputError(f"t: {t!r} is not a number") from None
    if not np.isfinite(t) or t < 0:
        raise InputError(f"t: must be a finite time >= 0, got {t!r}")
    surv = np.array([float(c.survival_at(t)[0]) for c in curves])
    se = np.array([float(c.std_err_at(t)[0]) for c in curves])
    return MilestoneResult(labels, t, surv, se, float(surv[1] - surv[0]), float(np.hypot(*se)))
