"""One chunk of replicate trials reduced to what operating characteristics need.

The trial runs with the same steps as every in-silico trial (:func:`survtrial.trial.
simulate_batch`, :func:`survtrial.trial.monitor`): accrual, stratified randomization, competing
outcomes and dropout, looks by events or date with bounds at the observed information. Kept per
replicate and look: calendar day, events, information, z, efficacy bound, decision; per
replicate: the stopping look, rejection, subjects randomized and events at the stop, and the
hazard-ratio estimate at the stop. No ADaM, no figures, no full analysis.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from survtrial.arrays import backend, to_host
from survtrial.protocol import Protocol
from survtrial.trial import simulate_batch
from survtrial.trial._rng import BlockStreams
from survtrial.trial.engine import cohort, cohort_inputs, outcome_inputs
from survtrial.trial.monitor import LookStatistics, decide_looks, look_inputs, look_statistics

CONTINUE, EFFICACY, FUTILITY, NOT_REACHED = 0, 1, 2, -1
DECISIONS = {CONTINUE: "continue", EFFICACY: "stop for efficacy", FUTILITY: "stop for futility",
             NOT_REACHED: "not reached"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """Arrays over the chunk's replicates (R,) and looks (R, L)."""

    replicate: np.ndarray  # (R,) replicate index
    look_day: np.ndarray  # (R, L) calendar day of each look (from the start of accrual)
    events: np.ndarray  # (R, L)
    information: np.ndarray  # (R, L) events / planned events
    z: np.ndarray  # (R, L) stratified log-rank z, negative favours the experimental arm
    efficacy_bound: np.ndarray  # (R, L) on -z; NaN after the decision
    futility_bound: np.ndarray  # (R, L) on -z; NaN where none
    decision: np.ndarray  # (R, L) CONTINUE, EFFICACY, FUTILITY or NOT_REACHED
    hazard_ratio: np.ndarray  # (R, L) from z and the events (rpact's estimate)
    stop_look: np.ndarray  # (R,) index of the last look held
    rejected: np.ndarray  # (R,) bool: an efficacy bound was crossed
    subjects: np.ndarray  # (R,) randomized by the stopping look
    stop_events: np.ndarray  # (R,) events at the stopping look


def hazard_ratio_from_z(z: np.ndarray, events: np.ndarray, allocation: float) -> np.ndarray:
    """exp(z (1 + r) / sqrt(r d)): the hazard ratio implied by a log-rank z on d events with
    allocation r = experimental / control (Schoenfeld; rpact's ``getSimulationSurvival``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.exp(z * (1.0 + allocation) / np.sqrt(allocation * events))


@dataclass(frozen=True, slots=True)
class ChunkLooks:
    """A chunk's replicates (R,) and what their looks observed, on the host: what a worker
    sends back (:func:`chunk_looks`); the decisions are taken where the results arrive
    (:func:`chunk_result`), so a worker never loads the design's bounds code."""

    replicate: np.ndarray
    looks: LookStatistics


def chunk_looks(
    protocol: Protocol, seed: int, b0: int, nb: int, n_rep: int, device: str = "cpu"
) -> ChunkLooks:
    """The trials of blocks b0 .. b0 + nb - 1 (the first ``n_rep`` of them), simulated on
    ``device`` ("cpu" or "gpu": the same steps on CuPy arrays, with the GPU's own stream blocks
    of :data:`survtrial.arrays.GPU_BLOCK` replicates), up to their looks' statistics: the one
    scenario of :func:`scenario_looks`."""
    return scenario_looks((protocol,), ALONE, seed, b0, nb, n_rep, device)[0]


@dataclass(frozen=True, slots=True)
class Sharing:
    """What the scenarios of one chunk call have in common: for each scenario, the first
    scenario with the same cohort (enrolment, arms), the same patients (and outcomes) and the
    same looks. Steps read only their settings (:func:`survtrial.trial.engine.cohort_inputs`,
    :func:`~survtrial.trial.engine.outcome_inputs`,
    :func:`~survtrial.trial.monitor.look_inputs`) and draw from streams that depend only on the
    seed and the replicates (common random numbers), so a shared step gives each scenario the
    numbers it would have had alone."""

    cohort: tuple[int, ...]
    patients: tuple[int, ...]
    looks: tuple[int, ...]


ALONE = Sharing(cohort=(0,), patients=(0,), looks=(0,))  # one scenario


