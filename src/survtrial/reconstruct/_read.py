"""Reading digitized curves and numbers-at-risk tables from CSV, with one-line errors.

Every problem names the file, the row as a spreadsheet shows it (the header is row 1) and the
column. Files are read as text first, so that nothing is silently coerced.

Curve file: one row per digitized point, a time column (``time``, ``t`` or ``x``) and a
survival column (``St``, ``S``, ``surv``, ``survival`` or ``y``) on the 0-1 scale; column
names are matched without regard to case; other columns are ignored.

Numbers-at-risk file, either shape:

- long (as ``data/aall1731/numbers_at_risk.csv``): columns ``arm``, a time column and a count
  column (``n_at_risk``, ``n_risk``, ``nrisk``, ``at_risk`` or ``n``), one row per arm and time;
- wide: a time column and one count column per arm, named by the arm.

The time column is ``time``, ``t`` or a unit name (``year``/``years``, ``month``/``months``,
``week``/``weeks``, ``day``/``days``), which then gives the time unit. An optional
``endpoint`` column (e.g. dfs, os) selects the rows of one endpoint.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survtrial._errors import InputError

TIME_NAMES = ("time", "t", "x")
UNIT_NAMES = {
    "year": "years",
    "years": "years",
    "month": "months",
    "months": "months",
    "week": "weeks",
    "weeks": "weeks",
    "day": "days",
    "days": "days",
}
SURVIVAL_NAMES = ("st", "s", "surv", "survival", "y")
COUNT_NAMES = ("n_at_risk", "n_risk", "nrisk", "at_risk", "n")


def _read_text(source: Any, name: str) -> pd.DataFrame:
    """Read a CSV as strings; ``source`` is a path or a Traversable (shipped data)."""
    try:
        if isinstance(source, str | Path):
            p = Path(source)
            if not p.exists():
                raise InputError(f"{name}: no such file")
            if p.is_dir():
                raise InputError(f"{name}: is a directory, not a CSV file")
            raw = p.read_bytes()
        else:
            raw = source.read_bytes()
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{name}: not a UTF-8 text (CSV) file") from None
    if not text.strip():
        raise InputError(f"{name}: the file is empty")
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "cannot parse"
        raise InputError(f"{name}: not a readable CSV file ({first})") from None
    if df.shape[0] == 0:
        raise InputError(f"{name}: has a header but no data rows")
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _find(df: pd.DataFrame, names, name: str, what: str) -> str:
    lower = {c.lower(): c for c in df.columns}
    for n in names:
        if n in lower:
            return lower[n]
    raise InputError(
        f"{name}: no {what} column; expected one of {', '.join(names)} "
        f"(found: {', '.join(df.columns)})"
    )


def _numbers(df: pd.DataFrame, col: str, name: str) -> np.ndarray:
    """A column as floats; the first empty or non-numeric cell is an error with its row."""
    text = df[col].astype(str).str.strip()
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        i = int(bad[0])
        cell = text.iloc[i]
        shown = "an empty cell" if cell == "" else f"{cell!r}, not a finite number"
        raise InputError(f"{name}: row {i + 2}, column {col!r}: {shown}")
    return values


def read_curve(source: Any, name: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Digitized (time, survival) points of one curve from a CSV file (see module notes)."""
    name = name or str(source)
    df = _read_text(source, name)
    tcol = _find(df, TIME_NAMES, name, "time")
    scol = _find(df, SURVIVAL_NAMES, name, "survival")
    t = _numbers(df, tcol, name)
    s = _numbers(df, scol, name)
    neg = np.flatnonzero(t < 0)
    if neg.size:
        i = int(neg[0])
        raise InputError(f"{name}: row {i + 2}, column {tcol!r}: negative time {t[i]:g}")
    out = np.flatnonzero((s < 0) | (s > 1))
    if out.size:
        i = int(out[0])
        hint = "; give probabilities (0-1), not percent" if s.max() > 1 else ""
        raise InputError(
            f"{name}: row {i + 2}, column {scol!r}: survival {s[i]:g} is outside [0, 1]{hint}"
        )
    return t, s


