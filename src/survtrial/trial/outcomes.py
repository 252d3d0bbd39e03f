"""Outcomes: competing first events from cause-specific piecewise-constant hazards (optional cure
fractions), death after a non-fatal first event, and loss to follow-up.

Each cause k has a latent time T_k with cumulative hazard H_k(t) = E_k, E_k ~ Exp(1) (inverse
transform); the first event is the smallest T_k. Times are whole days (at least 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from survtrial import _compiled
from survtrial.arrays import namespace, true_first
from survtrial.protocol import Protocol
from survtrial.trial._rng import BlockStreams
from survtrial.units import DAYS_PER_YEAR


def hazard_tensor(p: Protocol) -> tuple[np.ndarray, np.ndarray]:
    """Hazards per day [arm, stratum, event, interval] and cure fractions [arm, stratum, event].

    Arm index 0 is the control arm, 1 the experimental arm.
    """
    arms = [p.control.name, p.experimental.name]
    strata = p.population.strata
    events = [e.name for e in p.outcomes.event_types]
    n_int = len(p.outcomes.interval_starts_days)
    h = np.zeros((2, len(strata), len(events), n_int))
    cure = np.zeros((2, len(strata), len(events)))
    for hz in p.outcomes.hazards:
        for a, arm in enumerate(arms):
            if hz.arm not in ("*", arm):
                continue
            for s, st in enumerate(strata):
                if hz.stratum not in ("*", st):
                    continue
                k = events.index(hz.event)
                h[a, s, k] = np.asarray(hz.per_year) / DAYS_PER_YEAR
                cure[a, s, k] = hz.cure_fraction
    return h, cure


def piecewise_inverse(e: np.ndarray, starts: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Time at which the cumulative piecewise-constant hazard reaches ``e``.

    ``rates`` has shape e.shape + (J,), hazards per interval starting at ``starts``.
    """
    widths = np.diff(starts)
    cum = np.zeros(rates.shape)
    cum[..., 1:] = np.cumsum(rates[..., :-1] * widths, axis=-1)
    j = (e[..., None] >= cum).sum(axis=-1) - 1
    r = np.take_along_axis(rates, j[..., None], axis=-1)[..., 0]
    c = np.take_along_axis(cum, j[..., None], axis=-1)[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = starts[j] + (e - c) / r
    return np.where(r > 0, t, np.inf)


def cumulative_at_starts(starts: np.ndarray, group_rates: np.ndarray) -> np.ndarray:
    """Cumulative hazard (G, J) at each interval start, from the hazards (G, J) per day."""
    cum = np.zeros(group_rates.shape)
    cum[:, 1:] = np.cumsum(group_rates[:, :-1] * np.diff(starts), axis=-1)
    return cum


def piecewise_inverse_by_group(e, starts: np.ndarray, group_rates: np.ndarray, group):
    """:func:`piecewise_inverse` when patients share the hazards of a few groups (arm x
    stratum): ``group_rates`` (G, J), ``group`` the group of each patient. The cumulative hazard
    is built once per group and searched, with the same arithmetic, so the times are equal bit
    for bit; no (patients x intervals) arrays. ``starts`` and ``group_rates`` are small host
    arrays; ``e`` and ``group`` may live on the GPU."""
    xp = namespace(e)
    cum = cumulative_at_starts(starts, group_rates)
    n_int = group_rates.shape[1]
    cum_d = xp.asarray(cum)
    j = xp.zeros(e.shape, dtype=np.intp)  # the interval: how many later starts e has reached
    for i in range(1, n_int):
        j += e >= cum_d[:, i][group]
    cell = group * n_int + j
    r, c = xp.asarray(group_rates.ravel())[cell], cum_d.ravel()[cell]
    with np.errstate(divide="ignore", invalid="ignore"):
        return xp.where(r > 0, xp.asarray(starts)[j] + (e - c) / r, np.inf)


@dataclass(frozen=True, slots=True)
class Outcomes:
    event_time: np.ndarray  # days from randomization to the first event (inf: none)
    event_type: np.ndarray  # index into outcomes.event_types, -1: none
    death_time: np.ndarray  # days from randomization to death (inf: none)
    ltfu_time: np.ndarray  # days from randomization to loss to follow-up (inf: none)


def outcomes(
    p: Protocol,
    streams: BlockStreams,
    arm: np.ndarray,
    stratum: np.ndarray,
    randomized,
    randomized_first=None,
) -> Outcomes:
    """Each patient's first event, death and loss to follow-up; ``randomized_first``: the
    enrolment's (R, W) columns of the randomized patients (computed when not given).

    The draws are indexed by randomization number: the k-th randomized patient of a replicate
    (in enrolment order) takes the k-th number of each outcome stream, which has as many
    numbers per replicate as the accrual target (no replicate randomizes more). So the
    outcomes do not depend on how many patients were screened and not randomized.
    """
    r, n = arm.shape
    xp = streams.xp
    h, cure = hazard_tensor(p)
    starts = np.asarray(p.outcomes.interval_starts_days, dtype=float)
    order = true_first(randomized) if randomized_first is None else randomized_first
    places = outcome_places(p, order)
    if xp is np and _compiled.ENABLED:  # the compiled kernel (numba, loaded on first use)
        return _outcomes_compiled(p, streams, arm, stratum, randomized, order, places, h, cure,
                                  starts)  # fmt: skip
    # computed for the randomized patients only (each replicate's, first)
    flat = xp.arange(r)[:, None] * n + order  # positions in the flattened (R, N) arrays
    width = order.shape[1]

    def take(a):
        return xp.take(a, flat)

    def draw(name, kind, index=None):  # the numbers of the randomized, in order
        return getattr(streams, kind)(name, places, index=index)[:, :width]

    rand = take(randomized)
    n_strata = h.shape[1]
    group = take(xp.maximum(arm, 0) * n_strata + xp.maximum(stratum, 0))  # arm x stratum
    n_ev = h.shape[2]
    latent = xp.empty((n_ev, r, width))
    for k in range(n_ev):
        e = draw("event", "exponential", k)
        t = piecewise_inverse_by_group(e, starts, h[:, :, k].reshape(-1, h.shape[3]), group)
        if cure[:, :, k].any():  # a cure fraction: its own stream, drawn only then
            u = draw("cure", "random", k)
            t = xp.where(u < xp.asarray(cure[:, :, k].reshape(-1))[group], np.inf, t)
        latent[k] = t
    event_type = xp.argmin(latent, axis=0)
    event_time = xp.min(latent, axis=0)
    event_type = xp.where(xp.isfinite(event_time) & rand, event_type, -1)
    event_time = xp.where(rand, xp.ceil(event_time), np.inf)
    event_time = xp.maximum(event_time, 1.0)

    is_death = xp.asarray([e.death for e in p.outcomes.event_types])
    post = p.outcomes.death_after_relapse_per_year / DAYS_PER_YEAR
    if post > 0:
        after = xp.ceil(draw("death_after_event", "exponential") / post)
    else:
        after = xp.full((r, width), np.inf)
    has = event_type >= 0
    death_time = xp.where(
        has & is_death[xp.maximum(event_type, 0)],
        event_time,
        xp.where(has, event_time + xp.maximum(after, 1.0), np.inf),
    )
    lf = p.outcomes.loss_to_follow_up_per_year / DAYS_PER_YEAR
    if lf > 0:
        ltfu = xp.ceil(draw("loss_to_follow_up", "exponential") / lf)
    else:
        ltfu = xp.full((r, width), np.inf)
    ltfu = xp.where(rand, xp.maximum(ltfu, 1.0), np.inf)

    def back(values, fill):  # to (R, N): the not randomized never have an event
        out = xp.full((r, n), fill, dtype=values.dtype)
        xp.put(out, flat, values)
        return out

    event_time, event_type = back(event_time, np.inf), back(event_type, -1)
    death_time, ltfu = back(death_time, np.inf), back(ltfu, np.inf)
    return Outcomes(event_time, event_type, death_time, ltfu)


def outcome_places(p: Protocol, order) -> int:
    """Numbers per replicate in each outcome stream: the accrual target (at least the width of
    the randomized-first order, which never exceeds it)."""
    return max(p.accrual.target_randomized, order.shape[1], 1)


def _outcomes_compiled(p: Protocol, streams: BlockStreams, arm, stratum, randomized, order,
                       n, h, cure, starts) -> Outcomes:  # fmt: skip
    """:func:`outcomes` by the compiled kernel (CPU): the same draws and arithmetic, one pass
    over the randomized patients, nothing gathered."""
    n_ev, n_int = h.shape[2], h.shape[3]
    rates = np.stack([h[:, :, k].reshape(-1, n_int) for k in range(n_ev)])  # (K, G, J)
    cum = np.stack([cumulative_at_starts(starts, rates[k]) for k in range(n_ev)])
    e = np.empty((n_ev, arm.shape[0], n))  # each cause's draws straight into their rows
    for k in range(n_ev):
        streams.exponential("event", n, index=k, out=e[k])
    cure_g = np.stack([cure[:, :, k].reshape(-1) for k in range(n_ev)])  # (K, G)
    cure_u = None
    if cure.any():
        cure_u = np.ones((n_ev, arm.shape[0], n))
        for k in range(n_ev):
            if cure[:, :, k].any():
                streams.random("cure", n, index=k, out=cure_u[k])
    post = p.outcomes.death_after_relapse_per_year / DAYS_PER_YEAR
    lf = p.outcomes.loss_to_follow_up_per_year / DAYS_PER_YEAR
    post_e = streams.exponential("death_after_event", n) if post > 0 else None
    lf_e = streams.exponential("loss_to_follow_up", n) if lf > 0 else None
    is_death = np.array([e.death for e in p.outcomes.event_types])
    from survtrial.trial import outcomes_kernels as kernels

    return Outcomes(
        *kernels.outcomes_by_patient(
            e, cure_u, arm, stratum, randomized, order, starts, rates, cum, cure_g, is_death,
            post, post_e, lf, lf_e,
        )
    )
