"""Shared helpers for the reference tests: fixtures written by tests/reference/*.R."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

REFERENCE = Path(__file__).parent / "reference"
DATA = REFERENCE / "data"
FIXTURES = REFERENCE / "fixtures"


# pandas < 3 needs float_precision="round_trip" to read R's %.17g exactly; pandas 3 parses
# exactly by default and deprecates the argument.
_EXACT = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}


def read_exact_csv(path, **kwargs) -> pd.DataFrame:
    """Read a CSV written with %.17g so that every double comes back bit for bit."""
    return pd.read_csv(path, **kwargs, **_EXACT)


@cache
def reference_data(name: str) -> pd.DataFrame:
    """A reference data set as R wrote it (full double precision)."""
    return read_exact_csv(DATA / f"{name}.csv")


@cache
def reference_fixture(kind: str, name: str) -> dict:
    with open(FIXTURES / kind / f"{name}.json") as fh:
        return json.load(fh)


def fixture_names(kind: str) -> list[str]:
    return sorted(p.stem for p in (FIXTURES / kind).glob("*.json"))


def as_array(values) -> np.ndarray:
    """JSON numbers (null = NA) to a float array; R writes length-1 vectors as scalars."""
    arr = np.atleast_1d(np.asarray(values, dtype=object))
    return np.array([np.nan if v is None else float(v) for v in arr], dtype=float)  # "Inf" ok


def assert_close(actual, expected, rtol: float = 1e-8, atol: float = 1e-12, what: str = ""):
    """Compare with R: same NaN (NA) positions, then |a - e| <= atol + rtol |e|."""
    a = np.atleast_1d(np.asarray(actual, dtype=float))
    e = as_array(expected) if not isinstance(expected, np.ndarray) else np.atleast_1d(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != R's {e.shape}"
    np.testing.assert_array_equal(np.isnan(a), np.isnan(e), err_msg=f"{what}: NA positions")
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
