"""Compiled (numba) kernels for the interim looks of simulated trials, on the CPU.

One pass per replicate over the raw columns of a batch, (R, N) arrays: a patient is randomized
when ``stratum >= 0`` (``rand_day`` is then finite); ``event_time`` and ``ltfu_time`` are days
from randomization; ``arm`` is 0/1. The kernels fuse :func:`survtrial.trial.cut.endpoint_at`
(the data at a calendar cut) with :func:`survtrial.stats.batch.logrank_z_by_day` (the
stratified log-rank counted by day) and replace the full sort per row that finds the day of the
k-th event. Every number equals the numpy code's bit for bit: the same formulas in the same
order, each stratum's sums day by day in time order (a day without events adds exactly 0 there,
so it is skipped here); the strata are added in numpy by :func:`survtrial.arrays.row_sum`.
Compiled on first use and cached in ``__pycache__`` (``cache=True``; see :func:`_kernel`);
one thread, ``nogil`` (the simulation's workers are processes). Counters handed to another
kernel start as ``np.int64(0)``, not ``0``: a literal 0 reaching a call makes numba compile
a second version of the callee (five more versions, about 1.5 s more of the first run).
"""

from __future__ import annotations

import numpy as np

from survtrial._compiled import kernel
from survtrial.arrays import row_sum

# the day grid counted per replicate, stratum and look: past this many cells the kernel
# declines (the numpy code sorts instead)
MAX_GRID = 1 << 22


@kernel
def _select(a, lo, hi, k):
    """Put the k-th smallest of a[lo:hi] at a[k], the smaller before it and the larger after
    (Hoare's selection, median-of-three pivot)."""
    while hi - lo > 1:
        mid = (lo + hi - 1) // 2
        x, y, z = a[lo], a[mid], a[hi - 1]
        if x > y:
            x, y = y, x
        if y > z:
            y = z
        pivot = y if y > x else x
        i = lo
        j = hi - 1
        while i <= j:
            while a[i] < pivot:
                i += 1
            while a[j] > pivot:
                j -= 1
            if i <= j:
                a[i], a[j] = a[j], a[i]
                i += 1
                j -= 1
        if k <= j:
            hi = j + 1
        elif k >= i:
            lo = i
        else:
            return


@kernel
def _kth_row(vals, m, ks, out, hist, late):
    """out[q] = the ks[q]-th smallest of vals[:m] (ks ascending; inf past m), vals reordered.

    Whole days >= 0 are counted per day (those past ``4 m + 1024`` kept apart), then walked
    once up to each k; a row with any other value is done by selection. Returns ``hist``
    (grown if it had to be)."""
    if m == 0 or ks[0] >= m:
        return hist
    whole = True
    top = 0.0
    for j in range(m):
        v = vals[j]
        whole &= (v >= 0.0) & (v == np.floor(v))
        top = max(top, v)
    if not whole:
        lo = np.int64(0)
        for q in range(ks.shape[0]):  # ascending: each selection leaves the larger after it
            k = ks[q]
            if k >= m:
                break
            if k >= lo:  # else a repeat of the k before, already in place
                _select(vals, lo, m, k)
            out[q] = vals[k]
            lo = k + 1
        return hist
    h = np.int64(min(top + 1.0, 4.0 * m + 1024.0))
    if hist.shape[0] < h:
        hist = np.zeros(max(h, 2 * hist.shape[0]), dtype=np.int32)
    else:
        hist[:h] = 0
    n_late = np.int64(0)
    for j in range(m):
        v = vals[j]
        if v < h:
            hist[np.int64(v)] += 1
        else:
            late[n_late] = v
            n_late += 1
    day = 0
    below = 0  # values before ``day``
    lo = np.int64(0)
    for q in range(ks.shape[0]):
        k = ks[q]
        if k >= m:
            break
        while day < h and below + hist[day] <= k:
            below += hist[day]
            day += 1
        if day < h:
            out[q] = float(day)
            continue
        kl = k - below  # among the late values
        if kl >= lo:
            _select(late, lo, n_late, kl)
        out[q] = late[kl]
        lo = kl + 1
    return hist


