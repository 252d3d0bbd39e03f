"""A protocol's trial in silico beside its published results (``survtrial reproduce``)."""

from survtrial.reproduce.compare import ComparisonRow, InterimSummary, compare
from survtrial.reproduce.run import DEFAULT_REPLICATES, Reproduction, reproduce

__all__ = [
    "DEFAULT_REPLICATES",
    "ComparisonRow",
    "InterimSummary",
    "Reproduction",
    "compare",
    "reproduce",
]
