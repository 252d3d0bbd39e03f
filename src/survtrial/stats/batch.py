"""Survival statistics for many trials at once, with no loop over replicates or patients.

Each function takes arrays of shape (R, N) (one row a trial) and a key (R, N) that puts each
patient in one of K groups (-1: not in the analysis) and returns arrays of shape (R, K) or (R,).
They follow the conventions of :mod:`survtrial.stats` (R's): events before censorings at a tied
time, Greenwood variance, Efron ties for Cox, hypergeometric log-rank variance; the test suite
checks them against :mod:`survtrial.stats` trial by trial. Times must be finite and >= 0.

All of them build a :class:`Runs` table: the distinct (trial, group, time) values in order, with
counts per arm and per event cause and the numbers at risk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from survtrial.arrays import namespace, row_sum, segment_sum, stable_argsort

_TINY = 1e-300


@dataclass
class Runs:
    seg: np.ndarray  # (M,) segment of each run: row * (K + 1) + key
    time: np.ndarray  # (M,)
    count: np.ndarray  # (M, G) subjects with this time, per arm
    events: np.ndarray  # (M, G, C) events per arm and cause (causes 1..C)
    at_risk: np.ndarray  # (M, G) time >= this time, per arm (within the segment)
    n_rows: int
    n_keys: int
    scale: float  # key of a run: seg * scale + time

    @property
    def d(self) -> np.ndarray:
        return self.events.sum(axis=(1, 2))

    @property
    def n(self) -> np.ndarray:
        return self.at_risk.sum(axis=1)

    @property
    def n_seg(self) -> int:
        return self.n_rows * (self.n_keys + 1)

    def segment_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum of per-run values by segment, as (R, K) (each added left to right, on the
        device where the runs are: :func:`survtrial.arrays.segment_sum`)."""
        out = segment_sum(self.seg, values, self.n_seg)
        return out.reshape(self.n_rows, self.n_keys + 1)[:, : self.n_keys]

    def segment_cumsum(self, values: np.ndarray) -> np.ndarray:
        """Running sum of per-run values within each segment (inclusive).

        Summed segment by segment (a padded 2-D cumsum), so a trial's numbers do not depend
        on the other trials in the batch, not even in the last bit.
        """
        m = self.seg.shape[0]
        if m == 0:
            return np.zeros(0)
        new = np.r_[True, self.seg[1:] != self.seg[:-1]]
        start = np.flatnonzero(new)
        lengths = np.diff(np.r_[start, m])
        rank = np.cumsum(new) - 1
        pos = np.arange(m) - np.repeat(start, lengths)
        pad = np.zeros((start.shape[0], int(lengths.max())))
        pad[rank, pos] = values
        return np.cumsum(pad, axis=1)[rank, pos]

    def last_at_or_before(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of the last run at or before time t per (row, key); ``valid`` False if none.

        ``t`` broadcasts against (R, K).
        """
        r, k = self.n_rows, self.n_keys
        seg = (np.arange(r)[:, None] * (k + 1) + np.arange(k)[None, :]).astype(float)
        # every time is below scale - 1: a later t would land in the next segment's keys
        tt = np.minimum(np.broadcast_to(np.asarray(t, dtype=float), (r, k)), self.scale - 1.0)
        keys = self.seg * self.scale + self.time
        idx = np.searchsorted(keys, seg * self.scale + tt, side="right") - 1
        valid = (idx >= 0) & (self.seg[np.maximum(idx, 0)] == seg.astype(np.int64))
        return np.maximum(idx, 0), valid

    def first_at_or_after(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r, k = self.n_rows, self.n_keys
        seg = (np.arange(r)[:, None] * (k + 1) + np.arange(k)[None, :]).astype(float)
        tt = np.minimum(np.broadcast_to(np.asarray(t, dtype=float), (r, k)), self.scale - 1.0)
        keys = self.seg * self.scale + self.time
        idx = np.searchsorted(keys, seg * self.scale + tt, side="left")
        m = self.seg.shape[0]
        valid = (idx < m) & (self.seg[np.minimum(idx, m - 1)] == seg.astype(np.int64))
        return np.minimum(idx, m - 1), valid


def _segment_time_order(seg: np.ndarray, t: np.ndarray, scale: float) -> np.ndarray:
    """The stable order by (segment, time): ``np.lexsort((t, seg))``. Whole-number times (days,
    as the trial engine's) are sorted as one integer key ``seg * scale + t``, which gives the
    same order (exact in int64) in about a third of the time."""
    xp = namespace(t)
    n_seg = int(seg.max()) + 1 if seg.size else 1
    if t.size and n_seg * scale < 2.0**62 and bool(xp.array_equal(t, xp.floor(t))):
        key = seg.astype(np.int64) * int(scale) + t.astype(np.int64)
        return stable_argsort(key)
    return xp.lexsort(xp.stack((t, seg)))


def build_runs(
    time: np.ndarray,
    cause: np.ndarray,
    key: np.ndarray,
    n_keys: int,
    arm: np.ndarray | None = None,
    n_causes: int = 1,
) -> Runs:
    """Distinct (row, key, time) runs. ``cause``: 0 censored, 1..n_causes an event."""
    xp = namespace(time)
    r, _n = time.shape
    k = xp.where(key >= 0, key, n_keys)
    seg = (xp.arange(r)[:, None] * (n_keys + 1) + k).ravel()
    t = xp.where(key >= 0, time, 0.0).ravel()
    c = xp.where(key >= 0, cause, 0).ravel().astype(np.int64)
    g = (xp.zeros_like(k) if arm is None else xp.where(key >= 0, arm, 0)).ravel()
    n_arms = 1 if arm is None else 2
    scale = (float(t.max()) if t.size else 0.0) + 2.0
    order = _segment_time_order(seg, t, scale)
    seg, t, c, g = seg[order], t[order], c[order], g[order]
    new = xp.concatenate([xp.ones(1, dtype=bool), (seg[1:] != seg[:-1]) | (t[1:] != t[:-1])])
    new = new[: t.shape[0]]  # an empty batch has no runs
    run = xp.cumsum(new) - 1
    m = int(run[-1]) + 1 if run.size else 0
    first = xp.flatnonzero(new)
    count = xp.bincount(run * n_arms + g, minlength=m * n_arms).reshape(m, n_arms)
    ev = c > 0
    events = xp.bincount(
        (run[ev] * n_arms + g[ev]) * n_causes + (c[ev] - 1), minlength=m * n_arms * n_causes
    ).reshape(m, n_arms, n_causes)
    rseg = seg[first]
    rc = xp.cumsum(count[::-1], axis=0)[::-1]
    rc = xp.concatenate([rc, xp.zeros((1, n_arms), dtype=rc.dtype)])
    next_start = xp.searchsorted(rseg, rseg, side="right")
    at_risk = rc[:-1] - rc[next_start]
    return Runs(rseg, t[first], count, events, at_risk, r, n_keys, scale)


def km_at(runs: Runs, t: float, cause_weight: np.ndarray | None = None):
    """Kaplan-Meier S(t), Greenwood SE of S(t) and number at risk at t, each (R, K)."""
    d = runs.d.astype(float)
    n = runs.n.astype(float)
    logf = np.log(np.maximum(1.0 - d / n, _TINY))
    cum = runs.segment_cumsum(logf)
    with np.errstate(divide="ignore", invalid="ignore"):
        gw_inc = np.where((d > 0) & (n > d), d / (n * (n - d)), 0.0)
    gw = runs.segment_cumsum(gw_inc)
    idx, valid = runs.last_at_or_before(t)
    surv = np.where(valid, np.exp(cum[idx]), 1.0)
    surv = np.where(surv < 1e-200, 0.0, surv)
    var_log = np.where(valid, gw[idx], 0.0)
    with np.errstate(invalid="ignore"):
        se = np.where(surv > 0, surv * np.sqrt(var_log), np.nan)
    j, ok = runs.first_at_or_after(t)
    n_risk = np.where(ok, runs.n[j], 0)
    return surv, se, n_risk


def km_on_grid(runs: Runs, grid_days: np.ndarray) -> np.ndarray:
    """Kaplan-Meier S(t) at each grid time, (R, K, G): one cumulative sum, one search per time
    (the same arithmetic as :func:`survtrial.stats.batch.km_at`)."""
    d = runs.d.astype(float)
    n = runs.n.astype(float)
    cum = runs.segment_cumsum(np.log(np.maximum(1.0 - d / n, _TINY)))
    out = np.empty((runs.n_rows, runs.n_keys, len(grid_days)))
    for g, t in enumerate(grid_days):
        idx, valid = runs.last_at_or_before(t)
        s = np.where(valid, np.exp(cum[idx]), 1.0)
        out[..., g] = np.where(s < 1e-200, 0.0, s)
    return out


def km_median(runs: Runs) -> np.ndarray:
    """First time S(t) <= 1/2 per (R, K); NaN when not reached (no midpoint rule)."""
    d = runs.d.astype(float)
    n = runs.n.astype(float)
    surv = np.exp(runs.segment_cumsum(np.log(np.maximum(1.0 - d / n, _TINY))))
    hit = surv <= 0.5 + 1.4901161193847656e-08
    big = np.inf
    val = np.where(hit, runs.time, big)
    out = np.full(runs.n_seg, big)
    np.minimum.at(out, runs.seg, val)
    out = out.reshape(runs.n_rows, runs.n_keys + 1)[:, : runs.n_keys]
    return np.where(np.isfinite(out), out, np.nan)


def cumulative_incidence_at(runs: Runs, t: float, cause: int) -> np.ndarray:
    """Aalen-Johansen cumulative incidence of ``cause`` (1-based) at t, (R, K)."""
    d = runs.d.astype(float)
    n = runs.n.astype(float)
    logf = np.log(np.maximum(1.0 - d / n, _TINY))
    cum_before = runs.segment_cumsum(logf) - logf
    dk = runs.events[:, :, cause - 1].sum(axis=1)
    inc = np.exp(cum_before) * dk / n
    cif = runs.segment_cumsum(inc)
    idx, valid = runs.last_at_or_before(t)
    return np.where(valid, cif[idx], 0.0)


def logrank_z(runs: Runs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stratified two-arm log-rank per row (keys = strata, summed): z, O - E and V of arm 1.

    ``z = (O_1 - E_1) / sqrt(V)``: negative when arm 1 has fewer events than expected.
    """
    xp = namespace(runs.time)
    d = runs.d.astype(float)
    n = runs.n.astype(float)
    n1 = runs.at_risk[:, 1].astype(float)
    d1 = runs.events[:, 1, :].sum(axis=1).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        e1 = d * n1 / n
        v = xp.where(n > 1, d * (n - d) / (n - 1) * (n1 / n) * (1 - n1 / n), 0.0)
    o_e = row_sum(runs.segment_sum(d1 - e1))
    var = row_sum(runs.segment_sum(v))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = xp.where(var > 0, o_e / xp.sqrt(var), np.nan)
    return z, o_e, var


def logrank_z_by_day(
    time: np.ndarray, event: np.ndarray, key: np.ndarray, n_keys: int, arm: np.ndarray
) -> np.ndarray | None:
    """:func:`logrank_z` of ``build_runs(time, event, key, n_keys, arm=arm)`` by counting, for
    whole-day times on the CPU: exits and events per (row, key, arm, day) by ``bincount``, the
    numbers at risk by a reverse cumulative sum, each key's O - E and V summed day by day in
    time order (a cumulative sum: the order of the runs; a day without events adds exactly 0),
    so z equals :func:`logrank_z`'s bit for bit. ``None`` (use the sort) when the day grid
    would be over 8 times the patients, the times are not whole days, or on the GPU."""
    xp = namespace(time)
    r, w = time.shape
    inside = key >= 0
    if xp is not np or not inside.any():
        return None
    t = np.where(inside, time, 0.0)
    n_days = int(t.max()) + 1
    if r * n_keys * 2 * n_days > 8 * max(r * w, 1) or not np.array_equal(t, np.floor(t)):
        return None
    k = np.where(inside, key, n_keys)
    cell = ((np.arange(r)[:, None] * (n_keys + 1) + k) * 2 + arm) * n_days + t.astype(np.int64)
    size = r * (n_keys + 1) * 2 * n_days
    shape = (r, n_keys + 1, 2, n_days)
    exits = np.bincount(cell.ravel(), minlength=size).reshape(shape)[:, :n_keys]
    events = np.bincount(cell[event.astype(bool) & inside], minlength=size)
    events = events.reshape(shape)[:, :n_keys]
    at_risk = np.cumsum(exits[..., ::-1], axis=-1)[..., ::-1]  # still followed on the day
    n1 = at_risk[:, :, 1].astype(float)
    n = at_risk.sum(axis=2).astype(float)
    d1 = events[:, :, 1].astype(float)
    d = events.sum(axis=2).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        e1 = np.where(n > 0, d * n1 / n, 0.0)
        v = np.where(n > 1, d * (n - d) / (n - 1) * (n1 / n) * (1 - n1 / n), 0.0)
    o_e = row_sum(np.cumsum(d1 - e1, axis=-1)[..., -1])
    var = row_sum(np.cumsum(v, axis=-1)[..., -1])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(var > 0, o_e / np.sqrt(var), np.nan)


def cox_binary(runs: Runs, iterations: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Cox log hazard ratio of arm 1 vs arm 0 per (R, K) (Efron ties) and its standard error.

    NaN where one arm has no events or no patients in the segment (infinite estimate).
    """
    n1 = runs.at_risk[:, 1].astype(float)
    n0 = runs.at_risk[:, 0].astype(float)
    d1 = runs.events[:, 1, :].sum(axis=1).astype(float)
    d0 = runs.events[:, 0, :].sum(axis=1).astype(float)
    d = d1 + d0
    has = d > 0
    n1, n0, d1, d0, d = n1[has], n0[has], d1[has], d0[has], d[has]
    seg = runs.seg[has]
    nseg = runs.n_seg
    dmax = int(d.max(initial=0))
    beta = np.zeros(nseg)
    info = np.zeros(nseg)  # at each segment's last step: not moved by later iterations
    done = np.zeros(nseg, dtype=bool)  # per segment, so a trial's fit ignores its neighbours
    for _ in range(iterations):
        r = np.exp(beta[seg])
        score_run = d1.copy()
        info_run = np.zeros_like(d1)
        for k in range(dmax):
            use = d > k
            frac = np.where(use, k / np.maximum(d, 1), 0.0)
            num = r * (n1 - frac * d1)
            den = r * n1 + n0 - frac * (r * d1 + d0)
            with np.errstate(divide="ignore", invalid="ignore"):
                pk = np.where(use & (den > 0), num / den, 0.0)
            score_run -= pk
            info_run += pk * (1 - pk)
        score = np.bincount(seg, weights=score_run, minlength=nseg)
        info = np.where(done, info, np.bincount(seg, weights=info_run, minlength=nseg))
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(info > 1e-12, score / info, 0.0)
        step = np.where(done, 0.0, step)
        beta = np.clip(beta + np.clip(step, -2, 2), -20, 20)
        done |= np.abs(step) < 1e-10
        if done.all():
            break
    tot1 = np.bincount(seg, weights=d1, minlength=nseg)
    tot0 = np.bincount(seg, weights=d0, minlength=nseg)
    ok = (tot1 > 0) & (tot0 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.where(ok & (info > 0), 1 / np.sqrt(info), np.nan)
    beta = np.where(ok, beta, np.nan)
    shape = (runs.n_rows, runs.n_keys + 1)
    return beta.reshape(shape)[:, : runs.n_keys], se.reshape(shape)[:, : runs.n_keys]


def rmst_at(runs: Runs, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Restricted mean survival time up to tau (R, 1 broadcast) per (R, K) and its SE."""
    d = runs.d.astype(float)
    n = runs.n.astype(float)
    logf = np.log(np.maximum(1.0 - d / n, _TINY))
    cum = runs.segment_cumsum(logf)
    s_after = np.exp(cum)
    s_before = np.exp(cum - logf)
    first = np.r_[True, runs.seg[1:] != runs.seg[:-1]]
    prev_t = np.where(first, 0.0, np.r_[0.0, runs.time[:-1]])
    tau_full = np.broadcast_to(np.asarray(tau, dtype=float), (runs.n_rows, runs.n_keys))
    tau_seg = np.concatenate([tau_full, np.full((runs.n_rows, 1), -1.0)], axis=1).ravel()
    tau_run = tau_seg[runs.seg]
    inside = runs.time <= tau_run
    rect = np.where(inside, (runs.time - prev_t) * s_before, 0.0)
    area_runs = runs.segment_cumsum(rect)
    idx, valid = runs.last_at_or_before(tau_full)
    last_t = np.where(valid, runs.time[idx], 0.0)
    last_s = np.where(valid, s_after[idx], 1.0)
    area = np.where(valid, area_runs[idx], 0.0) + (tau_full - last_t) * last_s
    with np.errstate(divide="ignore", invalid="ignore"):
        hh = np.where((n - d > 0) & inside, d / (n * (n - d)), 0.0)
    total = np.concatenate([area, np.zeros((runs.n_rows, 1))], axis=1).ravel()[runs.seg]
    after = total - area_runs
    var = runs.segment_sum(after * after * hh)
    return area, np.sqrt(var)


def last_time(runs: Runs) -> np.ndarray:
    """Largest follow-up time per (R, K); NaN for an empty group."""
    out = np.full(runs.n_seg, -np.inf)
    np.maximum.at(out, runs.seg, runs.time)
    out = out.reshape(runs.n_rows, runs.n_keys + 1)[:, : runs.n_keys]
    return np.where(np.isfinite(out), out, np.nan)
