"""Pydantic models of a trial protocol: a declarative description, validated on load.

Every rate in a protocol file carries its unit in the key (``_per_year``, ``_days``,
``_per_month``); :mod:`survtrial.trial` converts to days at its edge. Cross-field rules raise
``ValueError("@key: message")``: the loader turns ``@key`` into the full dotted key and its line.
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Prob = Annotated[float, Field(ge=0.0, le=1.0)]
Positive = Annotated[float, Field(gt=0.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
Name = Annotated[str, Field(min_length=1, max_length=80)]
_SUM_TOL = 1e-6


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Trial(_Model):
    id: Name
    title: str
    registry: str = ""
    reference: str = ""


class LogNormalRange(_Model):
    """A log-normal distribution with the given median, truncated to [min, max)."""

    min: NonNeg
    max: Positive
    median: Positive
    log_sd: Positive

    @model_validator(mode="after")
    def _order(self) -> LogNormalRange:
        if not self.min < self.max:
            raise ValueError("@max: must be greater than min")
        if not self.min <= self.median < self.max:
            raise ValueError("@median: must lie in [min, max)")
        return self


class Exclusion(_Model):
    """A step of the CONSORT flow: a share of the candidates is not randomized, for a reason."""

    reason: str = Field(min_length=1)
    probability: Prob


class RiskGroup(_Model):
    name: Name
    probability: Prob
    randomized: bool
    days_to_randomization: NonNeg = 0.0
    not_randomized_reason: str = ""
    exclusions: list[Exclusion] = []

    @model_validator(mode="after")
    def _reason(self) -> RiskGroup:
        if not self.randomized and not self.not_randomized_reason:
            raise ValueError("@not_randomized_reason: required when randomized = false")
        if not self.randomized and self.exclusions:
            raise ValueError("@exclusions: only randomized groups have exclusion steps")
        return self


class Population(_Model):
    age_years: LogNormalRange
    male_fraction: Prob
    wbc_per_ul: LogNormalRange
    groups: list[RiskGroup] = Field(min_length=1)
    exclusions: list[Exclusion] = []

    @model_validator(mode="after")
    def _groups(self) -> Population:
        total = sum(g.probability for g in self.groups)
        if abs(total - 1.0) > _SUM_TOL:
            raise ValueError(f"@groups: probabilities sum to {total:.6g}, they must sum to 1")
        names = [g.name for g in self.groups]
        if len(set(names)) != len(names):
            raise ValueError("@groups: group names must be distinct")
        for i, g in enumerate(self.groups):
            if g.randomized:
                keep = g.probability
                for e in [*g.exclusions, *self.exclusions]:
                    keep *= 1.0 - e.probability
                if keep <= 0:
                    raise ValueError(
                        f"@groups[{i}].probability: stratum {g.name!r} has no patients "
                        "(probability 0 or every candidate excluded)"
                    )
        if not any(g.randomized for g in self.groups):
            raise ValueError("@groups: no group is randomized")
        return self

    @property
    def strata(self) -> list[str]:
        return [g.name for g in self.groups if g.randomized]


class AccrualPeriod(_Model):
    start: dt.date
    relative_rate: NonNeg


class Accrual(_Model):
    start: dt.date
    rate_per_month: Positive
    ramp_up_months: NonNeg = 0.0
    periods: list[AccrualPeriod] = []
    target_randomized: int = Field(gt=0)
    end: dt.date | None = None

    @model_validator(mode="after")
    def _periods(self) -> Accrual:
        last = self.start
        for i, p in enumerate(self.periods):
            if p.start < last:
                raise ValueError(
                    f"@periods[{i}].start: periods must be in date order, from accrual.start on"
                )
            last = p.start
        if self.end is not None and self.end <= self.start:
            raise ValueError("@end: must be after start")
        return self


class Randomization(_Model):
    method: Literal["permuted_blocks", "minimization"]
    stratify_by: list[Literal["risk_group", "sex"]] = ["risk_group"]
    block_sizes: list[Annotated[int, Field(gt=0)]] = [4]
    minimization_factors: list[Literal["risk_group", "sex"]] = []
    minimization_p_best: Prob = 0.8


class Phase(_Model):
    name: Name
    start_day: NonNeg
    duration_days: Positive
    drug: str = ""
    dose_ug_per_m2_per_day: NonNeg = 0.0
    infusion: Literal["", "continuous", "bolus", "oral"] = ""


class Arm(_Model):
    name: Name
    label: str
    role: Literal["control", "experimental"]
    ratio: Annotated[int, Field(gt=0)] = 1
    phases: list[Phase] = []


class GrowthReference(_Model):
    """Median height and weight by age and sex; log-normal spread around them."""

    age_years: list[NonNeg] = Field(min_length=2)
    height_cm_male: list[Positive]
    height_cm_female: list[Positive]
    weight_kg_male: list[Positive]
    weight_kg_female: list[Positive]
    height_log_sd: Positive
    weight_log_sd: Positive

    @model_validator(mode="after")
    def _lengths(self) -> GrowthReference:
        n = len(self.age_years)
        if any(b <= a for a, b in pairwise(self.age_years)):
            raise ValueError("@age_years: must be strictly increasing")
        for key in ("height_cm_male", "height_cm_female", "weight_kg_male", "weight_kg_female"):
            if len(getattr(self, key)) != n:
                raise ValueError(f"@{key}: needs {n} values, one per age in age_years")
        return self


class EventType(_Model):
    name: Name
    label: str
    dfs: bool = True
    death: bool = False
    relapse_site: str = ""


class Hazard(_Model):
    """Piecewise-constant cause-specific hazard of one event type for an arm and a stratum.

    ``arm`` and ``stratum`` may be ``"*"`` (every arm / every stratum). With ``cure_fraction``
    > 0 a share of the patients is never at risk of this event (cure-mixture model).
    """

    event: Name
    arm: Name
    stratum: Name
    per_year: list[NonNeg]
    cure_fraction: Prob = 0.0


class Outcomes(_Model):
    model: Literal["piecewise_exponential", "cure_mixture"]
    interval_starts_days: list[NonNeg] = Field(min_length=1)
    event_types: list[EventType] = Field(min_length=1)
    hazards: list[Hazard] = Field(min_length=1)
    loss_to_follow_up_per_year: NonNeg = 0.0
    death_after_relapse_per_year: NonNeg = 0.0

    @model_validator(mode="after")
    def _shape(self) -> Outcomes:
        starts = self.interval_starts_days
        if starts[0] != 0:
            raise ValueError("@interval_starts_days: the first interval must start at day 0")
        if any(b <= a for a, b in pairwise(starts)):
            raise ValueError("@interval_starts_days: must be strictly increasing")
        names = [e.name for e in self.event_types]
        if len(set(names)) != len(names):
            raise ValueError("@event_types: event names must be distinct")
        for i, h in enumerate(self.hazards):
            if h.event not in names:
                raise ValueError(f"@hazards[{i}].event: {h.event!r} is not an event type")
            if len(h.per_year) != len(starts):
                raise ValueError(
                    f"@hazards[{i}].per_year: needs {len(starts)} values, one per interval"
                )
            if h.cure_fraction > 0 and self.model != "cure_mixture":
                raise ValueError(f"@hazards[{i}].cure_fraction: needs model = 'cure_mixture'")
        return self


class AdverseEvent(_Model):
    term: Name
    grade_min: Annotated[int, Field(ge=1, le=5)] = 3
    phase: Name
    arm: Name = "*"
    stratum: Name = "*"
    probability: Prob


class Look(_Model):
    name: Name
    date: dt.date | None = None
    events: Annotated[int, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _one(self) -> Look:
        if (self.date is None) == (self.events is None):
            raise ValueError("@date: give exactly one of date or events for a look")
        return self


class Monitoring(_Model):
    information: Literal["events"] = "events"
    planned_events: Annotated[int, Field(gt=0)]
    alpha: Annotated[float, Field(gt=0, lt=0.5)] = 0.025
    sided: Literal[1, 2] = 1
    alpha_spending: Literal["OF", "Pocock", "HSD", "KD"] = "OF"
    alpha_gamma: float | None = None
    looks: list[Look] = Field(min_length=1)
    latest_final_date: dt.date


class Analysis(_Model):
    endpoint: Name = "DFS"
    milestone_days: Positive
    milestone_se: Literal["greenwood", "peto"] = "greenwood"
    rmst_tau_days: Positive
    at_risk_years: list[NonNeg] = [0, 1, 2, 3, 4]
    cif_event: Name
    confidence_level: Annotated[float, Field(gt=0, lt=1)] = 0.95


class Published(_Model):
    """Published figures, for calibration and display only: never read by the analysis."""

    model_config = ConfigDict(extra="allow", frozen=True)


class Protocol(_Model):
    schema_version: Literal[1] = 1
    trial: Trial
    population: Population
    accrual: Accrual
    randomization: Randomization
    arms: list[Arm] = Field(min_length=2, max_length=2)
    body_size: GrowthReference | None = None
    outcomes: Outcomes
    adverse_events: list[AdverseEvent] = []
    monitoring: Monitoring
    analysis: Analysis
    published: dict[str, float] = {}
    data_files: dict[str, str] = {}

    @model_validator(mode="after")
    def _cross(self) -> Protocol:
        arms = [a.name for a in self.arms]
        if len(set(arms)) != len(arms):
            raise ValueError("@arms: arm names must be distinct")
        roles = sorted(a.role for a in self.arms)
        if roles != ["control", "experimental"]:
            raise ValueError("@arms: need one arm with role 'control' and one 'experimental'")
        strata = self.population.strata
        total = sum(a.ratio for a in self.arms)
        for i, b in enumerate(self.randomization.block_sizes):
            if b % total:
                raise ValueError(
                    f"@randomization.block_sizes[{i}]: block size {b} is not a multiple of "
                    f"the allocation ratio sum {total}"
                )
        # every event type must have a hazard for every arm and stratum, exactly once
        seen: dict[tuple[str, str, str], int] = {}
        for i, h in enumerate(self.outcomes.hazards):
            if h.arm != "*" and h.arm not in arms:
                raise ValueError(f"@outcomes.hazards[{i}].arm: {h.arm!r} is not an arm")
            if h.stratum != "*" and h.stratum not in strata:
                raise ValueError(
                    f"@outcomes.hazards[{i}].stratum: {h.stratum!r} is not a randomized group"
                )
            for a in arms if h.arm == "*" else [h.arm]:
                for s in strata if h.stratum == "*" else [h.stratum]:
                    key = (h.event, a, s)
                    if key in seen:
                        raise ValueError(
                            f"@outcomes.hazards[{i}]: duplicates hazards[{seen[key]}] for "
                            f"event {h.event!r}, arm {a!r}, stratum {s!r}"
                        )
                    seen[key] = i
        for e in self.outcomes.event_types:
            for a in arms:
                for s in strata:
                    if (e.name, a, s) not in seen:
                        raise ValueError(
                            f"@outcomes.hazards: no hazard for event {e.name!r}, arm {a!r}, "
                            f"stratum {s!r}"
                        )
        phases = {p.name for a in self.arms for p in a.phases}
        for i, ae in enumerate(self.adverse_events):
            if ae.phase not in phases:
                raise ValueError(f"@adverse_events[{i}].phase: {ae.phase!r} is not a phase")
            if ae.arm != "*" and ae.arm not in arms:
                raise ValueError(f"@adverse_events[{i}].arm: {ae.arm!r} is not an arm")
            if ae.stratum != "*" and ae.stratum not in strata:
                raise ValueError(f"@adverse_events[{i}].stratum: {ae.stratum!r} is not a stratum")
        if self.analysis.cif_event not in {e.name for e in self.outcomes.event_types}:
            raise ValueError("@analysis.cif_event: not an event type")
        for i, look in enumerate(self.monitoring.looks):
            if look.date is not None and look.date <= self.accrual.start:
                raise ValueError(
                    f"@monitoring.looks[{i}].date: analysis on {look.date} is not after the "
                    f"first enrolment ({self.accrual.start})"
                )
        if self.monitoring.latest_final_date <= self.accrual.start:
            raise ValueError("@monitoring.latest_final_date: must be after accrual.start")
        if self.monitoring.alpha_spending in ("HSD", "KD") and self.monitoring.alpha_gamma is None:
            raise ValueError("@monitoring.alpha_gamma: required for HSD and KD spending")
        return self

    @property
    def control(self) -> Arm:
        return next(a for a in self.arms if a.role == "control")

    @property
    def experimental(self) -> Arm:
        return next(a for a in self.arms if a.role == "experimental")
