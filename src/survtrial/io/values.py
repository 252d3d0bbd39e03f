"""Cell values to numbers: times, 0/1 codes, dates (ADT - STARTDT + 1) and time units.

Everything here is vectorized over the rows (pandas / numpy). A bad value raises
:class:`survtrial.InputError` naming the file, the row (``pos``: 0-based rows of the file, so
that a message points at the file even after rows were selected) and the column.
Times stay in the input's unit here; :data:`DAYS_PER` converts them to days.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import numpy as np
import pandas as pd

from survtrial._errors import InputError
from survtrial.io.problems import raise_problem, value_text
from survtrial.io.readers import as_text
from survtrial.units import DAYS_PER_UNIT

DAYS_PER = DAYS_PER_UNIT  # days per unit, by plural name (survtrial.units)
UNIT_WORDS = {
    "d": "days",
    "day": "days",
    "days": "days",
    "w": "weeks",
    "wk": "weeks",
    "week": "weeks",
    "weeks": "weeks",
    "m": "months",
    "mo": "months",
    "month": "months",
    "months": "months",
    "y": "years",
    "yr": "years",
    "yrs": "years",
    "year": "years",
    "years": "years",
}
# a largest time at or below this, with no unit stated anywhere, is refused as ambiguous
AMBIGUOUS_MAX_DAYS = 50.0
# SAS date numbers count days from 1960-01-01
SAS_EPOCH = pd.Timestamp("1960-01-01")


def numbers(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(values as float, mask of entries present but not numbers)."""
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        return s.to_numpy(dtype=float, na_value=np.nan), np.zeros(len(s), dtype=bool)
    num = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    present = s.notna().to_numpy()
    if pd.api.types.is_string_dtype(s):
        present = present & (s.str.strip() != "").fillna(False).to_numpy(dtype=bool)
    return num, present & np.isnan(num)


def parse_unit(text: str, what: str) -> str:
    """A unit word (d, wk, months, yr, ...) -> its plural name in :data:`DAYS_PER`."""
    u = UNIT_WORDS.get(str(text).strip().lower())
    if u is None:
        raise InputError(f"{what}: unknown time unit {text!r}; use days, weeks, months or years")
    return u


def parse_horizon(text: str | float | None, what: str) -> tuple[float, str] | None:
    """A horizon such as ``3`` (years), ``36m``, ``1095.75d``, ``3y`` -> (days, as written)."""
    if text is None:
        return None
    s = str(text).strip().lower()
    m = re.fullmatch(r"([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-z]*)", s)
    if not m:
        raise InputError(
            f"{what}: {text!r} is not a time; write a number of years (3) or add a unit "
            "(36m, 1095d, 3y)"
        )
    value = float(m.group(1))
    unit = parse_unit(m.group(2), what) if m.group(2) else "years"
    if value <= 0:
        raise InputError(f"{what}: must be > 0, got {text!r}")
    return value * DAYS_PER[unit], f"{value:g} {unit}"


def _check_times(vals: np.ndarray, pos, file: str, col: str) -> None:
    """Raise for the first time that is negative or infinite (NaN passes)."""
    bad = ~np.isnan(vals) & (~np.isfinite(vals) | (vals < 0))
    if bad.any():
        i = np.flatnonzero(bad)
        raise_problem(
            file, pos[i], col, [vals[i[0]]], "is negative or infinite; times must be >= 0"
        )


def time_column(df: pd.DataFrame, col: str, pos, file: str) -> np.ndarray:
    """A time column: numbers >= 0 on every row, in the input's unit."""
    vals, nonnum = numbers(df[col])
    if nonnum.any():
        i = np.flatnonzero(nonnum)
        raise_problem(file, pos[i], col, [df[col].iloc[i[0]]], "is not a number")
    miss = np.isnan(vals)
    if miss.any():
        i = np.flatnonzero(miss)
        raise_problem(file, pos[i], col, [None], "for a time: every row needs a time")
    _check_times(vals, pos, file, col)
    return vals


def binary_column(df: pd.DataFrame, col: str, pos, file: str, what: str, fix: str) -> np.ndarray:
    """A 0/1 column as int64; anything else (blank included) raises with ``what`` and ``fix``."""
    vals, nonnum = numbers(df[col])
    bad = nonnum | ~((vals == 0) | (vals == 1))
    if bad.any():
        i = np.flatnonzero(bad)
        v = df[col].iloc[i[0]]
        if not nonnum[i[0]] and not np.isnan(vals[i[0]]):
            v = vals[i[0]]
            v = int(v) if v == int(v) else v
        raise_problem(file, pos[i], col, [v], what, fix)
    return vals.astype(np.int64)


