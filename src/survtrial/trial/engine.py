"""The in-silico trial: one step per module, strung together here, for R replicates in chunks.

:func:`simulate_batch` runs enrolment (:mod:`.enrol`), randomization (:mod:`.randomize`),
treatment (:mod:`.treatment`), outcomes (:mod:`.outcomes`) and adverse events
(:mod:`.adverse_events`); :func:`run_trials` adds the monitoring plan (:mod:`.monitor`), the
data cut at the decision (:mod:`.cut`), the replicate summaries (:mod:`.summary`) and the full
analysis of the first trial (:func:`survtrial.analysis.analyse`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from survtrial.protocol import Protocol
from survtrial.trial._rng import BLOCK, BlockStreams
from survtrial.trial.adverse_events import adverse_events
from survtrial.trial.batch import TrialBatch
from survtrial.trial.cut import OVERALL_SURVIVAL, analysis_data, cut_data, protocol_settings
from survtrial.trial.enrol import Enrolment, capacity, enrol
from survtrial.trial.executor import chunk_plan, map_chunks
from survtrial.trial.monitor import monitor
from survtrial.trial.outcomes import outcomes
from survtrial.trial.randomize import randomize
from survtrial.trial.treatment import Treatment, treat

if TYPE_CHECKING:  # the full analysis is loaded where used: simulate's workers need none
    from survtrial.analysis import AnalysisResult
    from survtrial.trial.summary import ReplicateCurves


@dataclass(frozen=True, slots=True)
class Cohort:
    """The patients of a batch up to their outcomes: enrolment, arms and treatment. What
    :func:`cohort` reads of the protocol is all but its outcomes, adverse events, analysis and
    monitoring (of which only ``latest_final_date``): see :func:`cohort_inputs`."""

    enrolment: Enrolment
    arm: np.ndarray
    treatment: Treatment


def cohort_inputs(p: Protocol) -> str:
    """The protocol's settings that :func:`cohort` may read, as text: scenarios with equal
    text have the same cohort from the same streams (so a chunk draws it once for them)."""
    unread = {"outcomes", "adverse_events", "analysis", "published", "calibration", "data_files",
              "monitoring"}  # fmt: skip
    return p.model_dump_json(exclude=unread) + str(p.monitoring.latest_final_date)


def outcome_inputs(p: Protocol) -> str:
    """The settings a batch's patients and outcomes may read (:func:`simulate_batch`): the
    cohort's, the outcomes and the adverse events. Equal text: the same patients."""
    return "\n".join((cohort_inputs(p), p.outcomes.model_dump_json(),
                      str([a.model_dump_json() for a in p.adverse_events])))  # fmt: skip


def cohort(p: Protocol, streams: BlockStreams, describe: bool = True) -> Cohort:
    """Enrolment, randomization and treatment of ``streams.n`` trials (the first steps of
    :func:`simulate_batch`, drawing in its order)."""
    e = enrol(p, streams, capacity(p), describe)
    arm = randomize(p, streams, e)
    return Cohort(e, arm, treat(p, streams, e, arm, describe))


def simulate_batch(
    p: Protocol,
    streams: BlockStreams,
    replicate_ids: np.ndarray,
    with_adverse_events: bool = True,
    describe: bool = True,
    cohort_made: Cohort | None = None,
) -> TrialBatch:
    """Simulate ``streams.n`` trials of protocol ``p`` (the steps draw in this order; adverse
    events come last, so leaving them out, as operating characteristics may, changes no other
    number). ``describe=False`` leaves the columns that only describe the patients (age, WBC,
    body size, dose) NaN: their draws are made, so no other number changes. ``cohort_made``: the
    :func:`cohort` already made (from the same streams' seed and blocks, for a protocol with
    the same :func:`cohort_inputs`); only the outcomes on are drawn then."""
    c = cohort(p, streams, describe) if cohort_made is None else cohort_made
    e, arm, tr = c.enrolment, c.arm, c.treatment
    o = outcomes(p, streams, arm, e.stratum, e.randomized, e.randomized_first)
    if with_adverse_events:
        occurs, onset = adverse_events(
            p, streams, arm, e.stratum, e.rand_day, np.minimum(o.event_time, o.ltfu_time)
        )
    else:
        xp = streams.xp
        occurs, onset = xp.zeros((*arm.shape, 0), dtype=bool), xp.zeros((*arm.shape, 0))
    return TrialBatch(
        protocol=p,
        replicate_ids=replicate_ids,
        enrolled=e.enrolled,
        enrol_day=e.enrol_day,
        age_years=e.age_years,
        male=e.male,
        wbc_per_ul=e.wbc_per_ul,
        height_cm=tr.height_cm,
        weight_kg=tr.weight_kg,
        bsa_m2=tr.bsa_m2,
        group=e.group,
        exclusion=e.exclusion,
        randomized=e.randomized,
        randomized_first=e.randomized_first,
        stratum=e.stratum,
        arm=arm,
        rand_day=e.rand_day,
        event_time=o.event_time,
        event_type=o.event_type,
        death_time=o.death_time,
        ltfu_time=o.ltfu_time,
        dose_ug_per_day=tr.dose_ug_per_day,
        ae_occurs=occurs,
        ae_day=onset,
        exclusion_reasons=e.exclusion_reasons,
    )


