"""Checks at the boundary of every public statistic.

Each check raises :class:`survtrial.InputError` naming the argument and the first offending
index, so that nothing is dropped silently. Kernels behind these checks assume clean arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from survtrial._errors import InputError


def _as_1d(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values)
    except Exception as exc:  # pragma: no cover - numpy rarely fails here
        raise InputError(f"{name}: cannot be read as an array ({exc})") from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise InputError(f"{name}: expected a one-dimensional array, got shape {arr.shape}")
    if arr.size == 0:
        raise InputError(f"{name}: is empty; at least one observation is needed")
    return arr


def check_time(time: Any, name: str = "time") -> np.ndarray:
    """Follow-up times: finite, non-negative floats."""
    arr = _as_1d(time, name)
    _refuse_missing(arr, name, time)
    if arr.dtype == object or arr.dtype.kind not in "iufb":
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            bad = _first_non_numeric(arr)
            raise InputError(
                f"{name}: value {_show(arr[bad])} at {_at(time, bad)} is not a number"
            ) from None
    arr = np.asarray(arr, dtype=float)
    lo, hi = arr.min(), arr.max()
    if lo > 0 and hi < np.inf:  # the usual case: two reductions, no temporaries (NaN fails)
        return arr
    finite = np.isfinite(arr)
    if not finite.all():
        bad = int(np.argmin(finite))
        what = "missing (NaN)" if np.isnan(arr[bad]) else f"value {_show(arr[bad])}"
        raise InputError(
            f"{name}: {what} at {_at(time, bad)} is not a finite time; "
            "remove the row or give its follow-up time"
        )
    neg = arr < 0
    if neg.any():
        bad = int(np.argmax(neg))
        raise InputError(
            f"{name}: value {_show(arr[bad])} at {_at(time, bad)} is negative; times must be >= 0"
        )
    if np.signbit(arr).any():  # -0.0 would sort after every positive time in the kernels
        arr = np.abs(arr)
    return arr


def check_codes(values: Any, name: str, n: int, max_code: int | None = 1) -> np.ndarray:
    """Integer codes 0..max_code (event indicator 0/1, or cause 0..K when max_code is None)."""
    arr = _as_1d(values, name)
    _check_length(arr, name, n)
    _refuse_missing(arr, name, values)
    if arr.dtype == bool:
        return arr.astype(np.int64)
    if arr.dtype.kind in "iu":
        low, high = arr.min(), arr.max()
        if low >= 0 and (max_code is None or high <= max_code):
            return arr.astype(np.int64, copy=False)
    try:
        num = arr.astype(float)
    except (TypeError, ValueError):
        bad = _first_non_numeric(arr)
        msg = f"{name}: value {_show(arr[bad])} at {_at(values, bad)} is not a number"
        raise InputError(msg) from None
    bad_mask = ~np.isfinite(num) | (num != np.round(num)) | (num < 0)
    if max_code is not None:
        bad_mask |= num > max_code
    if bad_mask.any():
        bad = int(np.argmax(bad_mask))
        allowed = f"0..{max_code}" if max_code is not None else "a non-negative integer"
        what = "missing (NaN)" if np.isnan(num[bad]) else f"value {_show(arr[bad])}"
        raise InputError(f"{name}: {what} at {_at(values, bad)} is not a code in {allowed}")
    return num.astype(np.int64)


def check_event(event: Any, n: int, name: str = "event") -> np.ndarray:
    """Event indicator: 1 (or True) for an event, 0 for a censored time."""
    return check_codes(event, name, n, max_code=1)


def check_labels(
    values: Any, name: str, n: int, levels: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Group or stratum labels; returns (labels in order, integer codes 0..k-1).

    The order, like R's factor levels: ``levels`` when given (each label once, every label of
    the data and no other); else a pandas categorical's category order; else sorted labels.
    For a group the first label is the reference (control): differences and ratios are
    reported as later groups against it.

    A pandas categorical with a category that no row has is refused: that group has no
    patients, and silently dropping it would change the comparison the user asked for.
    """
    import pandas as pd  # loaded on first use: the batch kernels need none

    cat = None
    if levels is None and isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        cat = pd.Categorical(values)
        counts = np.bincount(cat.codes[cat.codes >= 0], minlength=len(cat.categories))
        if (counts == 0).any():
            empty = cat.categories[int(np.argmin(counts))]
            raise InputError(f"{name}: {name} {str(empty)!r} has no patients")
    arr = _as_1d(values, name)
    _check_length(arr, name, n)
    _refuse_missing(arr, name, values, "every row needs a label")
    if cat is not None:  # R's factor: the categories' order, not sorted
        if (cat.codes < 0).any():
            bad = int(np.argmax(cat.codes < 0))
            raise InputError(
                f"{name}: missing value at {_at(values, bad)}; every row needs a label"
            )
        return np.asarray(cat.categories), cat.codes.astype(np.intp)
    labels, codes = _sorted_labels(arr, name, values)
    if levels is None:
        return labels, codes
    return _in_level_order(labels, codes, levels, name)


