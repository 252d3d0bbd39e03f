"""Interim monitoring of simulated trials: the planned looks (by events or date), the stratified
log-rank z at each, the bounds recomputed at the observed information fraction
(:func:`survtrial.design.group_sequential`: Lan-DeMets alpha spending and, when the protocol has
``beta_spending``, futility by beta spending, binding or not) and the committee's decision
(stop at the first crossing of either bound; otherwise continue to the last look)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from survtrial import _compiled
from survtrial.arrays import namespace, to_host, true_first
from survtrial.stats import batch as bs
from survtrial.trial.batch import TrialBatch
from survtrial.trial.cut import endpoint_at


@lru_cache(maxsize=4096)
def _bounds(rates: tuple[float, ...], alpha: float, spending: str, gamma, sided: int):
    from survtrial.design import spending_bounds  # group_sequential's bounds, only them

    bounds = spending_bounds(list(rates), alpha, spending, gamma, sided)
    return tuple(float(x) for x in bounds)


@lru_cache(maxsize=4096)
def _futility_design(
    rates: tuple[float, ...],
    alpha: float,
    spending: str,
    gamma,
    beta: float,
    beta_spending: str,
    beta_gamma,
    binding: bool,
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(efficacy, futility) z bounds of the one-sided beta-spending design at ``rates``."""
    from survtrial.design import group_sequential

    d = group_sequential(
        information_rates=list(rates),
        alpha=alpha,
        beta=beta,
        alpha_spending=spending,
        alpha_gamma=gamma,
        beta_spending=beta_spending,
        beta_gamma=beta_gamma,
        binding_futility=binding,
        sided=1,
    )
    return (
        tuple(float(x) for x in d.efficacy_bounds),
        tuple(float(x) for x in d.futility_bounds),
    )


def _plan(observed_rates) -> tuple[tuple[float, ...], bool]:
    """The design's looks for an observed information path, and whether the last is final.

    The looks so far are at their observed fractions; one more look at information 1 is
    planned after them (unless the last observed fraction has reached 1: then it is final).
    Earlier looks with no more information than the one before (or than the current) drop out.
    """
    rates = [min(max(float(r), 1e-6), 1.0) for r in observed_rates]
    final = rates[-1] >= 1.0
    kept: list[float] = []
    for r in rates[:-1]:
        if r < rates[-1] and (not kept or r > kept[-1]):
            kept.append(round(r, 6))
    plan = (*kept, 1.0) if final else (*kept, round(rates[-1], 6), 1.0)
    return plan, final


def look_bounds(observed_rates: list[float], m) -> tuple[float, float]:
    """Efficacy and futility z bounds (on ``-z``) at the last of the observed fractions.

    Both are those of :func:`survtrial.design.group_sequential` for the design whose looks
    are the observed path (see :func:`_plan`), with the protocol's ``monitoring`` settings
    ``m``: beta spending (rpact's ``typeBetaSpending``, the drift found from ``beta`` as rpact's
    ``getDesignGroupSequential`` finds it) and, with ``binding_futility``, efficacy bounds that
    assume the futility bounds are obeyed (non-binding: the efficacy bounds ignore them).
    The futility bound is ``-inf`` where there is none: no beta spending, or a final look.
    """
    plan, final = _plan(observed_rates)
    args = (m.alpha, m.alpha_spending, m.alpha_gamma)
    futility = (m.beta, m.beta_spending, m.beta_gamma, m.binding_futility)
    if m.beta_spending is None or not m.binding_futility:
        # non-binding: the efficacy bounds are those of the design without futility
        eff = _bounds(plan, *args, m.sided)
        c = eff[-1] if final else eff[-2]
        if m.beta_spending is None or final:
            return c, -np.inf
        return c, _futility_design(plan, *args, *futility)[1][-1]
    eff, fut = _futility_design(plan, *args, *futility)
    return (eff[-1], -np.inf) if final else (eff[-2], fut[-1])


def efficacy_bound(observed_rates: list[float], m) -> float:
    """Efficacy z bound at the last of the observed information fractions (see
    :func:`look_bounds`)."""
    return look_bounds(observed_rates, m)[0]


