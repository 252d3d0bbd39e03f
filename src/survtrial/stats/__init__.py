"""Survival statistics with R's numbers: pure functions on arrays returning frozen results.

No plotting and no I/O here. Conventions (R survival's by default) are in docs/conventions.md.
"""

from survtrial.stats._results import ConfidenceInterval, Estimate, TestResult
from survtrial.stats.competing import (
    CumulativeIncidenceResult,
    GrayTestResult,
    IncidenceCurve,
    cumulative_incidence,
    gray_test,
)
from survtrial.stats.cox import ConvergenceWarning, CoxResult, cox
from survtrial.stats.incidence import (
    ChiSquareResult,
    EffectEstimate,
    FisherExactResult,
    MantelHaenszelResult,
    chi_square,
    cochran_mantel_haenszel,
    fisher_exact,
    odds_ratio,
    relative_risk,
    risk_difference,
)
from survtrial.stats.kaplan_meier import KaplanMeierResult, kaplan_meier
from survtrial.stats.logrank import LogrankResult, logrank
from survtrial.stats.rmst import MilestoneResult, RMSTResult, milestone_difference, rmst

__all__ = [
    "ChiSquareResult",
    "ConfidenceInterval",
    "ConvergenceWarning",
    "CoxResult",
    "CumulativeIncidenceResult",
    "EffectEstimate",
    "Estimate",
    "FisherExactResult",
    "GrayTestResult",
    "IncidenceCurve",
    "KaplanMeierResult",
    "LogrankResult",
    "MantelHaenszelResult",
    "MilestoneResult",
    "RMSTResult",
    "TestResult",
    "chi_square",
    "cochran_mantel_haenszel",
    "cox",
    "cumulative_incidence",
    "fisher_exact",
    "gray_test",
    "kaplan_meier",
    "logrank",
    "milestone_difference",
    "odds_ratio",
    "relative_risk",
    "risk_difference",
    "rmst",
]
