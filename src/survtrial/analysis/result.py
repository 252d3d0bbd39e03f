"""The frozen result of one full analysis (:func:`survtrial.analysis.analyse`).

Field names are the keys of ``results.json``: :mod:`survtrial.report` turns a result into JSON
at the edge (fields marked ``json=False`` hold :mod:`survtrial.stats` result objects for the
figures and curve tables and are not written). Times in days; survival and incidence as
proportions (0-1); hazard ratios experimental / control; differences experimental - control.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from survtrial.analysis.settings import AnalysisSettings

Interval = tuple[float | None, float | None]


# field metadata for the JSON writer: "json": False, kept for figures and tables only;
# "flatten": True, a mapping written into its parent's object (arm names beside the rest)
HIDDEN = {"json": False}
FLATTEN = {"flatten": True}


@dataclass(frozen=True, slots=True)
class ArmKaplanMeier:
    """Kaplan-Meier of one arm (or stratum x arm) at the milestone, its median and at-risk row."""

    n: int
    events: int
    survival: float | None
    std_err: float | None  # Greenwood
    std_err_peto: float | None  # S * sqrt((1 - S) / n at risk): Peto et al. (1977)
    n_at_risk_milestone: int
    ci: Interval
    median_days: float | None
    median_ci_days: Interval
    n_at_risk: Mapping[str, int]  # years (as written, "0", "0.25", "1", ...) -> n at risk
    last_follow_up_days: float | None
    curve: Any = field(default=None, metadata=HIDDEN, compare=False, repr=False)  # KM result


@dataclass(frozen=True, slots=True)
class KaplanMeierSection:
    milestone_days: float
    milestone_years: float
    confidence_level: float
    conf_type: str
    at_risk_years: tuple[float, ...]
    by_arm: Mapping[str, ArmKaplanMeier]
    # stratum -> arm -> entry; an empty cell has only n = 0 and events = 0
    by_stratum_and_arm: Mapping[str, Mapping[str, ArmKaplanMeier | Mapping[str, int]]]


@dataclass(frozen=True, slots=True)
class LogrankSummary:
    chisq: float | None
    df: int
    pvalue: float | None
    z: float | None
    stratified: bool
    n_strata: int
    observed: Mapping[str, float | None]
    expected: Mapping[str, float | None]
    o_over_e: Mapping[str, float | None]
    z_convention: str


@dataclass(frozen=True, slots=True)
class CoxSummary:
    """Cox hazard ratio of the experimental arm (Efron ties, Wald CI); ``error`` when not
    estimable, ``warning`` with R's wording when the fit warned (e.g. an infinite coefficient)."""

    hazard_ratio: float | None
    ci: Interval
    pvalue: float | None
    coef: float | None = None
    std_err: float | None = None
    n: int | None = None
    events: int | None = None
    ties: str | None = None
    warning: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class HeterogeneityTest:
    """Cochran's Q across strata of the per-stratum Cox log hazard ratios b_i (SE s_i):
    Q = sum w_i (b_i - b)^2, w_i = 1 / s_i^2, b = sum w_i b_i / sum w_i; chi-square on k - 1 df
    (a test of treatment-by-stratum interaction; Cochran, Biometrics 1954)."""

    statistic: float | None
    df: int
    pvalue: float | None
    strata_used: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CoxSection:
    overall: CoxSummary
    overall_stratified: bool
    by_stratum: Mapping[str, CoxSummary]
    hazard_ratio_of: str
    heterogeneity: HeterogeneityTest | None = None


@dataclass(frozen=True, slots=True)
class RmstSummary:
    tau_days: float
    tau_years: float
    tau_requested: str
    tau_capped: bool
    by_arm_days: Mapping[str, float | None]
    std_err_days: Mapping[str, float | None]
    difference_days: float | None
    difference_std_err_days: float | None
    ci_days: Interval
    pvalue: float | None


@dataclass(frozen=True, slots=True)
class MilestoneArm:
    survival: float | None
    std_err: float | None
    ci: Interval
    n_at_risk: int


@dataclass(frozen=True, slots=True)
class MilestoneSummary:
    """Survival difference at one milestone (Greenwood SE, normal CI and Wald test)."""

    time_days: float
    time_years: float
    given: str
    survival: Mapping[str, float | None]
    std_err: Mapping[str, float | None]
    difference: float | None
    difference_std_err: float | None
    ci: Interval
    pvalue: float | None
    beyond_follow_up: tuple[str, ...]
    kaplan_meier_by_arm: Mapping[str, MilestoneArm]


@dataclass(frozen=True, slots=True)
class CauseIncidence:
    events: Mapping[str, int]
    # arm -> incidence, std_err, ci
    by_arm: Mapping[str, Mapping[str, Any]] = field(metadata=FLATTEN)
    gray_statistic: float | None
    gray_pvalue: float | None
    gray_df: int | None