def sharing(protocols: list[Protocol] | tuple[Protocol, ...]) -> Sharing:
    """The :class:`Sharing` of ``protocols`` (the scenarios of one chunk call)."""

    def first_equal(keys: list[str]) -> tuple[int, ...]:
        seen: dict[str, int] = {}
        return tuple(seen.setdefault(k, i) for i, k in enumerate(keys))

    patients = [outcome_inputs(p) for p in protocols]  # the cohort's settings included
    return Sharing(
        cohort=first_equal([cohort_inputs(p) for p in protocols]),
        patients=first_equal(patients),
        looks=first_equal(
            [k + "\n" + look_inputs(p) for k, p in zip(patients, protocols, strict=True)]
        ),
    )


def scenario_looks(
    protocols: tuple[Protocol, ...], share: Sharing, seed: int, b0: int, nb: int, n_rep: int,
    device: str = "cpu",
) -> tuple[ChunkLooks, ...]:  # fmt: skip
    """:func:`chunk_looks` of each of ``protocols`` for the same blocks, the steps they share
    (``share``, :func:`sharing`) run once: the same numbers as one call a scenario. The last
    cohort and patients made are kept for the scenarios after (made again where an earlier one
    is needed: the same numbers), and each outcome draw is made once (a copy kept while the
    call runs)."""
    be = backend(device)
    ids = np.arange(b0 * be.block, b0 * be.block + n_rep)
    draws: dict | None = {} if len(protocols) > 1 else None
    kept_cohort = kept_batch = None  # (scenario index, what it made)
    looks: dict[int, LookStatistics] = {}
    for i, p in enumerate(protocols):
        if share.looks[i] not in looks:
            if kept_batch is not None and kept_batch[0] == share.patients[i]:
                batch = dataclasses.replace(kept_batch[1], protocol=p)
            else:
                if kept_cohort is None or kept_cohort[0] != share.cohort[i]:
                    made = cohort(p, BlockStreams(seed, b0, nb, n_rep, be), describe=False)
                    kept_cohort = (share.cohort[i], made)
                # the outcomes' draws from streams of their own: kept for the scenarios after
                streams = BlockStreams(seed, b0, nb, n_rep, be, shared=draws)
                batch = simulate_batch(p, streams, ids, with_adverse_events=False,
                                       describe=False, cohort_made=kept_cohort[1])  # fmt: skip
                kept_batch = (share.patients[i], batch)
            lk = look_statistics(batch)
            looks[i] = LookStatistics(*(to_host(a) for a in (
                lk.look_day, lk.events, lk.z, lk.randomized)))  # fmt: skip
    return tuple(ChunkLooks(ids, looks[share.looks[i]]) for i in range(len(protocols)))


def chunk_result(protocol: Protocol, raw: ChunkLooks) -> ChunkResult:
    """The monitoring plan's decisions at a chunk's looks (:func:`survtrial.trial.monitor.
    decide_looks`, as :func:`survtrial.trial.monitor` takes them) and what the operating
    characteristics read."""
    mon = decide_looks(raw.looks, protocol.monitoring)
    stop = mon.stop_look
    subjects = mon.randomized[np.arange(len(raw.replicate)), stop]  # randomized by the stop
    return _chunk_result(
        protocol, raw.replicate, mon.look_day, mon.events, mon.information, mon.z, mon.bound,
        mon.futility_bound, stop, mon.rejected, mon.stopped_for_futility, subjects,
    )  # fmt: skip


def simulate_chunk(
    protocol: Protocol, seed: int, b0: int, nb: int, n_rep: int, device: str = "cpu"
) -> ChunkResult:
    """:func:`chunk_looks` and :func:`chunk_result` in one: the chunk's result on the host."""
    return chunk_result(protocol, chunk_looks(protocol, seed, b0, nb, n_rep, device))


def _chunk_result(
    protocol, ids, look_day, events, information, z, bound, futility_bound, stop, rejected,
    for_futility, subjects,
) -> ChunkResult:  # fmt: skip
    r = np.arange(len(ids))
    look = np.arange(z.shape[1])[None, :]
    decision = np.where(look < stop[:, None], CONTINUE, NOT_REACHED)
    decision[r, stop] = np.where(rejected, EFFICACY, np.where(for_futility, FUTILITY, CONTINUE))
    allocation = protocol.experimental.ratio / protocol.control.ratio
    return ChunkResult(
        replicate=ids,
        look_day=look_day,
        events=events,
        information=information,
        z=z,
        efficacy_bound=bound,
        futility_bound=futility_bound,
        decision=decision,
        hazard_ratio=hazard_ratio_from_z(z, events, allocation),
        stop_look=stop,
        rejected=rejected,
        subjects=subjects.astype(float),
        stop_events=events[r, stop],
    )


def concatenate(parts: list[ChunkResult]) -> ChunkResult:
    return ChunkResult(
        **{
            name: np.concatenate([getattr(p, name) for p in parts])
            for name in ChunkResult.__dataclass_fields__
        }
    )
