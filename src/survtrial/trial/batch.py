"""The simulated patients of a batch of replicate trials: arrays of shape (replicates, patients).

Calendar time is in whole days since ``accrual.start``; event times are whole days since
randomization (at least 1); ``inf`` means "never" (not randomized, no event, not lost).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from survtrial.protocol import Protocol


@dataclass(frozen=True, slots=True)
class TrialBatch:
    """The simulated patients of ``replicates`` trials (arrays of shape (R, N))."""

    protocol: Protocol
    replicate_ids: np.ndarray
    enrolled: np.ndarray
    enrol_day: np.ndarray
    age_years: np.ndarray
    male: np.ndarray
    wbc_per_ul: np.ndarray
    height_cm: np.ndarray
    weight_kg: np.ndarray
    bsa_m2: np.ndarray
    group: np.ndarray
    exclusion: np.ndarray  # -1: none; else index into ``exclusion_reasons``
    randomized: np.ndarray
    stratum: np.ndarray  # -1 when not randomized
    arm: np.ndarray  # 0 control, 1 experimental, -1 not randomized
    rand_day: np.ndarray  # calendar day of randomization (inf when not randomized)
    event_time: np.ndarray  # days from randomization to the first event (inf: none)
    event_type: np.ndarray  # index into outcomes.event_types, -1: none
    death_time: np.ndarray  # days from randomization to death (inf: none)
    ltfu_time: np.ndarray  # days from randomization to loss to follow-up (inf: none)
    dose_ug_per_day: np.ndarray  # dose of the experimental drug during its phases, 0 otherwise
    ae_occurs: np.ndarray  # (R, N, n_ae) bool
    ae_day: np.ndarray  # (R, N, n_ae) calendar day of onset
    exclusion_reasons: tuple[str, ...] = ()
    # (R, W) the randomized patients' columns first (the enrolment's); None: computed on use
    randomized_first: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.enrolled.shape

    def days(self, date: dt.date) -> int:
        """Calendar day (since the start of accrual) of ``date``."""
        return (date - self.protocol.accrual.start).days
