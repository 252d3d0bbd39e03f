"""Merging of near-equal times, as R survival's ``aeqSurv`` (``timefix = TRUE``) does.

R (survival >= 2.41) treats two distinct times as tied when their gap is at most
``tol = sqrt(machine epsilon)`` in absolute value, or relative to the mean absolute value of the
distinct finite times. Chains of such gaps collapse onto the first (smallest) time. Without this,
times that differ only by floating-point noise (e.g. 1/3 computed two ways) would be separate
risk sets and give different numbers from R.
"""

from __future__ import annotations

import numpy as np

TOLERANCE = float(np.sqrt(np.finfo(float).eps))


def timefix_sorted(sorted_time: np.ndarray, tolerance: float = TOLERANCE) -> np.ndarray:
    """Return ``sorted_time`` (ascending) with near-equal values replaced by their cut.

    Same rule as ``survival:::aeqSurv``: distinct values y, gaps dy; a gap is tied when
    ``dy <= tol`` or ``dy / mean(|y|) <= tol``; each value maps to the largest untied cut below it.
    """
    n = sorted_time.shape[0]
    if n < 2 or tolerance <= 0:
        return sorted_time
    gap = np.diff(sorted_time)
    distinct = gap > 0
    # mean of |distinct values| (the first value plus each value that starts a new distinct run)
    mean_abs = (abs(sorted_time[0]) + np.abs(sorted_time[1:][distinct]).sum()) / (
        1 + np.count_nonzero(distinct)
    )
    tied = distinct & ((gap <= tolerance) | (gap <= tolerance * mean_abs))
    if not tied.any():
        return sorted_time
    # an observation starts a new cut when it is distinct from its predecessor and not tied to it
    new_cut = np.empty(n, dtype=bool)
    new_cut[0] = True
    new_cut[1:] = distinct & ~tied
    start = np.where(new_cut, np.arange(n), 0)
    np.maximum.accumulate(start, out=start)
    return sorted_time[start]


def timefix(time: np.ndarray, tolerance: float = TOLERANCE) -> np.ndarray:
    """Unsorted version of :func:`timefix_sorted`; returns a new array in the input order."""
    order = np.argsort(time, kind="stable")
    sorted_time = time[order]
    fixed_sorted = timefix_sorted(sorted_time, tolerance)
    if fixed_sorted is sorted_time:
        return time
    out = np.empty_like(time)
    out[order] = fixed_sorted
    return out
