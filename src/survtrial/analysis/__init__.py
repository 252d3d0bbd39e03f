"""One full analysis of a trial's data set."""

from survtrial.analysis.data import AnalysisData

__all__ = ["AnalysisData"]
