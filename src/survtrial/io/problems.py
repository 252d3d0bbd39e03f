"""How a bad input value is reported: one line naming the file, the row as a spreadsheet shows
it (header = row 1), the column, the value, how many rows share the problem, and what to do.

Every function here raises :class:`survtrial.InputError`; none returns a message to print.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from survtrial._errors import InputError
from survtrial.io.readers import spreadsheet_row


def list_text(items, limit: int = 12) -> str:
    """``a, b, c, ... (n more)``: at most ``limit`` items, for a message."""
    items = [str(i) for i in items]
    more = len(items) - limit
    return ", ".join(items[:limit]) + (f", ... ({more} more)" if more > 0 else "")


def value_text(v: Any) -> str:
    """A cell value as a message shows it: repr, or ``missing (blank)``."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return "missing (blank)"
    return repr(v.item() if isinstance(v, np.generic) else v)


def raise_problem(
    file: str, rows: np.ndarray, column: str, values, what: str, fix: str = ""
) -> None:
    """Raise for the first of ``rows`` (0-based positions in the file) with the count."""
    first = int(rows[0])
    count = int(rows.shape[0])
    more = f" ({count} rows like this; the first is shown)" if count > 1 else ""
    fix = f"; {fix}" if fix else ""
    what = f" {what}" if what else ""
    raise InputError(
        f"{file}: row {spreadsheet_row(first)}, column {column}: value {value_text(values[0])}"
        f"{what}{more}{fix}"
    )


def blank(s: pd.Series) -> np.ndarray:
    """Mask of missing or whitespace-only entries of a text column."""
    return s.isna().to_numpy() | (s.str.strip() == "").fillna(True).to_numpy(dtype=bool)


def require_filled(s: pd.Series, rows, file: str, column: str, fix: str) -> None:
    """Raise for the first missing or blank entry of the text column ``s``."""
    miss = blank(s)
    if miss.any():
        i = np.flatnonzero(miss)
        raise_problem(file, np.asarray(rows)[i], column, [None], "", fix)
