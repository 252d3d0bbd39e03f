"""One full analysis of a trial's data set -> a frozen :class:`AnalysisResult`.

The same analysis serves a real data set (``survtrial analyze``), one simulated trial
(:mod:`survtrial.trial`) and, later, an interim look. Headline quantities are named in
:mod:`survtrial.analysis.names` only.

The names below are loaded on first use (PEP 562), so that importing one light submodule
(``settings``, ``names``) does not import pandas and the whole analysis: the simulation's
worker processes and the command line start faster.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from survtrial.analysis.data import AnalysisData
    from survtrial.analysis.names import headline, slug
    from survtrial.analysis.result import AnalysisResult
    from survtrial.analysis.run import analyse, at_risk_grid_years
    from survtrial.analysis.settings import CONF_TYPES, DEFAULT_CONF_TYPE, AnalysisSettings

_WHERE = {
    "AnalysisData": "data",
    "headline": "names",
    "slug": "names",
    "AnalysisResult": "result",
    "analyse": "run",
    "at_risk_grid_years": "run",
    "CONF_TYPES": "settings",
    "DEFAULT_CONF_TYPE": "settings",
    "AnalysisSettings": "settings",
}

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


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
