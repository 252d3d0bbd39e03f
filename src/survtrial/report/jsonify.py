"""Result objects -> JSON-ready values, at the edge: dataclass fields by name (``json=False``
fields left out, ``flatten=True`` mappings merged into their parent), tuples as lists, numpy
scalars as Python numbers, NaN and infinity as null."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np


def jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            if f.metadata.get("json", True) is False:
                continue
            value = getattr(obj, f.name)
            if f.metadata.get("flatten"):
                out.update({str(k): jsonable(v) for k, v in value.items()})
            else:
                out[f.name] = jsonable(value)
        return out
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | np.ndarray):
        return [jsonable(v) for v in obj]
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, str) or obj is None:
        return obj
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        x = float(obj)
        return x if math.isfinite(x) else None
    return str(obj)


def dumps(obj: Any) -> str:
    """JSON text of ``obj`` (indented, UTF-8 kept, no NaN), ending in a newline."""
    return json.dumps(jsonable(obj), indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def analysis_json(res) -> dict[str, Any]:
    """The statistics of an :class:`~survtrial.analysis.AnalysisResult` in results.json's
    layout (``milestone`` repeats the first milestone without its per-arm detail)."""
    out: dict[str, Any] = {
        "n": jsonable(res.n),
        "events": jsonable(res.events),
        "reference_arm": res.reference_arm,
        "kaplan_meier": jsonable(res.kaplan_meier),
        "logrank": jsonable(res.logrank),
        "cox": jsonable(res.cox),
        "rmst": jsonable(res.rmst),
        "milestones": jsonable(res.milestones),
    }
    first = dict(out["milestones"][0])
    first.pop("given", None)
    first.pop("kaplan_meier_by_arm", None)
    out["milestone"] = first
    if res.cumulative_incidence is not None:
        out["cumulative_incidence"] = jsonable(res.cumulative_incidence)
    if res.adverse_events is not None:
        out["adverse_events"] = jsonable(res.adverse_events)
    out["median_follow_up_days"] = jsonable(res.median_follow_up_days)
    if res.cause_specific_logrank:
        out["cause_specific_logrank"] = jsonable(res.cause_specific_logrank)
    return out
