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

    def apply_sorted(self, sorted_time: np.ndarray, in_place: bool = False) -> np.ndarray:
        """:meth:`apply` for ascending ``sorted_time``: binary search for the few moved values.

        With ``in_place`` the array is changed and returned (for arrays the caller owns).
        """
        lo = np.searchsorted(sorted_time, self.moved, side="left")
        hi = np.searchsorted(sorted_time, self.moved, side="right")
        counts = hi - lo
        total = int(counts.sum())
        if total == 0:
            return sorted_time
        offsets = np.repeat(lo - (np.cumsum(counts) - counts), counts)
        out = sorted_time if in_place else sorted_time.copy()
        out[np.arange(total) + offsets] = np.repeat(self.target, counts)
        return out


_CHUNK = 1 << 16


def _small_gaps(sorted_time: np.ndarray, bound: float) -> np.ndarray:
    """Indices i with ``sorted_time[i + 1] - sorted_time[i] <= bound``.

    In chunks, so that the temporaries stay small and in cache (one large temporary per call
    costs more in page faults than the arithmetic at 10^6 values).
    """
    n_gaps = sorted_time.shape[0] - 1
    if n_gaps <= _CHUNK:
        return np.flatnonzero(np.diff(sorted_time) <= bound)
    found = []
    gap = np.empty(_CHUNK)
    flags = np.empty(_CHUNK, dtype=bool)
    for lo in range(0, n_gaps, _CHUNK):
        m = min(_CHUNK, n_gaps - lo)
        np.subtract(sorted_time[lo + 1 : lo + 1 + m], sorted_time[lo : lo + m], out=gap[:m])
        np.less_equal(gap[:m], bound, out=flags[:m])
        idx = np.flatnonzero(flags[:m])
        if idx.shape[0]:
            found.append(idx + lo)
    return np.concatenate(found) if found else np.zeros(0, dtype=np.intp)


def find_cuts(sorted_time: np.ndarray, tolerance: float = TOLERANCE) -> Cuts | None:
    """The ``aeqSurv`` merge for ascending times, or None when nothing is tied.

    Distinct values y, gaps dy; a gap is tied when ``dy <= tol`` or ``dy / mean(|y|) <= tol``;
    each value maps to the largest untied cut at or below it. Only the gaps below an upper
    bound of the threshold are looked at after the first pass, so the cost is a few passes
    over the gaps whatever the number of ties.
    """
    n = sorted_time.shape[0]
    if n < 2 or tolerance <= 0:
        return None
    first, last = abs(float(sorted_time[0])), abs(float(sorted_time[-1]))
    bound = tolerance * max(1.0, first, last)  # mean(|y|) <= max(|y|)
    small = _small_gaps(sorted_time, bound)  # gap indices: exact ties and near ties
    if small.shape[0] == 0:
        return None
    small_gap = sorted_time[small + 1] - sorted_time[small]
    exact = small_gap == 0
    if exact.all():
        return None
    dup = small[exact] + 1  # repeated values, left out of the mean of the distinct values
    if sorted_time[0] >= 0:
        total = float(sorted_time.sum()) - float(sorted_time[dup].sum())
    else:
        total = float(np.abs(sorted_time).sum()) - float(np.abs(sorted_time[dup]).sum())
    mean_abs = total / (n - dup.shape[0])
    threshold = max(tolerance, tolerance * mean_abs)
    linked = small_gap <= threshold  # exact ties link too: a chain runs through them
    chain = small[linked]
    moved = linked & ~exact
    if not moved.any():
        return None
    # a chain is a run of consecutive gap indices i, i+1, ..., j: values i+1..j+1 go to value i
    head = np.ones(chain.shape[0], dtype=bool)
    head[1:] = np.diff(chain) != 1
    chain_start = chain[np.maximum.accumulate(np.where(head, np.arange(chain.shape[0]), 0))]
    moved_in_chain = moved[linked]
    return Cuts(
        sorted_time[chain[moved_in_chain] + 1], sorted_time[chain_start[moved_in_chain]]
    )


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
