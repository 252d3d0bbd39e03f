"""Units of time: the one place that converts (days inside the engine; years, months and weeks
only at the edges: protocol files, command-line options, printed tables and figures).

A year is 365.25 days and a month 1/12 of a year (R's ``survival`` and lubridate habit; rpact's
``getSampleSizeSurvival`` works in months of this length when its inputs are in months).
"""

from __future__ import annotations

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12.0
DAYS_PER_WEEK = 7.0
DAYS_PER_UNIT = {
    "days": 1.0,
    "weeks": DAYS_PER_WEEK,
    "months": DAYS_PER_MONTH,
    "years": DAYS_PER_YEAR,
}
"""Days per unit of time, by the unit's plural name."""


def years_to_days(years: float) -> float:
    return years * DAYS_PER_YEAR


def days_to_years(days: float) -> float:
    return days / DAYS_PER_YEAR


def months_to_days(months: float) -> float:
    return months * DAYS_PER_MONTH


def days_to_months(days: float) -> float:
    return days / DAYS_PER_MONTH
