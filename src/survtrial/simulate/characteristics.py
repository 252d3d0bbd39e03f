"""Operating characteristics of a design from its simulated replicates, each with its Monte
Carlo standard error.

Proportions p over n replicates: SE sqrt(p (1 - p) / n). Means: the sample SD / sqrt(n).
Medians: sqrt(pi / 2) SD / sqrt(n), the normal-theory SE of a sample median (an
approximation; stated as such). Times in years from the start of accrual.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from survtrial.simulate.chunk import EFFICACY, FUTILITY, ChunkResult
from survtrial.units import DAYS_PER_YEAR


@dataclass(frozen=True, slots=True)
class Estimate:
    estimate: float | None
    mc_se: float | None


def _finite(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def proportion(flags: np.ndarray) -> Estimate:
    n = flags.size
    p = float(np.mean(flags)) if n else math.nan
    return Estimate(_finite(p), _finite(math.sqrt(p * (1 - p) / n)) if n else None)


def mean(values: np.ndarray) -> Estimate:
    v = values[np.isfinite(values)]
    if v.size == 0:
        return Estimate(None, None)
    se = float(np.std(v, ddof=1) / math.sqrt(v.size)) if v.size > 1 else math.nan
    return Estimate(_finite(np.mean(v)), _finite(se))


def median(values: np.ndarray) -> Estimate:
    v = values[np.isfinite(values)]
    if v.size == 0:
        return Estimate(None, None)
    sd = float(np.std(v, ddof=1)) if v.size > 1 else math.nan
    se = math.sqrt(math.pi / 2) * sd / math.sqrt(v.size)
    return Estimate(_finite(np.median(v)), _finite(se))


@dataclass(frozen=True, slots=True)
class ReplicateSummary:
    """What the operating characteristics read of each replicate (a part of
    :class:`~survtrial.simulate.chunk.ChunkResult`, about half its memory): kept in the parent
    while the replicate rows go to their file chunk by chunk."""

    stop_look: np.ndarray  # (R,)
    decision: np.ndarray  # (R, L) int8
    look_day: np.ndarray  # (R, L)
    events: np.ndarray  # (R, L)
    hazard_ratio: np.ndarray  # (R, L)
    rejected: np.ndarray  # (R,)
    stop_events: np.ndarray  # (R,)
    subjects: np.ndarray  # (R,)

    @classmethod
    def of(cls, res: ChunkResult) -> ReplicateSummary:
        return cls(**{
            name: getattr(res, name).astype(np.int8) if name == "decision" else getattr(res, name)
            for name in cls.__dataclass_fields__
        })  # fmt: skip

    @classmethod
    def concatenate(cls, parts: list[ReplicateSummary]) -> ReplicateSummary:
        return cls(**{
            name: np.concatenate([getattr(p, name) for p in parts])
            for name in cls.__dataclass_fields__
        })  # fmt: skip


@dataclass(frozen=True, slots=True)
class LookCharacteristics:
    look: str
    rejection: Estimate  # P(stop for efficacy at this look), not cumulative (rejectPerStage)
    futility: Estimate  # P(stop for futility at this look)
    reached: Estimate  # P(the look is held)
    analysis_time_years: Estimate  # mean over the replicates that hold the look
    events: Estimate  # mean over the replicates that hold the look


@dataclass(frozen=True, slots=True)
class ScenarioCharacteristics:
    scenario: dict[str, object]  # the varied keys and their values ({} for the protocol as is)
    replicates: int
    rejection_probability: Estimate
    futility_probability: Estimate
    early_stop_probability: Estimate
    by_look: tuple[LookCharacteristics, ...]
    expected_events: Estimate
    expected_subjects: Estimate
    expected_duration_years: Estimate
    hazard_ratio_at_stop_mean: Estimate
    hazard_ratio_at_stop_median: Estimate


def characteristics(
    scenario: dict[str, object], look_names: list[str], res: ChunkResult | ReplicateSummary
) -> ScenarioCharacteristics:
    r = np.arange(res.stop_look.size)
    n_looks = len(look_names)
    last = n_looks - 1
    looks = []
    for k, name in enumerate(look_names):
        held = res.stop_look >= k
        looks.append(
            LookCharacteristics(
                look=name,
                rejection=proportion(res.decision[:, k] == EFFICACY),
                futility=proportion(res.decision[:, k] == FUTILITY),
                reached=proportion(held),
                analysis_time_years=mean(res.look_day[held, k] / DAYS_PER_YEAR),
                events=mean(res.events[held, k]),
            )
        )
    hr_stop = res.hazard_ratio[r, res.stop_look]
    return ScenarioCharacteristics(
        scenario=scenario,
        replicates=int(r.size),
        rejection_probability=proportion(res.rejected),
        futility_probability=proportion((res.decision == FUTILITY).any(axis=1)),
        early_stop_probability=proportion(res.stop_look < last),
        by_look=tuple(looks),
        expected_events=mean(res.stop_events),
        expected_subjects=mean(res.subjects),
        expected_duration_years=mean(res.look_day[r, res.stop_look] / DAYS_PER_YEAR),
        hazard_ratio_at_stop_mean=mean(hr_stop),
        hazard_ratio_at_stop_median=median(hr_stop),
    )