@dataclass(frozen=True, slots=True)
class CompetingSection:
    """Cumulative incidence by cause and arm at the milestone (Aalen-Johansen, cmprsk's
    variance) and Gray's test per cause (stratified when the analysis is)."""

    time_days: float
    time_years: float
    causes: Mapping[str, CauseIncidence]
    gray_stratified: bool
    gray_error: str | None = None
    # (cause k, 1-based as cause_labels; arm 0/1) -> survtrial.stats IncidenceCurve
    curves: Any = field(default=None, metadata=HIDDEN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class AdverseEventTerm:
    counts: Mapping[str, int] = field(metadata=FLATTEN)  # arm -> subjects with the term
    risk: Mapping[str, float]
    risk_difference: float | None
    ci: Interval
    method: str


@dataclass(frozen=True, slots=True)
class AdverseEventSection:
    """Subjects with each term by arm (safety population) and the risk difference."""

    n: Mapping[str, int]
    terms: Mapping[str, AdverseEventTerm]


@dataclass(frozen=True, slots=True)
class BaselineSummary:
    """One baseline variable in one group (an arm, or all subjects). Continuous: median and
    quartiles of the values present (R's ``quantile`` type 7, numpy's default ``linear``);
    categorical: subjects per level. ``missing``: subjects without a value."""

    n: int  # subjects with a value
    missing: int
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    counts: Mapping[str, int] = field(default_factory=dict)  # level -> subjects


@dataclass(frozen=True, slots=True)
class BaselineVariable:
    name: str  # the column
    kind: str  # "continuous" or "categorical"
    levels: tuple[str, ...]  # categorical levels, sorted; () when continuous
    by_arm: Mapping[str, BaselineSummary]
    total: BaselineSummary


@dataclass(frozen=True, slots=True)
class BaselineSection:
    """Baseline characteristics of the analysed subjects by randomized arm (Table 1);
    percentages are of all subjects of the arm (missing included)."""

    n: Mapping[str, int]  # arm -> subjects
    total: int
    variables: tuple[BaselineVariable, ...]
    quantiles: str = "type 7 (R's quantile default; numpy's 'linear')"


@dataclass(frozen=True, slots=True)
class AdverseEventGrades:
    """Subjects by term, arm and worst toxicity grade (safety population, as the adverse
    events section). Keys per arm: "any" (graded or not); "1" .. "5" (an exact worst grade
    no lower bound exceeds); "not graded >=1" .. "not graded >=5" (a blank grade whose AETOXGRC
    bound ">=k" is above any exact grade); ">=3" (exact or bound); "not graded, no bound";
    "not graded" (no exact grade recorded, bound or not). "Any adverse event" counts each
    subject once at their worst over all terms."""

    grade_column: str
    n: Mapping[str, int]  # arm -> subjects in the safety population
    # term -> arm -> key (above) -> subjects
    terms: Mapping[str, Mapping[str, Mapping[str, int]]]


@dataclass(frozen=True, slots=True)
class SubgroupLevel:
    """The Cox hazard ratio of the experimental arm within one level of a subgroup factor,
    stratified as the main analysis."""

    level: str
    n: Mapping[str, int]  # arm -> subjects
    events: Mapping[str, int]
    cox: CoxSummary


@dataclass(frozen=True, slots=True)
class InteractionTest:
    """Likelihood-ratio test of arm x subgroup: 2 (loglik of Surv ~ arm * F - loglik of
    Surv ~ arm + F), both stratified as the main analysis, on the subjects with F known;
    chi-square on the number of estimable interaction terms (R: ``anova(fit0, fit1)``)."""

    statistic: float | None
    df: int
    pvalue: float | None
    method: str = "likelihood ratio"
    warning: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class SubgroupAnalysis:
    column: str
    levels: tuple[SubgroupLevel, ...]
    missing: int  # analysed subjects without a value (left out of this factor only)
    stratified: bool
    interaction: InteractionTest


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    """Every statistic of one analysis. ``arms[0]`` is the reference (control) arm."""

    arms: tuple[str, str]
    strata: tuple[str, ...]
    settings: AnalysisSettings
    n: Mapping[str, int]
    events: Mapping[str, int]
    kaplan_meier: KaplanMeierSection
    logrank: LogrankSummary
    cox: CoxSection
    rmst: RmstSummary
    milestones: tuple[MilestoneSummary, ...]
    cumulative_incidence: CompetingSection | None
    adverse_events: AdverseEventSection | None
    median_follow_up_days: float | None
    # cause -> log-rank of that cause's events (the others censored: cause-specific hazards),
    # stratified as the main test; empty without causes
    cause_specific_logrank: Mapping[str, LogrankSummary] = field(default_factory=dict)
    # Table 1 (with baseline columns), adverse events by grade (an ADAE with a grade column),
    # hazard ratios by subgroup (--subgroups); results.json writes them when present
    baseline: BaselineSection | None = None
    adverse_event_grades: AdverseEventGrades | None = None
    subgroups: tuple[SubgroupAnalysis, ...] = ()

    @property
    def reference_arm(self) -> str:
        return self.arms[0]

    @property
    def experimental_arm(self) -> str:
        return self.arms[1]

    @property
    def milestone(self) -> MilestoneSummary:
        return self.milestones[0]

    def notes(self) -> list[str]:
        """What a reader must know about the numbers: horizons beyond follow-up, Cox problems."""
        out = []
        for m in self.milestones:
            if m.beyond_follow_up:
                out.append(
                    f"the milestone ({m.given}) is beyond the last follow-up of "
                    f"{', '.join(m.beyond_follow_up)}: its survival is carried "
                    "forward from the last time (give --milestone)"
                )
        if self.rmst.tau_capped:
            out.append(
                f"tau {self.rmst.tau_requested} is beyond the shorter arm's last follow-up: RMST "
                f"is computed at tau = {self.rmst.tau_days:g} days"
            )
        for key, c in (("overall", self.cox.overall), *self.cox.by_stratum.items()):
            if c.error or c.warning:
                out.append(f"Cox ({key}): {c.error or c.warning}")
        for sg in self.subgroups:
            for lv in sg.levels:
                if lv.cox.error or lv.cox.warning:
                    out.append(f"Cox ({sg.column} = {lv.level}): {lv.cox.error or lv.cox.warning}")
            it = sg.interaction
            if it.error or it.warning:
                out.append(f"interaction test ({sg.column}): {it.error or it.warning}")
        return out
