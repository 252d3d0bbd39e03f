"""What one analysis is asked for: horizons (days), confidence level and interval transform."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CONF_TYPES = ("log", "log-log", "plain")
DEFAULT_CONF_TYPE = "log"
"""Kaplan-Meier interval transform: R's ``survfit`` default (see docs/conventions.md)."""


@dataclass(frozen=True, slots=True)
class AnalysisSettings:
    """Horizons in days. ``tau_days`` None: the RMST horizon is the shorter arm's last
    follow-up. ``at_risk_years`` None: a grid from the data (yearly, quarterly under two
    years). ``milestones``: every milestone asked for, (days, as written), the first is the
    main one (the KM tables' main columns, the cumulative incidence)."""

    milestone_days: float
    milestone_text: str
    milestone_source: str = "user"
    tau_days: float | None = None
    tau_text: str = "the shorter arm's last follow-up (default)"
    confidence_level: float = 0.95
    conf_type: str = DEFAULT_CONF_TYPE
    milestones: tuple[tuple[float, str], ...] = ()
    at_risk_years: tuple[float, ...] | None = None
    # which SE the headline's "<endpoint><y>_se_<arm>" reports (the published kind)
    milestone_se: Literal["greenwood", "peto"] = "greenwood"

    def all_milestones(self) -> tuple[tuple[float, str], ...]:
        return self.milestones or ((self.milestone_days, self.milestone_text),)
