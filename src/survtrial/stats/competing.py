"""Competing risks: cumulative incidence (Aalen-Johansen) and Gray's K-sample test, as R's cmprsk.

:func:`cumulative_incidence` reproduces ``cmprsk::cuminc`` (curves and variances) and
``cmprsk::timepoints`` (evaluation at given times); :func:`gray_test` reproduces
``cuminc(...)$Tests`` (Gray 1988, Ann Stat 16:1141-1154), with strata and ``rho``.

Conventions (those of cmprsk 2.2-11, whose Fortran ``cinc`` and ``crstm`` were followed line by
line, vectorised over event times):

* ``cause`` codes: 0 = censored, any positive integer = a cause of failure. Curves are given for
  every cause that has at least one event (as cuminc), in increasing order.
* Times are compared exactly, as cmprsk does: cmprsk applies no ``timefix`` (R survival's merging
  of times that differ by floating-point noise). ``timefix=True`` merges them first with
  survival's ``aeqSurv`` rule, which cmprsk does not do.
* Variance of the cumulative incidence: the delta-method estimate of Aalen (1978) with cmprsk's
  correction for tied events (factor ``1 - (d - 1)/(n - 1)``). cmprsk updates it only at the times
  when the cause of interest has an event (a competing event changes the variance only from the
  next event of the cause of interest on); this is kept.
* Groups follow ``levels`` when given (first = reference), else a pandas categorical's
  category order (R's factor levels, as cuminc sees them), else the sorted labels.
* Gray's test: score for the first ``K - 1`` groups (in that order) with weight
  ``(1 - F(t-))**rho``, summed over strata with its variance; statistic ``s' V^-1 s`` on ``K - 1``
  degrees of freedom. When V is singular (R's QR rank test, tolerance 1e-7) cmprsk reports
  ``stat = -1, p = 1``; here statistic and p-value are NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from survtrial._errors import InputError
from survtrial.stats._timefix import timefix as _timefix
from survtrial.stats._validate import (
    check_codes,
    check_groups,
    check_labels,
    check_level,
    check_time,
)

__all__ = [
    "CumulativeIncidenceResult",
    "GrayTestResult",
    "IncidenceCurve",
    "cumulative_incidence",
    "gray_test",
]

_QR_TOLERANCE = 1e-7  # R's qr() default, used by cuminc to decide whether V is invertible
CI_TRANSFORMS = ("log-log", "plain")


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IncidenceCurve:
    """Cumulative incidence of one cause in one group: a right-continuous step function.

    ``time`` holds the distinct times at which the cause has an event (ascending); ``estimate``
    and ``variance`` hold F(t) and its cmprsk variance just after each of them. F is 0 before the
    first time and the curve is defined up to ``max_time``, the group's largest follow-up time.
    """

    cause: int
    group: Any
    time: np.ndarray
    estimate: np.ndarray
    variance: np.ndarray
    n: int
    max_time: float

    def _index(self, times: Any) -> tuple[np.ndarray, np.ndarray]:
        t = check_time(times, "times")
        return t, np.searchsorted(self.time, t, side="right") - 1

    def estimate_at(self, times: Any) -> np.ndarray:
        """F(t) at each time, as ``cmprsk::timepoints``: NaN past the group's last follow-up."""
        t, idx = self._index(times)
        out = np.where(idx >= 0, self.estimate[np.maximum(idx, 0)] if self.time.size else 0.0, 0.0)
        return np.where(t > self.max_time, np.nan, out)

    def variance_at(self, times: Any) -> np.ndarray:
        """Variance of F(t) at each time, as ``cmprsk::timepoints(...)$var``."""
        t, idx = self._index(times)
        out = np.where(idx >= 0, self.variance[np.maximum(idx, 0)] if self.time.size else 0.0, 0.0)
        return np.where(t > self.max_time, np.nan, out)

    def cmprsk_corners(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(time, est, var) with every corner of the steps, exactly as ``cuminc`` stores them.

        Starts at (0, 0, 0), has two points per jump (before and after) and ends at the group's
        largest follow-up time.
        """
        m = self.time.size
        x = np.empty(2 * m + 2)
        f = np.empty(2 * m + 2)
        v = np.empty(2 * m + 2)
        x[0], f[0], v[0] = 0.0, 0.0, 0.0
        x[1 : 2 * m + 1 : 2] = self.time
        x[2 : 2 * m + 2 : 2] = self.time
        prev_f = np.concatenate(([0.0], self.estimate[:-1]))
        prev_v = np.concatenate(([0.0], self.variance[:-1]))
        f[1 : 2 * m + 1 : 2] = prev_f
        f[2 : 2 * m + 2 : 2] = self.estimate
        v[1 : 2 * m + 1 : 2] = prev_v
        v[2 : 2 * m + 2 : 2] = self.variance
        x[-1] = self.max_time
        f[-1] = f[-2]
        v[-1] = v[-2]
        return x, f, v


@dataclass(frozen=True, slots=True)
class CumulativeIncidenceResult:
    """Cumulative incidence curves for every cause (with an event) and every group.

    ``curves[(cause, group)]`` is an :class:`IncidenceCurve`. Groups are the distinct labels
    in level order, the first being the ``reference`` (the single label ``"all"`` when no group
    was given).
    """

    causes: tuple[int, ...]
    groups: tuple[Any, ...]
    curves: Mapping[tuple[int, Any], IncidenceCurve]
    n: int

    @property
    def reference(self) -> Any:
        """The reference (control) group: the first of ``groups``."""
        return self.groups[0]

    def curve(self, cause: int | None = None, group: Any = None) -> IncidenceCurve:
        """The curve of ``cause`` in ``group`` (either may be left out when there is only one)."""
        if cause is None:
            if len(self.causes) != 1:
                raise InputError(f"cause: name one of the causes {list(self.causes)}")
            cause = self.causes[0]
        if group is None:
            if len(self.groups) != 1:
                raise InputError(f"group: name one of the groups {list(self.groups)}")
            group = self.groups[0]
        key = (cause, group)
        if key not in self.curves:
            # labels may be numpy scalars in the keys; compare by value
            for k in self.curves:
                if k[0] == cause and k[1] == group:
                    return self.curves[k]
            if cause not in self.causes:
                raise InputError(f"cause: {cause!r} is not one of {list(self.causes)}")
            raise InputError(f"group: {group!r} is not one of {list(self.groups)}")
        return self.curves[key]

    def estimate_at(self, times: Any, cause: int | None = None, group: Any = None) -> np.ndarray:
        """F(t) at each time, as ``cmprsk::timepoints(fit, times)$est`` (NaN past follow-up)."""
        return self.curve(cause, group).estimate_at(times)

    def variance_at(self, times: Any, cause: int | None = None, group: Any = None) -> np.ndarray:
        """Variance of F(t) at each time, as ``cmprsk::timepoints(fit, times)$var``."""
        return self.curve(cause, group).variance_at(times)

    def confidence_interval(
        self,
        times: Any,
        cause: int | None = None,
        group: Any = None,
        confidence_level: float = 0.95,
        transform: str = "log-log",
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pointwise confidence interval of F(t) at ``times``; returns ``(low, high)``.

        ``transform="log-log"`` (default, the one cmprsk users usually take, e.g. tidycmprsk):
        a symmetric interval for log(-log F) with standard error sqrt(V) / |F log F|, i.e.
        ``F ** exp(±z sqrt(V) / (F log F))``; it stays inside (0, 1). ``transform="plain"``:
        F ± z sqrt(V), clipped to [0, 1]. Where V = 0 (e.g. before the first event) or F is 0 or
        1 the interval is the point (F, F); NaN past the last follow-up time.
        """
        level = check_level(confidence_level)
        if transform not in CI_TRANSFORMS:
            raise InputError(f"transform: {transform!r} is not one of {list(CI_TRANSFORMS)}")
        c = self.curve(cause, group)
        f = c.estimate_at(times)
        v = c.variance_at(times)
        from scipy.special import ndtri  # on use: simulate's workers need none
        z = float(ndtri(0.5 + level / 2))
        se = np.sqrt(np.maximum(v, 0.0))
        if transform == "plain":
            low = np.clip(f - z * se, 0.0, 1.0)
            high = np.clip(f + z * se, 0.0, 1.0)
        else:
            inside = (f > 0) & (f < 1) & (se > 0)
            fi = np.where(inside, f, 0.5)
            w = z * np.where(inside, se, 0.0) / (fi * np.log(fi))  # negative inside
            low = np.where(inside, fi ** np.exp(-w), f)
            high = np.where(inside, fi ** np.exp(w), f)
        return low, high


@dataclass(frozen=True, slots=True)
class GrayTestResult:
    """Gray's test for each cause: ``statistic[cause]``, ``pvalue[cause]``, ``df[cause]``.

    ``score[cause]`` (for the first ``len(groups) - 1`` groups) and ``variance[cause]`` are the
    quantities of cmprsk's ``crstm``; the statistic is ``score @ inv(variance) @ score``.
    ``groups`` in level order; the first is the ``reference``.
    """

    causes: tuple[int, ...]
    groups: tuple[Any, ...]
    statistic: Mapping[int, float]
    pvalue: Mapping[int, float]
    df: Mapping[int, int]
    score: Mapping[int, np.ndarray]
    variance: Mapping[int, np.ndarray]
    rho: float
    n_strata: int

    @property
    def reference(self) -> Any:
        """The reference (control) group: the first of ``groups``."""
        return self.groups[0]


# --------------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------------


def _prepare(time: Any, cause: Any, timefix: bool) -> tuple[np.ndarray, np.ndarray]:
    t = check_time(time)
    c = check_codes(cause, "cause", t.shape[0], max_code=None)
    if timefix:
        t = _timefix(t)
    return t, c


def _labels(
    values: Any, name: str, n: int, min_groups: int, levels: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Labels in level order and codes; a categorical with an unused category is refused."""
    if min_groups > 1:
        return check_groups(values, n, name=name, min_groups=min_groups, levels=levels)
    return check_labels(values, name, n, levels)


# --------------------------------------------------------------------------------------------
# cumulative incidence (cmprsk's cinc)
# --------------------------------------------------------------------------------------------


def _ties_factor(d: np.ndarray, rs: np.ndarray) -> np.ndarray:
    """cmprsk's tie correction 1 - (d - 1)/(rs - 1), 1 where d <= 1."""
    many = d > 1
    return np.where(many, 1.0 - (d - 1.0) / np.where(many, rs - 1.0, 1.0), 1.0)


def _cinc(rs: np.ndarray, d_all: np.ndarray, d_k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Estimate and variance at each distinct time of one group (cmprsk's Fortran ``cinc``).

    ``rs``: number at risk (float), ``d_all``: failures of any cause, ``d_k``: failures of the
    cause of interest, at each distinct time (ascending). Returns F and V at every distinct
    time; only the entries where ``d_k > 0`` are values cmprsk reports.
    """
    d_other = d_all - d_k
    event = d_all > 0
    safe_rs = np.where(rs > 0, rs, 1.0)
    factor = np.where(event, (rs - d_all) / safe_rs, 1.0)
    fk = np.empty_like(rs)  # all-cause Kaplan-Meier just before each time
    fk[0] = 1.0
    if rs.size > 1:
        np.cumprod(factor[:-1], out=fk[1:])
    fkn = fk * (rs - d_all) / safe_rs  # just after
    f = np.cumsum(fk * d_k / safe_rs)
    inv_fkn = np.divide(1.0, fkn, out=np.zeros_like(fkn), where=fkn > 0)
    # competing failures (only while the all-cause survival stays positive)
    use2 = (d_other > 0) & (fkn > 0)
    t6 = np.where(use2, fk * fk * _ties_factor(d_other, rs) * d_other / (safe_rs * safe_rs), 0.0)
    t3 = inv_fkn
    t4 = f * inv_fkn
    a1, a2, a3 = t4 * t4 * t6, t3 * t4 * t6, t3 * t3 * t6
    # failures from the cause of interest
    use1 = d_k > 0
    t6 = np.where(use1, fk * fk * _ties_factor(d_k, rs) * d_k / (safe_rs * safe_rs), 0.0)
    t4 = 1.0 + t3 * f
    b1, b2, b3 = t4 * t4 * t6, t3 * t4 * t6, t3 * t3 * t6

    def acc(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        # running sum in cmprsk's order: competing part, then the cause's part, time by time
        return np.cumsum(np.stack((a, b), axis=1).ravel())[1::2]

    v1, v2, v3 = acc(a1, b1), acc(a2, b2), acc(a3, b3)
    var = v1 + f * f * v3 - 2 * f * v2
    return f, var


def _distinct(sorted_time: np.ndarray) -> np.ndarray:
    """Start index of each run of equal values in a sorted array."""
    return np.flatnonzero(np.concatenate(([True], sorted_time[1:] != sorted_time[:-1])))


def cumulative_incidence(
    time: Any,
    cause: Any,
    group: Any = None,
    *,
    timefix: bool = False,
    levels: Sequence[Any] | None = None,
) -> CumulativeIncidenceResult:
    """Cumulative incidence of each cause in each group (Aalen-Johansen), as ``cmprsk::cuminc``.

    Parameters
    ----------
    time : follow-up times (finite, >= 0).
    cause : 0 for a censored time, a positive integer code for the cause of failure.
    group : optional group labels; curves are estimated within each group.
    timefix : merge times that differ by floating-point noise (R survival's ``aeqSurv`` rule)
        first. cmprsk does not (the default, False, matches it).
    levels : the group labels in order, first = reference (R's factor levels); every label of
        ``group`` once. Default: a pandas categorical's order, else sorted.

    Returns a :class:`CumulativeIncidenceResult`; estimates and variances at any times with
    ``.estimate_at(times, cause=, group=)`` / ``.variance_at(...)`` (as ``cmprsk::timepoints``),
    and pointwise intervals with ``.confidence_interval(...)``. The variance is cmprsk's
    delta-method (Aalen 1978) estimate, see the module docstring.
    """
    t, c = _prepare(time, cause, timefix)
    n = t.shape[0]
    if group is None:
        labels, codes = np.array(["all"]), np.zeros(n, dtype=np.intp)
    else:
        labels, codes = _labels(group, "group", n, min_groups=1, levels=levels)
    causes = tuple(int(k) for k in np.unique(c[c > 0]))
    order = np.lexsort((t, codes))  # by group, then time
    t_s, c_s, g_s = t[order], c[order], codes[order]
    bounds = np.searchsorted(g_s, np.arange(labels.size + 1))
    curves: dict[tuple[int, Any], IncidenceCurve] = {}
    for gi, label in enumerate(labels.tolist()):
        lo, hi = bounds[gi], bounds[gi + 1]
        y, cc = t_s[lo:hi], c_s[lo:hi]
        ng = hi - lo
        starts = _distinct(y)
        rs = (ng - starts).astype(float)
        d_all = np.add.reduceat((cc > 0).astype(np.int64), starts).astype(float)
        for k in causes:
            d_k = np.add.reduceat((cc == k).astype(np.int64), starts).astype(float)
            f, var = _cinc(rs, d_all, d_k)
            jump = d_k > 0
            curves[(k, label)] = IncidenceCurve(
                cause=k,
                group=label,
                time=y[starts][jump],
                estimate=f[jump],
                variance=var[jump],
                n=int(ng),
                max_time=float(y[-1]),
            )
    return CumulativeIncidenceResult(
        causes=causes,
        groups=tuple(labels.tolist()),
        curves=MappingProxyType(curves),
        n=n,
    )


# --------------------------------------------------------------------------------------------
# Gray's test (cmprsk's crstm / crst)
# --------------------------------------------------------------------------------------------


def _exclusive_cumprod(x: np.ndarray) -> np.ndarray:
    out = np.ones_like(x)
    if x.shape[0] > 1:
        np.cumprod(x[:-1], axis=0, out=out[1:])
    return out


def _exclusive_cumsum(x: np.ndarray) -> np.ndarray:
    out = np.zeros_like(x)
    if x.shape[0] > 1:
        np.cumsum(x[:-1], axis=0, out=out[1:])
    return out


def _crst(
    rs: np.ndarray, d1: np.ndarray, d2: np.ndarray, rho: float
) -> tuple[np.ndarray, np.ndarray]:
    """Score and variance of one stratum (cmprsk's ``crst``), vectorised over event times.

    ``rs``, ``d1``, ``d2``: (times, groups) arrays of the number at risk, failures from the
    cause of interest and failures from other causes at each distinct time with a failure.
    Returns the score for the first ``groups - 1`` groups and its variance matrix.
    """
    m, ng = rs.shape
    ng1 = ng - 1
    pos = rs > 0
    safe_rs = np.where(pos, rs, 1.0)
    td = d1 + d2
    factor = np.where(pos, (rs - td) / safe_rs, 1.0)
    skmm = _exclusive_cumprod(factor)  # all-cause Kaplan-Meier per group, left-continuous
    skm = np.where(pos, skmm * (rs - td) / safe_rs, skmm)  # right-continuous
    safe_skmm = np.where(pos, skmm, 1.0)
    inc = np.where(pos, skmm * d1 / safe_rs, 0.0)
    f1m = _exclusive_cumsum(inc)  # cumulative incidence per group, left-continuous
    h = np.where(pos, rs / safe_skmm, 0.0)
    tr = h.sum(axis=1)
    tq = np.where(pos, rs * (1 - f1m) / safe_skmm, 0.0).sum(axis=1)
    nd1 = d1.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.cumsum(nd1 / tr)  # pooled cumulative incidence
        fm = np.concatenate(([0.0], f[:-1]))
        fb = (1 - fm) ** rho
        outer = h[:, :, None] * h[:, None, :] / tr[:, None, None]
        a = fb[:, None, None] * (h[:, :, None] * np.eye(ng)[None, :, :] - outer)
        c = np.cumsum(a * (nd1 / (tr * (1 - fm)))[:, None, None], axis=0)
        s_terms = np.where(
            pos, fb[:, None] * (d1 - nd1[:, None] * rs * (1 - f1m) / (safe_skmm * tq[:, None])), 0.0
        )
    score = s_terms.sum(axis=0)[:ng1]
    v = np.zeros((ng1, ng1))
    v2 = np.zeros((ng1, ng))
    v3 = np.zeros(ng)
    # failures from the cause of interest
    use1 = pos & (nd1 > 0)[:, None]
    safe_skm = np.where(skm > 0, skm, 1.0)
    t4 = np.where(skm > 0, 1 - (1 - f)[:, None] / safe_skm, 1.0)
    many = (nd1 > 1)[:, None]
    denom = np.where(many & use1, tr[:, None] * skmm - 1, 1.0)
    t5 = np.where(many, 1 - (nd1[:, None] - 1) / denom, 1.0)
    t3 = np.where(use1, t5 * skmm * nd1[:, None] / (tr[:, None] * safe_rs), 0.0)
    v3 += (t4 * t4 * t3).sum(axis=0)
    t1 = a[:, :ng1, :] - t4[:, None, :] * c[:, :ng1, :]  # (m, ng1, ng)
    v2 += (t1 * (t4 * t3)[:, None, :]).sum(axis=0)
    v += np.einsum("jik,jlk->il", t1 * t3[:, None, :], t1)
    # failures from the other causes
    use2 = (skm > 0) & (d2 > 0)
    t4 = np.where(use2, (1 - f)[:, None] / safe_skm, 0.0)
    t5 = _ties_factor(d2, rs)
    t3 = np.where(use2, t5 * (skmm * skmm) * d2 / (safe_rs * safe_rs), 0.0)
    v3 += (t4 * t4 * t3).sum(axis=0)
    t1 = t4[:, None, :] * c[:, :ng1, :]
    v2 -= (t1 * (t4 * t3)[:, None, :]).sum(axis=0)
    v += np.einsum("jik,jlk->il", t1 * t3[:, None, :], t1)
    # final terms with the cumulative c at the last time
    cf = c[-1, :ng1, :] if m else np.zeros((ng1, ng))
    v += (cf * v3[None, :]) @ cf.T + cf @ v2.T + v2 @ cf.T
    return score, v


def _qr_rank(x: np.ndarray, tol: float = _QR_TOLERANCE) -> int:
    """Rank of a square matrix as R's ``qr()`` (LINPACK ``dqrdc2``, limited pivoting) finds it."""
    x = np.array(x, dtype=float, copy=True)
    n, p = x.shape
    qraux = np.sqrt((x * x).sum(axis=0))
    orig = np.where(qraux == 0, 1.0, qraux)
    k = p + 1
    for col in range(min(n, p)):
        while col + 1 < k and qraux[col] < orig[col] * tol:
            # move the negligible column to the right-hand edge
            x = np.concatenate((x[:, :col], x[:, col + 1 :], x[:, col : col + 1]), axis=1)
            qraux = np.concatenate((qraux[:col], qraux[col + 1 :], qraux[col : col + 1]))
            orig = np.concatenate((orig[:col], orig[col + 1 :], orig[col : col + 1]))
            k -= 1
        if col == n - 1:
            break
        nrm = np.sqrt((x[col:, col] ** 2).sum())
        if nrm == 0:
            continue
        if x[col, col] != 0:
            nrm = np.copysign(nrm, x[col, col])
        x[col:, col] /= nrm
        x[col, col] += 1.0
        for j in range(col + 1, p):
            t = -(x[col:, col] @ x[col:, j]) / x[col, col]
            x[col:, j] += t * x[col:, col]
            if qraux[j] == 0:
                continue
            tt = max(1.0 - (abs(x[col, j]) / qraux[j]) ** 2, 0.0)
            if abs(tt) < 1e-6:
                qraux[j] = np.sqrt((x[col + 1 :, j] ** 2).sum())
            else:
                qraux[j] = qraux[j] * np.sqrt(tt)
    return min(k - 1, n)


def gray_test(
    time: Any,
    cause: Any,
    group: Any,
    strata: Any = None,
    rho: float = 0.0,
    *,
    timefix: bool = False,
    levels: Sequence[Any] | None = None,
) -> GrayTestResult:
    """Gray's (1988) test that the cumulative incidence of each cause is equal across groups.

    As ``cmprsk::cuminc(time, cause, group, strata, rho)$Tests``: for each cause with an event,
    a chi-square statistic on ``groups - 1`` degrees of freedom, stratified when ``strata`` is
    given (scores and variances summed over strata). ``rho`` is the power of the weight
    ``(1 - F(t-))**rho`` (0, the default, as cuminc). p-values are upper tails
    (``scipy.special.chdtrc``); cmprsk computes ``1 - pchisq(stat, df)``, which is 0 below about
    1e-16. Times are compared exactly as cmprsk does, unless ``timefix=True``. ``levels``
    orders the group labels (first = reference), as R's factor levels.
    """
    t, c = _prepare(time, cause, timefix)
    n = t.shape[0]
    labels, gcodes = _labels(group, "group", n, min_groups=2, levels=levels)
    try:
        rho_f = float(rho)
    except (TypeError, ValueError):
        raise InputError(f"rho: {rho!r} is not a number") from None
    if not np.isfinite(rho_f):
        raise InputError(f"rho: must be finite, got {rho!r}")
    if strata is None:
        scodes = np.zeros(n, dtype=np.intp)
        n_strata = 1
    else:
        slabels, scodes = _labels(strata, "strata", n, min_groups=1)
        n_strata = int(slabels.size)
    ng = int(labels.size)
    causes = tuple(int(k) for k in np.unique(c[c > 0]))
    cause_index = np.zeros(n, dtype=np.intp)  # 0 censored, 1.. position in causes
    if causes:
        cause_index = np.where(c > 0, np.searchsorted(np.array(causes), c) + 1, 0)
    nc = len(causes)

    order = np.lexsort((t, scodes))
    t_s, g_s, k_s, s_s = t[order], gcodes[order], cause_index[order], scodes[order]
    bounds = np.searchsorted(s_s, np.arange(n_strata + 1))
    scores = {k: np.zeros(ng - 1) for k in causes}
    variances = {k: np.zeros((ng - 1, ng - 1)) for k in causes}
    for si in range(n_strata):
        lo, hi = bounds[si], bounds[si + 1]
        if hi == lo:
            continue
        y, g, kk = t_s[lo:hi], g_s[lo:hi], k_s[lo:hi]
        starts = _distinct(y)
        tid = np.repeat(np.arange(starts.size), np.diff(np.append(starts, y.size)))
        counts = np.bincount(
            (tid * ng + g) * (nc + 1) + kk, minlength=starts.size * ng * (nc + 1)
        ).reshape(starts.size, ng, nc + 1)
        at_start = counts.sum(axis=2)
        rs_all = (at_start.sum(axis=0)[None, :] - _exclusive_cumsum(at_start)).astype(float)
        fail = counts[:, :, 1:].sum(axis=2)
        keep = fail.sum(axis=1) > 0
        if not keep.any():
            continue
        rs = rs_all[keep]
        fail = fail[keep].astype(float)
        for ci, k in enumerate(causes):
            d1 = counts[keep, :, ci + 1].astype(float)
            s, v = _crst(rs, d1, fail - d1, rho_f)
            scores[k] += s
            variances[k] += v
    stat: dict[int, float] = {}
    pval: dict[int, float] = {}
    for k in causes:
        v = variances[k]
        s = scores[k]
        if np.all(np.isfinite(v)) and _qr_rank(v) == ng - 1:
            st = float(s @ np.linalg.solve(v, s))
            stat[k] = st
            from scipy.special import chdtrc  # on use: simulate's workers need none
            pval[k] = float(chdtrc(ng - 1, st))
        else:
            stat[k] = float("nan")
            pval[k] = float("nan")
    return GrayTestResult(
        causes=causes,
        groups=tuple(labels.tolist()),
        statistic=MappingProxyType(stat),
        pvalue=MappingProxyType(pval),
        df=MappingProxyType({k: ng - 1 for k in causes}),
        score=MappingProxyType(scores),
        variance=MappingProxyType(variances),
        rho=rho_f,
        n_strata=n_strata,
    )
