"""Inner kernel of the Guyot reconstruction: the inverted Kaplan-Meier sweep of one interval
and the search for the censored count that reproduces a published number.

Sequential by nature (each step depends on the rounding before it), on a few dozen digitized
points per interval; called by :func:`survtrial.reconstruct.guyot_fit`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_ITERATIONS = 1000
"""Cap on the censoring adjustments per interval (the fixed point is usually found in < 10)."""


def _censor_times(a: float, b: float, count: int, closed: bool = False) -> np.ndarray:
    """``count`` censoring times spread evenly inside (a, b) (Guyot's assumption).

    With ``closed``, evenly in (a, b] instead, the last one at b (the ``"to-end"`` rule for
    the last interval, where b is the end of the published curve).
    """
    steps = count if closed else count + 1
    return a + (b - a) * np.arange(1, count + 1) / max(steps, 1)


def _bins(t_seg: np.ndarray, ct: np.ndarray) -> np.ndarray:
    """Index of the digitized point k with t_k <= c < t_{k+1}, for each censoring time c."""
    return np.searchsorted(t_seg, ct, side="right") - 1


def _sweep(
    s_seg: np.ndarray, cen: np.ndarray, n_start: int, km_last: float
) -> tuple[np.ndarray, np.ndarray, int, float, int]:
    """Invert the Kaplan-Meier recursion over the points of one interval.

    At point k with n_k at risk: d_k = round(n_k (1 - S_k / KM_last)), the number of events
    that takes the reconstructed curve from its last level KM_last to the digitized S_k;
    KM_k = KM_last (1 - d_k / n_k); then n_{k+1} = n_k - d_k - c_k with c_k the censorings
    placed in [t_k, t_{k+1}) (events before censorings, as in R). Rounding is half to even,
    as R's ``round``. d_k and c_k are capped by the number at risk, so that n never turns
    negative and every row of the IPD is one person. Returns (d, c_used, n_end, KM_last,
    n at risk at the last point).
    """
    n = int(n_start)
    m = s_seg.shape[0]
    d = np.zeros(m, dtype=np.int64)
    c_used = np.zeros(m, dtype=np.int64)
    n_last = n
    for k in range(m):  # sequential by nature: each step depends on the rounding before it
        n_last = n
        if n > 0 and km_last > 0:
            dk = min(max(int(np.round(n * (1.0 - s_seg[k] / km_last))), 0), n)
            if dk > 0:
                km_last = km_last * (1.0 - dk / n)
                d[k] = dk
                n -= dk
        ck = min(int(cen[k]), n)
        c_used[k] = ck
        n -= ck
    return d, c_used, n, km_last, n_last


@dataclass(slots=True)
class Interval:
    d: np.ndarray
    censor_time: np.ndarray
    n_end: int
    km_last: float
    n_censored: int
    n_last: int = 0


def run_interval(
    t_seg: np.ndarray,
    s_seg: np.ndarray,
    t_end: float,
    count: int,
    n_start: int,
    km_last: float,
    closed: bool = False,
) -> Interval:
    """Place ``count`` censorings evenly in (t_seg[0], t_end) and sweep the interval."""
    ct = _censor_times(float(t_seg[0]), float(t_end), count, closed)
    idx = _bins(t_seg, ct)
    cen = np.bincount(idx, minlength=t_seg.shape[0])
    d, used, n_end, km, n_last = _sweep(s_seg, cen, n_start, km_last)
    if used.sum() < count:  # keep the first `used[k]` censoring times of each bin
        first = np.searchsorted(idx, np.arange(t_seg.shape[0]), side="left")
        rank = np.arange(idx.shape[0]) - first[idx]
        ct = ct[rank < used[idx]]
    return Interval(d, ct, n_end, km, int(used.sum()), n_last)


def solve(run, start: int, target_gap, lo: int, hi: int) -> tuple[Interval, int, int, bool]:
    """Adjust the censored count c until the gap run(c) reports is 0 (Guyot's iteration).

    ``target_gap(result)`` is positive when there are too few censorings (too many people left
    at risk, or too many events): c moves by the gap, within [lo, hi]. Stops at a zero gap,
    at a bound that the gap pushes against, or at a cycle (then the c with the smallest gap
    seen is used). Returns (result, c, iterations, exact).
    """
    c = min(max(start, lo), hi)
    seen: dict[int, int] = {}
    for it in range(1, MAX_ITERATIONS + 1):
        res = run(c)
        gap = target_gap(res)
        seen[c] = gap
        if gap == 0:
            return res, c, it, True
        nxt = min(max(c + gap, lo), hi)
        if nxt == c or nxt in seen:
            best = min(seen, key=lambda k: (abs(seen[k]), k))
            if best != c:
                res = run(best)
            return res, best, it, False
        c = nxt
    return res, c, MAX_ITERATIONS, False  # pragma: no cover - cycles are caught above


def smallest_exhausting(run, n_max: int, ends_at_zero: bool) -> tuple[Interval, int]:
    """The ``"to-end"`` rule: the fewest censorings that leave nobody at risk after the end.

    Found by bisection on the censored count c (the number left falls as c grows). When the
    curve ends at 0 everybody left dies at the last drop whatever c is, so the condition is
    instead that at most one person is left at the last point.
    """

    def done(r: Interval) -> bool:
        return (r.n_last <= 1) if ends_at_zero else (r.n_end == 0)

    lo, hi, runs = 0, n_max, 1
    res = run(0)
    if done(res):
        return res, runs
    while hi - lo > 1:
        mid = (lo + hi) // 2
        runs += 1
        if done(run(mid)):
            hi = mid
        else:
            lo = mid
    return run(hi), runs + 1
