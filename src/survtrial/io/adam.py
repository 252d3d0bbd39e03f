"""CDISC ADaM-style data sets of one simulated trial: ADSL, ADTTE, ADAE (CSV and Parquet).

Times: AVAL in days from randomization (AVALU = "DAYS"); CNSR 1 = censored, 0 = event (ADaM's
convention). Dates are calendar dates (ISO 8601). Column names follow ADaM where a standard name
exists; extra columns carry their unit in the name.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from survtrial.trial import CutData, TrialBatch


def _dates(start: dt.date, days: np.ndarray) -> list[str]:
    return [(start + dt.timedelta(days=int(d))).isoformat() if np.isfinite(d) else "" for d in days]


def adsl(b: TrialBatch, cd: CutData, row: int = 0) -> pd.DataFrame:
    """One row per patient enrolled on or before the cutoff.

    Every protocol gives identification, age, sex, enrolment, randomization, arm, stratum and
    cutoff columns. The others only where the protocol defines what they describe:
    ``WBC_PER_UL`` with ``population.wbc_per_ul``, ``RISKGRP`` with more than one risk group
    (``population.groups``), ``HEIGHT_CM``/``WEIGHT_KG``/``BSA_M2`` with ``body_size`` and
    ``DOSE_UG_PER_DAY`` with a dosed drug phase of the experimental arm
    (``dose_ug_per_m2_per_day`` > 0; dose = that rate x Mosteller BSA, 0 in the control arm).
    """
    p = b.protocol
    idx = np.flatnonzero(cd.enrolled[row])
    study = p.trial.id.upper()
    arms = [p.control, p.experimental]
    rand = cd.in_data[row][idx]
    arm = b.arm[row][idx]
    excl = b.exclusion[row][idx]
    reasons = b.exclusion_reasons
    cols: dict[str, object] = {
        "STUDYID": study,
        "USUBJID": [f"{study}-{i + 1:05d}" for i in idx],
        "AGE": np.round(b.age_years[row][idx], 2),
        "AGEU": "YEARS",
        "SEX": np.where(b.male[row][idx], "M", "F"),
    }
    if p.population.wbc_per_ul is not None:
        cols["WBC_PER_UL"] = np.round(b.wbc_per_ul[row][idx]).astype(np.int64)
    if len(p.population.groups) > 1:
        groups = [g.name for g in p.population.groups]
        cols["RISKGRP"] = [groups[g] for g in b.group[row][idx]]
    cols |= {
        "ENRLDT": _dates(p.accrual.start, b.enrol_day[row][idx]),
        "RANDFL": np.where(rand, "Y", "N"),
        "ITTFL": np.where(rand, "Y", "N"),
        "NRANDRS": [
            "" if r else (reasons[e] if e >= 0 else "Randomization pending at cutoff")
            for r, e in zip(rand, excl, strict=True)
        ],
        "RANDDT": _dates(p.accrual.start, np.where(rand, b.rand_day[row][idx], np.inf)),
        "ARMCD": [arms[a].name if r else "" for a, r in zip(arm, rand, strict=True)],
        "ARM": [arms[a].label if r else "" for a, r in zip(arm, rand, strict=True)],
        "STRATUM": [
            p.population.strata[s] if r else ""
            for s, r in zip(b.stratum[row][idx], rand, strict=True)
        ],
    }
    if p.body_size is not None:
        cols["HEIGHT_CM"] = np.round(b.height_cm[row][idx], 1)
        cols["WEIGHT_KG"] = np.round(b.weight_kg[row][idx], 1)
        cols["BSA_M2"] = np.round(b.bsa_m2[row][idx], 3)
    if _dosed(p):
        dose = np.where(rand, b.dose_ug_per_day[row][idx], 0.0)
        cols["DOSE_UG_PER_DAY"] = np.round(dose, 2)
    cols["CUTDT"] = (p.accrual.start + dt.timedelta(days=int(cd.cut_day[row]))).isoformat()
    return pd.DataFrame(cols)


def _dosed(p) -> bool:
    """Whether the experimental arm has a drug phase with a dose per m2 (as the trial doses)."""
    return any(ph.drug and ph.dose_ug_per_m2_per_day > 0 for ph in p.experimental.phases)


def adtte(b: TrialBatch, cd: CutData, row: int = 0) -> pd.DataFrame:
    """The endpoint (PARAMCD = the protocol's endpoint, e.g. DFS) and OS per randomized patient."""
    p = b.protocol
    study = p.trial.id.upper()
    idx = np.flatnonzero(cd.in_data[row])
    labels = [e.label for e in p.outcomes.event_types]
    arms = [p.control.name, p.experimental.name]
    base = {
        "STUDYID": study,
        "USUBJID": [f"{study}-{i + 1:05d}" for i in idx],
        "TRTP": [arms[a] for a in b.arm[row][idx]],
        "STRATUM": [p.population.strata[s] for s in b.stratum[row][idx]],
        "STARTDT": _dates(p.accrual.start, b.rand_day[row][idx]),
    }
    ltfu = b.ltfu_time[row][idx]
    dfs_t, dfs_e = cd.event_time[row][idx], cd.event[row][idx]
    cause = cd.cause[row][idx]
    os_t, os_e = cd.os_time[row][idx], cd.os_event[row][idx]

    def cens_desc(t):
        return np.where(ltfu <= t, "LOST TO FOLLOW-UP", "DATA CUTOFF")

    dfs = pd.DataFrame(
        {
            **base,
            "PARAMCD": p.analysis.endpoint,
            "PARAM": f"{p.analysis.endpoint_label or p.analysis.endpoint} (days)",
            "AVAL": dfs_t.astype(np.int64),
            "AVALU": "DAYS",
            "CNSR": (1 - dfs_e).astype(np.int64),
            "EVNTDESC": [labels[c - 1] if c > 0 else "" for c in cause],
            "CNSDTDSC": np.where(dfs_e == 1, "", cens_desc(dfs_t)),
        }
    )
    os_ = pd.DataFrame(
        {
            **base,
            "PARAMCD": "OS",
            "PARAM": "Overall survival (days)",
            "AVAL": os_t.astype(np.int64),
            "AVALU": "DAYS",
            "CNSR": (1 - os_e).astype(np.int64),
            "EVNTDESC": np.where(os_e == 1, "Death", ""),
            "CNSDTDSC": np.where(os_e == 1, "", cens_desc(os_t)),
        }
    )
    return pd.concat([dfs, os_], ignore_index=True)


def adae(b: TrialBatch, cd: CutData, row: int = 0) -> pd.DataFrame:
    """Adverse events of the protocol's grades (grade >= 3) with onset on or before the
    cutoff, one row per event: AETOXGR blank (the exact grade is not simulated), AETOXGRC the
    lower bound ('>=3')."""
    p = b.protocol
    study = p.trial.id.upper()
    occ = cd.ae_in_data[row]
    pat, j = np.nonzero(occ)
    arms = [p.control.name, p.experimental.name]
    days = b.ae_day[row][pat, j]
    return pd.DataFrame(
        {
            "STUDYID": study,
            "USUBJID": [f"{study}-{i + 1:05d}" for i in pat],
            "TRTA": [arms[a] for a in b.arm[row][pat]],
            "AEDECOD": [p.adverse_events[k].term for k in j],
            # the simulation knows only that an event is of the protocol's grade or worse:
            # the grade is left blank, its category says the lower bound
            "AETOXGR": pd.array([pd.NA] * j.size, dtype="Int64"),
            "AETOXGRC": [f">={p.adverse_events[k].grade_min}" for k in j],
            "APHASE": [p.adverse_events[k].phase for k in j],
            "ASTDT": _dates(p.accrual.start, days),
            "ASTDY": (days - b.rand_day[row][pat]).astype(np.int64),
        }
    )


def write_adam(b: TrialBatch, cd: CutData, out_dir: str | Path, row: int = 0) -> list[Path]:
    """Write ADSL, ADTTE and ADAE as CSV and Parquet; return the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in (
        ("adsl", adsl(b, cd, row)),
        ("adtte", adtte(b, cd, row)),
        ("adae", adae(b, cd, row)),
    ):
        csv = out / f"{name}.csv"
        df.to_csv(csv, index=False, lineterminator="\n")
        pq = out / f"{name}.parquet"
        df.to_parquet(pq, index=False, engine="pyarrow")
        written += [csv, pq]
    return written
