"""The Guyot et al. (2012) algorithm: digitized Kaplan-Meier curve + numbers at risk -> IPD.

Three layers, as in R's survival: :func:`reconstruct_arm` (here) is the front end: it checks
its arguments and cleans the curve (with :mod:`survtrial.reconstruct._clean`);
:func:`guyot_fit` (here) is the workhorse on clean arrays (no checking); and
:mod:`survtrial.reconstruct._kernel` holds the inner kernel (``_sweep``, the inverted
Kaplan-Meier recursion over the digitized points of one interval, and the search for the
censored count of an interval).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from survtrial._errors import InputError
from survtrial.reconstruct._clean import CleanCurve, check_at_risk, clean_curve, with_at_risk_points
from survtrial.reconstruct._kernel import Interval, run_interval, smallest_exhausting, solve
from survtrial.stats import kaplan_meier

LAST_INTERVAL_RULES = ("guyot", "to-end")


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
            return run_interval(t_seg, s_seg, t_next, c, n0, km0)

        res, _, its, exact = solve(
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
        return run_interval(t_seg, s_seg, float(t[hi]), c, n0, km0, closed=to_end)

    if total_events is None and last_interval == "to-end":
        res, its = smallest_exhausting(run_last, n_now, ends_at_zero=bool(s[hi] <= 0))
        iterations[m - 1] = its
    elif total_events is None:
        res = run_last(start)
        iterations[m - 1] = 1
    else:
        before = int(events[:lo].sum())
        if before >= total_events:
            res = Interval(np.zeros(hi - lo + 1, dtype=np.int64), np.empty(0), n_now, km_last, 0)
            iterations[m - 1] = 0
            if before > total_events:
                notes.append(
                    f"total events: {before} reconstructed before the last at-risk time, more "
                    f"than the {total_events} published; no event placed after it"
                )
        else:
            res, _, its, exact = solve(
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
    tt, nn = check_at_risk(at_risk_time, at_risk_count, arm)
    if total_events is not None and total_events > nn[0]:
        raise InputError(
            f"total_events[{arm}]: {total_events} events but only {nn[0]} patients at time 0"
        )
    t, s, n_added = with_at_risk_points(curve.time, curve.survival, tt)
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
