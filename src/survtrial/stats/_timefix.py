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


def _cuts(sorted_time: np.ndarray, tolerance: float) -> np.ndarray | None:
    """The cut points of ``aeqSurv`` for ascending times, or None when nothing is tied."""
    if sorted_time.shape[0] < 2 or tolerance <= 0:
        return None
    gap = np.diff(sorted_time)
    distinct = gap > 0
    values = np.concatenate([sorted_time[:1], sorted_time[1:][distinct]])
    dy = gap[distinct]
    mean_abs = np.abs(values).mean()
    tied = (dy <= tolerance) | (dy <= tolerance * mean_abs)
    if not tied.any():
        return None
    return values[np.concatenate([[True], ~tied])]


def timefix(time: np.ndarray, tolerance: float = TOLERANCE) -> np.ndarray:
    """Return ``time`` with near-equal values replaced by their cut (``survival:::aeqSurv``).

    Distinct values y, gaps dy; a gap is tied when ``dy <= tol`` or ``dy / mean(|y|) <= tol``;
    each value maps to the largest untied cut at or below it. Returns the input array itself when
    nothing is tied (the common case, costing one sort).
    """
    cuts = _cuts(np.sort(time), tolerance)
    if cuts is None:
        return time
    return cuts[np.searchsorted(cuts, time, side="right") - 1]


def timefix_sorted(sorted_time: np.ndarray, tolerance: float = TOLERANCE) -> np.ndarray:
    """:func:`timefix` for times already in ascending order (the result stays sorted)."""
    cuts = _cuts(sorted_time, tolerance)
    if cuts is None:
        return sorted_time
    return cuts[np.searchsorted(cuts, sorted_time, side="right") - 1]
