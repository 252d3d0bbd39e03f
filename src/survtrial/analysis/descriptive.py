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
    """Subjects of ``arm`` by what is known of their worst grade (``worst``: one row per
    subject, ``grade`` the worst exact grade, NaN none recorded; ``grade_at_least`` the most
    known of it, the exact grade or an AETOXGRC lower bound '>=k' of a blank grade, NaN
    neither; taken as ``grade`` where the column is absent). Keys:
    "any"; "1".."5": the worst is that exact grade (no bound above it);
    "not graded >=1".."not graded >=5": the worst is not recorded but at least k (a blank
    grade whose bound k is above every exact grade of the subject);
    "not graded, no bound": neither a grade nor a bound; these three partition "any";
    ">=3": the worst is known to be 3 or more (an exact grade or a bound);
    "not graded": no exact grade recorded, bound or not (the meaning this key always had)."""
    rows = worst.loc[worst["arm"] == arm]
    g = rows["grade"].to_numpy(dtype=float)
    at = rows["grade_at_least"].to_numpy(dtype=float) if "grade_at_least" in rows else g
    at = np.fmax(at, g)  # the exact grade is known at least
    bounded = at > np.where(np.isnan(g), 0.0, g)  # a bound above the exact grade, or alone
    exact = np.where(bounded, np.nan, g)
    out = {"any": int(g.size)}
    for k in GRADE_KEYS:
        out[k] = int((exact == int(k)).sum())
    out[">=3"] = int((at >= 3).sum())
    for k in GRADE_KEYS:
        out[f"not graded >={k}"] = int((bounded & (at == int(k))).sum())
    out["not graded, no bound"] = int(np.isnan(at).sum())
    out["not graded"] = int(np.isnan(g).sum())
    return out


def adverse_event_grades(
    pairs: pd.DataFrame, n_arm: list[int], arms: tuple[str, str], grade_column: str
) -> AdverseEventGrades:
    """Subjects by term, arm and worst grade (``pairs``: one row per subject and term with
    its worst grade and, where the ADAE codes them, ``grade_at_least``), and the same over all
    terms (each subject at their worst grade and their largest lower bound)."""
    terms: dict[str, dict[str, dict[str, int]]] = {}
    if not pairs.empty:
        # over all terms: the worst exact grade (NaN only when no term of theirs is graded)
        # and the most known of it (a bound on one term may lie above the grade of another)
        how = {"arm": ("arm", "first"), "grade": ("grade", "max")}
        if "grade_at_least" in pairs.columns:
            how["grade_at_least"] = ("grade_at_least", "max")
        anyterm = pairs.groupby("subject", sort=False).agg(**how)
        terms[ANY_EVENT] = {a: _grade_counts(anyterm, i) for i, a in enumerate(arms)}
        for term in sorted(pairs["term"].unique(), key=str):
            sub = pairs[pairs["term"] == term]
            terms[str(term)] = {a: _grade_counts(sub, i) for i, a in enumerate(arms)}
    return AdverseEventGrades(
        grade_column=grade_column, n={a: n_arm[i] for i, a in enumerate(arms)}, terms=terms
    )
