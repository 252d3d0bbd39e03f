"""Compatibility shim: the loader now lives in :mod:`survtrial.io` (issue 8).

``survtrial.analyze`` still imports these names from here; the package is to be removed.
"""

from survtrial.analysis.data import AnalysisData
from survtrial.io.analysis_input import LoadOptions, Options, load, load_analysis_data
from survtrial.io.values import DAYS_PER, parse_horizon, parse_unit
from survtrial.units import DAYS_PER_YEAR

__all__ = [
    "DAYS_PER",
    "DAYS_PER_YEAR",
    "AnalysisData",
    "LoadOptions",
    "Options",
    "load",
    "load_analysis_data",
    "parse_horizon",
    "parse_unit",
]
