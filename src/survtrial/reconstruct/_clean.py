"""Checks and cleaning of the inputs of one arm: digitized curve points and numbers at risk.

The front end of the Guyot reconstruction (:func:`survtrial.reconstruct.reconstruct_arm`)
calls these before the workhorse; each problem is an :class:`InputError` naming the array and
the first offending index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from survtrial._errors import InputError


@dataclass(frozen=True, slots=True)
class CleanCurve:
    """Digitized points after cleaning, with a count of what the cleaning changed.

    Attributes
    ----------
    time, survival : ndarray
        Sorted by time (and by decreasing survival at a tied time), survival non-increasing,
        starting at (0, 1). Same time unit as the input.
    n_input : int
        Points given.
    n_altered : int
        Points whose survival was changed: lowered to the running minimum (a point above an
        earlier, lower one: digitization noise) or set to 1 at time 0.
    max_alteration : float
        Largest absolute change of survival made by the cleaning (0 when none).
    n_duplicates : int
        Exact repeats of an earlier (time, survival) point, dropped.
    n_added : int
        1 when the point (0, 1) had to be added, else 0.
    """

    time: np.ndarray
    survival: np.ndarray
    n_input: int
    n_altered: int
    max_alteration: float
    n_duplicates: int
    n_added: int


def numeric(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name}: contains a value that is not a number") from None
    if arr.ndim != 1:
        raise InputError(f"{name}: expected a one-dimensional array, got shape {arr.shape}")
    if arr.size == 0:
        raise InputError(f"{name}: is empty")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise InputError(f"{name}: value {arr[bad[0]]!r} at index {bad[0]} is not finite")
    return arr


def clean_curve(time: Any, survival: Any) -> CleanCurve:
    """Sort digitized points, make survival non-increasing and start the curve at (0, 1).

    Parameters
    ----------
    time : array_like
        Times read off the figure's x axis (any unit), finite and >= 0.
    survival : array_like
        Survival probabilities read off the y axis, in [0, 1] (not percent).

    Returns
    -------
    CleanCurve

    Notes
    -----
    A digitizer's clicks on a step curve come in pairs at each step (top and bottom corner)
    and carry reading error of about one pixel, so a later point can sit slightly above an
    earlier one. Points are sorted by time, ties by decreasing survival (the top corner of a
    vertical drop first); each survival is replaced by the running minimum, which is the
    smallest change that makes the sequence non-increasing from left to right; points at time
    0 are set to 1 (no event at time 0); exact duplicates are dropped. Each change is counted,
    so that a badly digitized curve is visible in the accuracy report.
    """
    t = numeric(time, "time")
    s = numeric(survival, "survival")
    if t.shape != s.shape:
        raise InputError(f"time and survival: lengths differ ({t.shape[0]} and {s.shape[0]})")
    neg = np.flatnonzero(t < 0)
    if neg.size:
        raise InputError(f"time: value {t[neg[0]]:g} at index {neg[0]} is negative")
    out = np.flatnonzero((s < 0) | (s > 1))
    if out.size:
        raise InputError(
            f"survival: value {s[out[0]]:g} at index {out[0]} is outside [0, 1]"
            + ("; give probabilities, not percent" if s.max() > 1 else "")
        )
    n_input = t.shape[0]
    order = np.lexsort((-s, t))
    t, s = t[order], s[order]
    cleaned = np.where(t == 0, 1.0, s)
    cleaned = np.minimum.accumulate(cleaned)
    change = np.abs(cleaned - s)
    n_altered = int(np.count_nonzero(change > 0))
    max_alteration = float(change.max()) if n_altered else 0.0
    keep = np.ones(n_input, dtype=bool)
    keep[1:] = (np.diff(t) != 0) | (np.diff(cleaned) != 0)
    n_duplicates = int(n_input - np.count_nonzero(keep))
    t, cleaned = t[keep], cleaned[keep]
    n_added = 0
    if t[0] > 0:
        t, cleaned = np.concatenate([[0.0], t]), np.concatenate([[1.0], cleaned])
        n_added = 1
    return CleanCurve(t, cleaned, n_input, n_altered, max_alteration, n_duplicates, n_added)


def with_at_risk_points(
    t: np.ndarray, s: np.ndarray, at_times: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """Add a point at each at-risk time that has none, on the step curve (value just before).

    Guyot's intervals start at the first digitized point at or after each at-risk time; a
    point exactly at the at-risk time makes the interval and its number at risk line up. The
    value is the curve's level at that time, the last point before it (the curve is flat
    between clicks), and the curve is extended flat past its last click when an at-risk time
    lies beyond it (a published number at risk > 0 there means the curve goes on).
    """
    missing = at_times[~np.isin(at_times, t)]
    if missing.size == 0:
        return t, s, 0
    level = s[np.searchsorted(t, missing, side="left") - 1]
    tt = np.concatenate([t, missing])
    ss = np.concatenate([s, level])
    order = np.lexsort((-ss, tt))
    return tt[order], ss[order], int(missing.size)


def check_at_risk(times: Any, counts: Any, arm: str) -> tuple[np.ndarray, np.ndarray]:
    tt = numeric(times, f"at_risk_time[{arm}]")
    nn = numeric(counts, f"at_risk_count[{arm}]")
    if tt.shape != nn.shape:
        raise InputError(
            f"at_risk[{arm}]: {tt.shape[0]} times but {nn.shape[0]} counts; give one count per time"
        )
    if np.any(tt < 0):
        raise InputError(f"at_risk_time[{arm}]: negative time {tt[tt < 0][0]:g}")
    if np.any(np.diff(tt) <= 0):
        i = int(np.flatnonzero(np.diff(tt) <= 0)[0]) + 1
        raise InputError(
            f"at_risk_time[{arm}]: times must be strictly increasing; {tt[i]:g} at index {i} "
            f"follows {tt[i - 1]:g}"
        )
    if tt[0] != 0:
        raise InputError(
            f"at_risk_time[{arm}]: the table must start at time 0 (the number randomized), "
            f"got {tt[0]:g}"
        )
    if np.any(nn != np.round(nn)) or np.any(nn < 0):
        i = int(np.flatnonzero((nn != np.round(nn)) | (nn < 0))[0])
        raise InputError(f"at_risk_count[{arm}]: {nn[i]:g} at index {i} is not a count >= 0")
    if nn[0] <= 0:
        raise InputError(f"at_risk_count[{arm}]: the count at time 0 must be > 0")
    up = np.flatnonzero(np.diff(nn) > 0)
    if up.size:
        i = int(up[0]) + 1
        raise InputError(
            f"at_risk_count[{arm}]: the number at risk increases from {nn[i - 1]:g} to {nn[i]:g} "
            f"at time {tt[i]:g}; numbers at risk cannot increase"
        )
    return tt, nn.astype(np.int64)
