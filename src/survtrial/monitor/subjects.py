"""The ADSL columns of a DSMB report's open session: read with :mod:`survtrial.io`'s readers
into a :class:`~survtrial.analysis.consort.SubjectLevel` (flags, reasons, risk groups, the
planned arm, randomization dates, the data cut-off) for the CONSORT counts and the accrual.

Only the columns of :data:`~survtrial.analysis.consort.ADSL_COLUMNS` that the file has are
read; a flag that is not Y, N or blank, or a date that is not a date, is a one-line
:class:`InputError` naming the file, row and column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from survtrial.analysis import AnalysisData
from survtrial.analysis.consort import ADSL_COLUMNS, SubjectLevel
from survtrial.io.columns import lookup
from survtrial.io.problems import raise_problem
from survtrial.io.readers import as_text, read_columns, read_table
from survtrial.io.values import date_days, date_text


def _text(s: pd.Series) -> np.ndarray:
    """A column as stripped text, "" where blank."""
    return as_text(s).fillna("").str.strip().to_numpy(dtype=str)


def _flag(s: pd.Series, file: str, col: str) -> np.ndarray:
    """A Y/N flag (any case; blank = N) as bool."""
    text = np.char.upper(_text(s))
    bad = ~np.isin(text, ["Y", "N", ""])
    if bad.any():
        i = np.flatnonzero(bad)
        raise_problem(file, i, col, [s.iloc[i[0]]], "is not Y, N or blank",
                      "ADaM flags are Y or N")
    return text == "Y"


def _arm_column(frame: pd.DataFrame, candidates: list[str], labels, randomized) -> str | None:
    """The first candidate column whose (randomized) patients' values include every analysed
    arm label."""
    for col in candidates:
        text = _text(frame[col])
        if randomized is not None:
            text = text[randomized]
        if set(labels) <= set(text.tolist()):
            return col
    return None


def read_subject_level(path: Path, data: AnalysisData, encoding: str | None = None,
                       label: str = "--adsl") -> SubjectLevel:
    """The ADSL at ``path`` as a :class:`SubjectLevel`; its arm column is the first of the
    analysis' treatment column, TRT01P, ARMCD and ARM that names the analysed arms."""
    cols = read_columns(path, encoding, label)
    name = Path(path).name
    found = {role: lookup(cols, names) for role, names in ADSL_COLUMNS.items() if role != "arm"}
    arm_names = [data.columns.get("arm"), *ADSL_COLUMNS["arm"]]
    arm_cols = list(dict.fromkeys(c for c in (lookup(cols, [n]) for n in arm_names if n) if c))
    want = list(dict.fromkeys([c for c in found.values() if c] + arm_cols))
    frame = read_table(path, want or cols[:1], encoding, label).frame
    n = len(frame)

    def dates(col: str) -> np.ndarray:  # a written value must be a date; blank is NaN
        return date_days(frame[col], _text(frame[col]) != "", np.arange(n), name, col)

    roles = {k: v for k, v in found.items() if v}
    enrolled = None
    if roles.get("enrolled"):
        col = roles["enrolled"]
        if col.upper().endswith("FL"):
            enrolled = _flag(frame[col], name, col)
        else:
            enrolled = np.isfinite(dates(col))
    randomized = _flag(frame[roles["randomized"]], name, roles["randomized"]) if roles.get(
        "randomized") else None
    eligible = _flag(frame[roles["eligible"]], name, roles["eligible"]) if roles.get(
        "eligible") else None
    rand_day = None
    if roles.get("randomization_date"):
        col = roles["randomization_date"]
        rand_day = dates(col)
    cutoff = None
    if roles.get("cutoff"):
        values = frame[roles["cutoff"]].dropna().map(date_text).astype(str).str.strip()
        distinct = sorted(v for v in values.unique() if v)
        cutoff = ", ".join(distinct) or None
    arm_col = _arm_column(frame, arm_cols, data.arm_labels, randomized)
    if arm_col:
        roles["arm"] = arm_col

    def text(role):
        return _text(frame[roles[role]]) if roles.get(role) else None

    return SubjectLevel(
        n_rows=n, enrolled=enrolled, eligible=eligible, randomized=randomized,
        reason=text("reason"), arm=text("arm"), risk_group=text("risk_group"),
        randomization_day=rand_day, cutoff=cutoff, columns=roles, file=name,
    )  # fmt: skip


__all__ = ["read_subject_level"]
