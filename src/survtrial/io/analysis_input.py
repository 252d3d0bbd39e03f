"""From files to an :class:`~survtrial.analysis.data.AnalysisData`: layout, parameter, times,
events, unit, ADSL merge, arms, strata, causes and adverse events, one step per function.

Everything here runs before any statistic. Each problem raises :class:`survtrial.InputError`
naming the file, the row as a spreadsheet shows it (header = row 1), the column and the value,
and how many rows have the same problem. Rows are only ever excluded by an option the user gave
(``--param``, ``--arms``, ``--ae-grade-min``) and every exclusion is counted in
:attr:`AnalysisData.excluded`. All checks are vectorized (pandas / numpy); no Python loop runs
over rows. Times are converted to days (:data:`survtrial.units.DAYS_PER_UNIT`) at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from survtrial._errors import InputError
from survtrial.analysis.data import AnalysisData
from survtrial.io.adae import AnalysedSubjects, load_adae
from survtrial.io.adsl import AdslRows, actual_arms, merge_adsl
from survtrial.io.columns import Layout, detect_layout, require, strata_columns, treatment_column
from survtrial.io.covariates import baseline_columns, baseline_frame, locate, subgroup_frame
from survtrial.io.options import LoadOptions
from survtrial.io.problems import blank, list_text, raise_problem, require_filled
from survtrial.io.readers import as_text, read_columns, read_table, spreadsheet_row
from survtrial.io.values import (
    DAYS_PER,
    aval_or_dates,
    binary_column,
    parse_unit,
    stated_unit,
    time_column,
    time_unit,
)


@dataclass
class _Record:
    """What one load records on its way (files read, rows left out, notes, where each value
    came from); frozen into the AnalysisData at the end."""

    sources: dict[str, str]
    files: list[dict] = field(default_factory=list)
    excluded: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Rows:
    """The time-to-event rows kept so far and their 0-based rows in the file."""

    frame: pd.DataFrame
    pos: np.ndarray
    file: str


@dataclass(frozen=True, slots=True)
class _Plan:
    """Which column of which file plays which role, from the headers alone."""

    layout: Layout
    roles: dict[str, str]  # the layout's roles, then arm and cause
    adsl_cols: list[str]  # ADSL's header ([] without ADSL)
    arm_in: str  # the file of the treatment column: "adtte" or "adsl"
    strata: tuple[tuple[str, str], ...]  # (column, "adtte"/"adsl") per factor
    strata_source: str
    baseline: tuple[tuple[str, str], ...] = ()  # Table 1 variables: (column, file)
    baseline_source: str = ""
    subgroups: tuple[tuple[str, str], ...] = ()  # subgroup factors: (column, file)

    def strata_in(self, where: str) -> list[str]:
        return [c for c, src in self.strata if src == where]

    def covariates_in(self, where: str) -> list[str]:
        return [c for c, src in (*self.baseline, *self.subgroups) if src == where]


def load_analysis_data(opts: LoadOptions) -> AnalysisData:
    """Read, merge, select and validate; return the clean analysis arrays (times in days)."""
    plan = _plan(opts)
    rec = _Record(sources={"time": plan.layout.time_source, "strata": plan.strata_source})
    tte = _read_tte(opts, plan, rec)
    tte, param = _select_param(opts, tte, plan.roles.get("param"), rec)
    time, derived = _read_times(tte, plan.layout, plan.roles, rec)
    event = _read_events(tte, plan.layout.mode, plan.roles)
    time_days, unit = _to_days(opts, tte, plan.layout, plan.roles, time, derived, rec)
    subject = _subjects(tte, plan.roles.get("id"), param)
    adsl = _adsl(opts, plan, subject, tte, rec) if opts.adsl is not None else None
    arm_col = plan.roles["arm"]
    arm, labels, keep = _assign_arms(opts, *_column(arm_col, plan.arm_in, tte, adsl), arm_col, rec)
    stratum, stratum_labels = _strata(plan.strata, tte, adsl, keep)
    baseline = _covariates(plan.baseline, tte, adsl, keep)
    rec.sources["baseline"] = plan.baseline_source
    subgroups = _covariates(plan.subgroups, tte, adsl, keep)
    cause, cause_labels = _causes(tte, plan.roles.get("cause"), event, keep, rec)
    subject = None if subject is None else subject[keep].reset_index(drop=True)
    columns = {**plan.roles, **({"unit": plan.layout.unit_col} if plan.layout.unit_col else {})}
    actual = None
    if opts.adae is not None and adsl is not None:
        actual = actual_arms(adsl, keep, labels)
        if actual is not None:
            columns["actual_arm"] = actual[1]
    adverse_events = None
    if opts.adae is not None:
        analysed = AnalysedSubjects(subject, arm, labels, *(actual or (None, None)), arm_col)
        adverse_events = _adverse_events(opts, analysed, rec)
        if rec.files[-1].get("grade_column"):
            columns["ae_grade"] = rec.files[-1]["grade_column"]
    return AnalysisData(
        time_days=time_days[keep],
        event=event[keep].astype(np.int64),
        arm=arm.astype(np.int64),
        arm_labels=labels,
        stratum=stratum,
        stratum_labels=stratum_labels,
        strata_columns=tuple(c for c, _ in plan.strata),
        cause=cause,
        cause_labels=cause_labels,
        subject=subject,
        unit=unit,
        sources=rec.sources,
        columns=columns,
        files=tuple(rec.files),
        excluded=tuple(rec.excluded),
        notes=tuple(rec.notes),
        adverse_events=adverse_events,
        param=param,
        mode=plan.layout.mode,
        aval_derived_rows=0 if derived is None else int(derived.sum()),
        actual_arm=None if actual is None else actual[0],
        baseline=baseline_frame(baseline) if baseline else None,
        subgroups=(
            subgroup_frame(subgroups, _files_of(plan.subgroups, tte, adsl)) if subgroups else None
        ),
    )




def _plan(opts: LoadOptions) -> _Plan:
    """Read the headers; find the layout and the treatment, strata and cause columns."""
    f_tte = opts.adtte.name
    cols = read_columns(opts.adtte, opts.encoding)
    layout = detect_layout(opts, cols, f_tte)
    adsl_cols = read_columns(opts.adsl, opts.encoding) if opts.adsl is not None else []
    arm_col, arm_in = treatment_column(opts, cols, adsl_cols, layout.mode, f_tte)
    strata, strata_source = strata_columns(opts, cols, adsl_cols, layout.mode, f_tte)
    roles = {**layout.roles, "arm": arm_col}
    if opts.cause:
        roles["cause"] = require(cols, opts.cause, f_tte, "--cause")
    f_sl = opts.adsl.name if opts.adsl is not None else None
    baseline, baseline_source = baseline_columns(
        opts.baseline, strata, cols, adsl_cols, f_tte, f_sl
    )
    subgroups = locate(opts.subgroups, "--subgroups", cols, adsl_cols, f_tte, f_sl)
    return _Plan(
        layout, roles, adsl_cols, arm_in, strata, strata_source, baseline, baseline_source,
        subgroups,
    )


def _read_tte(opts: LoadOptions, plan: _Plan, rec: _Record) -> _Rows:
    """Read the columns with a role, the strata and the unit column (a treatment column that
    lives in ADSL is simply not in the file)."""
    unit = [plan.layout.unit_col] if plan.layout.unit_col else []
    want = [*plan.roles.values(), *plan.strata_in("adtte"), *plan.covariates_in("adtte"), *unit]
    tab = read_table(opts.adtte, list(dict.fromkeys(want)), opts.encoding)
    rec.files.append(tab.describe("time-to-event data"))
    return _Rows(tab.frame, np.arange(len(tab.frame)), opts.adtte.name)


def _select_param(opts, tte: _Rows, pc: str | None, rec: _Record) -> tuple[_Rows, str | None]:
    """Keep the rows of --param (or the file's only parameter); count the rows left out."""
    if pc is None:
        return tte, None
    ptext = as_text(tte.frame[pc])
    present = pd.unique(ptext.dropna())
    if opts.param is None:
        if len(present) > 1:
            raise InputError(
                f"{tte.file}: column {pc} has {len(present)} parameters ({list_text(present)}); "
                "choose one with --param (e.g. --param " + str(present[0]) + ")"
            )
        rec.sources["param"] = "the only one in the file"
        return tte, str(present[0]) if len(present) else None
    param = opts.param
    if param not in set(present):
        raise InputError(
            f"--param: {param!r} is not a value of {pc} in {tte.file} (it has {list_text(present)})"
        )
    keep = (ptext == param).fillna(False).to_numpy(dtype=bool)
    n_out = int((~keep).sum())
    if n_out:
        rec.excluded.append(
            {"file": tte.file, "reason": f"{pc} is not {param} (--param)", "rows": n_out}
        )
    rec.sources["param"] = "user"
    return _Rows(tte.frame.loc[keep], tte.pos[keep], tte.file), param


def _read_times(tte: _Rows, layout: Layout, roles, rec) -> tuple[np.ndarray, np.ndarray | None]:
    """(times in the input's unit, mask of rows whose AVAL is derived from dates in days, None
    when the file has no ADT/STARTDT)."""
    if not (layout.mode == "adam" and layout.dates):
        return time_column(tte.frame, roles["time"], tte.pos, tte.file), None
    aval, adt, startdt = layout.aval, layout.adt, layout.startdt
    time, derived = aval_or_dates(tte.frame, aval, adt, startdt, tte.pos, tte.file)
    n_der = int(derived.sum())
    rule = f"AVAL = {adt} - {startdt} + 1 (days; ADaM convention: the start date is day 1)"
    if not aval or n_der == len(derived):
        rec.sources["time"] = f"derived: {rule}"
        rec.notes.append(f"no AVAL given: {rule} for all {n_der} rows")
    else:
        rec.sources["time"] = f"ADaM AVAL; {n_der} rows with AVAL blank derived: {rule}"
        derived_text = (
            f"{rule} for the {n_der} rows with AVAL blank" if n_der else "no AVAL is blank"
        )
        rec.notes.append(
            f"both AVAL and {adt}/{startdt} are present: AVAL is used where given "
            f"({len(derived) - n_der} rows); {derived_text}"
        )
    return time, derived


def _read_events(tte: _Rows, mode: str, roles: dict) -> np.ndarray:
    """Events 1, censorings 0: 1 - CNSR (ADaM) or the event column (plain)."""
    if mode == "adam":
        return 1 - binary_column(
            tte.frame,
            roles["censor"],
            tte.pos,
            tte.file,
            "is not 0 (event) or 1 (censored)",
            "recode censoring reasons to 1",
        )
    return binary_column(
        tte.frame,
        roles["event"],
        tte.pos,
        tte.file,
        "is not 1 (event) or 0 (censored)",
        "code events 1 and censorings 0",
    )


def _to_days(opts, tte: _Rows, layout: Layout, roles, time, derived, rec) -> tuple:
    """(times in days, the input's unit). Times derived from dates are in days whatever the
    unit of the given AVAL values."""
    if derived is not None and derived.all():
        if opts.unit and parse_unit(opts.unit, "--unit") != "days":
            raise InputError(
                f"--unit {opts.unit}: {tte.file} has no AVAL; it is derived from {layout.adt} "
                f"and {layout.startdt} in days; drop --unit"
            )
        rec.sources["unit"] = "days (AVAL derived from dates)"
        return time * DAYS_PER["days"], "days"
    given = time if derived is None else time[~derived]
    stated = stated_unit(tte.frame, layout.unit_col, tte.pos, tte.file)
    unit, source = time_unit(
        opts.unit, stated, layout.unit_col, roles["time"], given, tte.file, layout.mode
    )
    rec.sources["unit"] = source
    if derived is not None and derived.any():
        time[derived] = time[derived] / DAYS_PER[unit]  # derived in days
    return time * DAYS_PER[unit], unit


def _subjects(tte: _Rows, id_col: str | None, param: str | None) -> pd.Series | None:
    """The subject identifiers as text: present on every row, one row per subject."""
    if id_col is None:
        return None
    subject = as_text(tte.frame[id_col])
    require_filled(subject, tte.pos, tte.file, id_col, "every row needs a subject identifier")
    dup = subject.duplicated(keep=False).to_numpy()
    if not dup.any():
        return subject
    i = np.flatnonzero(dup)
    first = subject.iloc[i[0]]
    same = np.flatnonzero((subject == first).to_numpy())
    within = f" within PARAMCD {param}" if param else ""
    n_subj = int(subject[dup].nunique())
    subjects = "subjects" if n_subj > 1 else "subject"
    raise InputError(
        f"{tte.file}: rows {', '.join(str(spreadsheet_row(tte.pos[j])) for j in same[:5])}, "
        f"column {id_col}: value {first!r} appears {len(same)} times{within} ({n_subj} "
        f"{subjects} like this; the first is shown); keep one row per subject"
        + (" and parameter" if param else "")
    )


def _adsl(opts: LoadOptions, plan: _Plan, subject, tte: _Rows, rec: _Record) -> AdslRows:
    """Merge ADSL for the treatment and strata found there (and TRT01A with an ADAE)."""
    if subject is None:
        raise InputError(
            f"{tte.file}: row 1 (header): no subject identifier column (USUBJID) to merge "
            f"{opts.adsl.name} on; name it with --id"
        )
    arm_col = plan.roles["arm"] if plan.arm_in == "adsl" else None
    adsl = merge_adsl(
        opts, plan.adsl_cols, subject, tte.pos, tte.file, arm_col, plan.strata_in("adsl"),
        plan.covariates_in("adsl"),
    )
    rec.files.append(adsl.entry)
    return adsl


def _column(name: str, src: str, tte: _Rows, adsl: AdslRows | None):
    """(a column as text, one entry per time-to-event row; its rows in its file; the file)."""
    if src == "adtte":
        return as_text(tte.frame[name]), tte.pos, tte.file
    s = as_text(adsl.frame[name]).to_numpy()[adsl.index]
    return pd.Series(s, dtype=object), adsl.index, adsl.name


def _assign_arms(opts, arm_text, arm_rows, arm_file, arm_col, rec):
    """(arm 0 control / 1 experimental of the kept rows, (control, experimental) labels, mask
    of the rows kept). Without --arms the two arms in order of first appearance."""
    require_filled(arm_text, arm_rows, arm_file, arm_col, "every subject needs a treatment arm")
    codes, uniques = pd.factorize(arm_text)  # order of first appearance
    uniques = [str(u) for u in uniques]
    counts = np.bincount(codes, minlength=len(uniques))
    if opts.arms is not None:
        for a in opts.arms:
            if a not in uniques:
                have = list_text(f"{u} ({c})" for u, c in zip(uniques, counts, strict=True))
                raise InputError(
                    f"--arms: arm {a!r} has no subjects in {arm_file} (column {arm_col} has {have})"
                )
        if opts.arms[0] == opts.arms[1]:
            raise InputError(f"--arms: give two different arms, got {opts.arms[0]!r} twice")
        labels = (opts.arms[0], opts.arms[1])
        rec.sources["arms"] = "user (--arms CONTROL,EXPERIMENTAL)"
    else:
        if len(uniques) < 2:
            raise InputError(
                f"{arm_file}: column {arm_col}: only one arm has subjects ({uniques[0]!r}, "
                f"{counts[0]} subjects); a comparison needs two arms (check --param and the "
                "treatment column, or give --arm)"
            )
        if len(uniques) > 2:
            raise InputError(
                f"{arm_file}: column {arm_col} has {len(uniques)} arms "
                f"({list_text(uniques)}); choose two with --arms CONTROL,EXPERIMENTAL"
            )
        labels = (uniques[0], uniques[1])
        rec.sources["arms"] = (
            "order of first appearance in the file (control first; set --arms to change)"
        )
    arm_map = np.full(len(uniques), -1)
    arm_map[uniques.index(labels[0])] = 0
    arm_map[uniques.index(labels[1])] = 1
    arm = arm_map[codes]
    keep = arm >= 0
    if not keep.all():
        others = sorted({uniques[c] for c in np.unique(codes[~keep])})
        rec.excluded.append(
            {
                "file": arm_file,
                "reason": f"{arm_col} is not one of --arms ({list_text(others)})",
                "rows": int((~keep).sum()),
            }
        )
    return arm[keep], labels, keep


def _strata(strata_cols, tte: _Rows, adsl, keep) -> tuple[np.ndarray, tuple[str, ...]]:
    """(stratum code 0..m-1 of each kept row, sorted labels ``a / b`` of the combined factors);
    one stratum ``all`` when unstratified."""
    parts = []
    for c, src in strata_cols:
        s, rows, file = _column(c, src, tte, adsl)
        require_filled(s, rows, file, c, "every subject needs a stratum (or leave --strata out)")
        parts.append(s.to_numpy(dtype=object))
    if not parts:
        return np.zeros(int(keep.sum()), dtype=np.int64), ("all",)
    text = pd.Series(parts[0])
    if len(parts) > 1:
        text = text.astype(str)
        for part in parts[1:]:
            text = text + " / " + pd.Series(part).astype(str)
    codes, labels = pd.factorize(text[keep].reset_index(drop=True), sort=True)
    return np.asarray(codes, dtype=np.int64), tuple(str(x) for x in labels)


def _covariates(cols, tte: _Rows, adsl, keep) -> dict[str, pd.Series]:
    """{column: its values for the kept (analysed) subjects, in their order}."""
    out = {}
    for c, src in cols:
        s, _, _ = _column(c, src, tte, adsl)
        out[c] = pd.Series(s.to_numpy(dtype=object)[keep])
    return out


def _files_of(cols, tte: _Rows, adsl) -> dict[str, str]:
    return {c: (tte.file if src == "adtte" else adsl.name) for c, src in cols}


def _causes(tte: _Rows, cause_col, event, keep, rec) -> tuple[np.ndarray | None, tuple]:
    """(cause of each kept row: 0 censored, k = 1.. into the sorted labels; the labels)."""
    if not cause_col:
        return None, ()
    ct = as_text(tte.frame[cause_col])
    ev_rows = event == 1
    bad = ev_rows & blank(ct)
    if bad.any():
        i = np.flatnonzero(bad)
        raise_problem(
            tte.file,
            tte.pos[i],
            cause_col,
            [None],
            "for an event: every event needs its cause",
            "fill in the cause of each event (censored rows may stay blank)",
        )
    codes, labels = pd.factorize(ct.where(ev_rows, None), sort=True)
    rec.sources["cause"] = f"column {cause_col} on event rows"
    cause = np.where(ev_rows, codes + 1, 0)[keep]
    return cause.astype(np.int64), tuple(str(x) for x in labels)


def _adverse_events(opts, analysed: AnalysedSubjects, rec: _Record) -> pd.DataFrame:
    ae = load_adae(opts, analysed)
    rec.files.append(ae.entry)
    rec.excluded.extend(ae.excluded)
    rec.sources.update(ae.sources)
    rec.notes.extend(ae.notes)
    return ae.pairs
