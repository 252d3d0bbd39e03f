"""Pydantic models of a trial protocol: a declarative description, validated on load.

Every rate in a protocol file carries its unit in the key (``_per_year``, ``_days``,
``_per_month``); :mod:`survtrial.trial` converts to days at its edge. Types are strict: a
quoted number, a quoted date or ``true`` where a number is expected is refused (a TOML integer
is still accepted where a float is expected). Cross-field rules collect every problem and raise
one ``ValueError`` with a line ``@key: message`` per problem: the loader turns each ``@key``
into the full dotted key and its line.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Prob = Annotated[float, Field(ge=0.0, le=1.0)]
Positive = Annotated[float, Field(gt=0.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
Name = Annotated[str, Field(min_length=1, max_length=80)]
_SUM_TOL = 1e-6


class _Model(BaseModel):
    # defer_build: each model's validator is built on its first validation, not at import, so
    # a simulation worker (which only unpickles a protocol) does not build them (about 40 ms)
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)


class _Problems:
    """Cross-field problems of one model, raised together as ``@key: message`` lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, key: str, message: str) -> None:
        self.lines.append(f"@{key}: {message}")

    def raise_any(self) -> None:
        if self.lines:
            raise ValueError("\n".join(self.lines))


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
    wbc_per_ul: LogNormalRange | None = None  # leukaemias: white-cell count at diagnosis
    groups: list[RiskGroup] = Field(min_length=1)
    exclusions: list[Exclusion] = []

    @model_validator(mode="after")
    def _groups(self) -> Population:
        problems = _Problems()
        total = sum(g.probability for g in self.groups)
        if abs(total - 1.0) > _SUM_TOL:
            problems.add("groups", f"probabilities sum to {total:.6g}, they must sum to 1")
        names = [g.name for g in self.groups]
        if len(set(names)) != len(names):
            problems.add("groups", "group names must be distinct")
        for i, g in enumerate(self.groups):
            if g.randomized:
                keep = g.probability
                for e in [*g.exclusions, *self.exclusions]:
                    keep *= 1.0 - e.probability
                if keep <= 0:
                    problems.add(
                        f"groups[{i}].probability",
                        f"stratum {g.name!r} has no patients "
                        "(probability 0 or every candidate excluded)",
                    )
        if not any(g.randomized for g in self.groups):
            problems.add("groups", "no group is randomized")
        problems.raise_any()
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
        problems = _Problems()
        last = self.start
        for i, p in enumerate(self.periods):
            if p.start < last:
                problems.add(
                    f"periods[{i}].start", "periods must be in date order, from accrual.start on"
                )
            last = max(last, p.start)
        if self.end is not None and self.end <= self.start:
            problems.add("end", "must be after start")
        problems.raise_any()
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
        problems = _Problems()
        n = len(self.age_years)
        if any(b <= a for a, b in pairwise(self.age_years)):
            problems.add("age_years", "must be strictly increasing")
        for key in ("height_cm_male", "height_cm_female", "weight_kg_male", "weight_kg_female"):
            if len(getattr(self, key)) != n:
                problems.add(key, f"needs {n} values, one per age in age_years")
        problems.raise_any()
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
        problems = _Problems()
        starts = self.interval_starts_days
        if starts[0] != 0:
            problems.add("interval_starts_days", "the first interval must start at day 0")
        if any(b <= a for a, b in pairwise(starts)):
            problems.add("interval_starts_days", "must be strictly increasing")
        names = [e.name for e in self.event_types]
        if len(set(names)) != len(names):
            problems.add("event_types", "event names must be distinct")
        for i, h in enumerate(self.hazards):
            if h.event not in names:
                problems.add(f"hazards[{i}].event", f"{h.event!r} is not an event type")
            if len(h.per_year) != len(starts):
                problems.add(
                    f"hazards[{i}].per_year", f"needs {len(starts)} values, one per interval"
                )
            if h.cure_fraction > 0 and self.model != "cure_mixture":
                problems.add(f"hazards[{i}].cure_fraction", "needs model = 'cure_mixture'")
        problems.raise_any()
        return self


