"""Merging of near-equal times, as R survival's ``aeqSurv`` (``timefix = TRUE``) does.

R (survival >= 2.41) treats two distinct times as tied when their gap is at most
``tol = sqrt(machine epsilon)`` in absolute value, or relative to the mean absolute value of the
distinct finite times. Chains of such gaps collapse onto the first (smallest) time. Without this,
times that differ only by floating-point noise (e.g. 1/3 computed two ways) would be separate
risk sets and give different numbers from R. With 10^6 continuous times some gaps fall below
the tolerance by chance, so the rule matters for large data too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOLERANCE = float(np.sqrt(np.finfo(float).eps))


@dataclass(frozen=True, slots=True)
class Cuts:
    """The distinct values that ``aeqSurv`` moves (``moved``) and where they go (``target``)."""

    moved: np.ndarray
    target: np.ndarray

    def apply(self, time: np.ndarray) -> np.ndarray:
        """Map every moved value onto its target; other values are returned unchanged.

        Only exact matches of the (few) moved values change. Candidates are found through a
        bucket table (one multiply and one gather per value), then confirmed by binary search;
        for sorted ``time`` the result stays sorted.
        """
        lo, hi = float(self.moved[0]), float(self.moved[-1])
        n_buckets = 1 << 20
        scale = (n_buckets - 1) / (hi - lo) if hi > lo else 0.0
        marked = np.zeros(n_buckets + 1, dtype=bool)
        marked[((self.moved - lo) * scale).astype(np.int64)] = True
        bucket = (time - lo) * scale
        np.clip(bucket, -1.0, n_buckets, out=bucket)
        candidates = np.flatnonzero(marked[bucket.astype(np.int64)] & (time >= lo) & (time <= hi))
        if candidates.shape[0] == 0:
            return time
        values = time[candidates]
        pos = np.minimum(np.searchsorted(self.moved, values), self.moved.shape[0] - 1)
        hit = self.moved[pos] == values
        if not hit.any():
            return time
        out = time.copy()
        out[candidates[hit]] = self.target[pos[hit]]
        return out

    def apply_sorted(self, sorted_time: np.ndarray) -> np.ndarray:
        """:meth:`apply` for ascending ``sorted_time``: binary search for the few moved values."""
        lo = np.searchsorted(sorted_time, self.moved, side="left")
        hi = np.searchsorted(sorted_time, self.moved, side="right")
        counts = hi - lo
        total = int(counts.sum())
        if total == 0:
            return sorted_time
        offsets = np.repeat(lo - (np.cumsum(counts) - counts), counts)
        out = sorted_time.copy()
        out[np.arange(total) + offsets] = np.repeat(self.target, counts)
        return out


def find_cuts(sorted_time: np.ndarray, tolerance: float = TOLERANCE) -> Cuts | None:
    """The ``aeqSurv`` merge for ascending times, or None when nothing is tied.

    Distinct values y, gaps dy; a gap is tied when ``dy <= tol`` or ``dy / mean(|y|) <= tol``;
    each value maps to the largest untied cut at or below it. A handful of passes over the
    gaps: most data have no near-equal pair, and the few that are moved are handled apart.
    """
    n = sorted_time.shape[0]
    if n < 2 or tolerance <= 0:
        return None
    gap = np.diff(sorted_time)
    bound = tolerance * max(1.0, abs(float(sorted_time[0])), abs(float(sorted_time[-1])))
    distinct = gap > 0
    near = np.flatnonzero(distinct & (gap <= bound))  # every tied gap is among these
    if near.shape[0] == 0:
        return None
    n_distinct = 1 + int(np.count_nonzero(distinct))
    if sorted_time[0] >= 0:
        total = float(np.sum(sorted_time[1:], where=distinct))
    else:
        total = float(np.sum(np.abs(sorted_time[1:]), where=distinct))
    mean_abs = (abs(float(sorted_time[0])) + total) / n_distinct
    threshold = max(tolerance, tolerance * mean_abs)
    tied = near[gap[near] <= threshold]
    if tied.shape[0] == 0:
        return None
    moved_pos = tied + 1  # first occurrence of each distinct value that moves
    # a chain of tied (or zero) gaps ends at the last position whose gap before it is untied
    unlinked = np.flatnonzero(gap > threshold) + 1
    starts = np.concatenate([[0], unlinked])
    target_pos = starts[np.searchsorted(starts, moved_pos, side="right") - 1]
    return Cuts(sorted_time[moved_pos], sorted_time[target_pos])


def timefix(time: np.ndarray, tolerance: float = TOLERANCE) -> np.ndarray:
    """Return ``time`` with near-equal values merged as ``survival:::aeqSurv`` does.

    Returns the input array itself when nothing is tied (the common case, costing one sort).
    """
    cuts = find_cuts(np.sort(time), tolerance)
    return time if cuts is None else cuts.apply(time)


def timefix_sorted(sorted_time: np.ndarray, tolerance: float = TOLERANCE) -> np.ndarray:
    """:func:`timefix` for times already in ascending order (the result stays sorted)."""
    cuts = find_cuts(sorted_time, tolerance)
    return sorted_time if cuts is None else cuts.apply_sorted(sorted_time)
