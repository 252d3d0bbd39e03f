"""One full analysis of a trial's data set -> a frozen :class:`AnalysisResult`.

The same analysis serves a real data set (``survtrial analyze``), one simulated trial
(:mod:`survtrial.trial`) and, later, an interim look. Headline quantities are named in
:mod:`survtrial.analysis.names` only.
"""

from survtrial.analysis.data import AnalysisData
from survtrial.analysis.names import headline, slug
from survtrial.analysis.result import AnalysisResult
from survtrial.analysis.run import analyse, at_risk_grid_years
from survtrial.analysis.settings import CONF_TYPES, DEFAULT_CONF_TYPE, AnalysisSettings

__all__ = [
    "CONF_TYPES",
    "DEFAULT_CONF_TYPE",
    "AnalysisData",
    "AnalysisResult",
    "AnalysisSettings",
    "analyse",
    "at_risk_grid_years",
    "headline",
    "slug",
]
