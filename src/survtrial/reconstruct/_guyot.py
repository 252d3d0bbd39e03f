"""The Guyot et al. (2012) algorithm: digitized Kaplan-Meier curve + numbers at risk -> IPD.

Three layers, as in R's survival: :func:`reconstruct_arm` checks its arguments and cleans the
curve, :func:`guyot_fit` is the workhorse on clean arrays (no checking), and ``_sweep`` is the
inner kernel (the inverted Kaplan-Meier recursion over the digitized points of one interval).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from survtrial._errors import InputError
from survtrial.stats import kaplan_meier

LAST_INTERVAL_RULES = ("guyot", "to-end")
MAX_ITERATIONS = 1000
"""Cap on the censoring adjustments per interval (the fixed point is usually found in < 10)."""


# --------------------------------------------------------------------------------------------
# Cleaning the digitized points


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


def _numeric(values: Any, name: str) -> np.ndarray:
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
    t = _numeric(time, "time")
    s = _numeric(survival, "survival")
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


def _with_at_risk_points(
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


# --------------------------------------------------------------------------------------------
# The workhorse


@dataclass(frozen=True, slots=True)
class GuyotFit:
    """Raw output of :func:`guyot_fit`: events per digitized point and censoring times.

    ``events[k]`` events happen at ``time[k]``; ``censor_time`` holds every censored follow-up
    time, the people still at risk after the last point included (censored at the last time).
    ``at_risk_start[i]`` is the number at risk the algorithm reached at ``at_risk_time[i]``
    (Guyot's n-hat: equal to the published count unless it could not be reached), and
    ``censored_in_interval[i]`` the number censored in interval i.
    """

    time: np.ndarray
    survival: np.ndarray
    events: np.ndarray
    censor_time: np.ndarray
    at_risk_time: np.ndarray
    at_risk_start: np.ndarray
    censored_in_interval: np.ndarray
    iterations: np.ndarray
    notes: tuple[str, ...]


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
class _Interval:
    d: np.ndarray
    censor_time: np.ndarray
    n_end: int
    km_last: float
    n_censored: int
    n_last: int = 0


def _run_interval(
    t_seg: np.ndarray,
    s_seg: np.ndarray,
    t_end: float,
    count: int,
    n_start: int,
    km_last: float,
    closed: bool = False,
) -> _Interval:
    """Place ``count`` censorings evenly in (t_seg[0], t_end) and sweep the interval."""
    ct = _censor_times(float(t_seg[0]), float(t_end), count, closed)
    idx = _bins(t_seg, ct)
    cen = np.bincount(idx, minlength=t_seg.shape[0])
    d, used, n_end, km, n_last = _sweep(s_seg, cen, n_start, km_last)
    if used.sum() < count:  # keep the first `used[k]` censoring times of each bin
        first = np.searchsorted(idx, np.arange(t_seg.shape[0]), side="left")
        rank = np.arange(idx.shape[0]) - first[idx]
        ct = ct[rank < used[idx]]
    return _Interval(d, ct, n_end, km, int(used.sum()), n_last)


def _solve(run, start: int, target_gap, lo: int, hi: int) -> tuple[_Interval, int, int, bool]:
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


def _smallest_exhausting(run, n_max: int, ends_at_zero: bool) -> tuple[_Interval, int]:
    """The ``"to-end"`` rule: the fewest censorings that leave nobody at risk after the end.

    Found by bisection on the censored count c (the number left falls as c grows). When the
    curve ends at 0 everybody left dies at the last drop whatever c is, so the condition is
    instead that at most one person is left at the last point.
    """

    def done(r: _Interval) -> bool:
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


def guyot_fit(
    t: np.ndarray,
    s: np.ndarray,
    at_risk_time: np.ndarray,
    at_risk_count: np.ndarray,
    total_events: int | None = None,
    last_interval: str = "guyot",
) -> GuyotFit:
    """Guyot et al. (2012) reconstruction on clean arrays (no checking; see reconstruct_arm).

    ``t``, ``s``: cleaned digitized points with a point at every at-risk time;
    ``at_risk_time[0] == 0``, strictly increasing, all within [0, t[-1]]; counts
    non-increasing integers.

    Notes
    -----
    Interval i runs from at-risk time T_i (published count n_i) to T_{i+1}. A first guess of
    the number censored in it is c_i = round(n_i S(T_{i+1}) / S(T_i) - n_{i+1}) (floored at 0);
    the c_i censorings are placed evenly inside (T_i, T_{i+1}); the inverted Kaplan-Meier
    recursion (``_sweep``) gives the events at each digitized point and the number left at
    T_{i+1}; c_i moves by the excess (left minus n_{i+1}) until the count at T_{i+1} is
    reproduced. When it cannot be (c_i = 0 and still too few left), Guyot's rule is followed:
    the count reached replaces the published one for the next interval, and a note says so.
    In the last interval, with no total of events, censoring goes on at the average rate of
    the earlier intervals (censored per unit time) over the span of its digitized points; with
    a total of events, the censored count of the last interval is adjusted until the total is
    reproduced (if the earlier intervals already reach it, the last has no event or
    censoring). Whoever is still at risk after the last point is censored at the last
    digitized time.

    ``last_interval="to-end"`` (not in the paper; our option) replaces the average-rate rule
    for the last interval when no total of events is given: the censorings are spread evenly
    over (T_last, t_end], the last one at the curve's last digitized time t_end, and their
    number is the smallest that leaves nobody at risk after t_end (when the curve ends at 0:
    at most one person at its last point), i.e. follow-up ends where the published curve
    ends. This is what administrative censoring at a data cut-off after
    staggered entry produces (the numbers at risk fall fastest near the end), where the
    paper's rule, carrying over the earlier, lower censoring rate, leaves too many at risk in
    the tail and turns its last drops into too many events (docs/reconstruct.md shows both
    in simulation).
    """
    t = np.asarray(t, dtype=float)
    s = np.asarray(s, dtype=float)
    trisk = np.asarray(at_risk_time, dtype=float)
    nrisk = np.asarray(at_risk_count, dtype=np.int64)
    m = trisk.shape[0]
    lower = np.searchsorted(t, trisk, side="left")
    upper = np.append(lower[1:] - 1, t.shape[0] - 1)
    events = np.zeros(t.shape[0], dtype=np.int64)
    censored: list[np.ndarray] = []
    reached = np.zeros(m, dtype=np.int64)
    n_cens = np.zeros(m, dtype=np.int64)
    iterations = np.zeros(m, dtype=np.int64)
    notes: list[str] = []
    n_now = int(nrisk[0])
    reached[0] = n_now
    km_last = 1.0

    for i in range(m - 1):
        lo, hi = int(lower[i]), int(upper[i])
        t_seg, s_seg = t[lo : hi + 1], s[lo : hi + 1]
        t_next, s_next, n_next = float(t[lower[i + 1]]), float(s[lower[i + 1]]), int(nrisk[i + 1])
        s_here = float(s[lo])
        guess = int(np.round(n_now * s_next / s_here - n_next)) if s_here > 0 else 0
        start_km, start_n = km_last, n_now

        def run(c, t_seg=t_seg, s_seg=s_seg, t_next=t_next, n0=start_n, km0=start_km):
            return _run_interval(t_seg, s_seg, t_next, c, n0, km0)

        res, _, its, exact = _solve(
            run, max(guess, 0), lambda r, n_next=n_next: r.n_end - n_next, 0, start_n
        )
        iterations[i] = its
        if not exact:
            notes.append(
                f"at time {trisk[i + 1]:g}: {n_next} published at risk could not be reached "
                f"({res.n_end} reconstructed); the curve drops more than the numbers at risk "
                "allow (digitization error?)"
            )
        events[lo : hi + 1] = res.d
        censored.append(res.censor_time)
        n_cens[i] = res.n_censored
        n_now, km_last = res.n_end, res.km_last
        reached[i + 1] = n_now

    lo, hi = int(lower[m - 1]), t.shape[0] - 1
    t_seg, s_seg = t[lo : hi + 1], s[lo : hi + 1]
    span = float(t[hi] - t[lo])
    if m > 1 and trisk[m - 1] > trisk[0]:
        rate = n_cens[: m - 1].sum() / (trisk[m - 1] - trisk[0])
        start = min(int(np.round(rate * span)), n_now)
    else:
        start = 0

    to_end = last_interval == "to-end"

    def run_last(c, n0=n_now, km0=km_last):
        return _run_interval(t_seg, s_seg, float(t[hi]), c, n0, km0, closed=to_end)

    if total_events is None and last_interval == "to-end":
        res, its = _smallest_exhausting(run_last, n_now, ends_at_zero=bool(s[hi] <= 0))
        iterations[m - 1] = its
    elif total_events is None:
        res = run_last(start)
        iterations[m - 1] = 1
    else:
        before = int(events[:lo].sum())
        if before >= total_events:
            res = _Interval(np.zeros(hi - lo + 1, dtype=np.int64), np.empty(0), n_now, km_last, 0)
            iterations[m - 1] = 0
            if before > total_events:
                notes.append(
                    f"total events: {before} reconstructed before the last at-risk time, more "
                    f"than the {total_events} published; no event placed after it"
                )
        else:
            res, _, its, exact = _solve(
                run_last,
                start,
                lambda r: before + int(r.d.sum()) - int(total_events),
                0,
                n_now,
            )
            iterations[m - 1] = its
            if not exact:
                notes.append(
                    f"total events: {before + int(res.d.sum())} reconstructed, "
                    f"{total_events} published (closest reachable)"
                )
    events[lo : hi + 1] = res.d
    censored.append(res.censor_time)
    n_cens[m - 1] = res.n_censored
    censored.append(np.full(res.n_end, t[hi]))
    return GuyotFit(
        time=t,
        survival=s,
        events=events,
        censor_time=np.concatenate(censored),
        at_risk_time=trisk,
        at_risk_start=reached,
        censored_in_interval=n_cens,
        iterations=iterations,
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------------------------
# User-facing functions and results


@dataclass(frozen=True, slots=True)
class AtRiskCheck:
    """Numbers at risk: published vs counted in the reconstructed IPD (follow-up >= time)."""

    time: np.ndarray
    published: np.ndarray
    reconstructed: np.ndarray

    @property
    def max_abs_difference(self) -> int:
        return int(np.abs(self.reconstructed - self.published).max())


@dataclass(frozen=True, slots=True)
class ArmReconstruction:
    """Pseudo-IPD of one arm and the accuracy checks that papers report.

    Attributes
    ----------
    arm : str
    time, event : ndarray
        Pseudo individual patient data, sorted by time: follow-up time (the unit of the input)
        and 1 = event, 0 = censored.
    curve : CleanCurve
        The digitized points after cleaning (what was altered is counted there).
    n_points_added : int
        Points added on the step curve at at-risk times that had no click (plus the start
        (0, 1) if it was missing: ``curve.n_added``).
    check_time, digitized_survival, reconstructed_survival : ndarray
        At each distinct cleaned digitized time, the digitized survival (the lowest reading at
        a tied time, i.e. the right-continuous value) and the Kaplan-Meier estimate of the
        reconstructed IPD at that time.
    rmse, max_abs_difference : float
        Root mean square and largest absolute difference of the two, on the 0-1 scale.
    at_risk : AtRiskCheck
    events_published : int or None
    iterations : ndarray
        Censoring adjustments per at-risk interval.
    notes : tuple of str
        Where the published numbers could not be reproduced, and why.
    """

    arm: str
    time: np.ndarray
    event: np.ndarray
    curve: CleanCurve
    n_points_added: int
    check_time: np.ndarray
    digitized_survival: np.ndarray
    reconstructed_survival: np.ndarray
    rmse: float
    max_abs_difference: float
    at_risk: AtRiskCheck
    events_published: int | None
    iterations: np.ndarray
    notes: tuple[str, ...]

    @property
    def n(self) -> int:
        return int(self.time.shape[0])

    @property
    def n_events(self) -> int:
        return int(self.event.sum())


def _check_at_risk(times: Any, counts: Any, arm: str) -> tuple[np.ndarray, np.ndarray]:
    tt = _numeric(times, f"at_risk_time[{arm}]")
    nn = _numeric(counts, f"at_risk_count[{arm}]")
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


def reconstruct_arm(
    time: Any,
    survival: Any,
    at_risk_time: Any,
    at_risk_count: Any,
    total_events: int | None = None,
    arm: str = "arm",
    last_interval: str = "guyot",
) -> ArmReconstruction:
    """Rebuild pseudo individual patient data of one arm from its published KM curve.

    Parameters
    ----------
    time, survival : array_like
        Digitized points of the curve: time (any unit, >= 0) and survival (0-1). Cleaned by
        :func:`clean_curve` (sorted, non-increasing, starting at (0, 1)); changes are counted.
    at_risk_time, at_risk_count : array_like
        The numbers-at-risk table printed under the figure: times (same unit, strictly
        increasing, starting at 0) and counts (non-increasing; the first is the arm's size).
    total_events : int, optional
        Total number of events in the arm, when published; used to set the censoring in the
        last at-risk interval.
    arm : str
        Label of the arm.
    last_interval : {"guyot", "to-end"}
        Censoring after the last at-risk time when no total of events is given: "guyot" (the
        paper's rule: the average censoring rate of the earlier intervals) or "to-end"
        (censorings spread evenly up to the end of the curve, nobody left at risk after it;
        better under administrative censoring, see :func:`guyot_fit`).

    Returns
    -------
    ArmReconstruction
        The IPD (time, event) and the accuracy checks.

    Notes
    -----
    Algorithm of Guyot, Ades, Ouwens & Welton (2012), described in :func:`guyot_fit`.
    Censoring within an at-risk interval is assumed to be spread evenly in time (the
    published numbers at risk fix only how many are censored in it). Times keep the unit of
    the input; survival is on the 0-1 scale.

    References
    ----------
    1. Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival data:
       reconstructing the data from published Kaplan-Meier survival curves. BMC Med Res
       Methodol 2012;12:9. doi:10.1186/1471-2288-12-9
    2. Liu N, Zhou Y, Lee JJ. IPDfromKM: reconstruct individual patient data from published
       Kaplan-Meier survival curves. BMC Med Res Methodol 2021;21:111.
       doi:10.1186/s12874-021-01308-8

    Examples
    --------
    Ten patients, events at 2, 4, 7 and 12, one censored at 5 and five at 12 (after the
    event): the step corners of their KM curve and the numbers at risk at 0 and 10 give the
    IPD back exactly.

    >>> t = [0, 2, 2, 4, 4, 7, 7, 12, 12]
    >>> s = [1, 1, .9, .9, .8, .8, .8 * 6 / 7, .8 * 6 / 7, .8 * 5 / 7]
    >>> r = reconstruct_arm(t, s, [0, 10], [10, 6])
    >>> r.time[r.event == 1].tolist(), r.time[r.event == 0].tolist()
    ([2.0, 4.0, 7.0, 12.0], [5.0, 12.0, 12.0, 12.0, 12.0, 12.0])
    """
    if total_events is not None:
        if isinstance(total_events, bool) or int(total_events) != total_events:
            raise InputError(f"total_events[{arm}]: {total_events!r} is not a whole number")
        total_events = int(total_events)
        if total_events < 0:
            raise InputError(f"total_events[{arm}]: must be >= 0, got {total_events}")
    if last_interval not in LAST_INTERVAL_RULES:
        raise InputError(
            f"last_interval: {last_interval!r} is not one of {', '.join(LAST_INTERVAL_RULES)}"
        )
    curve = clean_curve(time, survival)
    tt, nn = _check_at_risk(at_risk_time, at_risk_count, arm)
    if total_events is not None and total_events > nn[0]:
        raise InputError(
            f"total_events[{arm}]: {total_events} events but only {nn[0]} patients at time 0"
        )
    t, s, n_added = _with_at_risk_points(curve.time, curve.survival, tt)
    fit = guyot_fit(t, s, tt, nn, total_events, last_interval)
    ev_t = np.repeat(fit.time, fit.events)
    ipd_t = np.concatenate([ev_t, fit.censor_time])
    ipd_e = np.concatenate(
        [np.ones(ev_t.shape[0], np.int64), np.zeros(fit.censor_time.shape[0], np.int64)]
    )
    order = np.lexsort((1 - ipd_e, ipd_t))
    ipd_t, ipd_e = ipd_t[order], ipd_e[order]

    # accuracy: the right-continuous digitized reading at each distinct cleaned time
    last = np.append(np.diff(curve.time) != 0, True)
    ct, cs = curve.time[last], curve.survival[last]
    if ipd_t.shape[0] > 0:
        recon = kaplan_meier(ipd_t, ipd_e).survival_at(ct)
    else:  # pragma: no cover - the count at time 0 is checked > 0
        recon = np.ones_like(ct)
    diff = recon - cs
    counted = (ipd_t.shape[0] - np.searchsorted(ipd_t, tt, side="left")).astype(np.int64)
    return ArmReconstruction(
        arm=str(arm),
        time=ipd_t,
        event=ipd_e,
        curve=curve,
        n_points_added=n_added,
        check_time=ct,
        digitized_survival=cs,
        reconstructed_survival=recon,
        rmse=float(np.sqrt(np.mean(diff * diff))),
        max_abs_difference=float(np.abs(diff).max()),
        at_risk=AtRiskCheck(tt, nn, counted),
        events_published=total_events,
        iterations=fit.iterations,
        notes=fit.notes,
    )
