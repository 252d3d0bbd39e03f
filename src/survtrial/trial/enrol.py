"""Enrolment: arrivals from the accrual intensity (with ramp-up and periods), the population's
characteristics and risk groups, and the CONSORT flow of exclusions up to randomization."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from survtrial import _compiled
from survtrial.arrays import CPU, Backend, true_first
from survtrial.protocol import Protocol
from survtrial.trial._rng import BlockStreams
from survtrial.units import DAYS_PER_MONTH


def protocol_day(p: Protocol, date: dt.date) -> int:
    """Calendar day of ``date`` counted from the start of accrual."""
    return (date - p.accrual.start).days


def accrual_grid(p: Protocol, horizon_day: int) -> tuple[np.ndarray, np.ndarray]:
    """Day grid 0..horizon and the cumulative expected enrolment Lambda(day) on it."""
    days = np.arange(horizon_day + 1, dtype=float)
    rate = np.full(days.shape, p.accrual.rate_per_month / DAYS_PER_MONTH)
    rel = np.ones_like(days)
    for period in p.accrual.periods:
        rel[days >= protocol_day(p, period.start)] = period.relative_rate
    rate = rate * rel
    ramp = p.accrual.ramp_up_months * DAYS_PER_MONTH
    if ramp > 0:
        rate = rate * np.minimum(1.0, (days + 0.5) / ramp)
    if p.accrual.end is not None:
        rate[days >= protocol_day(p, p.accrual.end)] = 0.0
    cum = np.concatenate([[0.0], np.cumsum(rate[:-1])])
    return days, cum


def randomized_share(p: Protocol) -> tuple[float, np.ndarray]:
    """Probability that an enrolled patient is randomized, and the strata shares among them."""
    common = np.prod([1.0 - e.probability for e in p.population.exclusions])
    per = []
    for g in p.population.groups:
        if g.randomized:
            keep = g.probability * common
            for e in g.exclusions:
                keep *= 1.0 - e.probability
            per.append(keep)
    per = np.array(per)
    return float(per.sum()), per / per.sum()


def capacity(p: Protocol) -> int:
    """Patients to generate per replicate: enough, but for a chance below 1e-15, to reach the
    accrual target or the end of accrual, whichever comes first.

    To the target: the patients screened until ``target`` are randomized, each with
    probability ``share``, are a negative binomial count, mean target / share, SD
    sqrt(target (1 - share)) / share (none beyond the target when share is 1). To the end:
    the arrivals by the horizon are Poisson with mean cum[-1]. Either bound plus 8 SDs (and 20)
    suffices; :func:`enrol` raises if a replicate ever ran out.
    """
    horizon = protocol_day(p, p.monitoring.latest_final_date)
    _, cum = accrual_grid(p, horizon)
    share, _ = randomized_share(p)
    target = p.accrual.target_randomized
    to_target = target / share + 8.0 * np.sqrt(target * (1.0 - share)) / share
    to_end = cum[-1] + 8.0 * np.sqrt(cum[-1])
    return int(np.ceil(min(to_target, to_end) + 20))


def constant(xp, value, shape: tuple[int, ...]):
    """An array of ``shape`` filled with ``value`` (its dtype): on the CPU a read-only view of
    the one value (no memory, no writes), on the GPU a filled array."""
    if xp is np:
        return np.broadcast_to(np.asarray(value), shape)
    return xp.full(shape, value, dtype=np.asarray(value).dtype)


def truncated_lognormal(u, spec, backend: Backend = CPU):
    """Inverse CDF of a log-normal (median, log SD) truncated to [min, max], at uniforms ``u``."""
    from scipy.special import ndtr  # loaded on use: the simulation's workers need none

    xp = backend.xp
    mu, sd = np.log(spec.median), spec.log_sd
    lo = ndtr((np.log(spec.min) - mu) / sd) if spec.min > 0 else 0.0
    hi = ndtr((np.log(spec.max) - mu) / sd)
    q = xp.clip(lo + u * (hi - lo), 1e-12, 1 - 1e-12)
    x = xp.exp(mu + sd * backend.ndtri(q))
    return xp.clip(x, spec.min, np.nextafter(spec.max, 0))


@dataclass(frozen=True, slots=True)
class Enrolment:
    """Who was enrolled and randomized when, with their characteristics: arrays (R, N)."""

    enrolled: np.ndarray
    enrol_day: np.ndarray  # inf when not enrolled
    age_years: np.ndarray
    male: np.ndarray
    wbc_per_ul: np.ndarray
    group: np.ndarray  # index into population.groups
    exclusion: np.ndarray  # -1: none; else index into ``exclusion_reasons``
    exclusion_reasons: tuple[str, ...]
    randomized: np.ndarray
    stratum: np.ndarray  # -1 when not randomized
    rand_day: np.ndarray  # inf when not randomized
    # (R, W) columns of each replicate's randomized patients first, W the most randomized in
    # any replicate (:func:`survtrial.arrays.true_first`): the later steps work on these only
    randomized_first: np.ndarray


def uses_sex(p: Protocol) -> bool:
    """Whether randomization reads the patients' sex (a stratification or minimization
    factor)."""
    rz = p.randomization
    if rz.method == "permuted_blocks":
        return "sex" in rz.stratify_by
    return "sex" in (rz.minimization_factors or ["risk_group"])


def enrol(p: Protocol, streams: BlockStreams, n: int, describe: bool = True) -> Enrolment:
    """Arrivals of a Poisson process with the accrual intensity, then the CONSORT flow.

    Accrual stops once the target number of randomized patients is reached (in enrolment order).
    ``describe=False`` leaves age and WBC as NaN, and sex False unless randomization reads it
    (none of them is drawn then).
    """
    r = streams.n
    xp, be = streams.xp, streams.backend
    pop = p.population
    _, cum = accrual_grid(p, protocol_day(p, p.monitoring.latest_final_date))
    arrival_draws = streams.exponential("arrival", n)

    # age, WBC and sex only describe the patients unless randomization reads sex: each is
    # drawn from its own stream only where used (otherwise NaN, or False for sex)
    missing = constant(xp, np.nan, (r, n))
    age = wbc = missing
    if describe:
        age = truncated_lognormal(streams.random("age", n), pop.age_years, be)
        if pop.wbc_per_ul is not None:
            wbc = truncated_lognormal(streams.random("wbc", n), pop.wbc_per_ul, be)
    if describe or uses_sex(p):
        male = streams.random("sex", n) < pop.male_fraction
    else:
        male = constant(xp, False, (r, n))
    group, exclusion, reasons, excluding = groups_and_exclusions(p, streams, n)
    group_to_stratum = np.array(
        [pop.strata.index(g.name) if g.randomized else -1 for g in pop.groups]
    )
    delay = np.round([float(g.days_to_randomization) for g in pop.groups])
    target = p.accrual.target_randomized
    if xp is np and _compiled.ENABLED:  # the compiled kernel (numba, loaded on first use)
        from survtrial.trial import enrol_kernels as kernels

        enrol_day, enrolled, randomized, stratum, rand_day, first = kernels.enrol_flow(
            arrival_draws, cum, group, exclusion, target, group_to_stratum, delay
        )
    else:
        # arrival x enrols on the day d with cum[d] <= x < cum[d + 1] (none past cum[-1])
        arrivals = xp.cumsum(arrival_draws, axis=1)
        cum_d = xp.asarray(cum)
        enrol_day = (xp.searchsorted(cum_d, arrivals, side="right") - 1).astype(float)
        enrol_day[arrivals > cum[-1]] = np.inf
        candidate = (exclusion < 0) & xp.isfinite(enrol_day)
        before = xp.cumsum(candidate, axis=1) - candidate
        enrolled = xp.isfinite(enrol_day) & (before < target)
        randomized = candidate & enrolled
        enrol_day = xp.where(enrolled, enrol_day, np.inf)
        stratum = xp.where(randomized, xp.asarray(group_to_stratum)[group], -1)
        rand_day = xp.where(randomized, enrol_day + xp.asarray(delay)[group], np.inf)
        first = true_first(randomized)
    last_enrolled = enrolled[:, -1]
    if bool(last_enrolled.any()) and bool(
        (last_enrolled & (randomized.sum(axis=1) < target)).any()
    ):  # the last patient generated was enrolled before the target: more would have come
        raise RuntimeError(f"enrolment: {n} patients per replicate did not suffice (capacity)")
    return Enrolment(
        enrolled=enrolled,
        enrol_day=enrol_day,
        age_years=age,
        male=male,
        wbc_per_ul=wbc,
        group=group,
        exclusion=xp.where(enrolled, exclusion, -1) if excluding else exclusion,
        exclusion_reasons=reasons,
        randomized=randomized,
        stratum=stratum,
        rand_day=rand_day,
        randomized_first=first,
    )


def groups_and_exclusions(
    p: Protocol, streams: BlockStreams, n: int
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], bool]:
    """Each patient's risk group (by the groups' probabilities, one uniform each) and the first
    reason he is not randomized (his group's, else the first exclusion step that strikes: each
    group's steps, then everyone's, one uniform a step and patient), (R, N) each; the reasons
    in code order; and whether anyone can be excluded. One group: a read-only view of 0; no
    exclusion possible: a read-only view of -1. The compiled kernel on the CPU
    (:func:`survtrial.trial.enrol_kernels.groups_and_exclusions`) gives the same arrays."""
    r, xp = streams.n, streams.xp
    pop = p.population
    gprob = np.array([g.probability for g in pop.groups])
    reasons: list[str] = []
    not_randomized = np.full(len(gprob), -1, dtype=np.int64)  # the code of a group's reason
    for gi, g in enumerate(pop.groups):
        if not g.randomized:
            reasons.append(g.not_randomized_reason)
            not_randomized[gi] = len(reasons) - 1
    steps = []  # (group or -1 for everyone, code, probability)
    for gi, g in enumerate(pop.groups):
        for e in g.exclusions:
            reasons.append(e.reason)
            steps.append((gi, len(reasons) - 1, e.probability))
    for e in pop.exclusions:
        reasons.append(e.reason)
        steps.append((-1, len(reasons) - 1, e.probability))
    excluding = bool((not_randomized >= 0).any()) or any(prob > 0 for _, _, prob in steps)
    cut = np.cumsum(gprob) / gprob.sum()
    u_group = streams.random("risk_group", n) if len(gprob) > 1 else None
    active = [(step, gi, code, prob) for step, (gi, code, prob) in enumerate(steps) if prob > 0]
    step_u = [streams.random("exclusion", n, index=step) for step, *_ in active]
    group = constant(xp, np.int64(0), (r, n))  # one group
    exclusion = constant(xp, np.int64(-1), (r, n))  # nobody excluded
    if xp is np and _compiled.ENABLED and (u_group is not None or excluding):
        from survtrial.trial import enrol_kernels as kernels

        groups, codes = kernels.groups_and_exclusions(
            u_group, cut, not_randomized, step_u, [a[1:] for a in active], (r, n)
        )
        group = groups if u_group is not None else group
        exclusion = codes if excluding else exclusion
        return group, exclusion, tuple(reasons), excluding
    if u_group is not None:
        group = xp.minimum(xp.searchsorted(xp.asarray(cut), u_group, side="right"), len(gprob) - 1)
    if excluding:  # written below
        exclusion = xp.full((r, n), -1, dtype=np.int64)
    for gi in np.flatnonzero(not_randomized >= 0):
        exclusion[group == gi] = not_randomized[gi]
    for u, (_, gi, code, prob) in zip(step_u, active, strict=True):
        hit = (exclusion < 0) & (u < prob) & ((group == gi) if gi >= 0 else True)
        exclusion[hit] = code
    return group, exclusion, tuple(reasons), excluding