@dataclass(frozen=True, slots=True)
class BatchRun:
    """Per-replicate results (arrays of length R) and the first trial in full."""

    summary: dict[str, np.ndarray]  # headline quantity -> (R,)
    interim: dict[str, np.ndarray]  # the first look: events, information, z, bound, decision
    curves: dict[str, ReplicateCurves]  # endpoint slug (dfs, os) -> curves by arm
    first_batch: TrialBatch  # the chunk holding replicate 0
    first_cut_day: np.ndarray
    first_analysis: AnalysisResult  # the protocol's endpoint
    first_os_analysis: AnalysisResult  # overall survival
    replicates: int
    seed: int

    def first_headline(self) -> dict[str, float | int | None]:
        """The first trial's headline numbers, both endpoints, under the summary's names."""
        from survtrial.analysis import headline, slug

        p = self.first_batch.protocol
        head = headline(self.first_analysis, p.analysis.endpoint)
        if slug(p.analysis.endpoint) != slug(OVERALL_SURVIVAL):
            head.update(headline(self.first_os_analysis, OVERALL_SURVIVAL, secondary=True))
        return head


def _run_chunk(protocol: Protocol, seed: int, b0: int, nb: int, n_rep: int, keep_first: bool):
    """Simulate and analyse the replicates of blocks b0 .. b0 + nb - 1 (one chunk)."""
    streams = BlockStreams(seed, b0, nb, n_rep)
    batch = simulate_batch(protocol, streams, np.arange(b0 * BLOCK, b0 * BLOCK + n_rep))
    mon = monitor(batch)
    rows = np.arange(n_rep)
    cut_day = mon.look_day[rows, mon.stop_look]
    cd = cut_data(batch, cut_day)
    interim = {
        "events": mon.events[:, 0],
        "information_fraction": mon.information[:, 0],
        "z": mon.z[:, 0],
        "bound": mon.bound[:, 0],
        "stopped_at_first": (mon.stop_look == 0) & mon.stopped_early,
        "futility_at_first": (mon.stop_look == 0) & mon.stopped_for_futility,
        "stop_look": mon.stop_look.astype(float),
    }
    first = None
    if keep_first:
        settings = protocol_settings(protocol)
        from survtrial.analysis import analyse

        result = analyse(analysis_data(batch, cd, 0), settings)
        os_result = analyse(analysis_data(batch, cd, 0, OVERALL_SURVIVAL), settings)
        first = (batch, cut_day, result, os_result)
    from survtrial.trial.summary import summarize  # not needed by simulate's workers

    summary, curves = summarize(batch, cd)
    return summary, interim, curves, first


def run_trials(
    protocol: Protocol,
    replicates: int,
    seed: int,
    chunk_blocks: int = 1,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> BatchRun:
    """Simulate and analyse ``replicates`` trials; replicate r depends only on (seed, r).

    Chunks hold ``chunk_blocks`` blocks of :data:`BLOCK` replicates, each with its own random
    streams (``SeedSequence`` spawned per block), so the results are the same whatever the
    chunking and the number of ``workers`` (processes running chunks side by side, started by
    the "forkserver" method: a script that calls this with ``workers > 1`` needs the usual
    ``if __name__ == "__main__":`` guard). ``progress(k)`` is called with the number of
    replicates finished after each chunk.
    """
    chunks = chunk_plan(replicates, chunk_blocks, BLOCK)
    from survtrial.trial.summary import ReplicateCurves

    results = map_chunks(
        _run_chunk,
        [(protocol, seed, b0, nb, n_rep, i == 0) for i, (b0, nb, n_rep) in enumerate(chunks)],
        [n_rep for _, _, n_rep in chunks],
        workers=workers,
        progress=progress,
    )
    summaries = [r[0] for r in results]
    interims = [r[1] for r in results]
    curves = [r[2] for r in results]
    first = results[0][3]
    assert first is not None
    return BatchRun(
        summary=_concat(summaries),
        interim=_concat(interims),
        curves={
            ep: ReplicateCurves(
                grid_years=curves[0][ep].grid_years,
                survival=_concat([c[ep].survival for c in curves]),
                last_follow_up_years=np.concatenate([c[ep].last_follow_up_years for c in curves]),
            )
            for ep in curves[0]
        },
        first_batch=first[0],
        first_cut_day=first[1],
        first_analysis=first[2],
        first_os_analysis=first[3],
        replicates=replicates,
        seed=seed,
    )


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([s[k] for s in parts]) for k in parts[0]}