def date_days(s: pd.Series, need: np.ndarray, pos, file: str, col: str) -> np.ndarray:
    """Days since 1960-01-01 (SAS date numbers) of ISO dates, datetimes or SAS date numbers;
    NaN where blank. A value that is not a date raises (only on rows in ``need``)."""
    if pd.api.types.is_bool_dtype(s):
        bad = need & s.notna().to_numpy()
        if bad.any():
            i = np.flatnonzero(bad)
            raise_problem(file, pos[i], col, [s.iloc[i[0]]], "is not a date")
    if pd.api.types.is_numeric_dtype(s):
        return np.floor(s.to_numpy(dtype=float, na_value=np.nan))
    if pd.api.types.is_datetime64_any_dtype(s):
        d = s
        if getattr(d.dt, "tz", None) is not None:
            d = d.dt.tz_localize(None)
        days = ((d - SAS_EPOCH) / pd.Timedelta(days=1)).to_numpy(dtype=float, na_value=np.nan)
        return np.floor(days)
    text = as_text(s)
    empty = (text.str.strip() == "").fillna(True).to_numpy(dtype=bool)
    d = pd.to_datetime(text.where(~empty, None), format="ISO8601", errors="coerce")
    num = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = need & ~empty & d.isna().to_numpy() & np.isnan(num)
    if bad.any():
        i = np.flatnonzero(bad)
        raise_problem(
            file,
            pos[i],
            col,
            [text.iloc[i[0]]],
            "is not a date",
            "write dates as YYYY-MM-DD (ISO 8601) or SAS date numbers",
        )
    days = ((d - SAS_EPOCH) / pd.Timedelta(days=1)).to_numpy(dtype=float, na_value=np.nan)
    return np.floor(np.where(np.isnan(days), num, days))


def date_text(v: Any) -> Any:
    """A date as the user wrote it: ISO text for datetimes, SAS numbers as integers."""
    if isinstance(v, pd.Timestamp):
        return v.isoformat() if (v.hour or v.minute or v.second) else str(v.date())
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, float | np.floating) and np.isfinite(v) and v == int(v):
        return int(v)
    return v


def aval_or_dates(df, aval, adt, startdt, pos, file) -> tuple[np.ndarray, np.ndarray]:
    """AVAL where given, else ADT - STARTDT + 1 (days; ADaM: the start date is day 1);
    (times, mask of derived rows)."""
    if aval:
        vals, nonnum = numbers(df[aval])
        if nonnum.any():
            i = np.flatnonzero(nonnum)
            raise_problem(file, pos[i], aval, [df[aval].iloc[i[0]]], "is not a number")
        _check_times(vals, pos, file, aval)
    else:
        vals = np.full(len(df), np.nan)
    derived = np.isnan(vals)
    if not derived.any():
        return vals, derived
    end = date_days(df[adt], derived, pos, file, adt)
    start = date_days(df[startdt], derived, pos, file, startdt)
    why = "AVAL is blank" if aval else "there is no AVAL column"
    for col, d in ((startdt, start), (adt, end)):
        miss = derived & np.isnan(d)
        if miss.any():
            i = np.flatnonzero(miss)
            raise_problem(
                file,
                pos[i],
                col,
                [None],
                f"while {why}: AVAL = {adt} - {startdt} + 1 needs both dates",
                "fill in the date or AVAL",
            )
    before = derived & (end < start)
    if before.any():
        i = np.flatnonzero(before)
        j = i[0]
        raise_problem(
            file,
            pos[i],
            adt,
            [date_text(df[adt].iloc[j])],
            f"is before {startdt} {value_text(date_text(df[startdt].iloc[j]))} "
            f"(AVAL = {adt} - {startdt} + 1 would be below 1 day)",
            "correct the dates or give AVAL",
        )
    vals = vals.copy()
    vals[derived] = end[derived] - start[derived] + 1
    return vals, derived


def stated_unit(df: pd.DataFrame, unit_col: str | None, pos, file: str) -> str | None:
    """The one unit written in the unit column (AVALU, unit, ...), None when there is none."""
    if not unit_col:
        return None
    ut = as_text(df[unit_col])
    vals = pd.unique(ut.dropna().str.strip().str.lower())
    vals = [v for v in vals if v]
    if len(vals) > 1:
        first = ut.str.strip().str.lower()
        j = np.flatnonzero((first != vals[0]).fillna(False).to_numpy(dtype=bool))
        raise_problem(
            file,
            pos[j],
            unit_col,
            [ut.iloc[j[0]]],
            f"differs from {vals[0]!r} above: all times must be in one unit",
        )
    return parse_unit(vals[0], f"{file}: column {unit_col}") if vals else None


def time_unit(
    given: str | None,
    stated: str | None,
    unit_col: str | None,
    time_col: str,
    times: np.ndarray,
    file: str,
    mode: str,
) -> tuple[str, str]:
    """(unit of the times, where it came from): --unit, else the unit column, else a
    ``_days``/``_months``/... column name, else days when the largest time is above
    :data:`AMBIGUOUS_MAX_DAYS` (at or below it a missing unit is refused as ambiguous)."""
    if given:
        u = parse_unit(given, "--unit")
        if stated and stated != u:
            raise InputError(
                f"--unit {u} disagrees with {file}: column {unit_col}, which says {stated}; "
                "drop --unit or correct the column"
            )
        return u, "user (--unit)"
    if stated:
        return stated, f"column {unit_col}"
    m = re.search(r"_(days|weeks|months|years)$", time_col.lower())
    if m:
        return m.group(1), f"column name {time_col}"
    largest = float(times.max()) if times.size else 0.0
    if largest <= AMBIGUOUS_MAX_DAYS:
        raise InputError(
            f"{file}: column {time_col}: the time unit is not stated (no "
            f"{'AVALU' if mode == 'adam' else 'unit'} column) and the largest time is "
            f"{largest:g}, which looks like months or years; give --unit days, months or years"
        )
    return "days", "default (days; no unit column; give --unit to change)"
