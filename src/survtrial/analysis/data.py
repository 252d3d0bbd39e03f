"""The data set of one analysis: clean arrays, one row per analysed subject, and where each
piece came from. Built by :mod:`survtrial.io` from files and by :mod:`survtrial.trial` from a
simulated trial; analysed by :func:`survtrial.analysis.analyse`. Times in days."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True, slots=True)
class AnalysisData:
    """Clean arrays of the analysed subjects (one row each) and where everything came from.

    Frozen: a loader collects files, exclusions and notes on its way and builds this once."""

    time_days: np.ndarray  # float, >= 0
    event: np.ndarray  # int 0/1
    arm: np.ndarray  # int 0 (control) / 1 (experimental)
    arm_labels: tuple[str, str]
    stratum: np.ndarray  # int codes 0..m-1 (all 0 when unstratified)
    stratum_labels: tuple[str, ...]
    strata_columns: tuple[str, ...]
    cause: np.ndarray | None  # int: 0 censored, k = 1.. index into cause_labels (1-based)
    cause_labels: tuple[str, ...]
    subject: pd.Series | None  # USUBJID as text (for the ADAE merge)
    unit: str  # unit of the input times
    sources: dict[str, str]  # what -> "user" / "detected" / "default" / "AVALU" ...
    columns: dict[str, str]  # role -> column used
    files: tuple[dict, ...]  # one entry per file read
    excluded: tuple[dict, ...]  # {"file", "reason", "rows"}
    notes: tuple[str, ...] = ()
    # one row per subject and term: subject, term, arm (and grade, the worst, when the ADAE has
    # one: float 1-5, NaN not recorded; its column is columns["ae_grade"]; and grade_at_least,
    # the largest AETOXGRC lower bound ">=k" of a blank grade, when the ADAE codes them)
    adverse_events: pd.DataFrame | None = None
    param: str | None = None
    mode: str = "adam"
    aval_derived_rows: int = 0  # ADTTE rows whose AVAL was derived as ADT - STARTDT + 1
    # actual treatment per analysed subject from ADSL TRT01A: 0 / 1, -1 for neither compared arm
    # (e.g. not treated); None without ADSL TRT01A. The safety population for adverse events.
    actual_arm: np.ndarray | None = None
    # Table 1: one column per baseline variable (float: continuous, object text: categorical;
    # missing NaN / None), one row per analysed subject; None: no baseline table
    baseline: pd.DataFrame | None = None
    # subgroup factors for the forest plot: one text column each (None missing)
    subgroups: pd.DataFrame | None = None

    @property
    def n(self) -> int:
        return int(self.time_days.shape[0])
