"""Operating characteristics of a design from its simulated replicates, each with its Monte
Carlo standard error, accumulated chunk by chunk in bounded memory.

Proportions p over n replicates: SE sqrt(p (1 - p) / n). Means: the sample SD / sqrt(n).
Medians: sqrt(pi / 2) SD / sqrt(n), the normal-theory SE of a sample median (an
approximation; stated as such). Times in years from the start of accrual.

:class:`RunningCharacteristics` takes the replicates in order, a chunk at a time, and keeps
counts and sums, not the replicates: sums run replicate by replicate in replicate order (a
sequential sum), so the result is the same to the last bit whatever the chunks. The median
hazard ratio keeps the values up to :data:`EXACT_MEDIAN_VALUES` a scenario (exact); past that,
counts on a grid of log values (within a relative :data:`LOG_STEP` of the exact median).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from survtrial.simulate.chunk import EFFICACY, FUTILITY, ChunkResult
from survtrial.units import DAYS_PER_YEAR

# the median hazard ratio is exact for up to this many replicates a scenario (32 MiB of
# values); past it, from counts on a grid of log hazard ratios (8 MiB, any replicate count)
EXACT_MEDIAN_VALUES = 1 << 22
LOG_RANGE = 16.0  # the grid covers log values in [-16, 16): hazard ratios 1e-7 to 8.9e6
LOG_BINS = 1 << 20
LOG_STEP = 2 * LOG_RANGE / LOG_BINS  # 3.05e-5: the grid's resolution, relative


@dataclass(frozen=True, slots=True)
class Estimate:
    estimate: float | None
    mc_se: float | None


def _finite(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def proportion(flags: np.ndarray) -> Estimate:
    return _proportion(int(np.count_nonzero(flags)), flags.size)


def mean(values: np.ndarray) -> Estimate:
    m = _Moments()
    m.add(values)
    return m.mean()


def median(values: np.ndarray) -> Estimate:
    m, med = _Moments(), _Median()
    m.add(values)
    med.add(values[np.isfinite(values)])
    return med.estimate(m)


def _proportion(k: int, n: int) -> Estimate:
    p = k / n if n else math.nan
    return Estimate(_finite(p), _finite(math.sqrt(p * (1 - p) / n)) if n else None)


class _Moments:
    """Count, and sums of (x - c) and (x - c)^2 of the finite values added, c the first of
    them (a shift that keeps the variance accurate); sequential sums in the order added."""

    __slots__ = ("n", "s1", "s2", "shift")

    def __init__(self) -> None:
        self.n, self.shift, self.s1, self.s2 = 0, math.nan, 0.0, 0.0

    def add(self, values: np.ndarray) -> None:
        v = np.asarray(values, dtype=float)
        v = v[np.isfinite(v)]
        if v.size == 0:
            return
        if self.n == 0:
            self.shift = float(v[0])
        d = v - self.shift
        # cumsum is a sequential sum: the running total continues replicate by replicate
        self.s1 = float(np.cumsum(np.concatenate(([self.s1], d)))[-1])
        self.s2 = float(np.cumsum(np.concatenate(([self.s2], d * d)))[-1])
        self.n += v.size

    def sd(self) -> float:
        if self.n < 2:
            return math.nan
        return math.sqrt(max(self.s2 - self.s1 * self.s1 / self.n, 0.0) / (self.n - 1))

    def mean(self) -> Estimate:
        if self.n == 0:
            return Estimate(None, None)
        se = self.sd() / math.sqrt(self.n)
        return Estimate(_finite(self.shift + self.s1 / self.n), _finite(se))


class _Median:
    """The median of the positive values added: from the values themselves up to
    :data:`EXACT_MEDIAN_VALUES` of them, then from their counts on a grid of log values in
    steps of :data:`LOG_STEP` (each of the middle values placed evenly within its step)."""

    __slots__ = ("counts", "n_values", "values")

    def __init__(self) -> None:
        self.values: list[np.ndarray] = []
        self.n_values = 0
        self.counts: np.ndarray | None = None

    def add(self, v: np.ndarray) -> None:
        if v.size == 0:
            return
        if self.counts is not None:
            self._count(v)
            return
        self.values.append(np.array(v, dtype=float))
        self.n_values += v.size
        if self.n_values <= EXACT_MEDIAN_VALUES:
            return
        # past the limit: the kept values go to the grid a few at a time (no big temporaries)
        self.counts = np.zeros(LOG_BINS, dtype=np.int64)
        kept, self.values = self.values, []
        group: list[np.ndarray] = []
        size = 0
        while kept:
            group.append(kept.pop())
            size += group[-1].size
            if not kept or size >= 1 << 16:
                self._count(np.concatenate(group))
                group, size = [], 0

    def _count(self, v: np.ndarray) -> None:
        with np.errstate(divide="ignore"):
            cell = np.floor((np.log(v) + LOG_RANGE) / LOG_STEP)
        np.add.at(self.counts, np.clip(cell, 0, LOG_BINS - 1).astype(np.int64), 1)

    def estimate(self, moments: _Moments) -> Estimate:
        n = moments.n
        if n == 0:
            return Estimate(None, None)
        se = math.sqrt(math.pi / 2) * moments.sd() / math.sqrt(n)
        if self.counts is None:
            return Estimate(_finite(np.median(np.concatenate(self.values))), _finite(se))
        cum = np.cumsum(self.counts)
        middle = [self._value(cum, k) for k in {(n - 1) // 2, n // 2}]
        return Estimate(_finite(sum(middle) / len(middle)), _finite(se))

    def _value(self, cum: np.ndarray, k: int) -> float:
        """The k-th smallest value (0-based), placed within its grid step by its rank there."""
        cell = int(np.searchsorted(cum, k, side="right"))
        before = int(cum[cell - 1]) if cell else 0
        within = (k - before + 0.5) / int(self.counts[cell])
        return math.exp(-LOG_RANGE + (cell + within) * LOG_STEP)


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


class RunningCharacteristics:
    """A scenario's operating characteristics, fed its replicates' results chunk by chunk in
    replicate order (:meth:`add`), in memory that does not grow with the replicates."""

    def __init__(self, n_looks: int) -> None:
        self.n_looks = n_looks
        self.replicates = 0
        self.rejected = self.futility = self.early = 0
        self.by_look = np.zeros((3, n_looks), dtype=np.int64)  # efficacy, futility, held
        self.look_years = [_Moments() for _ in range(n_looks)]
        self.look_events = [_Moments() for _ in range(n_looks)]
        self.events, self.subjects, self.years, self.hr = (_Moments() for _ in range(4))
        self.hr_median = _Median()

    def add(self, res: ChunkResult) -> None:
        r = np.arange(res.stop_look.size)
        stop = res.stop_look
        self.replicates += int(r.size)
        self.rejected += int(np.count_nonzero(res.rejected))
        self.futility += int(np.count_nonzero((res.decision == FUTILITY).any(axis=1)))
        self.early += int(np.count_nonzero(stop < self.n_looks - 1))
        for k in range(self.n_looks):
            held = stop >= k
            self.by_look[:, k] += (
                np.count_nonzero(res.decision[:, k] == EFFICACY),
                np.count_nonzero(res.decision[:, k] == FUTILITY),
                np.count_nonzero(held),
            )
            self.look_years[k].add(res.look_day[held, k] / DAYS_PER_YEAR)
            self.look_events[k].add(res.events[held, k])
        self.events.add(res.stop_events)
        self.subjects.add(res.subjects)
        self.years.add(res.look_day[r, stop] / DAYS_PER_YEAR)
        hr = res.hazard_ratio[r, stop]
        self.hr.add(hr)
        self.hr_median.add(hr[np.isfinite(hr)])

    def result(self, scenario: dict[str, object], look_names: list[str]) -> ScenarioCharacteristics:
        n = self.replicates
        looks = tuple(
            LookCharacteristics(
                look=name,
                rejection=_proportion(int(self.by_look[0, k]), n),
                futility=_proportion(int(self.by_look[1, k]), n),
                reached=_proportion(int(self.by_look[2, k]), n),
                analysis_time_years=self.look_years[k].mean(),
                events=self.look_events[k].mean(),
            )
            for k, name in enumerate(look_names)
        )
        return ScenarioCharacteristics(
            scenario=scenario,
            replicates=n,
            rejection_probability=_proportion(self.rejected, n),
            futility_probability=_proportion(self.futility, n),
            early_stop_probability=_proportion(self.early, n),
            by_look=looks,
            expected_events=self.events.mean(),
            expected_subjects=self.subjects.mean(),
            expected_duration_years=self.years.mean(),
            hazard_ratio_at_stop_mean=self.hr.mean(),
            hazard_ratio_at_stop_median=self.hr_median.estimate(self.hr),
        )


def characteristics(
    scenario: dict[str, object], look_names: list[str], res: ChunkResult
) -> ScenarioCharacteristics:
    """The operating characteristics of the replicates ``res`` (all of a scenario's)."""
    running = RunningCharacteristics(len(look_names))
    running.add(res)
    return running.result(scenario, look_names)
