"""Survival statistics with R's numbers: pure functions on arrays returning frozen results.

No plotting and no I/O here. Conventions (R survival's by default) are in docs/conventions.md.
"""

from survtrial.stats._results import ConfidenceInterval, Estimate, TestResult
from survtrial.stats.kaplan_meier import KaplanMeierResult, kaplan_meier
from survtrial.stats.logrank import LogrankResult, logrank
from survtrial.stats.rmst import MilestoneResult, RMSTResult, milestone_difference, rmst

__all__ = [
    "ConfidenceInterval",
    "Estimate",
    "KaplanMeierResult",
    "LogrankResult",
    "MilestoneResult",
    "RMSTResult",
    "TestResult",
    "kaplan_meier",
    "logrank",
    "milestone_difference",
    "rmst",
]
