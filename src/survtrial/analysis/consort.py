"""The CONSORT flow of a real trial (Schulz et al., BMJ 2010, figure 1) from its subject-level
data (ADSL, as :class:`SubjectLevel`) and the analysed time-to-event data
(:class:`~survtrial.analysis.AnalysisData`): enrolled (by risk group), eligible, not randomized
by reason, randomized per arm, analysed per arm, events and censored per arm.

A box is counted only from a column that says it (:data:`ADSL_COLUMNS`); when the ADSL has no
such column the box is left out and :attr:`TrialFlow.left_out` says which column was missing.
Nothing is derived from another box (no "eligible = enrolled - not randomized"). Reading the
file is :mod:`survtrial.monitor.subjects`' job; this module only counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from survtrial.analysis.data import AnalysisData

ADSL_COLUMNS: dict[str, tuple[str, ...]] = {
    "enrolled": ("ENRLFL", "ENRLDT"),  # flag Y/N, or an enrolment date (filled = enrolled)
    "eligible": ("ELIGFL",),
    "randomized": ("RANDFL",),
    "reason": ("NRANDRS",),  # why an enrolled patient was not randomized
    "risk_group": ("RISKGRP",),
    "randomization_date": ("RANDDT",),
    "cutoff": ("DCUTDT", "CUTDT"),
    "arm": ("TRT01P", "ARMCD", "ARM"),  # planned arm; the first that names the analysed arms
}
"""ADSL columns read for each role, in order of preference (case-insensitive)."""

NOT_RECORDED = "reason not recorded"


@dataclass(frozen=True, slots=True)
class SubjectLevel:
    """What the ADSL says of each of its subjects (one entry per row); None: no such column."""

    n_rows: int
    enrolled: np.ndarray | None  # bool
    eligible: np.ndarray | None  # bool
    randomized: np.ndarray | None  # bool
    reason: np.ndarray | None  # str: why not randomized ("" when blank)
    arm: np.ndarray | None  # str: planned arm ("" when blank)
    risk_group: np.ndarray | None  # str ("" when blank)
    randomization_day: np.ndarray | None  # float: days since 1960-01-01 (SAS), NaN when blank
    cutoff: str | None  # the data cut-off date as written
    columns: Mapping[str, str]  # role -> the ADSL column used
    file: str = "ADSL"


@dataclass(frozen=True, slots=True)
class TrialFlow:
    """Patients at each CONSORT box; None: the box is left out (``left_out`` says why).
    Per-arm mappings are keyed by the analysed arms' labels, control first."""

    enrolled: int | None
    risk_groups: Mapping[str, int] | None  # risk group -> patients of ``risk_group_of``
    risk_group_of: str | None  # "enrolled" or "randomized"
    eligible: int | None
    not_randomized: Mapping[str, int] | None  # reason -> enrolled patients not randomized
    randomized_total: int | None
    randomized: Mapping[str, int] | None
    analysed: Mapping[str, int]
    events: Mapping[str, int]
    censored: Mapping[str, int]
    left_out: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    randomization_pending: int = 0  # the simulated flow's field; an ADSL gives it as a reason

    def pooled(self, label: str = "All arms") -> TrialFlow:
        """The same flow with the arms added together (a DSMB's open session shows no
        comparison by arm)."""

        def total(m: Mapping[str, int]) -> dict[str, int]:
            return {label: int(sum(m.values()))}

        return TrialFlow(
            enrolled=self.enrolled, risk_groups=self.risk_groups,
            risk_group_of=self.risk_group_of, eligible=self.eligible,
            not_randomized=self.not_randomized, randomized_total=self.randomized_total,
            randomized=None, analysed=total(self.analysed), events=total(self.events),
            censored=total(self.censored),
            left_out=tuple(s for s in self.left_out if not s.startswith("randomized by arm")),
            notes=(),
        )  # fmt: skip


def _counts(values: np.ndarray, blank_as: str) -> dict[str, int]:
    """Patients per distinct value, in order of first appearance; blank counted as ``blank_as``."""
    text = np.where(values == "", blank_as, values).astype(object)
    labels, first, n = np.unique(text, return_index=True, return_counts=True)
    order = np.argsort(first, kind="stable")
    return {str(labels[i]): int(n[i]) for i in order}


def _col(s: SubjectLevel, role: str) -> str:
    return s.columns.get(role) or " or ".join(ADSL_COLUMNS[role])


