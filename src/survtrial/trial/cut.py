"""The data cut: the trial's data as they stand at a calendar cutoff, per replicate.

Patients randomized after the cutoff are out; follow-up is censored at the cutoff or at loss to
follow-up, whichever comes first. :func:`analysis_data` hands one replicate's cut data to
:mod:`survtrial.analysis` as the same :class:`~survtrial.analysis.AnalysisData` a real data set
gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from survtrial.arrays import namespace
from survtrial.protocol import Protocol
from survtrial.trial.batch import TrialBatch
from survtrial.units import DAYS_PER_YEAR

if TYPE_CHECKING:  # loaded where used: the looks of a simulation need neither
    from survtrial.analysis import AnalysisData, AnalysisSettings


@dataclass(frozen=True, slots=True)
class CutData:
    cut_day: np.ndarray  # (R,) calendar day of the cutoff
    enrolled: np.ndarray  # (R, N) enrolled on or before the cutoff
    in_data: np.ndarray  # (R, N) randomized on or before the cutoff
    event_time: np.ndarray  # (R, N) days to the first event or censoring (the endpoint)
    event: np.ndarray  # 0/1
    cause: np.ndarray  # 0 censored, else 1 + index into outcomes.event_types
    os_time: np.ndarray  # days to death or censoring
    os_event: np.ndarray
    ae_in_data: np.ndarray  # (R, N, n_ae) AE with onset on or before the cutoff


def endpoint_at(b: TrialBatch, cut_day: np.ndarray):
    """(in_data, censoring time, event, time) of the endpoint at the cutoff: what an interim
    look needs, without the rest of :func:`cut_data` (the same arithmetic)."""
    xp = namespace(b.randomized)
    c = xp.asarray(cut_day, dtype=float).reshape(-1, 1)
    in_data = b.randomized & (b.rand_day <= c)
    potential = xp.where(in_data, c - b.rand_day, 0.0)
    censor = xp.minimum(potential, b.ltfu_time)
    ev = in_data & (b.event_time <= censor)
    time = xp.where(in_data, xp.where(ev, b.event_time, censor), 0.0)
    return in_data, censor, ev, time


def cut_data(b: TrialBatch, cut_day: np.ndarray) -> CutData:
    c = np.asarray(cut_day, dtype=float).reshape(-1, 1)
    in_data, censor, ev, time = endpoint_at(b, cut_day)
    cause = np.where(ev, b.event_type + 1, 0)
    dead = in_data & (b.death_time <= censor)
    os_time = np.where(in_data, np.where(dead, b.death_time, censor), 0.0)
    ae = b.ae_occurs & in_data[..., None] & (b.ae_day <= c[..., None])
    return CutData(
        cut_day=c[:, 0],
        enrolled=b.enrolled & (b.enrol_day <= c),
        in_data=in_data,
        event_time=time,
        event=ev.astype(np.int64),
        cause=cause.astype(np.int64),
        os_time=os_time,
        os_event=dead.astype(np.int64),
        ae_in_data=ae,
    )


def protocol_settings(p: Protocol) -> AnalysisSettings:
    """The protocol's analysis plan as :class:`AnalysisSettings` (horizons in days)."""
    from survtrial.analysis import AnalysisSettings
    a = p.analysis
    years = a.milestone_days / DAYS_PER_YEAR
    return AnalysisSettings(
        milestone_days=float(a.milestone_days),
        milestone_text=f"{years:.4g} years",
        milestone_source="protocol",
        tau_days=float(a.rmst_tau_days),
        tau_text=f"{a.rmst_tau_days:g} days (protocol)",
        confidence_level=a.confidence_level,
        at_risk_years=tuple(float(y) for y in a.at_risk_years),
        milestone_se=a.milestone_se,
    )


OVERALL_SURVIVAL = "OS"


def analysis_data(b: TrialBatch, cd: CutData, row: int = 0, endpoint: str = "") -> AnalysisData:
    """Replicate ``row``'s randomized patients at the cut, one row each, for the analysis of
    the protocol's endpoint (default; with its competing first events and adverse events) or of
    overall survival (``endpoint="OS"``: time to death from any cause)."""
    import pandas as pd

    from survtrial.analysis import AnalysisData

    p = b.protocol
    m = cd.in_data[row]
    arm = b.arm[row][m]
    common = dict(
        arm=arm,
        arm_labels=(p.control.name, p.experimental.name),
        stratum=b.stratum[row][m],
        stratum_labels=tuple(p.population.strata),
        strata_columns=("STRATUM",),
        subject=None,
        unit="days",
        sources={"arms": "protocol", "strata": "protocol", "unit": "simulation"},
        columns={},
        files=(),
        excluded=(),
        mode="simulated",
    )
    if endpoint == OVERALL_SURVIVAL:
        return AnalysisData(
            time_days=cd.os_time[row][m].astype(float),
            event=cd.os_event[row][m],
            cause=None,
            cause_labels=(),
            param=OVERALL_SURVIVAL,
            **common,
        )
    ids = np.flatnonzero(m)
    occ = cd.ae_in_data[row][m]
    pairs = []
    for term in sorted({a.term for a in p.adverse_events}):
        cols = [j for j, a in enumerate(p.adverse_events) if a.term == term]
        who = np.flatnonzero(occ[:, cols].any(axis=1))
        pairs.append(pd.DataFrame({"subject": ids[who], "term": term, "arm": arm[who]}))
    return AnalysisData(
        time_days=cd.event_time[row][m].astype(float),
        event=cd.event[row][m],
        cause=cd.cause[row][m],
        cause_labels=tuple(e.name for e in p.outcomes.event_types),
        adverse_events=pd.concat(pairs, ignore_index=True) if pairs else None,
        param=p.analysis.endpoint,
        **common,
    )


@dataclass(frozen=True, slots=True)
class Consort:
    """The CONSORT flow of one simulated trial at its data cut: patients enrolled, those not
    randomized by reason, randomized by arm, and analysed (randomized by the cut) by arm."""

    enrolled: int
    not_randomized: dict[str, int]  # reason -> patients
    randomization_pending: int  # enrolled, eligible, not yet randomized at the cut
    randomized: dict[str, int]  # arm -> patients
    analysed: dict[str, int]  # arm -> patients in the analysis


def consort(b: TrialBatch, cd: CutData, row: int = 0) -> Consort:
    p = b.protocol
    enrolled = cd.enrolled[row]
    excl = np.where(enrolled, b.exclusion[row], -2)  # -2: not enrolled by the cut
    reasons = {
        r: int((excl == i).sum()) for i, r in enumerate(b.exclusion_reasons) if (excl == i).any()
    }
    arms = (p.control.name, p.experimental.name)
    in_data = cd.in_data[row]
    randomized = {a: int((in_data & (b.arm[row] == i)).sum()) for i, a in enumerate(arms)}
    return Consort(
        enrolled=int(enrolled.sum()),
        not_randomized=reasons,
        randomization_pending=int((enrolled & (excl == -1) & ~in_data).sum()),
        randomized=randomized,
        analysed=dict(randomized),  # intention to treat: everyone randomized by the cut
    )
