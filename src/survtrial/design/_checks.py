"""Argument checks for :mod:`survtrial.design`; each raises InputError naming the argument."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from survtrial._errors import InputError


def brentq(f, a: float, b: float, **kwargs) -> float:
    """scipy's Brent root finder, imported on first use (scipy.optimize takes 0.3 s to import,
    which every ``survtrial`` command would otherwise pay at start-up)."""
    from scipy.optimize import brentq as _brentq

    return _brentq(f, a, b, **kwargs)


def as_float_array(values: Any, name: str) -> np.ndarray:
    if isinstance(values, str):
        raise InputError(f"{name}: expected numbers, got the string {values!r}")
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name}: cannot be read as numbers ({values!r})") from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1 or arr.size == 0:
        raise InputError(f"{name}: expected a non-empty one-dimensional sequence of numbers")
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"{name}: value {arr[i]} at index {i} is not finite")
    return arr


def information_rates(values: Any, name: str = "information_rates") -> np.ndarray:
    """Strictly increasing information fractions in (0, 1] ending at 1."""
    arr = as_float_array(values, name)
    if arr.size > 20:
        raise InputError(f"{name}: at most 20 looks are supported, got {arr.size}")
    out = (arr <= 0) | (arr > 1)
    if out.any():
        i = int(np.argmax(out))
        raise InputError(f"{name}: value {arr[i]} at index {i} is outside (0, 1]")
    steps = np.diff(arr) <= 0
    if steps.any():
        i = int(np.argmax(steps)) + 1
        raise InputError(
            f"{name}: values must increase strictly; index {i} ({arr[i]}) does not exceed "
            f"index {i - 1} ({arr[i - 1]})"
        )
    if abs(arr[-1] - 1.0) > 1e-12:
        raise InputError(
            f"{name}: the last look must be at information fraction 1 (the maximum), got "
            f"{arr[-1]}; divide by the planned maximum information"
        )
    arr[-1] = 1.0
    return arr


def fractions_observed(values: Any, name: str) -> np.ndarray:
    """Strictly increasing positive information fractions (may exceed 1 when over-running)."""
    arr = as_float_array(values, name)
    if (arr <= 0).any():
        i = int(np.argmax(arr <= 0))
        raise InputError(f"{name}: value {arr[i]} at index {i} must be positive")
    steps = np.diff(arr) <= 0
    if steps.any():
        i = int(np.argmax(steps)) + 1
        raise InputError(f"{name}: values must increase strictly; index {i} does not")
    return arr


def open_unit(value: Any, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name}: {value!r} is not a number") from None
    if not 0.0 < v < 1.0:
        raise InputError(f"{name}: must lie in (0, 1), got {value!r}")
    return v


def positive(value: Any, name: str, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name}: {value!r} is not a number") from None
    ok = np.isfinite(v) and (v >= 0 if allow_zero else v > 0)
    if not ok:
        kind = "non-negative" if allow_zero else "positive"
        raise InputError(f"{name}: must be a {kind} finite number, got {value!r}")
    return v


def hazard_ratio(value: Any, name: str = "hazard_ratio") -> float:
    v = positive(value, name)
    if v == 1.0:
        raise InputError(f"{name}: must differ from 1 (no effect means no finite sample size)")
    return v


def sided(value: Any) -> int:
    if value not in (1, 2):
        raise InputError(f"sided: must be 1 or 2, got {value!r}")
    return int(value)


def error_rates(alpha: Any, beta: Any, sided_: Any) -> tuple[float, float, int]:
    """Type I and II errors as rpact allows them: ``(alpha, beta, sided)``.

    rpact (``.assertIsValidAlpha``, ``.assertIsValidBeta``) refuses ``alpha >= 0.5`` and
    ``beta >= 1 - alpha``. Here ``alpha`` is one-sided for ``sided=1`` (in (0, 0.5)) and the
    total of both sides for ``sided=2`` (in (0, 1): below 0.5 per side); ``beta`` lies in
    (0, 1 - alpha), so that the power exceeds the type I error.
    """
    s = sided(sided_)
    a = open_unit(alpha, "alpha")
    if a / s >= 0.5:
        raise InputError(
            f"alpha: a one-sided alpha must lie in (0, 0.5), got {alpha!r}"
            if s == 1
            else f"alpha: a two-sided alpha must lie in (0, 1), got {alpha!r}"
        )
    b = open_unit(beta, "beta")
    if b >= 1.0 - a:
        raise InputError(
            f"beta: must lie in (0, 1 - alpha) = (0, {1.0 - a:g}) so that the power exceeds "
            f"alpha, got {beta!r}"
        )
    return a, b, s


def cumulative_vector(values: Sequence[float], name: str, kmax: int, total: float) -> np.ndarray:
    arr = as_float_array(values, name)
    if arr.size != kmax:
        raise InputError(f"{name}: has {arr.size} values but there are {kmax} looks")
    if (arr < 0).any() or (np.diff(arr) < 0).any():
        raise InputError(f"{name}: cumulative spending must be non-negative and non-decreasing")
    if arr[-1] > total * (1 + 1e-12) or arr[-1] <= 0:
        raise InputError(f"{name}: the last value ({arr[-1]}) must lie in (0, {total}]")
    return arr