def trial_flow(subjects: SubjectLevel | None, data: AnalysisData) -> TrialFlow:
    """The CONSORT counts of ``subjects`` (the ADSL; None when none was given) and the
    analysed ``data`` (analysed, events and censored per arm come from the data)."""
    arms = data.arm_labels
    analysed = {a: int((data.arm == i).sum()) for i, a in enumerate(arms)}
    events = {a: int(data.event[data.arm == i].sum()) for i, a in enumerate(arms)}
    censored = {a: analysed[a] - events[a] for a in arms}
    if subjects is None:
        return TrialFlow(
            None, None, None, None, None, None, None, analysed, events, censored,
            left_out=("enrolled, risk groups, eligible, not randomized and randomized: no ADSL "
                      "was given (--adsl)",),
        )  # fmt: skip
    s = subjects
    left: list[str] = []
    notes: list[str] = []
    enrolled = None if s.enrolled is None else int(s.enrolled.sum())
    if s.enrolled is None:
        left.append(f"enrolled: {s.file} has no {_col(s, 'enrolled')} column")
    randomized_total = None if s.randomized is None else int(s.randomized.sum())
    if s.randomized is None:
        left.append(f"randomized: {s.file} has no {_col(s, 'randomized')} column")
    # risk groups: of the enrolled when known, else of the randomized
    risk, risk_of = None, None
    base = s.enrolled if s.enrolled is not None else s.randomized
    if s.risk_group is None:
        left.append(f"risk groups: {s.file} has no {_col(s, 'risk_group')} column")
    elif base is None:
        left.append("risk groups: neither enrolment nor randomization is recorded")
    else:
        risk_of = "enrolled" if s.enrolled is not None else "randomized"
        risk = _counts(s.risk_group[base], "not recorded")
    eligible = None
    if s.eligible is None:
        left.append(f"eligible: {s.file} has no {_col(s, 'eligible')} column")
    else:
        eligible = int((s.eligible & (s.enrolled if s.enrolled is not None else True)).sum())
    not_randomized = None
    if s.enrolled is not None and s.randomized is not None:
        out = s.enrolled & ~s.randomized
        if s.reason is not None:
            not_randomized = _counts(s.reason[out], NOT_RECORDED)
        else:
            not_randomized = {NOT_RECORDED: int(out.sum())} if out.any() else {}
            left.append(f"reasons for not randomizing: {s.file} has no {_col(s, 'reason')} "
                        "column")
    elif s.enrolled is not None or s.randomized is not None:
        left.append("not randomized: needs both enrolment and randomization columns")
    randomized = None
    if s.randomized is not None and s.arm is None:
        left.append(f"randomized by arm: no {s.file} column of {', '.join(ADSL_COLUMNS['arm'])}"
                    f" names the analysed arms ({', '.join(arms)})")
    elif s.randomized is not None:
        randomized = {a: int((s.randomized & (s.arm == a)).sum()) for a in arms}
        other = randomized_total - sum(randomized.values())
        if other:
            notes.append(f"{other} randomized patients have an arm other than {', '.join(arms)} "
                         f"in {s.file} column {s.columns['arm']}")
    return TrialFlow(enrolled, risk, risk_of, eligible, not_randomized, randomized_total,
                     randomized, analysed, events, censored, tuple(left), tuple(notes))


@dataclass(frozen=True, slots=True)
class Accrual:
    """Cumulative randomization over calendar time (pooled): each distinct randomization date
    (days since 1960-01-01, SAS dates) and the patients randomized by the end of it."""

    day: np.ndarray
    cumulative: np.ndarray
    without_date: int  # randomized patients with no randomization date (not drawn)


def accrual(subjects: SubjectLevel | None) -> Accrual | None:
    """The accrual curve from the randomization dates (patients flagged randomized when the
    ADSL has the flag, else every patient with a date); None without dates."""
    if subjects is None or subjects.randomization_day is None:
        return None
    day = subjects.randomization_day
    rand = subjects.randomized if subjects.randomized is not None else np.isfinite(day)
    dated = rand & np.isfinite(day)
    if not dated.any():
        return None
    days, n = np.unique(day[dated], return_counts=True)
    return Accrual(days, np.cumsum(n), int((rand & ~np.isfinite(day)).sum()))


__all__ = ["ADSL_COLUMNS", "Accrual", "SubjectLevel", "TrialFlow", "accrual", "trial_flow"]
