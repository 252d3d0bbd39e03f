"""All arms of a published trial: the pseudo-IPD table and the per-arm accuracy checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from survtrial._errors import InputError
from survtrial.reconstruct._guyot import ArmReconstruction, reconstruct_arm
from survtrial.units import DAYS_PER_UNIT

UNITS = ("days", "weeks", "months", "years")
DAYS_PER = DAYS_PER_UNIT


@dataclass(frozen=True, slots=True)
class Reconstruction:
    """Pseudo individual patient data of every arm of a published trial, with accuracy checks.

    ``arms`` keeps the order in which the curves were given; ``unit`` is the time unit of the
    input (and of the IPD).
    """

    arms: tuple[ArmReconstruction, ...]
    unit: str
    last_interval: str = "guyot"

    def __getitem__(self, arm: str) -> ArmReconstruction:
        for a in self.arms:
            if a.arm == arm:
                return a
        raise KeyError(arm)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(a.arm for a in self.arms)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(time, event, arm) over all arms, in the input unit: ready for ``survtrial.stats``."""
        time = np.concatenate([a.time for a in self.arms])
        event = np.concatenate([a.event for a in self.arms])
        arm = np.concatenate([np.full(a.n, a.arm, dtype=object) for a in self.arms])
        return time, event, arm

    def to_frame(self) -> pd.DataFrame:
        """The IPD table: ``usubjid`` (arm-0001, ...), ``arm``, ``time``, ``event``, ``unit``."""
        time, event, arm = self.arrays()
        ids = np.concatenate([np.arange(1, a.n + 1) for a in self.arms])
        usubjid = [f"{a}-{i:04d}" for a, i in zip(arm, ids, strict=True)]
        return pd.DataFrame(
            {
                "usubjid": usubjid,
                "arm": arm.astype(str),
                "time": time,
                "event": event.astype(np.int64),
                "unit": self.unit,
            }
        )


def check_unit(unit: str) -> str:
    u = str(unit).strip().lower()
    if u in ("year", "month", "week", "day"):
        u += "s"
    if u not in UNITS:
        raise InputError(f"unit: {unit!r} is not one of {', '.join(UNITS)}")
    return u


def reconstruct(
    curves: Mapping[str, tuple[Any, Any]],
    at_risk: Mapping[str, tuple[Any, Any]],
    total_events: Mapping[str, int] | None = None,
    unit: str = "years",
    last_interval: str = "guyot",
) -> Reconstruction:
    """Rebuild pseudo-IPD for every arm of a trial (Guyot et al. 2012), one arm at a time.

    Parameters
    ----------
    curves : mapping arm -> (time, survival)
        Digitized points of each arm's Kaplan-Meier curve (survival on the 0-1 scale).
    at_risk : mapping arm -> (times, counts)
        The published numbers at risk of each arm; the same arms as ``curves``.
    total_events : mapping arm -> int, optional
        Published total events, for the arms where it is known.
    unit : {"days", "weeks", "months", "years"}
        Time unit of the curves and the at-risk table (recorded with the IPD).
    last_interval : {"guyot", "to-end"}
        Censoring rule after the last at-risk time (see :func:`reconstruct_arm`).

    Returns
    -------
    Reconstruction
        See :func:`reconstruct_arm` for the method and the per-arm checks.
    """
    unit = check_unit(unit)
    if not curves:
        raise InputError("curves: give at least one arm")
    missing = [a for a in curves if a not in at_risk]
    if missing:
        raise InputError(
            f"at_risk: no numbers at risk for arm {missing[0]!r} "
            f"(the table has {', '.join(map(repr, at_risk)) or 'none'})"
        )
    extra = [a for a in at_risk if a not in curves]
    if extra:
        raise InputError(
            f"at_risk: arm {extra[0]!r} has no curve (curves: {', '.join(map(repr, curves))})"
        )
    events = dict(total_events or {})
    unknown = [a for a in events if a not in curves]
    if unknown:
        known = ", ".join(map(repr, curves))
        raise InputError(f"total_events: arm {unknown[0]!r} has no curve (curves: {known})")
    arms = tuple(
        reconstruct_arm(
            t, s, *at_risk[arm], total_events=events.get(arm), arm=arm, last_interval=last_interval
        )
        for arm, (t, s) in curves.items()
    )
    return Reconstruction(arms, unit, last_interval)
