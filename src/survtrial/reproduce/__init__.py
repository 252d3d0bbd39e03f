"""A protocol's trial in silico beside its published results (``survtrial reproduce``)."""

from survtrial.reproduce.compare import ComparisonRow, InterimSummary, compare
from survtrial.reproduce.run import Reproduction, reproduce

__all__ = [
    "ComparisonRow",
    "InterimSummary",
    "Reproduction",
    "compare",
    "reproduce",
]
