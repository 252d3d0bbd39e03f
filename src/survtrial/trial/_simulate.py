"""Generate a batch of in-silico trials: every per-patient array has shape (replicates, patients).

Steps, one function each: enrolment (accrual intensity with ramp-up), population and risk groups
(CONSORT flow), randomization (stratified permuted blocks or minimization), treatment (Mosteller
body-surface area, doses in ug/day), outcomes (competing first events from cause-specific
piecewise-constant hazards, optional cure fractions; loss to follow-up; death after relapse),
adverse events per phase. Calendar time is in whole days since ``accrual.start``; event times
are whole days since randomization (at least 1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtr, ndtri

from survtrial.protocol import Protocol
from survtrial.trial._rng import BlockStreams
from survtrial.units import DAYS_PER_MONTH, DAYS_PER_YEAR


@dataclass
class TrialBatch:
    """The simulated patients of ``replicates`` trials (arrays of shape (R, N))."""

    protocol: Protocol
    replicate_ids: np.ndarray
    enrolled: np.ndarray
    enrol_day: np.ndarray
    age_years: np.ndarray
    male: np.ndarray
    wbc_per_ul: np.ndarray
    height_cm: np.ndarray
    weight_kg: np.ndarray
    bsa_m2: np.ndarray
    group: np.ndarray
    exclusion: np.ndarray  # -1: none; else index into ``exclusion_reasons``
    randomized: np.ndarray
    stratum: np.ndarray  # -1 when not randomized
    arm: np.ndarray  # 0 control, 1 experimental, -1 not randomized
    rand_day: np.ndarray  # calendar day of randomization (inf when not randomized)
    event_time: np.ndarray  # days from randomization to the first event (inf: none)
    event_type: np.ndarray  # index into outcomes.event_types, -1: none
    death_time: np.ndarray  # days from randomization to death (inf: none)
    ltfu_time: np.ndarray  # days from randomization to loss to follow-up (inf: none)
    dose_ug_per_day: np.ndarray  # blinatumomab-type dose during drug phases, 0 otherwise
    ae_occurs: np.ndarray  # (R, N, n_ae) bool
    ae_day: np.ndarray  # (R, N, n_ae) calendar day of onset
    exclusion_reasons: list[str] = field(default_factory=list)

    @property
    def shape(self) -> tuple[int, int]:
        return self.enrolled.shape

    def days(self, date: dt.date) -> int:
        return (date - self.protocol.accrual.start).days


def _day(p: Protocol, date: dt.date) -> int:
    return (date - p.accrual.start).days


def accrual_grid(p: Protocol, horizon_day: int) -> tuple[np.ndarray, np.ndarray]:
    """Day grid 0..horizon and the cumulative expected enrolment Lambda(day) on it."""
    days = np.arange(horizon_day + 1, dtype=float)
    rate = np.full(days.shape, p.accrual.rate_per_month / DAYS_PER_MONTH)
    rel = np.ones_like(days)
    for period in p.accrual.periods:
        rel[days >= _day(p, period.start)] = period.relative_rate
    rate = rate * rel
    ramp = p.accrual.ramp_up_months * DAYS_PER_MONTH
    if ramp > 0:
        rate = rate * np.minimum(1.0, (days + 0.5) / ramp)
    if p.accrual.end is not None:
        rate[days >= _day(p, p.accrual.end)] = 0.0
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
    """Patients to generate per replicate: enough to reach the accrual target or the horizon."""
    horizon = _day(p, p.monitoring.latest_final_date)
    _, cum = accrual_grid(p, horizon)
    share, _ = randomized_share(p)
    need = min(cum[-1], p.accrual.target_randomized / share)
    return int(np.ceil(need + 6.0 * np.sqrt(need) + 20))


def _truncated_lognormal(u: np.ndarray, spec) -> np.ndarray:
    mu, sd = np.log(spec.median), spec.log_sd
    lo = ndtr((np.log(spec.min) - mu) / sd) if spec.min > 0 else 0.0
    hi = ndtr((np.log(spec.max) - mu) / sd)
    q = np.clip(lo + u * (hi - lo), 1e-12, 1 - 1e-12)
    x = np.exp(mu + sd * ndtri(q))
    return np.clip(x, spec.min, np.nextafter(spec.max, 0))


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


def _piecewise_inverse(e: np.ndarray, starts: np.ndarray, rates: np.ndarray) -> np.ndarray:
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


def _permuted_block_sequences(
    streams: BlockStreams, p: Protocol, n_cells: int, length: int
) -> np.ndarray:
    """Treatment sequences (R, n_cells, length) from permuted blocks of random sizes."""
    sizes = np.asarray(p.randomization.block_sizes)
    ratio = np.array([p.control.ratio, p.experimental.ratio])
    unit = int(ratio.sum())
    bmax = int(sizes.max())
    n_blocks = length // int(sizes.min()) + 1
    r = streams.n
    size = sizes[streams.integers(len(sizes), n_cells, n_blocks)]  # (R, C, B)
    pos = np.arange(bmax)
    # within a block of size s, the first s * ratio[0] / unit positions are control
    n_ctrl = size * ratio[0] // unit
    base = (pos[None, None, None, :] >= n_ctrl[..., None]).astype(np.int8)
    keys = streams.random(n_cells, n_blocks, bmax)
    keys = np.where(pos[None, None, None, :] < size[..., None], keys, 2.0)
    order = np.argsort(keys, axis=-1, kind="stable")
    arm = np.take_along_axis(base, order, axis=-1)
    valid = np.take_along_axis(pos[None, None, None, :] < size[..., None], order, axis=-1)
    arm = arm.reshape(r, n_cells, -1)
    valid = valid.reshape(r, n_cells, -1)
    # compact: valid entries first, in order
    idx = np.argsort(~valid, axis=-1, kind="stable")
    seq = np.take_along_axis(arm, idx, axis=-1)[..., :length]
    return seq


def _minimization(
    streams: BlockStreams, p: Protocol, factors: np.ndarray, order: np.ndarray, active: np.ndarray
) -> np.ndarray:
    """Pocock-Simon minimization through arrivals (loop over patients, vectorized over R).

    ``factors`` (R, N, F) integer levels; ``order`` the arrival order per replicate; ``active``
    who is randomized. Ties and the non-best choice are random; the best arm is taken with
    probability ``minimization_p_best``.
    """
    r, n, f = factors.shape
    n_levels = int(factors.max()) + 1 if factors.size else 1
    counts = np.zeros((r, f, n_levels, 2))
    arm = np.full((r, n), -1, dtype=np.int64)
    u = streams.random(n)
    tie = streams.random(n)
    rows = np.arange(r)
    for i in range(n):
        who = order[:, i]
        act = active[rows, who]
        lev = factors[rows, who]  # (R, F)
        c = counts[rows[:, None], np.arange(f)[None, :], lev]  # (R, F, 2)
        imbalance = np.empty((r, 2))
        for a in (0, 1):
            c2 = c.copy()
            c2[..., a] += 1
            imbalance[:, a] = np.abs(c2[..., 1] - c2[..., 0]).sum(axis=1)
        best = np.where(
            imbalance[:, 0] == imbalance[:, 1],
            (tie[:, i] < 0.5).astype(np.int64),
            np.argmin(imbalance, axis=1),
        )
        choice = np.where(u[:, i] < p.randomization.minimization_p_best, best, 1 - best)
        choice = np.where(act, choice, -1)
        arm[rows, who] = choice
        for j in range(f):
            np.add.at(counts, (rows[act], j, lev[act, j], choice[act]), 1)
    return arm


def simulate_batch(p: Protocol, streams: BlockStreams, replicate_ids: np.ndarray) -> TrialBatch:
    """Simulate ``streams.n`` trials of protocol ``p``."""
    r = streams.n
    n = capacity(p)
    pop = p.population
    horizon = _day(p, p.monitoring.latest_final_date)

    # -- enrolment: arrivals of a Poisson process with the accrual intensity
    days, cum = accrual_grid(p, horizon)
    arrivals = np.cumsum(streams.exponential(n), axis=1)
    enrol = np.floor(np.interp(arrivals, cum, days, right=np.inf))
    enrol[arrivals > cum[-1]] = np.inf

    # -- population and risk groups
    age = _truncated_lognormal(streams.random(n), pop.age_years)
    male = streams.random(n) < pop.male_fraction
    wbc = _truncated_lognormal(streams.random(n), pop.wbc_per_ul)
    gprob = np.array([g.probability for g in pop.groups])
    group = np.searchsorted(np.cumsum(gprob) / gprob.sum(), streams.random(n), side="right")
    group = np.minimum(group, len(gprob) - 1)

    reasons: list[str] = []
    exclusion = np.full((r, n), -1, dtype=np.int64)
    for gi, g in enumerate(pop.groups):
        if not g.randomized:
            reasons.append(g.not_randomized_reason)
            exclusion[group == gi] = len(reasons) - 1
    steps = []
    for gi, g in enumerate(pop.groups):
        for e in g.exclusions:
            reasons.append(e.reason)
            steps.append((gi, len(reasons) - 1, e.probability))
    for e in pop.exclusions:
        reasons.append(e.reason)
        steps.append((-1, len(reasons) - 1, e.probability))
    for gi, code, prob in steps:
        u = streams.random(n)
        hit = (exclusion < 0) & (u < prob) & ((group == gi) if gi >= 0 else True)
        exclusion[hit] = code
    candidate = (exclusion < 0) & np.isfinite(enrol)

    # accrual stops once the target number of randomized patients is reached (in enrolment order)
    before = np.cumsum(candidate, axis=1) - candidate
    enrolled = np.isfinite(enrol) & (before < p.accrual.target_randomized)
    randomized = candidate & enrolled
    enrol = np.where(enrolled, enrol, np.inf)

    strata_names = pop.strata
    group_to_stratum = np.array(
        [strata_names.index(g.name) if g.randomized else -1 for g in pop.groups]
    )
    stratum = np.where(randomized, group_to_stratum[group], -1)
    delay = np.array([g.days_to_randomization for g in pop.groups])
    rand_day = np.where(randomized, enrol + np.round(delay[group]), np.inf)

    # -- randomization, in order of randomization day within each replicate
    order = np.argsort(rand_day, axis=1, kind="stable")
    if p.randomization.method == "permuted_blocks":
        cell = np.zeros((r, n), dtype=np.int64)
        n_cells = 1
        for fac in p.randomization.stratify_by:
            lev, k = (stratum, len(strata_names)) if fac == "risk_group" else (male.astype(int), 2)
            cell = cell * k + np.maximum(lev, 0)
            n_cells *= k
        rows = np.arange(r)[:, None]
        cell_o = cell[rows, order]
        act_o = randomized[rows, order]
        onehot = (cell_o[..., None] == np.arange(n_cells)) & act_o[..., None]
        rank_o = (np.cumsum(onehot, axis=1) - 1)[rows, np.arange(n)[None, :], cell_o]
        length = n  # fixed by the protocol, so that the draws do not depend on the chunk
        seq = _permuted_block_sequences(streams, p, n_cells, length)
        arm_o = seq[rows, cell_o, np.clip(rank_o, 0, length - 1)]
        arm = np.full((r, n), -1, dtype=np.int64)
        arm[rows, order] = np.where(act_o, arm_o, -1)
    else:
        facs = []
        for fac in p.randomization.minimization_factors or ["risk_group"]:
            facs.append(np.maximum(stratum, 0) if fac == "risk_group" else male.astype(int))
        arm = _minimization(streams, p, np.stack(facs, axis=-1), order, randomized)

    # -- treatment: Mosteller body-surface area, dose in ug/day
    gr = p.body_size
    z1, z2 = streams.normal(n), streams.normal(n)
    if gr is None:
        height = weight = bsa = np.full((r, n), np.nan)
    else:
        ages = np.asarray(gr.age_years)
        h_med = np.where(
            male,
            np.interp(age, ages, gr.height_cm_male),
            np.interp(age, ages, gr.height_cm_female),
        )
        w_med = np.where(
            male,
            np.interp(age, ages, gr.weight_kg_male),
            np.interp(age, ages, gr.weight_kg_female),
        )
        # one shared size deviate (taller children are heavier), plus independent weight noise
        height = h_med * np.exp(gr.height_log_sd * z1)
        weight = w_med * np.exp(gr.weight_log_sd * (0.6 * z1 + 0.8 * z2))
        bsa = np.sqrt(height * weight / 3600.0)
    dose_rate = max(
        (ph.dose_ug_per_m2_per_day for ph in p.experimental.phases if ph.drug), default=0.0
    )
    dose = np.where(arm == 1, np.nan_to_num(dose_rate * bsa), 0.0)

    # -- outcomes: latent cause-specific times, first event wins
    h, cure = hazard_tensor(p)
    starts = np.asarray(p.outcomes.interval_starts_days, dtype=float)
    a_idx, s_idx = np.maximum(arm, 0), np.maximum(stratum, 0)
    n_ev = h.shape[2]
    latent = np.empty((n_ev, r, n))
    for k in range(n_ev):
        e = streams.exponential(n)
        rates = h[a_idx, s_idx, k]  # (R, N, J)
        t = _piecewise_inverse(e, starts, rates)
        cured = streams.random(n) < cure[a_idx, s_idx, k]
        latent[k] = np.where(cured, np.inf, t)
    event_type = np.argmin(latent, axis=0)
    event_time = np.min(latent, axis=0)
    event_type = np.where(np.isfinite(event_time) & randomized, event_type, -1)
    event_time = np.where(randomized, np.ceil(event_time), np.inf)
    event_time = np.maximum(event_time, 1.0)

    is_death = np.array([e.death for e in p.outcomes.event_types])
    post = p.outcomes.death_after_relapse_per_year / DAYS_PER_YEAR
    e_post = streams.exponential(n)
    after = np.ceil(e_post / post) if post > 0 else np.full((r, n), np.inf)
    has = event_type >= 0
    death_time = np.where(
        has & is_death[np.maximum(event_type, 0)],
        event_time,
        np.where(has, event_time + np.maximum(after, 1.0), np.inf),
    )
    lf = p.outcomes.loss_to_follow_up_per_year / DAYS_PER_YEAR
    e_lf = streams.exponential(n)
    ltfu = np.ceil(e_lf / lf) if lf > 0 else np.full((r, n), np.inf)
    ltfu = np.where(randomized, np.maximum(ltfu, 1.0), np.inf)

    # -- adverse events per phase, for patients on study at the phase start
    n_ae = len(p.adverse_events)
    ae_occurs = np.zeros((r, n, n_ae), dtype=bool)
    ae_day = np.full((r, n, n_ae), np.inf)
    arm_names = [p.control.name, p.experimental.name]
    off_study = np.minimum(event_time, ltfu)
    for j, ae in enumerate(p.adverse_events):
        u, v = streams.random(n), streams.random(n)
        for a, arm_def in enumerate((p.control, p.experimental)):
            if ae.arm not in ("*", arm_names[a]):
                continue
            phase = next((ph for ph in arm_def.phases if ph.name == ae.phase), None)
            if phase is None:
                continue
            ok = (arm == a) & (off_study > phase.start_day)
            if ae.stratum != "*":
                ok &= stratum == strata_names.index(ae.stratum)
            occ = ok & (u < ae.probability)
            onset = phase.start_day + np.floor(v * phase.duration_days)
            ae_occurs[..., j] |= occ
            ae_day[..., j] = np.where(occ, rand_day + onset, ae_day[..., j])
    return TrialBatch(
        protocol=p,
        replicate_ids=replicate_ids,
        enrolled=enrolled,
        enrol_day=enrol,
        age_years=age,
        male=male,
        wbc_per_ul=wbc,
        height_cm=height,
        weight_kg=weight,
        bsa_m2=bsa,
        group=group,
        exclusion=np.where(enrolled, exclusion, -1),
        randomized=randomized,
        stratum=stratum,
        arm=arm,
        rand_day=rand_day,
        event_time=event_time,
        event_type=event_type,
        death_time=death_time,
        ltfu_time=ltfu,
        dose_ug_per_day=dose,
        ae_occurs=ae_occurs,
        ae_day=ae_day,
        exclusion_reasons=reasons,
    )
