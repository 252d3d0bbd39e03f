"""Workhorse of the Cox fit: scaling, sort, Newton-Raphson and variances, as R's ``coxph.fit``.

:func:`fit_cox` takes checked arrays (from :func:`survtrial.stats.cox.cox`, the front end) and
follows R survival's ``coxph.fit`` / ``coxfit6.c`` step by step: centre and scale the columns,
sort by (stratum, time), merge near-equal times (``aeqSurv``), then Newton-Raphson from beta = 0
with R's step halving and stopping rule, and finally the model-based or robust variance. The
risk-set sums are in :mod:`survtrial.stats._cox_kernel`, R's Cholesky in
:mod:`survtrial.stats._cox_linalg`. The loops here run over iterations, covariates and strata
blocks, never over subjects or event times.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from survtrial.stats._cox_kernel import Design, Eval, build_design, evaluate, score_residuals
from survtrial.stats._cox_linalg import TOLER_CHOL, chinv2, cholesky2, chsolve2, quad_form_solve
from survtrial.stats._timefix import find_cuts

__all__ = ["CoxFit", "SingularInformation", "fit_cox", "sort_order"]


class SingularInformation(ArithmeticError):
    """The information matrix has zero pivots at ``columns`` (R reports those coefficients NA)."""

    def __init__(self, columns: list[int]):
        super().__init__(f"singular information matrix at columns {columns}")
        self.columns = columns


@dataclass(frozen=True, slots=True)
class CoxFit:
    """What ``coxph.fit`` returns, in the covariates' own units (see ``CoxResult``)."""

    coef: np.ndarray
    variance: np.ndarray
    naive_variance: np.ndarray | None
    loglik: tuple[float, float]
    score_statistic: float
    wald_statistic: float
    robust_score_statistic: float | None
    iterations: int
    converged: bool
    #: the score vector U at the estimate, per unit of each covariate (R's ``coxfit$u``)
    score: np.ndarray


def fit_cox(
    t: np.ndarray,
    event: np.ndarray,
    x: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    codes: np.ndarray | None,
    counts: np.ndarray | None,
    cluster_codes: np.ndarray | None,
    n_clusters: int,
    efron: bool,
    robust: bool,
    max_iterations: int,
    eps: float,
) -> CoxFit:
    """Fit the Cox model to checked data.

    ``t`` (n,) finite times >= 0; ``event`` (n,) 0/1; ``x`` (p, n) finite covariates, a private
    copy that is centred and scaled in place; ``lo``, ``hi`` each column's minimum and maximum;
    ``codes``/``counts`` stratum codes 0..S-1 and their counts (None: one stratum);
    ``cluster_codes`` 0..n_clusters-1 (None: no clusters). Raises :class:`SingularInformation`.
    """
    n = t.shape[0]
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
    order, ts = sort_order(t, codes, counts)
    cuts = find_cuts(ts if counts is None else np.sort(t))
    if cuts is not None:
        ts = cuts.apply(ts)
    order_desc = order[::-1].copy()  # contiguous: np.take is much faster with it
    d = build_design(x, event, ts[::-1], order_desc, counts, efron, binary)

    with np.errstate(all="ignore"):
        ev0, sctest, final, var_s, beta_final, best, iterations, converged = newton(
            d, max_iterations, eps, robust
        )

    var_scaled = np.asarray(var_s, dtype=float)
    coef = beta_final * scale
    outer = np.outer(scale, scale)
    variance = var_scaled * outer
    naive = None
    rscore = None
    if robust:
        dfbeta = score_residuals(d, final, efron) @ var_scaled  # scaled coordinates
        ev0.r = np.ones(n)
        resid0 = score_residuals(d, ev0, efron)
        if cluster_codes is not None:
            cl = np.take(cluster_codes, order_desc)
            dfbeta = collapse(dfbeta, cl, n_clusters)
            resid0 = collapse(resid0, cl, n_clusters)
        naive = variance
        variance = (dfbeta.T @ dfbeta) * outer
        rscore = quad_form_solve((resid0.T @ resid0).tolist(), resid0.sum(axis=0).tolist())
        naive.flags.writeable = False
    wald = quad_form_solve(variance.tolist(), coef.tolist())
    coef.flags.writeable = False
    variance.flags.writeable = False
    return CoxFit(
        coef=coef,
        variance=variance,
        naive_variance=naive,
        loglik=(ev0.loglik, best),
        score_statistic=sctest,
        wald_statistic=wald,
        robust_score_statistic=rscore,
        iterations=iterations,
        converged=converged,
        score=final.u / scale,
    )


def sort_order(
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


def newton(
    d: Design, max_iterations: int, eps: float, keep: bool
) -> tuple[Eval, float, Eval, Any, np.ndarray, float, int, bool]:
    """Newton-Raphson from beta = 0 with step halving, exactly as ``coxfit6.c``.

    Returns the evaluation at 0, the score test, the final evaluation, the inverse information
    (scaled coordinates), beta, the final log-likelihood, the iteration count and convergence.
    """
    p = d.p
    beta = np.zeros(p)
    ev0 = evaluate(d, beta, keep=keep)
    loglik0 = ev0.loglik
    chol, zero = cholesky2(ev0.imat.tolist(), TOLER_CHOL)
    if zero:
        raise SingularInformation(zero)
    u0 = ev0.u.tolist()
    step = chsolve2(chol, u0)
    sctest = float(sum(a * b for a, b in zip(u0, step, strict=True)))

    converged = True
    if max_iterations == 0 or not math.isfinite(loglik0):
        final = ev0
        var_s = chinv2(chol)
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
            ev = evaluate(d, newbeta, keep=keep)
            newlk = ev.loglik
            imat = ev.imat.tolist()
            u = ev.u.tolist()
            finite = (
                math.isfinite(newlk)
                and all(map(math.isfinite, u))
                and all(math.isfinite(v) for row in imat for v in row)
            )
            chol, zero = cholesky2(imat, TOLER_CHOL)
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
                delta = chsolve2(chol, u)
                beta = newbeta
                newbeta = newbeta + np.asarray(delta)
        if final is None:
            converged = False
            beta_final = beta
            if max_iterations > 1:
                # coxfit6.c recomputes the last good iterate and calls chinv2 on the fresh
                # information matrix without factorizing it first: chinv2 then reads a unit
                # lower triangle and D = diag(I), so R's variance is diag(1 / I_jj) here.
                final = evaluate(d, beta, keep=keep)
                best = final.loglik
                diag = np.diag(final.imat)
                with np.errstate(divide="ignore"):
                    var_s = np.diag(np.where(diag > 0, 1.0 / diag, 0.0))
            else:
                final = ev
                var_s = chinv2(chol)
        else:
            if zero:
                raise SingularInformation(zero)
            var_s = chinv2(chol)

    return ev0, sctest, final, var_s, beta_final, best, iterations, converged


def collapse(m: np.ndarray, codes: np.ndarray, n_codes: int) -> np.ndarray:
    """Sum the rows of ``m`` (n, p) within each code 0..n_codes-1 (R's ``rowsum``)."""
    out = np.empty((n_codes, m.shape[1]))
    for j in range(m.shape[1]):
        out[:, j] = np.bincount(codes, weights=m[:, j], minlength=n_codes)
    return out
