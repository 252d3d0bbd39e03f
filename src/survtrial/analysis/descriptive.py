"""Descriptive sections of an analysis: baseline characteristics by arm (Table 1) and adverse
events by worst toxicity grade. Counts and quartiles only; no test statistic."""

from __future__ import annotations

import numpy as np
import pandas as pd

from survtrial.analysis.data import AnalysisData
from survtrial.analysis.result import (
    AdverseEventGrades,
    BaselineSection,
    BaselineSummary,
    BaselineVariable,
)

GRADE_KEYS = ("1", "2", "3", "4", "5")
ANY_EVENT = "Any adverse event"


def _summary(values: pd.Series, continuous: bool, levels: tuple[str, ...]) -> BaselineSummary:
    if continuous:
        x = values.to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        missing = int(values.shape[0] - x.shape[0])
        if x.size == 0:
            return BaselineSummary(0, missing)
        # numpy's default "linear" interpolation is Hyndman & Fan type 7, R's default
        q1, med, q3 = np.percentile(x, [25.0, 50.0, 75.0])
        return BaselineSummary(int(x.size), missing, float(med), float(q1), float(q3))
    present = values.dropna()
    counts = present.value_counts()
    return BaselineSummary(
        int(present.shape[0]),
        int(values.shape[0] - present.shape[0]),
        counts={lv: int(counts.get(lv, 0)) for lv in levels},
    )


def baseline_section(d: AnalysisData) -> BaselineSection:
    """Table 1 of ``d.baseline`` by randomized arm and in all analysed subjects."""
    arms = d.arm_labels
    variables = []
    for name in d.baseline.columns:
        col = d.baseline[name]
        continuous = pd.api.types.is_float_dtype(col)
        levels = () if continuous else tuple(sorted(str(v) for v in col.dropna().unique()))
        variables.append(
            BaselineVariable(
                name=str(name),
                kind="continuous" if continuous else "categorical",
                levels=levels,
                by_arm={
                    a: _summary(col[d.arm == i], continuous, levels) for i, a in enumerate(arms)
                },
                total=_summary(col, continuous, levels),
            )
        )
    return BaselineSection(
        n={a: int((d.arm == i).sum()) for i, a in enumerate(arms)},
        total=d.n,
        variables=tuple(variables),
    )


def _grade_counts(worst: pd.DataFrame, arm: int) -> dict[str, int]:
    """{"any", "1".."5", ">=3", "not graded"} -> subjects of ``arm`` (``worst``: one row per
    subject with its worst grade, NaN when none was recorded)."""
    g = worst.loc[worst["arm"] == arm, "grade"].to_numpy(dtype=float)
    out = {"any": int(g.size)}
    for k in GRADE_KEYS:
        out[k] = int((g == int(k)).sum())
    out[">=3"] = int((g >= 3).sum())
    out["not graded"] = int(np.isnan(g).sum())
    return out


def adverse_event_grades(
    pairs: pd.DataFrame, n_arm: list[int], arms: tuple[str, str], grade_column: str
) -> AdverseEventGrades:
    """Subjects by term, arm and worst grade (``pairs``: one row per subject and term with
    its worst grade), and the same over all terms (each subject at their worst grade)."""
    terms: dict[str, dict[str, dict[str, int]]] = {}
    if not pairs.empty:
        # a subject's worst grade over all terms (NaN only when no term of theirs is graded)
        anyterm = pairs.groupby("subject", sort=False).agg(
            arm=("arm", "first"), grade=("grade", "max")
        )
        terms[ANY_EVENT] = {a: _grade_counts(anyterm, i) for i, a in enumerate(arms)}
        for term in sorted(pairs["term"].unique(), key=str):
            sub = pairs[pairs["term"] == term]
            terms[str(term)] = {a: _grade_counts(sub, i) for i, a in enumerate(arms)}
    return AdverseEventGrades(
        grade_column=grade_column, n={a: n_arm[i] for i, a in enumerate(arms)}, terms=terms
    )