class _Spending(NamedTuple):
    """The ``monitoring`` settings :func:`look_bounds` reads, hashable (a cache key)."""

    alpha: float
    alpha_spending: str
    alpha_gamma: float | None
    sided: int
    beta: float
    beta_spending: str | None
    beta_gamma: float | None
    binding_futility: bool

    @classmethod
    def of(cls, m) -> _Spending:
        return cls(*(getattr(m, name) for name in cls._fields))


@lru_cache(maxsize=65536)
def _path_bounds(path: tuple[float, ...], spending: _Spending) -> tuple[float, float]:
    return look_bounds(list(path), spending)


def _distinct_rows(rows: np.ndarray) -> tuple[list[tuple[float, ...]], np.ndarray]:
    """The distinct rows of ``rows`` (R, k) as tuples, and each row's index among them: rows
    sorted (``np.lexsort``) and compared with the row before (NaN equals nothing, as a tuple
    key with its own NaN)."""
    if rows.shape[0] == 0:
        return [], np.zeros(0, dtype=np.intp)
    order = np.lexsort(rows.T[::-1])
    ordered = rows[order]
    first = np.empty(rows.shape[0], dtype=bool)
    first[0] = True
    first[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    inverse = np.empty(rows.shape[0], dtype=np.intp)
    inverse[order] = np.cumsum(first) - 1
    return [tuple(row) for row in ordered[first].tolist()], inverse


def _bounds_by_path(info: np.ndarray, active: np.ndarray, m, last: bool):
    """Efficacy and futility bounds (R,) at the current look, NaN for inactive replicates:
    one computation per distinct information path (rounded as :func:`look_bounds` rounds),
    remembered across calls."""
    info, active = to_host(info), to_host(active)
    r = info.shape[0]
    rates = np.round(info, 6)
    if last:
        rates[:, -1] = np.maximum(rates[:, -1], 1.0)
    paths, inverse = _distinct_rows(rates[active])
    spending = _Spending.of(m)
    per_path = np.array([_path_bounds(row, spending) for row in paths]).reshape(-1, 2)
    c = np.full(r, np.nan)
    f = np.full(r, np.nan)
    c[active] = per_path[inverse, 0]
    if m.beta_spending is not None and not last:
        f[active] = per_path[inverse, 1]
    return c, f


@dataclass(frozen=True, slots=True)
class MonitoringResult:
    """The monitoring of R replicate trials at their L planned looks.

    Bounds are on ``-z`` (large favours the experimental arm); a replicate stops at the first
    look where ``-z >= bound`` (efficacy) or, at an interim look, ``-z < futility_bound``
    (futility); otherwise at the last look, where the decision is efficacy or not.
    """

    look_names: list[str]
    look_day: np.ndarray  # (R, L)
    events: np.ndarray  # (R, L)
    information: np.ndarray  # (R, L)
    z: np.ndarray  # (R, L) stratified log-rank, negative favours the experimental arm
    bound: np.ndarray  # (R, L) efficacy bound on -z (NaN after the decision)
    stop_look: np.ndarray  # (R,) index of the look where the trial stopped (or the last)
    stopped_early: np.ndarray  # (R,) crossed an efficacy bound before the last look
    # (R, L) futility bound on -z at interim looks; -inf where the spending gives none there
    # (e.g. information already at the planned events); NaN at the last look, after the
    # decision, and everywhere for a protocol without beta_spending
    futility_bound: np.ndarray
    stopped_for_futility: np.ndarray  # (R,) -z fell below the futility bound at an interim
    rejected: np.ndarray  # (R,) crossed an efficacy bound at any look, the last included
    randomized: np.ndarray  # (R, L) patients randomized by each look's day (in its data)


def decide(
    neg_z: np.ndarray, efficacy: np.ndarray, futility: np.ndarray, sided: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """The committee's decision at one look: (crosses the efficacy bound, stops for futility).

    Efficacy when ``-z >= efficacy`` (``|z| >= efficacy`` two-sided); otherwise futility when
    ``-z < futility``. A NaN statistic or bound decides nothing (the trial continues).
    """
    cross = (neg_z >= efficacy) if sided == 1 else (abs(neg_z) >= efficacy)
    return cross, ~cross & (neg_z < futility)


@dataclass(frozen=True, slots=True)
class _Randomized:
    """The columns the looks read, with each replicate's randomized patients first and the
    width cut to the most randomized in any replicate (others: never in the data). The looks
    see the same patients, so every number is unchanged; the sorts per look get shorter
    where most enrolled patients are not randomized (AALL1731: a quarter are)."""

    randomized: np.ndarray
    rand_day: np.ndarray
    event_time: np.ndarray
    ltfu_time: np.ndarray
    stratum: np.ndarray
    arm: np.ndarray


def _randomized_first(b: TrialBatch) -> _Randomized:
    xp = namespace(b.randomized)
    order = b.randomized_first if b.randomized_first is not None else true_first(b.randomized)
    cols = (b.randomized, b.rand_day, b.event_time, b.ltfu_time, b.stratum, b.arm)
    if order.shape[1] == b.shape[1] and bool(b.randomized.all()):  # everyone: as they are
        return _Randomized(*cols)
    return _Randomized(*(xp.take_along_axis(c, order, axis=1) for c in cols))


def _event_calendar_days(b: TrialBatch):
    xp = namespace(b.randomized)
    ok = b.randomized & (b.event_time <= b.ltfu_time)
    return xp.sort(xp.where(ok, b.rand_day + b.event_time, np.inf), axis=1)


def _looks_by_arrays(b: TrialBatch, n_strata: int, latest: float, day_of: dict[int, float]):
    """(look_day, events, z, randomized), each (R, L), on the device where ``b``'s arrays are:
    per look the data cut (:func:`endpoint_at`), its patients, and the stratified log-rank of
    :mod:`survtrial.stats.batch`."""
    m = b.protocol.monitoring
    xp = namespace(b.randomized)
    r, n_patients = b.shape
    b = _randomized_first(b)
    arm = xp.maximum(b.arm, 0)
    cal = None
    n_looks = len(m.looks)
    look_day = xp.zeros((r, n_looks))
    events = xp.zeros((r, n_looks))
    z = xp.full((r, n_looks), np.nan)
    randomized = xp.zeros((r, n_looks), dtype=np.int64)
    prev = xp.zeros(r)
    for k, look in enumerate(m.looks):
        if look.date is not None:
            day = xp.full(r, day_of[k])
        else:
            if cal is None:
                cal = _event_calendar_days(b)
            e = min(look.events, n_patients) - 1  # the look's event; past the last: never
            day = xp.minimum(cal[:, e] if e < cal.shape[1] else xp.full(r, np.inf), latest)
        day = xp.maximum(day, prev)
        prev = day
        look_day[:, k] = day
        in_data, _, event, time = endpoint_at(b, day)
        key = xp.where(in_data, b.stratum, -1)
        # counted by day where the day grid is small, else sorted: the same z, bit for bit
        z_k = bs.logrank_z_by_day(time, event, key, n_strata, arm)
        if z_k is None:
            runs = bs.build_runs(time, event.astype(np.int64), key, n_strata, arm=arm)
            z_k = bs.logrank_z(runs)[0]
        z[:, k] = z_k
        events[:, k] = event.sum(axis=1)
        randomized[:, k] = in_data.sum(axis=1)
    return look_day, events, z, randomized


def _looks_by_kernels(b: TrialBatch, n_strata: int, latest: float, day_of: dict[int, float]):
    """:func:`_looks_by_arrays` on the CPU by the compiled kernel
    (:func:`survtrial.stats.batch_kernels.monitor_looks`), bit for bit: per replicate one pass
    over the raw columns finds the looks' event days (by counting, not a sort) and every
    look's cut and log-rank (no gather of the randomized patients, no sort). A patient is
    randomized where ``stratum >= 0`` (:class:`TrialBatch`: -1 exactly when not). ``None``
    where the kernel declines (times that are not whole days, a huge day grid)."""
    from survtrial.stats import batch_kernels as bk

    m = b.protocol.monitoring
    n_patients = b.shape[1]
    # the look's event (0-based; past the last: never), -1 for a look at a date
    nth = [-1 if lk.date is not None else min(lk.events, n_patients) - 1 for lk in m.looks]
    if any(e < 0 for e, lk in zip(nth, m.looks, strict=True) if lk.date is None):
        return None
    fixed = [day_of.get(k, np.nan) for k in range(len(m.looks))]
    out = bk.monitor_looks(
        b.rand_day, b.event_time, b.ltfu_time, b.stratum, b.arm, nth, fixed, latest, n_strata
    )
    if out is None:
        return None
    look_day, n_events, z, randomized = out
    return look_day, n_events.astype(float), z, randomized


@dataclass(frozen=True, slots=True)
class LookStatistics:
    """What the looks of R replicate trials observe, (R, L) each, before any bound: the
    statistics :func:`decide_looks` turns into decisions."""

    look_day: np.ndarray  # calendar day of each look
    events: np.ndarray  # events in the look's data (float)
    z: np.ndarray  # stratified log-rank z, negative favours the experimental arm
    randomized: np.ndarray  # patients in the look's data (randomized by its day), int64


# the monitoring settings that only the decisions read (:func:`decide_looks`), not the looks
DECISION_SETTINGS = frozenset({"alpha", "sided", "alpha_spending", "alpha_gamma", "beta",
                               "beta_spending", "beta_gamma", "binding_futility"})  # fmt: skip


def look_inputs(p) -> str:
    """The monitoring settings :func:`look_statistics` may read beyond its batch's patients:
    all but the :data:`DECISION_SETTINGS` (equal text and equal patients: equal looks)."""
    return p.monitoring.model_dump_json(exclude=set(DECISION_SETTINGS))


def look_statistics(b: TrialBatch, kernels: bool | None = None) -> LookStatistics:
    """Each planned look of ``b``'s trials (by events or date): its day, events, z and
    patients, on the device where ``b``'s arrays are. On the CPU they come from the compiled
    kernel (:func:`_looks_by_kernels`) unless ``kernels`` is False (default:
    :data:`survtrial._compiled.ENABLED`); the numbers are the same bit for bit."""
    m = b.protocol.monitoring
    xp = namespace(b.randomized)
    latest = float(b.days(m.latest_final_date))
    day_of = {k: float(b.days(lk.date)) for k, lk in enumerate(m.looks) if lk.date is not None}
    n_strata = len(b.protocol.population.strata)
    looks = None
    if xp is np and (_compiled.ENABLED if kernels is None else kernels):
        looks = _looks_by_kernels(b, n_strata, latest, day_of)
    if looks is None:
        looks = _looks_by_arrays(b, n_strata, latest, day_of)
    return LookStatistics(*looks)


def monitor(b: TrialBatch, kernels: bool | None = None) -> MonitoringResult:
    """The looks of ``b``'s trials (:func:`look_statistics`) and the committee's decisions at
    them (:func:`decide_looks`)."""
    return decide_looks(look_statistics(b, kernels), b.protocol.monitoring)


def decide_looks(looks: LookStatistics, m) -> MonitoringResult:
    """The decisions at the looks, in order, under the protocol's ``monitoring`` settings
    ``m``: the bounds at each replicate's observed information (computed on the host, once per
    distinct information path, :func:`_bounds_by_path`), a stop at the first crossing of either
    bound, otherwise on to the last look. Arrays stay on their device."""
    look_day, events, z, randomized = looks.look_day, looks.events, looks.z, looks.randomized
    xp = namespace(z)
    r = z.shape[0]
    n_looks = len(m.looks)
    info = xp.zeros((r, n_looks))
    bound = xp.full((r, n_looks), np.nan)
    fbound = xp.full((r, n_looks), np.nan)
    active = xp.ones(r, dtype=bool)
    stop = xp.full(r, n_looks - 1)
    early = xp.zeros(r, dtype=bool)
    futile = xp.zeros(r, dtype=bool)
    rejected = xp.zeros(r, dtype=bool)
    for k in range(n_looks):
        info[:, k] = events[:, k] / m.planned_events
        last = k == n_looks - 1
        # the bounds depend only on the observed information path: one computation per
        # distinct path (rounded as look_bounds rounds), not per replicate
        c, f = (xp.asarray(x) for x in _bounds_by_path(info[:, : k + 1], active, m, last))
        cross, stop_futile = decide(-z[:, k], c, f, m.sided)
        cross &= active
        stop_futile &= active
        fbound[:, k] = f
        bound[:, k] = c
        decided = active & (cross | stop_futile | last)
        stop[decided] = k
        early[decided] = cross[decided] & (not last)
        rejected |= cross
        futile |= stop_futile
        active &= ~decided
    return MonitoringResult(
        look_names=[lk.name for lk in m.looks],
        look_day=look_day,
        events=events,
        information=info,
        z=z,
        bound=bound,
        stop_look=stop,
        stopped_early=early,
        futility_bound=fbound,
        stopped_for_futility=futile,
        rejected=rejected,
        randomized=randomized,
    )