@kernel
def _kth_days(rand_day, event_time, ltfu_time, stratum, ks):
    r_n, n = stratum.shape
    out = np.full((r_n, ks.shape[0]), np.inf)
    vals = np.empty(n + 1)
    late = np.empty(n + 1)
    hist = np.zeros(0, dtype=np.int32)
    for r in range(r_n):
        m = np.int64(0)
        for i in range(n):  # the event days, written always and kept for events
            vals[m] = rand_day[r, i] + event_time[r, i]
            m += (stratum[r, i] >= 0) & (event_time[r, i] <= ltfu_time[r, i])
        hist = _kth_row(vals, m, ks, out[r], hist, late)
    return out


@kernel
def _logrank_row(c, rd, et, lt, st, am, m, first_day, n_strata, grid, days, o_e, var):
    """One replicate's look at cut ``c`` (its m randomized patients): O - E and V of arm 1
    per stratum into ``o_e``, ``var``; returns the events (-1 where a time is not a whole
    day >= 0) and the patients in the data (randomized by the cut). ``grid`` holds 4 cells a
    day from each stratum's first randomization to the cut and ``days`` one entry a day
    (:func:`_looks` sizes them)."""
    cells = 0
    offset = np.empty(n_strata, dtype=np.int64)
    span = np.zeros(n_strata, dtype=np.int64)
    for k in range(n_strata):  # a stratum's times are at most the cut less its first day
        offset[k] = cells
        if first_day[k] <= c:
            span[k] = np.int64(c - first_day[k]) + 1
        cells += span[k] * 4
    grid[:cells] = 0
    events = 0
    in_data = 0
    # per (stratum, day): exits of arm 0, of arm 1, events of arm 0, of arm 1
    for j in range(m):
        if not rd[j] <= c:  # randomized after the cut: not in the data
            continue
        in_data += 1
        censor = c - rd[j]  # endpoint_at: the cut, or loss to follow-up if earlier
        censor = lt[j] if lt[j] < censor else censor
        ev = et[j] <= censor
        t = et[j] if ev else censor
        if not (t >= 0.0 and t == np.floor(t)):
            return -1, in_data
        cell = offset[st[j]] + np.int64(t) * 4 + am[j]
        grid[cell] += 1
        grid[cell + 2] += ev
        events += ev
    for k in range(n_strata):
        # backwards: the numbers still followed on each day (a reverse cumulative sum, in
        # place of the exits), the days with events listed (written always, kept if so)
        n0 = 0
        n1i = 0
        q = 0
        for cell in range(offset[k] + (span[k] - 1) * 4, offset[k] - 1, -4):
            n0 += grid[cell]
            n1i += grid[cell + 1]
            grid[cell] = n0
            grid[cell + 1] = n1i
            days[q] = cell
            q += (grid[cell + 2] + grid[cell + 3]) > 0
        acc_oe = 0.0  # then forwards, in time order: the sums of logrank_z_by_day
        acc_v = 0.0
        for i in range(q - 1, -1, -1):
            cell = days[i]
            nf = float(grid[cell] + grid[cell + 1])
            n1 = float(grid[cell + 1])
            d1i = grid[cell + 3]
            df = float(grid[cell + 2] + d1i)
            e1 = df * n1 / nf
            acc_oe += float(d1i) - e1
            if nf > 1:
                acc_v += df * (nf - df) / (nf - 1) * (n1 / nf) * (1 - n1 / nf)
        o_e[k] = acc_oe
        var[k] = acc_v
    return events, in_data