class AdverseEvent(_Model):
    term: Name
    grade_min: Annotated[int, Field(ge=1, le=5)] = 3
    phase: Name
    arm: Name = "*"
    stratum: Name = "*"
    probability: Prob


class Look(_Model):
    """One analysis: at a calendar date, or when a number of events has been observed.

    The final look may give neither: it then takes place at ``monitoring.planned_events``.
    """

    name: Name
    date: dt.date | None = None
    events: Annotated[int, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _one(self) -> Look:
        if (self.date is None) == (self.events is None):
            raise ValueError(
                "@date: give exactly one of date or events for a look "
                "(only the final look may give neither: it is then at planned_events)"
            )
        return self


class Monitoring(_Model):
    information: Literal["events"] = "events"
    planned_events: Annotated[int, Field(gt=0)]
    alpha: Annotated[float, Field(gt=0, lt=0.5)] = 0.025
    sided: Literal[1, 2] = 1
    alpha_spending: Literal["OF", "Pocock", "HSD", "KD"] = "OF"
    alpha_gamma: float | None = None
    # futility by beta spending (rpact's typeBetaSpending); none when beta_spending is absent
    beta_spending: Literal["OF", "Pocock", "HSD", "KD"] | None = None
    beta_gamma: float | None = None
    beta: Annotated[float, Field(gt=0, lt=1)] = 0.2  # the design's type II error
    binding_futility: bool = False
    looks: list[Look] = Field(min_length=1)
    latest_final_date: dt.date

    @model_validator(mode="before")
    @classmethod
    def _final_look_at_planned_events(cls, data: Any) -> Any:
        """A final look with neither date nor events is at ``planned_events``."""
        if not isinstance(data, Mapping):
            return data
        looks, planned = data.get("looks"), data.get("planned_events")
        if not (isinstance(looks, list) and looks and isinstance(looks[-1], Mapping)):
            return data
        final = looks[-1]
        if final.get("date") is None and final.get("events") is None:
            # an invalid planned_events is reported on its own; the placeholder 1 only keeps
            # the final look from repeating that problem (validation fails in any case)
            events = planned if type(planned) is int and planned > 0 else 1
            data = {**data, "looks": [*looks[:-1], {**final, "events": events}]}
        return data

    @model_validator(mode="after")
    def _looks_in_order(self) -> Monitoring:
        problems = _Problems()
        last_events: tuple[int, int] | None = None
        last_date: tuple[int, dt.date] | None = None
        for i, look in enumerate(self.looks):
            if look.events is not None:
                if look.events > self.planned_events:
                    problems.add(
                        f"looks[{i}].events",
                        f"{look.events} events exceed monitoring.planned_events "
                        f"({self.planned_events})",
                    )
                    continue  # one problem per look; later looks are compared with valid ones
                if last_events is not None and look.events <= last_events[1]:
                    problems.add(
                        f"looks[{i}].events",
                        f"looks must be in order of increasing events: {look.events} after "
                        f"{last_events[1]} at looks[{last_events[0]}]",
                    )
                last_events = (i, look.events)
            if look.date is not None:
                if last_date is not None and look.date <= last_date[1]:
                    problems.add(
                        f"looks[{i}].date",
                        f"looks must be in date order: {look.date} after {last_date[1]} at "
                        f"looks[{last_date[0]}]",
                    )
                last_date = (i, look.date)
        problems.raise_any()
        return self

    @model_validator(mode="after")
    def _futility_has_what_it_needs(self) -> Monitoring:
        """Beta spending as :func:`survtrial.design.group_sequential` accepts it."""
        problems = _Problems()
        family = self.beta_spending
        if family is None:
            if self.binding_futility:
                problems.add("binding_futility", "needs beta_spending (no futility bound to bind)")
            if self.beta_gamma is not None:
                problems.add("beta_gamma", "applies to beta spending only: set beta_spending")
        else:
            if self.sided != 1:
                problems.add(
                    "beta_spending",
                    "futility by beta spending needs a one-sided test (sided = 1)",
                )
            if self.beta >= 1 - self.alpha:
                problems.add(
                    "beta", f"must be below 1 - alpha = {1 - self.alpha:g}, got {self.beta:g}"
                )
            g = self.beta_gamma
            if family in ("HSD", "KD") and g is None:
                problems.add("beta_gamma", f"the {family} beta-spending family needs beta_gamma")
            elif family == "HSD" and not -10.0 <= g <= 5.0:  # type: ignore[operator]
                problems.add("beta_gamma", f"the HSD gamma must lie in [-10, 5], got {g:g}")
            elif family == "KD" and not 0 < g < math.inf:  # type: ignore[operator]
                problems.add("beta_gamma", f"the KD gamma must be positive and finite, got {g:g}")
        problems.raise_any()
        return self


class Analysis(_Model):
    endpoint: Name = "DFS"  # the ADTTE PARAMCD and the prefix of headline names (dfs3_...)
    endpoint_label: str = ""  # the ADTTE PARAM, e.g. "Disease-free survival"; default endpoint
    milestone_days: Positive
    milestone_se: Literal["greenwood", "peto"] = "greenwood"
    rmst_tau_days: Positive
    at_risk_years: list[NonNeg] = [0, 1, 2, 3, 4]
    cif_event: Name
    confidence_level: Annotated[float, Field(gt=0, lt=1)] = 0.95


class Published(_Model, Mapping[str, float]):
    """Published figures, for calibration and display only: never read by the analysis.

    A mapping of the numeric values by name (``published["dfs3_blinatumomab"]``); ``decision``
    is the published monitoring decision at the first interim analysis, as text, if any.
    """

    model_config = ConfigDict(extra="allow", frozen=True, strict=True, defer_build=True)
    __pydantic_extra__: dict[str, float] = Field(init=False)
    decision: str | None = None

    def __getitem__(self, key: str) -> float:
        return self.__pydantic_extra__[key]

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]
        return iter(self.__pydantic_extra__)

    def __len__(self) -> int:
        return len(self.__pydantic_extra__)


