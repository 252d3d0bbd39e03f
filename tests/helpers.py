"""Helpers shared by the tests: reading R's fixtures exactly and comparing with tolerances.

Import from here (``from tests.helpers import ...``); tests/conftest.py holds only pytest
fixtures and hooks. Every comparison states its tolerance at the call: there are no defaults,
because the right tolerance depends on the oracle (closed form, iterative fit, printed digits).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REFERENCE = Path(__file__).parent / "reference"
DATA = REFERENCE / "data"
FIXTURES = REFERENCE / "fixtures"

__all__ = [
    "DATA",
    "FIXTURES",
    "REFERENCE",
    "as_array",
    "assert_close",
    "assert_tree_close",
    "fixture_names",
    "read_exact_csv",
    "reference_data",
    "reference_fixture",
]

# pandas < 3 needs float_precision="round_trip" to read R's %.17g exactly; pandas 3 parses
# exactly by default and deprecates the argument.
_EXACT = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}


def read_exact_csv(path, **kwargs) -> pd.DataFrame:
    """Read a CSV written with %.17g so that every double comes back bit for bit."""
    return pd.read_csv(path, **kwargs, **_EXACT)


@cache
def reference_data(name: str) -> pd.DataFrame:
    """A reference data set as R wrote it (full double precision): data/<name>.csv."""
    return read_exact_csv(DATA / f"{name}.csv")


@cache
def reference_fixture(kind: str, name: str) -> dict:
    """The JSON fixture fixtures/<kind>/<name>.json written by an R script."""
    with open(FIXTURES / kind / f"{name}.json") as fh:
        return json.load(fh)


def fixture_names(kind: str) -> list[str]:
    """Names of the JSON fixtures in fixtures/<kind>/, sorted."""
    return sorted(p.stem for p in (FIXTURES / kind).glob("*.json"))


def as_array(values) -> np.ndarray:
    """R values from JSON to a float array: null (NA) is NaN, "Inf"/"inf"/"-Inf"/"-inf" are
    infinities; R writes length-1 vectors as scalars, so the result is at least 1-D."""
    arr = np.atleast_1d(np.asarray(values, dtype=object))
    flat = [np.nan if v is None else float(v) for v in arr.ravel()]
    return np.array(flat, dtype=float).reshape(arr.shape)


def assert_close(actual, expected, rtol: float, atol: float, what: str = "") -> None:
    """Compare with R: same shape, same NaN (NA) positions, then ``|a - e| <= atol + rtol |e|``
    elementwise (numpy's rule; equal infinities pass). ``expected`` may be JSON values."""
    a = np.atleast_1d(np.asarray(actual, dtype=float))
    e = np.atleast_1d(expected) if isinstance(expected, np.ndarray) else as_array(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != R's {e.shape}"
    np.testing.assert_array_equal(np.isnan(a), np.isnan(e), err_msg=f"{what}: NA positions")
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def assert_tree_close(actual, expected, rtol: float, atol: float, what: str = "") -> None:
    """Nested results (dicts and lists, as in results.json) equal: same keys and lengths, every
    float within ``max(rtol |e|, atol)`` (pytest.approx's rule), everything else equal."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), what
        for key in expected:
            assert_tree_close(actual[key], expected[key], rtol, atol, f"{what}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), what
        for i, (x, y) in enumerate(zip(actual, expected, strict=True)):
            assert_tree_close(x, y, rtol, atol, f"{what}[{i}]")
    elif isinstance(expected, float):
        assert actual == pytest.approx(expected, rel=rtol, abs=atol), what
    else:
        assert actual == expected, what
