"""Interim monitoring of simulated trials: the planned looks (by events or date), the stratified
log-rank z at each, the efficacy bound recomputed at the observed information fraction
(:func:`survtrial.design.group_sequential`, Lan-DeMets spending) and the committee's decision
(stop at the first crossing; otherwise continue to the last look)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from survtrial.stats import batch as bs
from survtrial.trial.batch import TrialBatch
from survtrial.trial.cut import cut_data


@lru_cache(maxsize=4096)
def _bounds(rates: tuple[float, ...], alpha: float, spending: str, gamma, sided: int):
    from survtrial.design import group_sequential

    d = group_sequential(
        information_rates=list(rates),
        alpha=alpha,
        alpha_spending=spending,
        alpha_gamma=gamma,
        sided=sided,
    )
    return tuple(float(x) for x in d.efficacy_bounds)


def efficacy_bound(observed_rates: list[float], m) -> float:
    """Efficacy z bound at the last of the observed information fractions.

    The looks so far are at their observed fractions; one more look at information 1 is
    planned after them (unless the last observed fraction has reached 1: then it is final).
    """
    rates = [min(max(r, 1e-6), 1.0) for r in observed_rates]
    final = rates[-1] >= 1.0
    kept: list[float] = []
    for r in rates[:-1]:
        if r < rates[-1] and (not kept or r > kept[-1]):
            kept.append(round(r, 6))
    plan = (*kept, 1.0) if final else (*kept, round(rates[-1], 6), 1.0)
    bounds = _bounds(plan, m.alpha, m.alpha_spending, m.alpha_gamma, m.sided)
    return bounds[-1] if final else bounds[-2]


@dataclass(frozen=True, slots=True)
class MonitoringResult:
    look_names: list[str]
    look_day: np.ndarray  # (R, L)
    events: np.ndarray  # (R, L)
    information: np.ndarray  # (R, L)
    z: np.ndarray  # (R, L) stratified log-rank, negative favours the experimental arm
    bound: np.ndarray  # (R, L) efficacy bound on -z (NaN after the decision)
    stop_look: np.ndarray  # (R,) index of the look where the trial stopped (or the last)
    stopped_early: np.ndarray  # (R,) crossed an efficacy bound before the last look


def _event_calendar_days(b: TrialBatch) -> np.ndarray:
    ok = b.randomized & (b.event_time <= b.ltfu_time)
    return np.sort(np.where(ok, b.rand_day + b.event_time, np.inf), axis=1)


def monitor(b: TrialBatch) -> MonitoringResult:
    p = b.protocol
    m = p.monitoring
    r = b.shape[0]
    latest = float(b.days(m.latest_final_date))
    cal = None
    n_looks = len(m.looks)
    look_day = np.zeros((r, n_looks))
    events = np.zeros((r, n_looks))
    info = np.zeros((r, n_looks))
    z = np.full((r, n_looks), np.nan)
    bound = np.full((r, n_looks), np.nan)
    active = np.ones(r, dtype=bool)
    stop = np.full(r, n_looks - 1)
    early = np.zeros(r, dtype=bool)
    prev = np.zeros(r)
    for k, look in enumerate(m.looks):
        if look.date is not None:
            day = np.full(r, float(b.days(look.date)))
        else:
            if cal is None:
                cal = _event_calendar_days(b)
            e = min(look.events, cal.shape[1]) - 1
            day = np.minimum(cal[:, e], latest)
        day = np.maximum(day, prev)
        prev = day
        look_day[:, k] = day
        cd = cut_data(b, day)
        runs = bs.build_runs(
            cd.event_time,
            cd.event,
            np.where(cd.in_data, b.stratum, -1),
            len(p.population.strata),
            arm=np.maximum(b.arm, 0),
        )
        z[:, k] = bs.logrank_z(runs)[0]
        events[:, k] = cd.event.sum(axis=1)
        info[:, k] = events[:, k] / m.planned_events
        last = k == n_looks - 1
        # the bound depends only on the observed information path: one computation per
        # distinct path (rounded as efficacy_bound rounds), not per replicate
        rates = np.round(info[:, : k + 1], 6)
        if last:
            rates[:, -1] = np.maximum(rates[:, -1], 1.0)
        paths, inverse = np.unique(rates[active], axis=0, return_inverse=True)
        per_path = np.array([efficacy_bound(list(row), m) for row in paths])
        c = np.full(r, np.nan)
        c[active] = per_path[np.ravel(inverse)]
        bound[:, k] = c
        zk = -z[:, k]
        cross = active & ((zk >= c) if m.sided == 1 else (np.abs(zk) >= c))
        decided = active & (cross | last)
        stop[decided] = k
        early[decided] = cross[decided] & (not last)
        active &= ~decided
    return MonitoringResult(
        [lk.name for lk in m.looks], look_day, events, info, z, bound, stop, early
    )