def _sorted_labels(arr: np.ndarray, name: str, values: Any) -> tuple[np.ndarray, np.ndarray]:
    """(sorted unique labels, codes) of a 1-D array without missing values."""
    import pandas as pd  # loaded on first use: the batch kernels need none

    if arr.dtype.kind in "iub":  # integer codes: a counting pass, no hashing
        small = arr.view(np.uint8) if arr.dtype == bool else arr
        lo, hi = int(small.min()), int(small.max())
        if hi - lo <= max(4 * arr.shape[0], 1024):
            shifted = small - lo if lo else small
            present = np.bincount(shifted, minlength=hi - lo + 1) > 0
            remap = np.cumsum(present) - 1
            labels = (np.flatnonzero(present) + lo).astype(small.dtype)
            return (labels.astype(bool) if arr.dtype == bool else labels), remap[shifted]
    if arr.dtype == object:
        kinds = {type(v) for v in arr[: min(arr.shape[0], 1000)]}
        if len(kinds) > 1 and not kinds <= {int, float, np.int64, np.float64}:
            arr = np.array(
                [v if v is None or isinstance(v, float) else str(v) for v in arr], dtype=object
            )
    codes, labels = pd.factorize(arr, sort=True)
    if (codes < 0).any():
        bad = int(np.argmax(codes < 0))
        raise InputError(f"{name}: missing value at {_at(values, bad)}; every row needs a label")
    return np.asarray(labels), codes.astype(np.intp, copy=False)


def _in_level_order(
    labels: np.ndarray, codes: np.ndarray, levels: Any, name: str
) -> tuple[np.ndarray, np.ndarray]:
    """Reorder sorted ``labels`` (and recode) to the order of the user's ``levels``."""
    if isinstance(levels, str) or not hasattr(levels, "__iter__"):
        raise InputError(f"levels: expected a sequence of {name} labels, got {levels!r}")
    wanted = [v.item() if isinstance(v, np.generic) else v for v in levels]
    try:
        position = {v: i for i, v in enumerate(wanted)}
    except TypeError:
        raise InputError(f"levels: labels must be strings or numbers, got {levels!r}") from None
    if len(position) != len(wanted):
        raise InputError(f"levels: a label is given twice in {wanted!r}")
    present = [v.item() if isinstance(v, np.generic) else v for v in labels]
    where = [position.get(v) for v in present]
    if None in where:
        extra = present[where.index(None)]
        raise InputError(
            f"{name}: label {_show(extra)} is not in levels {wanted!r}; list every {name} label"
        )
    if len(where) < len(wanted):
        seen = set(where)
        absent = next(v for i, v in enumerate(wanted) if i not in seen)
        raise InputError(f"levels: {_show(absent)} is not a {name} label of the data (no rows)")
    perm = np.asarray(where, dtype=np.intp)  # sorted index -> level index
    return labels[np.argsort(perm)], perm[codes]


def check_groups(
    group: Any, n: int, name: str = "group", min_groups: int = 2, levels: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Group labels (see :func:`check_labels`; the first is the reference) and their codes."""
    labels, codes = check_labels(group, name, n, levels)
    if labels.size < min_groups:
        raise InputError(
            f"{name}: found {labels.size} group(s) ({', '.join(map(str, labels))}); "
            f"at least {min_groups} are needed"
        )
    return labels, codes


def check_positive(value: Any, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name}: {value!r} is not a number") from None
    if not np.isfinite(v) or v <= 0:
        raise InputError(f"{name}: must be a positive finite number, got {value!r}")
    return v


def check_level(confidence_level: Any) -> float:
    try:
        v = float(confidence_level)
    except (TypeError, ValueError):
        raise InputError(f"confidence_level: {confidence_level!r} is not a number") from None
    if not 0 < v < 1:
        raise InputError(f"confidence_level: must lie in (0, 1), got {confidence_level!r}")
    return v


def _refuse_missing(
    arr: np.ndarray, name: str, original: Any, hint: str = "remove the row or fill it in"
) -> None:
    """Missing values (None, pandas.NA, NaT in object arrays) are refused, never dropped.

    Float NaN in a numeric array is left to the checks that follow (they name it too).
    """
    import pandas as pd  # loaded on first use: the batch kernels need none

    if arr.dtype == object:
        missing = pd.isna(arr)
        if missing.any():
            bad = int(np.argmax(missing))
            raise InputError(f"{name}: missing value at {_at(original, bad)}; {hint}")


def _at(original: Any, position: int) -> str:
    """Where a bad value is: its position, and its row label when a pandas object carries one
    that differs (a filtered DataFrame's column keeps the labels of the rows it came from)."""
    import pandas as pd  # loaded on first use: the batch kernels need none

    index = getattr(original, "index", None)
    if isinstance(index, pd.Index) and not (
        isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
    ):
        return f"index {position} (row label {_show(index[position])})"
    return f"index {position}"


def _show(value: Any) -> str:
    """A value as a user wrote it: 'x', 2.5, nan (no numpy scalar reprs in messages)."""
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value) if isinstance(value, str) else str(value)


def _check_length(arr: np.ndarray, name: str, n: int) -> None:
    if arr.shape[0] != n:
        raise InputError(f"{name}: has {arr.shape[0]} values but time has {n}; lengths must match")


def _first_non_numeric(arr: np.ndarray) -> int:
    for i, v in enumerate(arr.tolist()):
        try:
            float(v)
        except (TypeError, ValueError):
            return i
    return 0