def read_at_risk(
    source: Any, name: str | None = None, endpoint: str | None = None
) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], str | None]:
    """Numbers at risk per arm from a long or wide CSV (see module notes).

    Returns ``({arm: (times, counts)}, unit)``, ``unit`` from the time column's name (None
    when it is a plain ``time``). Arms keep the order of their first row.
    """
    name = name or str(source)
    df = _read_text(source, name)
    df = df.assign(_row=np.arange(2, df.shape[0] + 2))
    lower = {c.lower(): c for c in df.columns}
    if "endpoint" in lower:
        ecol = lower["endpoint"]
        values = df[ecol].astype(str).str.strip()
        found = list(dict.fromkeys(values))
        if endpoint is None:
            if len(found) > 1:
                raise InputError(
                    f"{name}: column {ecol!r} holds several endpoints ({', '.join(found)}); "
                    "choose one with --endpoint"
                )
        else:
            keep = values.str.lower() == endpoint.strip().lower()
            if not keep.any():
                raise InputError(
                    f"{name}: column {ecol!r} has no endpoint {endpoint!r} "
                    f"(found: {', '.join(found)})"
                )
            df = df.loc[keep.to_numpy()].reset_index(drop=True)
        df = df.drop(columns=[ecol])
    elif endpoint is not None:
        raise InputError(
            f"{name}: --endpoint {endpoint!r} given but the file has no endpoint column"
        )
    time_names = (*TIME_NAMES, *UNIT_NAMES)
    tcol = _find(df, time_names, name, "time")
    unit = UNIT_NAMES.get(tcol.lower())
    t_all = _numbers(df, tcol, name)
    rows = df["_row"].to_numpy()
    neg = np.flatnonzero(t_all < 0)
    if neg.size:
        i = int(neg[0])
        raise InputError(f"{name}: row {rows[i]}, column {tcol!r}: negative time {t_all[i]:g}")
    if "arm" in {c.lower() for c in df.columns}:
        acol = {c.lower(): c for c in df.columns}["arm"]
        ccol = _find(df, COUNT_NAMES, name, "number-at-risk count")
        arms = df[acol].astype(str).str.strip().to_numpy()
        empty = np.flatnonzero(arms == "")
        if empty.size:
            raise InputError(f"{name}: row {rows[empty[0]]}, column {acol!r}: empty arm name")
        counts = _numbers(df, ccol, name)
        groups = {a: np.flatnonzero(arms == a) for a in dict.fromkeys(arms)}
        cols = {a: ccol for a in groups}
        per_arm = {a: (t_all[ix], counts[ix], rows[ix]) for a, ix in groups.items()}
    else:
        arm_cols = [c for c in df.columns if c not in (tcol, "_row")]
        if not arm_cols:
            raise InputError(
                f"{name}: no arm column and no count columns; give columns arm, {tcol} and "
                f"n_at_risk (long) or {tcol} and one column per arm (wide)"
            )
        per_arm, cols = {}, {}
        for c in arm_cols:
            present = df[c].astype(str).str.strip() != ""
            ix = np.flatnonzero(present.to_numpy())
            sub = df.iloc[ix]
            per_arm[c] = (t_all[ix], _numbers(sub.reset_index(drop=True), c, name), rows[ix])
            bad = np.flatnonzero(~np.isfinite(per_arm[c][1]))
            if bad.size:  # pragma: no cover - _numbers raises first
                raise InputError(f"{name}: column {c!r}: bad count")
            cols[c] = c
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for arm, (t, n, r) in per_arm.items():
        col = cols[arm]
        bad = np.flatnonzero((n < 0) | (n != np.round(n)))
        if bad.size:
            i = int(bad[0])
            raise InputError(
                f"{name}: row {r[i]}, column {col!r}: {n[i]:g} is not a whole number >= 0"
            )
        order = np.argsort(t, kind="stable")
        t, n, r = t[order], n[order], r[order]
        dup = np.flatnonzero(np.diff(t) == 0)
        if dup.size:
            i = int(dup[0]) + 1
            raise InputError(
                f"{name}: row {r[i]}, column {tcol!r}: arm {arm!r} has time {t[i]:g} twice"
            )
        if t.size == 0 or t[0] != 0:
            raise InputError(
                f"{name}: row {r[0]}, column {tcol!r}: arm {arm!r} starts at time {t[0]:g}; the "
                "table must start at time 0 with the number randomized"
            )
        up = np.flatnonzero(np.diff(n) > 0)
        if up.size:
            i = int(up[0]) + 1
            raise InputError(
                f"{name}: row {r[i]}, column {col!r}: arm {arm!r} has {n[i]:g} at risk at time "
                f"{t[i]:g}, more than the {n[i - 1]:g} at time {t[i - 1]:g}; numbers at risk "
                "cannot increase"
            )
        if n[0] <= 0:
            raise InputError(
                f"{name}: row {r[0]}, column {col!r}: arm {arm!r} has no one at risk at time 0"
            )
        out[arm] = (t, n.astype(np.int64))
    return out, unit