@kernel
def _looks(rand_day, event_time, ltfu_time, stratum, arm, nth, fixed, latest, chained,
           n_strata, max_grid):
    """Every look of every replicate: its calendar day (look l at the nth[l]-th event, capped
    at ``latest``, or at fixed[r, l] where nth[l] < 0; with ``chained``, never before the look
    before), its events, its patients in the data and per stratum O - E and V of arm 1.
    ``ok`` False where a stratum
    is out of range, a time is not a whole day >= 0 or the day grid is over ``max_grid``."""
    r_n, n = stratum.shape
    n_looks = nth.shape[0]
    look_day = np.zeros((r_n, n_looks))
    o_e = np.zeros((n_looks, r_n, n_strata))
    var = np.zeros((n_looks, r_n, n_strata))
    n_events = np.zeros((r_n, n_looks), dtype=np.int64)
    n_in = np.zeros((r_n, n_looks), dtype=np.int64)
    rd = np.empty(n + 1)
    et = np.empty(n + 1)
    lt = np.empty(n + 1)
    st = np.empty(n + 1, dtype=np.int64)
    am = np.empty(n + 1, dtype=np.int64)
    vals = np.empty(n + 1)
    late = np.empty(n + 1)
    hist = np.zeros(0, dtype=np.int32)
    grid = np.zeros(0, dtype=np.int32)
    days = np.empty(1, dtype=np.int64)
    first_day = np.empty(n_strata)
    ks = np.sort(nth[nth >= 0])
    kth = np.empty(ks.shape[0])
    for r in range(r_n):
        m = np.int64(0)  # the replicate's randomized patients, in order (written, kept if so)
        for i in range(n):
            s = stratum[r, i]
            rd[m] = rand_day[r, i]
            et[m] = event_time[r, i]
            lt[m] = ltfu_time[r, i]
            st[m] = s
            am[m] = arm[r, i] > 0
            m += s >= 0
        first_day[:] = np.inf
        n_ev = np.int64(0)
        for j in range(m):
            if st[j] >= n_strata:
                return look_day, o_e, var, n_events, n_in, False
            if rd[j] < first_day[st[j]]:  # rarely: no chain of stores and loads
                first_day[st[j]] = rd[j]
            vals[n_ev] = rd[j] + et[j]  # the event days (written always, kept for events)
            n_ev += et[j] <= lt[j]
        if ks.shape[0]:
            kth[:] = np.inf
            hist = _kth_row(vals, n_ev, ks, kth, hist, late)
        prev = 0.0
        for look in range(n_looks):
            if nth[look] >= 0:
                day = min(kth[np.searchsorted(ks, nth[look])], latest)
            else:
                day = fixed[r, look]
            if chained:
                day = max(day, prev)
                prev = day
            look_day[r, look] = day
        cells = 0
        for look in range(n_looks):
            c = look_day[r, look]
            need = 0
            for k in range(n_strata):
                if first_day[k] <= c:
                    if c - first_day[k] >= max_grid:
                        return look_day, o_e, var, n_events, n_in, False
                    need += (np.int64(c - first_day[k]) + 1) * 4
            cells = max(cells, need)
        if cells > max_grid:
            return look_day, o_e, var, n_events, n_in, False
        if grid.shape[0] < cells:
            grid = np.zeros(max(cells, 2 * grid.shape[0]), dtype=np.int32)
            days = np.empty(grid.shape[0] // 4 + 1, dtype=np.int64)
        for look in range(n_looks):
            events, in_data = _logrank_row(
                look_day[r, look], rd, et, lt, st, am, m, first_day, n_strata, grid, days,
                o_e[look, r], var[look, r],
            )
            if events < 0:
                return look_day, o_e, var, n_events, n_in, False
            n_events[r, look] = events
            n_in[r, look] = in_data
    return look_day, o_e, var, n_events, n_in, True


def _z(o_e, var):
    """z per look (R, L) from per-stratum sums (L, R, K): the strata added by ``row_sum``."""
    z = np.empty((o_e.shape[1], o_e.shape[0]))
    for look in range(o_e.shape[0]):
        oe_k, var_k = row_sum(o_e[look]), row_sum(var[look])
        with np.errstate(divide="ignore", invalid="ignore"):
            z[:, look] = np.where(var_k > 0, oe_k / np.sqrt(var_k), np.nan)
    return z


def look_logrank(rand_day, event_time, ltfu_time, stratum, arm, cut_day, n_strata: int):
    """Stratified two-arm log-rank of arm 1 at each calendar cut, from the raw columns.

    ``cut_day``: (R,) or (R, L) calendar days. Returns ``(z, events)`` of shape (R,) or (R, L)
    (as ``cut_day``), or ``None`` where the kernel declines (a time that is not a whole day, a
    day grid over :data:`MAX_GRID` cells): the caller then uses numpy's path. Equal bit for
    bit to :func:`survtrial.trial.cut.endpoint_at` followed by
    :func:`survtrial.stats.batch.logrank_z_by_day` (or ``logrank_z`` of ``build_runs``) with
    key ``stratum`` where in the data: ``z = sum_k (O - E)_k / sqrt(sum_k V_k)`` with, per
    day, ``E1 = d n1 / n`` and ``V = d (n - d) / (n - 1) (n1 / n) (1 - n1 / n)`` (the
    hypergeometric variance; R's ``survdiff``); NaN where V is 0. ``events``: int64.
    """
    cut = np.asarray(cut_day, dtype=float)
    one = cut.ndim == 1
    cut2 = np.ascontiguousarray(cut.reshape(cut.shape[0], -1))
    nth = np.full(cut2.shape[1], -1, dtype=np.int64)
    _, o_e, var, n_events, _, ok = _looks(
        rand_day, event_time, ltfu_time, stratum, arm, nth, cut2, np.inf, False,
        int(n_strata), MAX_GRID,
    )
    if not ok:
        return None
    z = _z(o_e, var)
    return (z[:, 0], n_events[:, 0]) if one else (z, n_events)


def monitor_looks(rand_day, event_time, ltfu_time, stratum, arm, nth, fixed_day, latest,
                  n_strata: int):
    """The looks of :func:`survtrial.trial.monitor`, all in one pass per replicate: look l
    at the calendar day of the (nth[l]+1)-th event (:func:`kth_event_days`), capped at
    ``latest``, or at ``fixed_day[l]`` where nth[l] < 0 (a date); never before the look
    before. Returns ``(look_day, events, z, in_data)``, each (R, L) (events and in_data,
    the patients randomized by the look's day, int64; z as :func:`look_logrank`), or ``None``
    where the kernel declines."""
    r = stratum.shape[0]
    nth = np.asarray(nth, dtype=np.int64)
    fixed = np.ascontiguousarray(np.broadcast_to(np.asarray(fixed_day, dtype=float), (r, nth.size)))
    look_day, o_e, var, n_events, n_in, ok = _looks(
        rand_day, event_time, ltfu_time, stratum, arm, nth, fixed, float(latest), True,
        int(n_strata), MAX_GRID,
    )
    if not ok:
        return None
    return look_day, n_events, _z(o_e, var), n_in


def kth_event_days(rand_day, event_time, ltfu_time, stratum, ks) -> np.ndarray:
    """Calendar day of each replicate's (k+1)-th event for each k of ``ks`` (0-based), (R, len):
    events are randomized patients (``stratum >= 0``) with ``event_time <= ltfu_time``, on day
    ``rand_day + event_time``; ``inf`` where a replicate has k or fewer events. The same as
    column k of the rows sorted (``np.sort`` of the event days, ``inf`` for the others), by
    selection instead of a sort."""
    ks = np.asarray(ks, dtype=np.int64)
    order = np.argsort(ks, kind="stable")
    out = np.empty((stratum.shape[0], ks.shape[0]))
    if ks.size:
        if ks.min() < 0:
            raise ValueError("kth_event_days: ks must be >= 0")
        out[:, order] = _kth_days(rand_day, event_time, ltfu_time, stratum, ks[order])
    return out
