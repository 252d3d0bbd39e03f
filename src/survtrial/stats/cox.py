"""Cox proportional hazards regression with R's numbers (``survival::coxph``).

The fit follows R survival's ``coxph.fit`` / ``coxfit6.c`` step by step, so that coefficients,
variances, log-likelihoods, iteration counts and tests agree with R:

* times pass through R's ``aeqSurv`` rule first (``coxph``'s default ``timefix = TRUE``);
* each covariate column is centred at its mean and scaled by ``n / sum|x - mean|``, except
  columns whose values all lie in {-1, 0, 1} (``coxph``'s ``nocenter = c(-1, 0, 1)``); this
  changes nothing but rounding and the rank tolerance below;
* Newton-Raphson from beta = 0, at most ``max_iterations`` (R's ``iter.max = 20``) steps;
  iteration stops when ``|1 - loglik_old / loglik_new| <= eps`` (R's ``eps = 1e-9``); a step
  that lowers the log-likelihood (or gives a non-finite one) is shortened: at the k-th
  successive failure ``beta_new <- (beta_new + k beta_old) / (k + 1)``;
* linear algebra by R's ``cholesky2`` / ``chsolve2`` / ``chinv2`` (a generalized Cholesky
  ``L D L'`` whose pivots below ``toler.chol * max(diag)``, ``toler.chol = eps^0.75``, count as
  zero); a zero pivot means a covariate is a linear combination of the others and raises
  :class:`survtrial.InputError` naming it (R would report the coefficient as NA);
* ties by Efron's approximation (R's default) or Breslow's. With ``d`` events tied at a time
  in a stratum, Efron's term ``j = 0, ..., d - 1`` uses the risk-set sums minus ``j / d`` of the
  tied events' sums. Censorings at an event time stay in that risk set.

References: Therneau & Grambsch (2000), *Modeling Survival Data*, Springer, ch. 3 (partial
likelihood, Efron's approximation, score residuals, robust variance) and R survival's
``coxfit6.c``, ``coxscore2.c`` and ``coxph.R``.

Units: ``coef`` is the log hazard ratio per unit of each covariate (time units cancel);
``loglik`` is the log partial likelihood; tests are chi-square statistics on ``p`` df.

Implementation: one sort by (stratum, time) of packed uint64 keys, then every risk-set sum is a
cumulative sum, stratum by stratum, over the subjects in decreasing time order (the order in
which ``coxfit6.c`` accumulates), read off at the end of each tied group. Efron's correction is
evaluated for all tied groups at once on an array with one row per event. When every covariate
is 0/1 (a treatment arm, group indicators) the numbers at risk per covariate pattern are counted
once and each Newton step costs O(events), not O(n). There is no Python loop over observations
or event times (only over covariates, strata blocks and iterations).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.special import chdtrc, ndtri

from survtrial._errors import InputError
from survtrial.stats._results import ConfidenceInterval, TestResult
from survtrial.stats._timefix import find_cuts
from survtrial.stats._validate import check_event, check_labels, check_level, check_time

__all__ = ["ConvergenceWarning", "CoxResult", "cox"]

#: R's ``coxph.control()$toler.chol``: ``.Machine$double.eps^0.75``.
TOLER_CHOL = float(np.finfo(float).eps) ** 0.75


#: Up to this many strata, the risk-set sums are accumulated stratum by stratum.
_MAX_BLOCK_STRATA = 32
#: Up to this many covariates, all 0/1, the kernel works on covariate patterns (2^p levels).
_MAX_LEVEL_COVARIATES = 4


class ConvergenceWarning(RuntimeWarning):
    """The Newton-Raphson iteration ran out of steps, or a coefficient may be infinite."""


@dataclass(frozen=True, slots=True)
class CoxResult:
    """A fitted Cox proportional hazards model (R's ``coxph`` object, in the same units).

    Attributes
    ----------
    coef : ndarray, shape (p,)
        Log hazard ratios per unit of each covariate (R's ``coef(fit)``).
    variance : ndarray, shape (p, p)
        Variance of ``coef`` (R's ``fit$var``): the inverse information matrix, or the robust
        sandwich estimate when ``robust`` is true.
    naive_variance : ndarray or None
        The inverse information matrix when ``robust`` (R's ``fit$naive.var``), else None.
    loglik : tuple of float
        Log partial likelihood at beta = 0 and at the estimate (R's ``fit$loglik``).
    score_statistic : float
        Score (log-rank type) test statistic at beta = 0, ``U(0)' I(0)^-1 U(0)``
        (R's ``fit$score``).
    wald_statistic : float
        ``coef' variance^-1 coef`` (R's ``fit$wald.test``; uses the robust variance if robust).
    robust_score_statistic : float or None
        Robust score test at beta = 0 (R's ``fit$rscore``) when ``robust``, else None.
    iterations : int
        Newton-Raphson iterations used (R's ``fit$iter``; ``max_iterations + 1`` when the
        iteration ran out, as R reports it).
    converged : bool
        False when the iteration ran out of steps (R warns "Ran out of iterations").
    covariate_names : tuple of str
    n, n_events, n_strata : int
    ties : {"efron", "breslow"}
    robust : bool
    """

    coef: np.ndarray
    variance: np.ndarray
    naive_variance: np.ndarray | None
    loglik: tuple[float, float]
    score_statistic: float
    wald_statistic: float
    robust_score_statistic: float | None
    iterations: int
    converged: bool
    covariate_names: tuple[str, ...]
    n: int
    n_events: int
    n_strata: int
    ties: str
    robust: bool

    @property
    def df(self) -> int:
        """Degrees of freedom of the global tests: the number of coefficients."""
        return int(self.coef.shape[0])

    @property
    def std_err(self) -> np.ndarray:
        """Standard errors of ``coef``, ``sqrt(diag(variance))`` (robust if ``robust``)."""
        return np.sqrt(np.diag(self.variance))

    @property
    def hazard_ratio(self) -> np.ndarray:
        """``exp(coef)``: hazard ratio per unit increase of each covariate."""
        return np.exp(self.coef)

    @property
    def z(self) -> np.ndarray:
        """Wald z statistics ``coef / std_err`` (R's ``summary(fit)$coefficients[, "z"]``)."""
        return self.coef / self.std_err

    @property
    def pvalue(self) -> np.ndarray:
        """Two-sided Wald p-values per coefficient, ``P(chi2_1 > z^2)``."""
        return chdtrc(1.0, self.z**2)

    def confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        """Wald interval for the hazard ratios, ``exp(coef -+ z_{(1+level)/2} std_err)``.

        As R's ``summary(fit, conf.int = level)$conf.int`` (robust standard errors if robust).
        """
        level = check_level(confidence_level)
        q = float(ndtri(0.5 + level / 2.0))
        se = self.std_err
        with np.errstate(over="ignore"):  # an infinite bound is R's answer too
            low, high = np.exp(self.coef - q * se), np.exp(self.coef + q * se)
        return ConfidenceInterval(low=low, high=high, confidence_level=level, method="wald-log-hr")

    @property
    def likelihood_ratio_test(self) -> TestResult:
        """``2 (loglik[1] - loglik[0])`` on ``df`` degrees of freedom (R's ``logtest``)."""
        stat = -2.0 * (self.loglik[0] - self.loglik[1])
        return _chisq(stat, self.df)

    @property
    def wald_test(self) -> TestResult:
        """Wald test of beta = 0 (R's ``summary(fit)$waldtest``, unrounded statistic)."""
        return _chisq(self.wald_statistic, self.df)

    @property
    def score_test(self) -> TestResult:
        """Score test of beta = 0 at beta = 0 (R's ``summary(fit)$sctest``)."""
        return _chisq(self.score_statistic, self.df)

    @property
    def robust_score_test(self) -> TestResult | None:
        """Robust score test (R's ``summary(fit)$robscore``) when ``robust``, else None."""
        if self.robust_score_statistic is None:
            return None
        return _chisq(self.robust_score_statistic, self.df)


def _chisq(stat: float, df: int) -> TestResult:
    return TestResult(statistic=float(stat), df=df, pvalue=float(chdtrc(df, stat)))


# ---------------------------------------------------------------------------------------------
# input handling


def _covariate_matrix(
    covariates: Any, n: int
) -> tuple[np.ndarray, tuple[str, ...], np.ndarray, np.ndarray]:
    """Covariates as a (p, n) float array (a private copy, one row per covariate), their
    names, and each column's minimum and maximum."""
    if hasattr(covariates, "columns") and hasattr(covariates, "to_numpy"):  # DataFrame
        names = tuple(str(c) for c in covariates.columns)
        cols = [covariates[c].to_numpy() for c in covariates.columns]
    elif hasattr(covariates, "to_numpy") and hasattr(covariates, "name"):  # Series
        names = (str(covariates.name) if covariates.name is not None else "x",)
        cols = [covariates.to_numpy()]
    else:
        try:
            arr = np.asarray(covariates)
        except Exception as exc:  # pragma: no cover - numpy rarely fails here
            raise InputError(f"covariates: cannot be read as an array ({exc})") from None
        if arr.ndim == 1:
            names = ("x",)
            cols = [arr]
        elif arr.ndim == 2:
            if arr.shape[0] != n:
                raise InputError(
                    f"covariates: has {arr.shape[0]} rows but time has {n}; lengths must match"
                )
            names = tuple(f"x{j + 1}" for j in range(arr.shape[1]))
            cols = list(arr.T)
        else:
            raise InputError(
                f"covariates: expected a 1-D or 2-D (n x p) array, got shape {arr.shape}"
            )
    if not cols:
        raise InputError("covariates: no covariate columns; at least one is needed")
    if len(set(names)) != len(names):
        raise InputError(f"covariates: duplicated column names in {list(names)}")
    x = np.empty((len(cols), n))
    for j, col in enumerate(cols):
        col = np.asarray(col)
        if col.ndim != 1 or col.shape[0] != n:
            raise InputError(
                f"covariates: column {names[j]!r} has {col.shape[0] if col.ndim else 1} values "
                f"but time has {n}; lengths must match"
            )
        if col.dtype.kind not in "biuf":
            try:
                col = col.astype(float)
            except (TypeError, ValueError):
                raise InputError(
                    f"covariates: column {names[j]!r} is not numeric (dtype {col.dtype}); "
                    "code categorical covariates as 0/1 indicator columns"
                ) from None
        x[j] = col
    bad = ~np.isfinite(x)
    if bad.any():
        # the first offending row, and the first offending column in it
        rows = bad.any(axis=0)
        i = int(np.argmax(rows))
        j = int(np.argmax(bad[:, i]))
        raise InputError(
            f"covariates: column {names[j]!r} has value {x[j, i]} at index {i}; "
            "covariates must be finite (remove or impute missing values)"
        )
    lo = x.min(axis=1)
    hi = x.max(axis=1)
    const = lo == hi
    if const.any():
        j = int(np.argmax(const))
        raise InputError(
            f"covariates: column {names[j]!r} is constant (every value is {lo[j]:g}); "
            "a constant covariate has no effect in a Cox model; remove it"
        )
    return x, names, lo, hi


def _sort_order(
    t: np.ndarray, codes: np.ndarray | None, counts: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Indices that sort by (stratum code, time) ascending, and the times in that order.

    ``t`` is non-negative without -0.0, so its IEEE bit pattern read as uint64 increases with
    the value. One uint64 key per observation holds the stratum code in the top ``s`` bits, the
    top bits of the time's pattern next and the index in the low ``b = bits(n - 1)`` bits; the
    keys are sorted with ``np.sort`` (several times faster than ``np.argsort`` of the floats)
    and the index read back from the low bits. Distinct times in a stratum that agree in the
    kept bits (relative difference below about ``2^(b + s - 53)``; a handful among a million
    random times) come out in index order; those few runs are then re-sorted exactly, so the
    result equals a stable lexicographic sort.
    """
    n = t.shape[0]
    n_strata = 1 if counts is None else counts.shape[0]
    sbits = (n_strata - 1).bit_length()
    b = max(1, (n - 1).bit_length())
    shift = b + sbits - 1
    if shift > 40:  # too few time bits left; cannot happen below ~10^9 rows with few strata
        order = np.lexsort((t, codes)) if sbits else np.argsort(t, kind="stable")
        return order, t[order]
    key = t.view(np.uint64) >> np.uint64(shift)
    key <<= np.uint64(b)
    key |= np.arange(n, dtype=np.uint64)
    if sbits:
        key |= codes.astype(np.uint64) << np.uint64(64 - sbits)
    key.sort()
    order = (key & np.uint64((1 << b) - 1)).view(np.intp)
    ts = np.take(t, order)
    down = ts[1:] < ts[:-1]
    if sbits:
        down[np.cumsum(counts[:-1]) - 1] = False  # the time may drop where a stratum starts
    if down.any():
        bad = np.flatnonzero(down)
        top = key >> np.uint64(b)  # sorted; equal values = (stratum, kept time bits) runs
        runs = np.unique(top[bad])
        first = np.searchsorted(top, runs, side="left")
        length = np.searchsorted(top, runs, side="right") - first
        offset = np.cumsum(length) - length
        members = np.repeat(first - offset, length) + np.arange(int(length.sum()))
        sub = order[members]
        order[members] = sub[np.lexsort((sub, t[sub], top[members]))]  # within each run
        ts[members] = t[order[members]]
    return order, ts


# ---------------------------------------------------------------------------------------------
# R's generalized Cholesky (cholesky2.c, chsolve2.c, chinv2.c), on p x p lists: p is small


def _cholesky2(m: list[list[float]], toler: float) -> tuple[list[list[float]], list[int]]:
    """``L D L'`` in the lower triangle (D on the diagonal); returns it and the zero pivots."""
    n = len(m)
    a = [row[:] for row in m]
    for i in range(n):
        for j in range(i + 1, n):
            a[j][i] = a[i][j]
    eps = max([a[i][i] for i in range(n)] + [0.0])
    eps = toler if eps == 0 else eps * toler
    zero: list[int] = []
    for i in range(n):
        pivot = a[i][i]
        if not math.isfinite(pivot) or pivot < eps:
            a[i][i] = 0.0
            zero.append(i)
        else:
            for j in range(i + 1, n):
                temp = a[j][i] / pivot
                a[j][i] = temp
                a[j][j] -= temp * temp * pivot
                for k in range(j + 1, n):
                    a[k][j] -= temp * a[k][i]
    return a, zero


def _chsolve2(a: list[list[float]], y: list[float]) -> list[float]:
    n = len(a)
    y = y[:]
    for i in range(n):
        temp = y[i]
        for j in range(i):
            temp -= y[j] * a[i][j]
        y[i] = temp
    for i in range(n - 1, -1, -1):
        if a[i][i] == 0:
            y[i] = 0.0
        else:
            temp = y[i] / a[i][i]
            for j in range(i + 1, n):
                temp -= y[j] * a[j][i]
            y[i] = temp
    return y


def _chinv2(a: list[list[float]]) -> list[list[float]]:
    """Inverse of the matrix whose ``_cholesky2`` factor is ``a`` (full symmetric result)."""
    n = len(a)
    m = [row[:] for row in a]
    for i in range(n):
        if m[i][i] > 0:
            m[i][i] = 1.0 / m[i][i]
            for j in range(i + 1, n):
                m[j][i] = -m[j][i]
                for k in range(i):
                    m[j][k] += m[j][i] * m[i][k]
    for i in range(n):
        if m[i][i] == 0:
            for j in range(i):
                m[j][i] = 0.0
            for j in range(i, n):
                m[i][j] = 0.0
        else:
            for j in range(i + 1, n):
                temp = m[j][i] * m[j][j]
                m[i][j] = temp
                for k in range(i, j):
                    m[i][k] += temp * m[j][k]
    for i in range(n):
        for j in range(i):
            m[i][j] = m[j][i]
    return m


def _quad_form_solve(v: list[list[float]], b: list[float]) -> float:
    """``b' v^- b`` via ``_cholesky2`` (R's ``coxph.wtest``)."""
    chol, _ = _cholesky2(v, TOLER_CHOL)
    s = _chsolve2(chol, b)
    return float(sum(bi * si for bi, si in zip(b, s, strict=True)))


# ---------------------------------------------------------------------------------------------
# the kernel


class _Design:
    """Data in decreasing (stratum, time) order and the index arrays of the risk-set sums.

    Rows of the "expanded" arrays are the events, grouped by tied group (a distinct time within
    a stratum). For expanded row e in group g: ``hi[e]`` is one past the last position of g
    (every position before it in g's stratum has a time >= t_g: the risk set), ``lo[e]`` the
    first position of the stratum; ``hi_block`` indexes the per-stratum cumulative sums
    (``blocks``). Efron's correction needs, for tied groups only, the sums over the group's
    events (``tied_*``). With all covariates 0/1, ``code`` is each subject's covariate pattern
    and ``risk_counts`` the numbers at risk per pattern for each expanded row.
    """

    __slots__ = (
        "blocks",
        "code",
        "cum",
        "dcount",
        "death_pos",
        "eg_first",
        "eg_group",
        "event",
        "hi",
        "hi_block",
        "level_x",
        "lo",
        "n",
        "n_groups",
        "new_group",
        "p",
        "pair_src",
        "risk_counts",
        "stratum_start",
        "sum_x_dead",
        "tied_counts",
        "tied_f",
        "tied_pos",
        "tied_rep",
        "tied_rows",
        "tied_start",
        "work",
        "x",
        "xx",
    )


def _design(
    x: np.ndarray,
    event: np.ndarray,
    ts_desc: np.ndarray,
    order_desc: np.ndarray,
    counts: np.ndarray | None,
    efron: bool,
    binary: list[bool],
) -> _Design:
    """Precompute everything that does not depend on beta (``x`` centred and scaled, (p, n))."""
    n = ts_desc.shape[0]
    p = x.shape[0]
    d = _Design()
    d.n = n
    d.p = p
    d.x = np.take(x, order_desc, axis=1)
    ev = np.take(event, order_desc)
    d.event = ev
    new_group = np.empty(n, dtype=bool)
    new_group[0] = True
    np.not_equal(ts_desc[1:], ts_desc[:-1], out=new_group[1:])
    if counts is not None and counts.shape[0] > 1:
        # strata appear in decreasing code order; their first positions:
        stratum_start = n - np.cumsum(counts)[::-1]
        new_group[stratum_start] = True
        d.stratum_start = stratum_start
    else:
        d.stratum_start = None
    d.new_group = new_group
    death_pos = np.flatnonzero(ev)
    d.death_pos = death_pos
    n_ev = death_pos.shape[0]
    gstart = np.flatnonzero(new_group)
    d.n_groups = gstart.shape[0]
    gend = np.empty_like(gstart)
    gend[:-1] = gstart[1:]
    gend[-1] = n
    if n > 20_000:
        group_of_death = np.take(np.cumsum(new_group), death_pos) - 1
    else:  # fewer calls, cheaper for small n
        group_of_death = np.searchsorted(gstart, death_pos, side="right") - 1
    first = np.empty(n_ev, dtype=bool)
    first[0] = True
    np.not_equal(group_of_death[1:], group_of_death[:-1], out=first[1:])
    eg_first = np.flatnonzero(first)  # first expanded row of each event group
    d.eg_first = eg_first
    d.eg_group = np.take(group_of_death, eg_first)
    dcount = np.empty_like(eg_first)
    np.subtract(eg_first[1:], eg_first[:-1], out=dcount[:-1])
    dcount[-1] = n_ev - eg_first[-1]
    d.dcount = dcount
    d.hi = np.take(gend, group_of_death)
    d.lo = None
    d.blocks = None
    if d.stratum_start is not None:
        which = np.searchsorted(d.stratum_start, death_pos, side="right") - 1
        d.lo = np.take(d.stratum_start, which)
        n_strata = d.stratum_start.shape[0]
        if n_strata <= _MAX_BLOCK_STRATA:
            # one cumulative sum per stratum (as R accumulates), each block of the sums
            # preceded by a zero column: the sum up to position h of stratum b is at h + b
            ends = np.append(d.stratum_start[1:], n)
            d.blocks = list(zip(d.stratum_start.tolist(), ends.tolist(), strict=True))
            d.hi_block = d.hi + which
    tied = dcount > 1
    if efron and tied.any():
        dt = dcount[tied]
        rows = np.flatnonzero(np.repeat(tied, dcount))
        d.tied_rows = rows
        d.tied_pos = np.take(death_pos, rows)
        d.tied_start = np.cumsum(dt) - dt
        d.tied_rep = np.repeat(np.arange(dt.shape[0]), dt)
        d.tied_f = (np.arange(rows.shape[0]) - np.take(d.tied_start, d.tied_rep)) / np.take(
            dt, d.tied_rep
        )
    else:
        d.tied_rows = None
    # rows of the sums: r, r x_j (j < p), then r x_i x_j for the pairs i <= j, except
    # x_i^2 = x_i for a 0/1 column (its row is reused)
    pairs = []
    pair_src = np.empty((p, p), dtype=np.intp)
    for i in range(p):
        for j in range(i, p):
            if i == j and binary[i]:
                pair_src[i, i] = i
            else:
                pair_src[i, j] = pair_src[j, i] = p + len(pairs)
                pairs.append((i, j))
    d.pair_src = pair_src
    d.sum_x_dead = np.take(d.x, death_pos, axis=1).sum(axis=1)
    if all(binary) and p <= _MAX_LEVEL_COVARIATES:
        _level_design(d, pairs)
    else:
        d.code = None
        d.xx = np.concatenate([d.x, *(d.x[i : i + 1] * d.x[j] for i, j in pairs)])
        k = 1 + d.xx.shape[0]
        d.work = np.empty((k, n))
        if d.blocks is not None:
            d.cum = np.empty((k, n + len(d.blocks)))
            for b, (a, _) in enumerate(d.blocks):
                d.cum[:, a + b] = 0.0
        else:
            d.cum = np.empty((k, n + 1))
            d.cum[:, 0] = 0.0
    return d


def _level_design(d: _Design, pairs: list[tuple[int, int]]) -> None:
    """All covariates 0/1: every subject has one of L = 2^p covariate patterns (levels).

    Then ``S_k(t) = sum_l N_l(t) exp(x_l beta) x_lk``, where the numbers at risk per level
    ``N_l`` at each event do not depend on beta: they are counted once here, and each Newton
    step costs O(L x events) instead of a pass over all n subjects.
    """
    p = d.p
    n_levels = 1 << p
    weights = (1 << np.arange(p)).astype(float)
    code = (weights @ d.x).astype(np.intp)  # level of each subject, design order
    d.code = code
    levels = ((np.arange(n_levels)[:, None] >> np.arange(p)) & 1).astype(float)  # (L, p)
    rows = [np.ones(n_levels), *levels.T, *(levels[:, i] * levels[:, j] for i, j in pairs)]
    d.level_x = np.array(rows)  # (k, L): 1, x_l, products per level
    onehot = np.equal(code, np.arange(n_levels)[:, None]).astype(float)  # (L, n)
    cum = np.zeros((n_levels, d.n + 1))
    np.cumsum(onehot, axis=1, out=cum[:, 1:])
    counts = np.take(cum, d.hi, axis=1)
    if d.lo is not None:
        counts -= np.take(cum, d.lo, axis=1)
    d.risk_counts = counts  # (L, events)
    if d.tied_rows is not None:
        tied = np.add.reduceat(np.take(onehot, d.tied_pos, axis=1), d.tied_start, axis=1)
        d.tied_counts = np.take(tied, d.tied_rep, axis=1) * d.tied_f  # (L, tied events)
    d.work = d.cum = d.xx = None


class _Eval:
    """Log-likelihood, score and information at one beta (plus sums kept for residuals)."""

    __slots__ = ("den", "imat", "loglik", "mean", "r", "u")


def _evaluate(d: _Design, beta: np.ndarray, keep: bool = False) -> _Eval:
    """``coxfit6_iter``: log partial likelihood, score U and information I at ``beta``.

    With ``S0, S1, S2`` the risk-set sums of ``r = exp(x beta)``, ``r x``, ``r x x'`` (Efron:
    minus ``j/d`` of the tied events' sums for the j-th of d tied events), summed over events:
    ``loglik = sum(x beta) - sum log S0``, ``U = sum(x - S1/S0)``,
    ``I = sum(S2/S0 - (S1/S0)(S1/S0)')``. Call under ``np.errstate(all="ignore")``: overflow
    is detected by the caller, as in R, through non-finite results.
    """
    p = d.p
    if d.code is not None:
        factor = d.level_x * np.exp(d.level_x[1 : 1 + p].T @ beta)  # (k, L)
        s = factor @ d.risk_counts
        if d.tied_rows is not None:
            s[:, d.tied_rows] -= factor @ d.tied_counts
    else:
        w = d.work
        r = w[0]
        if p == 1:
            np.multiply(d.x[0], beta[0], out=r)
        else:
            np.dot(beta, d.x, out=r)
        np.exp(r, out=r)
        np.multiply(d.xx, r, out=w[1:])
        cum = d.cum
        if d.blocks is not None:
            for b, (a, z) in enumerate(d.blocks):
                np.cumsum(w[:, a:z], axis=1, out=cum[:, a + b + 1 : z + b + 1])
            s = np.take(cum, d.hi_block, axis=1)
        else:
            np.cumsum(w, axis=1, out=cum[:, 1:])
            s = np.take(cum, d.hi, axis=1)
            if d.lo is not None:
                s -= np.take(cum, d.lo, axis=1)
        if d.tied_rows is not None:
            tied = np.add.reduceat(np.take(w, d.tied_pos, axis=1), d.tied_start, axis=1)
            tied = np.take(tied, d.tied_rep, axis=1)
            tied *= d.tied_f
            s[:, d.tied_rows] -= tied
    den = s[0]
    inv = 1.0 / den
    tot = s[1:] @ inv
    mean = s[1 : 1 + p] * inv
    out = _Eval()
    out.loglik = float(beta @ d.sum_x_dead) - float(np.log(den).sum())
    out.u = d.sum_x_dead - tot[:p]
    out.imat = tot[d.pair_src] - mean @ mean.T
    if keep:
        if d.code is not None:
            out.r = np.take(np.exp(d.level_x[1 : 1 + p].T @ beta), d.code)
        else:
            out.r = w[0].copy()
        out.den = den
        out.mean = mean
    else:
        out.r = out.den = out.mean = None
    return out


def _score_residuals(d: _Design, ev: _Eval, efron: bool) -> np.ndarray:
    """Score residuals (n, p) in the design's order, as R's ``coxscore2.c``.

    For subject i with risk score r_i, over the event groups g of its stratum with t_g <= t_i:
    ``L_i = delta_i (x_i - abar_i) - r_i sum_g sum_j h_gj (x_i - xbar_gj)``, with
    ``h_gj = 1/S0_gj`` and ``xbar_gj = S1_gj/S0_gj`` for the j-th (Efron) term of group g. A
    subject who has an event at t_g gets the weights ``(1 - j/d_g)`` there and ``abar`` is the
    average of the group's Efron means; with Breslow ties all terms of a group are equal.
    """
    p = d.p
    x = d.x
    haz = 1.0 / ev.den
    hmean = haz * ev.mean
    first = d.eg_first
    h = np.add.reduceat(haz, first)
    hx = np.add.reduceat(hmean, first, axis=1)
    if efron and d.tied_rows is not None:
        keep = np.ones(haz.shape[0])
        keep[d.tied_rows] -= d.tied_f
        hp = np.add.reduceat(haz * keep, first)
        hxp = np.add.reduceat(hmean * keep, first, axis=1)
        abar = np.add.reduceat(ev.mean, first, axis=1) / d.dcount
    else:
        hp, hxp = h, hx
        abar = np.take(ev.mean, first, axis=1)
    g = d.n_groups
    eg = d.eg_group

    def spread(values: np.ndarray) -> np.ndarray:
        out = np.zeros((*values.shape[:-1], g))
        out[..., eg] = values
        return out

    h_all, hp_all, hx_all, hxp_all = spread(h), spread(hp), spread(hx), spread(hxp)
    # sums over the groups after each group in its stratum (the earlier event times)
    ch = np.concatenate([[0.0], np.cumsum(h_all)])
    chx = np.concatenate([np.zeros((p, 1)), np.cumsum(hx_all, axis=1)], axis=1)
    nxt = np.arange(1, g + 1)
    if d.stratum_start is not None:
        gstart = np.flatnonzero(d.new_group)
        s_first_group = np.searchsorted(gstart, d.stratum_start)
        s_end_group = np.append(s_first_group[1:], g)
        end = np.take(s_end_group, np.searchsorted(s_first_group, np.arange(g), "right") - 1)
    else:
        end = np.full(g, g)
    h_before = ch[end] - ch[nxt]
    hx_before = chx[:, end] - chx[:, nxt]
    gi = np.cumsum(d.new_group) - 1  # group of each observation
    dead = d.event.astype(bool)
    big_h = h_before[gi] + np.where(dead, hp_all[gi], h_all[gi])
    big_hx = hx_before[:, gi] + np.where(dead, hxp_all[:, gi], hx_all[:, gi])
    resid = -ev.r * (x * big_h - big_hx)
    resid[:, dead] += x[:, dead] - spread(abar)[:, gi[dead]]
    return resid.T


# ---------------------------------------------------------------------------------------------
# public function


def cox(
    time: Any,
    event: Any,
    covariates: Any,
    strata: Any = None,
    ties: Literal["efron", "breslow"] = "efron",
    robust: bool = False,
    cluster: Any = None,
    *,
    max_iterations: int = 20,
    eps: float = 1e-9,
) -> CoxResult:
    """Fit a Cox proportional hazards model by partial likelihood, as R's ``coxph``.

    Same numbers as ``coxph(Surv(time, event) ~ covariates + strata(strata), ties = ties,
    robust = robust)`` (with ``+ cluster(cluster)`` when ``cluster`` is given).

    Parameters
    ----------
    time : array_like, shape (n,)
        Follow-up times (any unit), finite and >= 0. Near-equal times are merged first by R's
        ``aeqSurv`` rule (difference <= sqrt(machine epsilon), absolute or relative to the mean
        absolute time), as ``coxph`` does by default.
    event : array_like, shape (n,)
        1 (or True) for an event, 0 for a censored time.
    covariates : array_like or DataFrame
        A 1-D array (one covariate, named ``"x"``), a 2-D n x p array (named ``"x1"``, ...),
        a pandas Series (its name) or DataFrame (its column names). Numeric and finite;
        a categorical covariate must be given as 0/1 indicator columns.
    strata : array_like, optional
        Stratum labels: a separate baseline hazard per stratum (R's ``strata()``).
    ties : {"efron", "breslow"}
        Handling of tied event times; Efron is R's default.
    robust : bool
        Also compute the robust (sandwich) variance ``D'D`` from the dfbeta residuals
        ``D = L V`` (score residuals L times the model-based variance V, Lin & Wei 1989); it
        then becomes ``variance`` and the model-based one ``naive_variance``.
    cluster : array_like, optional
        Cluster labels: dfbeta residuals are summed within clusters before ``D'D`` (R's
        ``cluster()``); implies ``robust=True``.
    max_iterations : int
        R's ``iter.max`` (20).
    eps : float
        R's ``eps`` (1e-9): converged when ``|1 - loglik_old / loglik_new| <= eps``.

    Returns
    -------
    CoxResult
        Log hazard ratios per unit of each covariate, their variance, the log partial
        likelihoods and the likelihood-ratio, Wald and score tests.

    Raises
    ------
    InputError
        Bad times, event codes, labels or covariates (non-finite, constant, or a linear
        combination of the others so that the information matrix is singular), lengths that
        differ, an unknown ``ties``, or no events at all.

    Warns
    -----
    ConvergenceWarning
        When the iteration runs out of steps, or the log-likelihood converged while a
        coefficient was still moving (a coefficient may be infinite), as R warns.

    Notes
    -----
    The Breslow log partial likelihood is ``sum_i delta_i [x_i beta - log sum_{j in R_i}
    exp(x_j beta)]``, R_i the subjects of i's stratum with ``t_j >= t_i``; for ``d`` events
    tied at one time, Efron replaces the d equal denominators by
    ``S0 - (k/d) sum_{tied} exp(x beta)``, ``k = 0..d-1`` (Therneau & Grambsch 2000, ch. 3).

    When the iteration runs out of steps (``converged`` false) the variance is what R returns
    then: ``coxfit6.c`` inverts the information of the last good iterate without factorizing
    it, which yields ``diag(1 / I_jj)``, not the full inverse.
    """
    t = check_time(time)
    n = t.shape[0]
    e = check_event(event, n)
    x, names, lo, hi = _covariate_matrix(covariates, n)
    if ties not in ("efron", "breslow"):
        raise InputError(f"ties: must be 'efron' or 'breslow', got {ties!r}")
    if isinstance(max_iterations, bool) or not isinstance(max_iterations, int | np.integer):
        raise InputError(f"max_iterations: must be an integer, got {max_iterations!r}")
    if max_iterations < 0:
        raise InputError(f"max_iterations: must be >= 0, got {max_iterations}")
    if isinstance(eps, bool) or not isinstance(eps, float | int) or not 0 < eps < math.inf:
        raise InputError(f"eps: must be a positive finite number, got {eps!r}")
    codes = counts = None
    n_strata = 1
    if strata is not None:
        labels, codes = check_labels(strata, "strata", n)
        n_strata = int(labels.shape[0])
        if n_strata > 1:
            counts = np.bincount(codes, minlength=n_strata)
        else:
            codes = None
    cl_codes = None
    n_clusters = 0
    if cluster is not None:
        cl_labels, cl_codes = check_labels(cluster, "cluster", n)
        n_clusters = int(cl_labels.shape[0])
        robust = True
    n_events = int(np.count_nonzero(e))
    if n_events == 0:
        raise InputError("event: there are no events (every time is censored); nothing to fit")
    efron = ties == "efron"

    # centre and scale each column as coxfit6.c; columns within {-1, 0, 1} are left alone
    # (coxph's nocenter), so a 0/1 column stays 0/1 and x^2 = x is reused in the kernel
    p = x.shape[0]
    scale = np.ones(p)
    binary = [False] * p
    for j in range(p):
        col = x[j]
        if lo[j] >= -1 and hi[j] <= 1 and np.array_equal(col, np.rint(col)):
            binary[j] = lo[j] >= 0
            continue
        col -= col.mean()
        total = float(np.abs(col).sum())
        if total > 0:
            scale[j] = n / total
            col *= scale[j]

    t = t + 0.0  # -0.0 becomes 0.0: the sort reads the bit patterns
    order, ts = _sort_order(t, codes, counts)
    cuts = find_cuts(ts if counts is None else np.sort(t))
    if cuts is not None:
        ts = cuts.apply(ts)
    order_desc = order[::-1].copy()  # contiguous: np.take is much faster with it
    d = _design(x, e, ts[::-1], order_desc, counts, efron, binary)

    with np.errstate(all="ignore"):
        ev0, sctest, final, var_s, beta_final, best, iterations, converged = _newton(
            d, names, max_iterations, eps, robust
        )
    loglik0 = ev0.loglik

    var_scaled = np.asarray(var_s, dtype=float)
    coef = beta_final * scale
    outer = np.outer(scale, scale)
    variance = var_scaled * outer
    if max_iterations > 1:
        _warn_convergence(converged, final.u / scale, variance, coef, names, eps, max_iterations)

    naive = None
    rscore = None
    if robust:
        dfbeta = _score_residuals(d, final, efron) @ var_scaled  # scaled coordinates
        ev0.r = np.ones(n)
        resid0 = _score_residuals(d, ev0, efron)
        if cl_codes is not None:
            cl = np.take(cl_codes, order_desc)
            dfbeta = _collapse(dfbeta, cl, n_clusters)
            resid0 = _collapse(resid0, cl, n_clusters)
        naive = variance
        variance = (dfbeta.T @ dfbeta) * outer
        rscore = _quad_form_solve((resid0.T @ resid0).tolist(), resid0.sum(axis=0).tolist())
        naive.flags.writeable = False

    wald = _quad_form_solve(variance.tolist(), coef.tolist())
    coef.flags.writeable = False
    variance.flags.writeable = False
    return CoxResult(
        coef=coef,
        variance=variance,
        naive_variance=naive,
        loglik=(loglik0, best),
        score_statistic=sctest,
        wald_statistic=wald,
        robust_score_statistic=rscore,
        iterations=iterations,
        converged=converged,
        covariate_names=names,
        n=n,
        n_events=n_events,
        n_strata=n_strata,
        ties=ties,
        robust=bool(robust),
    )


def _newton(
    d: _Design, names: tuple[str, ...], max_iterations: int, eps: float, keep: bool
) -> tuple[_Eval, float, _Eval, Any, np.ndarray, float, int, bool]:
    """Newton-Raphson from beta = 0 with step halving, exactly as ``coxfit6.c``.

    Returns the evaluation at 0, the score test, the final evaluation, the inverse information
    (scaled coordinates), beta, the final log-likelihood, the iteration count and convergence.
    """
    p = d.p
    beta = np.zeros(p)
    ev0 = _evaluate(d, beta, keep=keep)
    loglik0 = ev0.loglik
    chol, zero = _cholesky2(ev0.imat.tolist(), TOLER_CHOL)
    if zero:
        _raise_singular(names, zero)
    u0 = ev0.u.tolist()
    step = _chsolve2(chol, u0)
    sctest = float(sum(a * b for a, b in zip(u0, step, strict=True)))

    converged = True
    if max_iterations == 0 or not math.isfinite(loglik0):
        final = ev0
        var_s = _chinv2(chol)
        iterations = 0
        best = loglik0
        beta_final = beta
    else:
        best = loglik0
        newbeta = beta + np.asarray(step)
        halving = 0
        final = None
        iterations = max_iterations + 1
        for it in range(1, max_iterations + 1):
            ev = _evaluate(d, newbeta, keep=keep)
            newlk = ev.loglik
            imat = ev.imat.tolist()
            u = ev.u.tolist()
            finite = (
                math.isfinite(newlk)
                and all(map(math.isfinite, u))
                and all(math.isfinite(v) for row in imat for v in row)
            )
            chol, zero = _cholesky2(imat, TOLER_CHOL)
            # R: fabs(1 - loglik/newlk) <= eps (never true for newlk = 0: inf or NaN)
            if finite and newlk != 0 and abs(1.0 - best / newlk) <= eps:
                best = newlk
                final = ev
                beta_final = newbeta
                iterations = it
                break
            if not finite or newlk < best:
                halving += 1  # coxfit6.c: shorter steps after each failure
                newbeta = (newbeta + halving * beta) / (halving + 1.0)
            else:
                halving = 0
                best = newlk
                delta = _chsolve2(chol, u)
                beta = newbeta
                newbeta = newbeta + np.asarray(delta)
        if final is None:
            converged = False
            beta_final = beta
            if max_iterations > 1:
                # coxfit6.c recomputes the last good iterate and calls chinv2 on the fresh
                # information matrix without factorizing it first: chinv2 then reads a unit
                # lower triangle and D = diag(I), so R's variance is diag(1 / I_jj) here.
                final = _evaluate(d, beta, keep=keep)
                best = final.loglik
                diag = np.diag(final.imat)
                with np.errstate(divide="ignore"):
                    var_s = np.diag(np.where(diag > 0, 1.0 / diag, 0.0))
            else:
                final = ev
                var_s = _chinv2(chol)
        else:
            if zero:
                _raise_singular(names, zero)
            var_s = _chinv2(chol)

    return ev0, sctest, final, var_s, beta_final, best, iterations, converged


def _warn_convergence(
    converged: bool,
    u: np.ndarray,
    variance: np.ndarray,
    coef: np.ndarray,
    names: tuple[str, ...],
    eps: float,
    max_iterations: int,
) -> None:
    """R's warnings from ``coxph.fit`` (only when ``iter.max > 1``)."""
    if not converged:
        warnings.warn(
            f"cox: ran out of iterations ({max_iterations}) and did not converge",
            ConvergenceWarning,
            stacklevel=3,
        )
        return
    infs = np.abs(u @ variance)
    flag = ~np.isfinite(u) | ((infs > eps) & (infs > math.sqrt(eps) * np.abs(coef)))
    if flag.any():
        which = ", ".join(repr(names[j]) for j in np.flatnonzero(flag))
        warnings.warn(
            f"cox: the log-likelihood converged before covariate {which}; "
            "its coefficient may be infinite",
            ConvergenceWarning,
            stacklevel=3,
        )


def _raise_singular(names: tuple[str, ...], zero: list[int]) -> None:
    which = ", ".join(repr(names[j]) for j in zero)
    raise InputError(
        f"covariates: the information matrix is singular at column {which}: it is a linear "
        "combination of the other covariates (or constant among the subjects at risk at every "
        "event time), so its coefficient is not estimable (R reports NA); remove it"
    )


def _collapse(m: np.ndarray, codes: np.ndarray, n_codes: int) -> np.ndarray:
    """Sum the rows of ``m`` (n, p) within each code 0..n_codes-1 (R's ``rowsum``)."""
    out = np.empty((n_codes, m.shape[1]))
    for j in range(m.shape[1]):
        out[:, j] = np.bincount(codes, weights=m[:, j], minlength=n_codes)
    return out
