"""Risk-set tables built from sorted times: the kernel under Kaplan-Meier, log-rank and RMST.

Everything here takes clean arrays (validated by the public functions) and uses sorting,
``searchsorted`` and cumulative sums only. Instead of ``np.argsort`` (slow on large arrays) a
sample is sorted once as unsigned 64-bit keys: the bit pattern of a non-negative double orders
like the double itself and fits in 63 bits, so the key ``bits << 1 | censored`` sorts by time
with events before censorings at a tie (R's convention) and carries the event flag along.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from survtrial.stats._timefix import Cuts, find_cuts


def global_cuts(time: np.ndarray) -> Cuts | None:
    """R's timefix is applied to all times together, before any split by group or stratum."""
    return find_cuts(np.sort(time))


def sort_with_events(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Times in ascending order (events first at a tie) and the matching event flags.

    ``time`` must be finite, >= 0 and without negative zeros (see ``check_time``). One array
    of n keys is allocated and reused for the sorted times (fresh large temporaries cost page
    faults that dominate at 10^6 rows).
    """
    key = np.ascontiguousarray(time, dtype=np.float64).view(np.uint64) << np.uint64(1)
    key |= event == 0
    key.sort()
    low_byte = key.view(np.uint8)[:: key.itemsize] if _LITTLE_ENDIAN else None
    if low_byte is not None:
        is_event = (low_byte & np.uint8(1)) == 0
    else:  # pragma: no cover - big-endian machines
        is_event = (key & np.uint64(1)) == 0
    key >>= np.uint64(1)
    return key.view(np.float64), is_event


_LITTLE_ENDIAN = np.little_endian


@dataclass(frozen=True, slots=True)
class SortedSample:
    """One sample's times, sorted (events first at a tie), and their event flags."""

    all_times: np.ndarray
    is_event: np.ndarray

    @classmethod
    def from_arrays(cls, time: np.ndarray, event: np.ndarray, cuts: Cuts | None) -> SortedSample:
        """Sort ``time`` with its events, merging near-equal times by ``cuts`` (R's timefix)."""
        all_times, is_event = sort_with_events(time, event)
        if cuts is not None:
            all_times = cuts.apply_sorted(all_times, in_place=True)  # our own fresh array
        return cls(all_times, is_event)

    @property
    def n(self) -> int:
        return self.all_times.shape[0]


def split_by_code(codes: np.ndarray, n_codes: int, *arrays: np.ndarray) -> list[list[np.ndarray]]:
    """Split each array by an integer code 0..n_codes-1; returns ``[code][array]``."""
    if n_codes <= 2:
        out = []
        for c in range(n_codes):
            mask = codes == c
            out.append([a[mask] for a in arrays])
        return out
    small = codes.astype(np.int16 if n_codes < 2**15 else np.int64, copy=False)
    order = np.argsort(small, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(small, minlength=n_codes))])
    gathered = [a[order] for a in arrays]
    return [[g[bounds[c] : bounds[c + 1]] for g in gathered] for c in range(n_codes)]


def run_starts(sorted_values: np.ndarray) -> np.ndarray:
    """Indices where a new distinct value starts in a sorted array."""
    n = sorted_values.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    flags = np.empty(n, dtype=bool)
    flags[0] = True
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=flags[1:])
    return np.flatnonzero(flags)


@dataclass(frozen=True, slots=True)
class RiskTable:
    """Distinct times of one sample with numbers at risk, events and censorings."""

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray


def risk_table(sample: SortedSample) -> RiskTable:
    """All distinct times (events and censorings), as R's ``survfit`` lists them."""
    t = sample.all_times
    n = t.shape[0]
    if n < 2 or not (t[1:] == t[:-1]).any():  # no tied times: common for continuous data
        n_event = sample.is_event.astype(np.float64)
        return RiskTable(t, np.arange(n, 0, -1, dtype=np.float64), n_event, 1.0 - n_event)
    starts = run_starts(t)
    times = t[starts]
    count = np.diff(starts, append=n)
    n_risk = (n - starts).astype(np.float64)
    n_event = np.add.reduceat(sample.is_event, starts, dtype=np.float64) if n else np.zeros(0)
    return RiskTable(times, n_risk, n_event, count - n_event)
