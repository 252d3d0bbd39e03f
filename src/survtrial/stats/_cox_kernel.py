"""Kernel of the Cox fit: risk-set sums, log-likelihood, score and information at one beta.

One sort by (stratum, time) has been done by the caller (:mod:`survtrial.stats._cox_fit`); here
every risk-set sum is a cumulative sum, stratum by stratum, over the subjects in decreasing time
order (the order in which R's ``coxfit6.c`` accumulates), read off at the end of each tied
group. Efron's correction is evaluated for all tied groups at once on an array with one row per
event. When every covariate is 0/1 (a treatment arm, group indicators) the numbers at risk per
covariate pattern are counted once and each Newton step costs O(events), not O(n). There is no
Python loop over observations or event times (only over covariates and strata blocks).

Reference: Therneau & Grambsch (2000), *Modeling Survival Data*, ch. 3; R survival's
``coxfit6.c`` (sums) and ``coxscore2.c`` (score residuals).
"""

from __future__ import annotations

from functools import cache

import numpy as np

__all__ = ["Design", "Eval", "build_design", "evaluate", "score_residuals"]

#: Up to this many strata, the risk-set sums are accumulated stratum by stratum.
MAX_BLOCK_STRATA = 32
#: Up to this many covariates, all 0/1, the kernel works on covariate patterns (2^p levels).
MAX_LEVEL_COVARIATES = 4
#: The information is summed event by event (R's order) when a diagonal element is below this
#: fraction of its sum of second moments, i.e. when the one-pass sums have lost 2+ digits.
CANCELLATION = 1e-2


class Design:
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
        "diag_rows",
        "eg_first",
        "eg_group",
        "event",
        "hi",
        "hi_block",
        "info_i",
        "info_j",
        "info_rows",
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
        "x_dead",
        "xx",
    )


def build_design(
    x: np.ndarray,
    event: np.ndarray,
    ts_desc: np.ndarray,
    order_desc: np.ndarray,
    counts: np.ndarray | None,
    efron: bool,
    binary: list[bool],
) -> Design:
    """Precompute everything that does not depend on beta (``x`` centred and scaled, (p, n))."""
    n = ts_desc.shape[0]
    p = x.shape[0]
    d = Design()
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
        if n_strata <= MAX_BLOCK_STRATA:
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
    d.info_i, d.info_j = _upper_triangle(p)
    d.info_rows = 1 + pair_src[d.info_i, d.info_j]  # rows of the sums holding S2_ij
    d.diag_rows = pair_src.diagonal().copy()  # rows of tot holding S2_ii / S0
    d.x_dead = np.take(d.x, death_pos, axis=1)
    d.sum_x_dead = d.x_dead.sum(axis=1)
    if all(binary) and p <= MAX_LEVEL_COVARIATES:
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


def _level_design(d: Design, pairs: list[tuple[int, int]]) -> None:
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


@cache
def _upper_triangle(p: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.triu_indices(p)``, once per p (it costs ~40 us, a third of a small fit)."""
    i, j = np.triu_indices(p)
    i.flags.writeable = j.flags.writeable = False
    return i, j


class Eval:
    """Log-likelihood, score and information at one beta (plus sums kept for residuals)."""

    __slots__ = ("den", "imat", "loglik", "mean", "r", "u")


def evaluate(d: Design, beta: np.ndarray, keep: bool = False) -> Eval:
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
    imat = tot[d.pair_src] - mean @ mean.T
    u = d.sum_x_dead - tot[:p]
    if p == 1:  # one covariate (the arm): scalars, a few times cheaper than the arrays
        lost = not imat[0, 0] > CANCELLATION * tot[d.diag_rows[0]]
    else:
        lost = not (imat.diagonal() > CANCELLATION * tot[d.diag_rows]).all()
    if lost:  # the one-pass sums cancelled: redo them event by event, as R does
        mean, u, imat = _per_event_sums(d, s, den)
    out = Eval()
    out.loglik = float(beta @ d.sum_x_dead) - float(np.log(den).sum())
    out.u = u
    out.imat = imat
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


def _per_event_sums(d: Design, s: np.ndarray, den: np.ndarray) -> tuple[np.ndarray, ...]:
    """``S1/S0``, U and I with the differences taken event by event, as ``coxfit6.c``.

    ``U = sum_e (x_e - S1_e/S0_e)`` and ``I = sum_e (S2_e/S0_e - (S1_e/S0_e)(S1_e/S0_e)')``,
    with divisions (``x * (1/x)`` can be ``1 - 2^-53`` where ``S1/S0`` must be exactly 1).
    Where a coefficient runs to infinity the information is tiny next to its terms; summing
    ``S2/S0`` and the products over events first would cancel it to 0 (a singular matrix)
    where R keeps it, and warns that the coefficient may be infinite.
    """
    p = d.p
    mean = s[1 : 1 + p] / den
    u = (d.x_dead - mean).sum(axis=1)
    info = np.take(s, d.info_rows, axis=0)
    info /= den
    info -= np.take(mean, d.info_i, axis=0) * np.take(mean, d.info_j, axis=0)
    info_sum = info.sum(axis=1)
    imat = np.empty((p, p))
    imat[d.info_i, d.info_j] = info_sum
    imat[d.info_j, d.info_i] = info_sum
    return mean, u, imat


def score_residuals(d: Design, ev: Eval, efron: bool) -> np.ndarray:
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
