"""Small frozen result types shared by the statistics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class ConfidenceInterval:
    """A confidence interval; unpacks as ``low, high``."""

    low: np.ndarray | float
    high: np.ndarray | float
    confidence_level: float
    method: str

    def __iter__(self):
        yield self.low
        yield self.high


@dataclass(frozen=True, slots=True)
class TestResult:
    """A chi-square or normal test; unpacks as ``statistic, pvalue``."""

    statistic: float
    df: float
    pvalue: float

    def __iter__(self):
        yield self.statistic
        yield self.pvalue


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate with a confidence interval (e.g. a median survival time)."""

    estimate: float
    low: float
    high: float
    confidence_level: float
    method: str

    def __iter__(self):
        yield self.estimate
        yield self.low
        yield self.high