class Calibration(_Model):
    """One fit of protocol parameters to published figures. Every published figure named in
    ``targets`` is a calibration target (shown as such, never as a prediction); a published
    figure in no calibration's targets is held out: nothing was fitted to it."""

    parameters: list[Name] = Field(min_length=1)  # the protocol keys that were fitted
    # the [published] names they were fitted to; "decision": the published decision;
    # "curve:<data_files key>": a digitized published curve
    targets: list[Name] = Field(min_length=1)
    method: str = ""  # how (a script, a closed form, a choice made to match)


CALIBRATION_TARGET = "calibration_target"
HELD_OUT = "held_out"


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
    published: Published = Field(default_factory=Published)
    calibration: list[Calibration] = []
    data_files: dict[str, str] = {}

    @model_validator(mode="after")
    def _cross(self) -> Protocol:
        problems = _Problems()
        arms = [a.name for a in self.arms]
        if len(set(arms)) != len(arms):
            problems.add("arms", "arm names must be distinct")
        roles = sorted(a.role for a in self.arms)
        if roles != ["control", "experimental"]:
            problems.add("arms", "need one arm with role 'control' and one 'experimental'")
        strata = self.population.strata
        total = sum(a.ratio for a in self.arms)
        for i, b in enumerate(self.randomization.block_sizes):
            if b % total:
                problems.add(
                    f"randomization.block_sizes[{i}]",
                    f"block size {b} is not a multiple of the allocation ratio sum {total}",
                )
        # every event type must have a hazard for every arm and stratum, exactly once
        seen: dict[tuple[str, str, str], int] = {}
        for i, h in enumerate(self.outcomes.hazards):
            if h.arm != "*" and h.arm not in arms:
                problems.add(f"outcomes.hazards[{i}].arm", f"{h.arm!r} is not an arm")
                continue
            if h.stratum != "*" and h.stratum not in strata:
                problems.add(
                    f"outcomes.hazards[{i}].stratum", f"{h.stratum!r} is not a randomized group"
                )
                continue
            duplicate = False
            for a in arms if h.arm == "*" else [h.arm]:
                for s in strata if h.stratum == "*" else [h.stratum]:
                    key = (h.event, a, s)
                    if key in seen and not duplicate:
                        duplicate = True  # one report per hazard entry
                        problems.add(
                            f"outcomes.hazards[{i}]",
                            f"duplicates hazards[{seen[key]}] for event {h.event!r}, "
                            f"arm {a!r}, stratum {s!r}",
                        )
                    seen.setdefault(key, i)
        for e in self.outcomes.event_types:
            for a in arms:
                for s in strata:
                    if (e.name, a, s) not in seen:
                        problems.add(
                            "outcomes.hazards",
                            f"no hazard for event {e.name!r}, arm {a!r}, stratum {s!r}",
                        )
        phases = {p.name for a in self.arms for p in a.phases}
        for i, ae in enumerate(self.adverse_events):
            if ae.phase not in phases:
                problems.add(f"adverse_events[{i}].phase", f"{ae.phase!r} is not a phase")
            if ae.arm != "*" and ae.arm not in arms:
                problems.add(f"adverse_events[{i}].arm", f"{ae.arm!r} is not an arm")
            if ae.stratum != "*" and ae.stratum not in strata:
                problems.add(f"adverse_events[{i}].stratum", f"{ae.stratum!r} is not a stratum")
        for i, c in enumerate(self.calibration):
            for j, t in enumerate(c.targets):
                known = (
                    t in self.published
                    or (t == "decision" and self.published.decision is not None)
                    or (t.startswith("curve:") and t[len("curve:") :] in self.data_files)
                )
                if not known:
                    problems.add(
                        f"calibration[{i}].targets[{j}]", f"{t!r} is not a [published] figure"
                    )
        if self.analysis.cif_event not in {e.name for e in self.outcomes.event_types}:
            problems.add("analysis.cif_event", f"{self.analysis.cif_event!r} is not an event type")
        for i, look in enumerate(self.monitoring.looks):
            if look.date is not None and look.date <= self.accrual.start:
                problems.add(
                    f"monitoring.looks[{i}].date",
                    f"analysis on {look.date} is not after the first enrolment "
                    f"({self.accrual.start})",
                )
        if self.monitoring.latest_final_date <= self.accrual.start:
            problems.add("monitoring.latest_final_date", "must be after accrual.start")
        if self.monitoring.alpha_spending in ("HSD", "KD") and self.monitoring.alpha_gamma is None:
            problems.add("monitoring.alpha_gamma", "required for HSD and KD spending")
        problems.raise_any()
        return self

    @property
    def published_values(self) -> dict[str, float]:
        """The published numeric figures by name (percent, days, counts, ratios)."""
        return dict(self.published)

    def published_role(self, key: str) -> tuple[str, tuple[str, ...]]:
        """(role, fitted parameters) of a published figure: ``"calibration_target"`` with the
        parameters fitted to it, or ``"held_out"`` when no calibration names it."""
        fitted: list[str] = []
        for c in self.calibration:
            if key in c.targets:
                fitted += [q for q in c.parameters if q not in fitted]
        return (CALIBRATION_TARGET, tuple(fitted)) if fitted else (HELD_OUT, ())

    @property
    def published_decision(self) -> str | None:
        """The published monitoring decision at the first interim analysis, if any."""
        return self.published.decision

    @property
    def control(self) -> Arm:
        return next(a for a in self.arms if a.role == "control")

    @property
    def experimental(self) -> Arm:
        return next(a for a in self.arms if a.role == "experimental")
