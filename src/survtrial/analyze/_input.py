"""From files to clean arrays: column mapping, ADSL merge, exclusions and validation.

Everything here runs before any statistic. Each problem raises :class:`survtrial.InputError`
naming the file, the row as a spreadsheet shows it (header = row 1), the column and the value,
and how many rows have the same problem. Rows are only ever excluded by an option the user gave
(``--param``, ``--arms``) and every exclusion is counted in :attr:`AnalysisData.excluded`.
All checks are vectorized (pandas / numpy); no Python loop runs over rows.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survtrial._errors import InputError
from survtrial.analysis.data import AnalysisData
from survtrial.io.readers import TableFile, as_text, read_columns, read_table, spreadsheet_row
from survtrial.units import DAYS_PER_YEAR

DAYS_PER = {"days": 1.0, "weeks": 7.0, "months": DAYS_PER_YEAR / 12, "years": DAYS_PER_YEAR}
UNIT_WORDS = {
    "d": "days",
    "day": "days",
    "days": "days",
    "w": "weeks",
    "wk": "weeks",
    "week": "weeks",
    "weeks": "weeks",
    "m": "months",
    "mo": "months",
    "month": "months",
    "months": "months",
    "y": "years",
    "yr": "years",
    "yrs": "years",
    "year": "years",
    "years": "years",
}
# a largest time at or below this, with no unit stated anywhere, is refused as ambiguous
AMBIGUOUS_MAX_DAYS = 50.0

TREATMENT_COLUMNS = ("TRT01P", "TRTP", "ARM")
STRATUM_COLUMNS = ("STRATUM", "STRATA")
PLAIN_TIME = ("time", "aval", "futime", "time_days", "time_weeks", "time_months", "time_years")
PLAIN_EVENT = ("event", "status")
PLAIN_ARM = ("arm", "trt", "treatment", "group", "trt01p", "trtp")
PLAIN_ID = ("usubjid", "subjid", "id", "patient", "patient_id")
PLAIN_UNIT = ("avalu", "unit", "time_unit")
AE_TERM_COLUMNS = ("AEDECOD", "AETERM")
AE_GRADE_COLUMNS = ("AETOXGR", "ATOXGR")


@dataclass(frozen=True, slots=True)
class Options:
    """What the user asked for (None = not given)."""

    adtte: Path
    adsl: Path | None = None
    adae: Path | None = None
    param: str | None = None
    time: str | None = None
    event: str | None = None
    arm: str | None = None
    id: str | None = None
    strata: tuple[str, ...] | None = None  # () = none; None = detect
    cause: str | None = None
    unit: str | None = None
    encoding: str | None = None
    arms: tuple[str, str] | None = None
    ae_grade_min: int | None = None  # ADAE: keep rows with AETOXGR/ATOXGR >= this


# ------------------------------------------------------------------------------------------
# helpers


def _lookup(columns: list[str] | tuple[str, ...], names) -> str | None:
    """The first of ``names`` present in ``columns`` (exact first, then case-insensitive)."""
    exact = set(columns)
    for n in names:
        if n in exact:
            return n
    upper = {c.upper(): c for c in columns}
    for n in names:
        if n.upper() in upper:
            return upper[n.upper()]
    return None


def _require(columns, wanted: str, file: str, role: str) -> str:
    found = _lookup(columns, [wanted])
    if found is None:
        raise InputError(
            f"{file}: row 1 (header): missing column {wanted!r} given for {role}; the columns "
            f"are {_list(columns)}"
        )
    return found


def _list(items, limit: int = 12) -> str:
    items = [str(i) for i in items]
    more = len(items) - limit
    return ", ".join(items[:limit]) + (f", ... ({more} more)" if more > 0 else "")


def _value(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return "missing (blank)"
    return repr(v.item() if isinstance(v, np.generic) else v)


def _problem(file: str, rows: np.ndarray, column: str, values, what: str, fix: str = "") -> None:
    """Raise for the first of ``rows`` (0-based positions in the file) with the count."""
    first = int(rows[0])
    count = int(rows.shape[0])
    more = f" ({count} rows like this; the first is shown)" if count > 1 else ""
    fix = f"; {fix}" if fix else ""
    what = f" {what}" if what else ""
    raise InputError(
        f"{file}: row {spreadsheet_row(first)}, column {column}: value {_value(values[0])}"
        f"{what}{more}{fix}"
    )


def _numbers(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(values as float, mask of entries present but not numbers)."""
    if pd.api.types.is_bool_dtype(s):
        return s.to_numpy(dtype=float, na_value=np.nan), np.zeros(len(s), dtype=bool)
    if pd.api.types.is_numeric_dtype(s):
        return s.to_numpy(dtype=float, na_value=np.nan), np.zeros(len(s), dtype=bool)
    num = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    present = s.notna().to_numpy()
    if pd.api.types.is_string_dtype(s):
        present = present & (s.str.strip() != "").fillna(False).to_numpy(dtype=bool)
    return num, present & np.isnan(num)


def parse_unit(text: str, what: str) -> str:
    u = UNIT_WORDS.get(str(text).strip().lower())
    if u is None:
        raise InputError(f"{what}: unknown time unit {text!r}; use days, weeks, months or years")
    return u


def parse_horizon(text: str | float | None, what: str) -> tuple[float, str] | None:
    """A horizon such as ``3`` (years), ``36m``, ``1095.75d``, ``3y`` -> (days, as written)."""
    if text is None:
        return None
    s = str(text).strip().lower()
    m = re.fullmatch(r"([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-z]*)", s)
    if not m:
        raise InputError(
            f"{what}: {text!r} is not a time; write a number of years (3) or add a unit "
            "(36m, 1095d, 3y)"
        )
    value = float(m.group(1))
    unit = parse_unit(m.group(2), what) if m.group(2) else "years"
    if value <= 0:
        raise InputError(f"{what}: must be > 0, got {text!r}")
    return value * DAYS_PER[unit], f"{value:g} {unit}"


# ------------------------------------------------------------------------------------------


def load(opts: Options) -> AnalysisData:
    """Read, merge, select and validate; return the clean analysis arrays."""
    f_tte = opts.adtte.name
    cols = read_columns(opts.adtte, opts.encoding)
    excluded: list[dict] = []
    notes: list[str] = []
    sources: dict[str, str] = {}
    roles: dict[str, str] = {}

    # --- which layout: ADaM ADTTE or a plain table --------------------------------------
    aval = _lookup(cols, ["AVAL"])
    cnsr = _lookup(cols, ["CNSR"])
    adt, startdt = _lookup(cols, ["ADT"]), _lookup(cols, ["STARTDT"])
    dates = bool(adt and startdt)
    if opts.time or opts.event:
        mode = "plain"
    elif (aval or dates) and cnsr:
        mode = "adam"
    elif _lookup(cols, PLAIN_TIME) and _lookup(cols, PLAIN_EVENT):
        mode = "plain"
    else:
        missing = [c for c, f in (("AVAL", aval or dates), ("CNSR", cnsr)) if not f]
        missing = [c + (" (or ADT and STARTDT)" if c == "AVAL" else "") for c in missing]
        raise InputError(
            f"{f_tte}: row 1 (header): missing required column(s) {', '.join(missing)} of an "
            f"ADaM ADTTE (and no time/event columns of a plain table); the columns are "
            f"{_list(cols)}; for a plain table give --time and --event"
        )
    if mode == "adam":
        if aval:
            roles["time"] = aval
        roles["censor"] = cnsr
        if dates:
            roles["end_date"], roles["start_date"] = adt, startdt
        roles["id"] = _require(cols, opts.id or "USUBJID", f_tte, "the subject identifier")
        sources["time"] = "ADaM AVAL"
        if opts.param is not None:
            roles["param"] = _require(cols, "PARAMCD", f_tte, "--param")
        elif _lookup(cols, ["PARAMCD"]):
            roles["param"] = _lookup(cols, ["PARAMCD"])
    else:
        t = _require(cols, opts.time, f_tte, "--time") if opts.time else _lookup(cols, PLAIN_TIME)
        e = (
            _require(cols, opts.event, f_tte, "--event")
            if opts.event
            else _lookup(cols, PLAIN_EVENT)
        )
        if t is None or e is None:
            what = "--time" if t is None else "--event"
            raise InputError(
                f"{f_tte}: row 1 (header): no {what[2:]} column found; name it with {what} "
                f"(the columns are {_list(cols)})"
            )
        roles["time"], roles["event"] = t, e
        sources["time"] = "user" if opts.time else "detected"
        ident = _require(cols, opts.id, f_tte, "--id") if opts.id else _lookup(cols, PLAIN_ID)
        if ident:
            roles["id"] = ident
        if opts.param is not None:
            roles["param"] = _require(cols, "PARAMCD", f_tte, "--param")

    # --- treatment and strata: ADTTE first, then ADSL -----------------------------------
    adsl_cols: list[str] = []
    if opts.adsl is not None:
        adsl_cols = read_columns(opts.adsl, opts.encoding)
    arm_col, arm_in = _treatment_column(opts, cols, adsl_cols, mode, f_tte)
    roles["arm"] = arm_col
    strata_cols: list[tuple[str, str]] = []  # (column, "adtte"/"adsl")
    if opts.strata is None:
        found = _lookup(cols, STRATUM_COLUMNS if mode == "adam" else ("stratum", "strata"))
        if found:
            strata_cols = [(found, "adtte")]
            sources["strata"] = f"detected (column {found}; --strata none to turn off)"
        elif adsl_cols and _lookup(adsl_cols, STRATUM_COLUMNS):
            strata_cols = [(_lookup(adsl_cols, STRATUM_COLUMNS), "adsl")]
            sources["strata"] = f"detected (ADSL column {strata_cols[0][0]})"
        else:
            sources["strata"] = "none found (unstratified)"
    else:
        for s in opts.strata:
            c = _lookup(cols, [s])
            if c is not None:
                strata_cols.append((c, "adtte"))
            elif adsl_cols and _lookup(adsl_cols, [s]):
                strata_cols.append((_lookup(adsl_cols, [s]), "adsl"))
            else:
                where = f"{f_tte}" + (f" or {opts.adsl.name}" if opts.adsl else "")
                have = cols + [c for c in adsl_cols if c not in cols]
                raise InputError(
                    f"--strata: unknown stratification column {s!r}: not a column of {where} "
                    f"(row 1, the header, has {_list(have)})"
                )
        sources["strata"] = "user" if opts.strata else "none (--strata none)"
    cause_col = None
    if opts.cause:
        cause_col = _require(cols, opts.cause, f_tte, "--cause")
        roles["cause"] = cause_col
    unit_col = _lookup(cols, ["AVALU"]) if mode == "adam" else _lookup(cols, PLAIN_UNIT)

    # --- read ------------------------------------------------------------------------
    want = [c for c in roles.values()]
    want += [c for c, src in strata_cols if src == "adtte"]
    if arm_in == "adtte":
        want.append(arm_col)
    if unit_col:
        want.append(unit_col)
    want = list(dict.fromkeys(want))
    tab = read_table(opts.adtte, want, opts.encoding)
    df = tab.frame
    files = [_file_entry(tab, "time-to-event data")]
    pos = np.arange(len(df))  # 0-based file rows of the rows kept

    # --- parameter selection ------------------------------------------------------------
    param = None
    if "param" in roles:
        pc = roles["param"]
        ptext = as_text(df[pc])
        present = pd.unique(ptext.dropna())
        if opts.param is None:
            if len(present) > 1:
                raise InputError(
                    f"{f_tte}: column {pc} has {len(present)} parameters ({_list(present)}); "
                    "choose one with --param (e.g. --param " + str(present[0]) + ")"
                )
            param = str(present[0]) if len(present) else None
            sources["param"] = "the only one in the file"
        else:
            param = opts.param
            if param not in set(present):
                raise InputError(
                    f"--param: {param!r} is not a value of {pc} in {f_tte} "
                    f"(it has {_list(present)})"
                )
            keep = (ptext == param).fillna(False).to_numpy(dtype=bool)
            n_out = int((~keep).sum())
            if n_out:
                excluded.append(
                    {"file": f_tte, "reason": f"{pc} is not {param} (--param)", "rows": n_out}
                )
            df = df.loc[keep]
            pos = pos[keep]
            sources["param"] = "user"

    # --- time, event ------------------------------------------------------------------
    derived = None  # rows whose AVAL is derived from ADT and STARTDT (in days)
    if mode == "adam" and dates:
        time, derived = _aval_or_dates(df, aval, adt, startdt, pos, f_tte)
        n_der = int(derived.sum())
        rule = f"AVAL = {adt} - {startdt} + 1 (days; ADaM convention: the start date is day 1)"
        if not aval or n_der == len(derived):
            sources["time"] = f"derived: {rule}"
            notes.append(f"no AVAL given: {rule} for all {n_der} rows")
        else:
            sources["time"] = f"ADaM AVAL; {n_der} rows with AVAL blank derived: {rule}"
            derived_text = (
                f"{rule} for the {n_der} rows with AVAL blank" if n_der else "no AVAL is blank"
            )
            notes.append(
                f"both AVAL and {adt}/{startdt} are present: AVAL is used where given "
                f"({len(derived) - n_der} rows); {derived_text}"
            )
    else:
        time = _time_column(df, roles["time"], pos, f_tte)
    if mode == "adam":
        cn = _binary_column(
            df,
            roles["censor"],
            pos,
            f_tte,
            "is not 0 (event) or 1 (censored)",
            "recode censoring reasons to 1",
        )
        event = 1 - cn
    else:
        event = _binary_column(
            df,
            roles["event"],
            pos,
            f_tte,
            "is not 1 (event) or 0 (censored)",
            "code events 1 and censorings 0",
        )

    # --- unit ---------------------------------------------------------------------------
    if derived is not None and derived.all():
        unit = "days"
        if opts.unit and parse_unit(opts.unit, "--unit") != "days":
            raise InputError(
                f"--unit {opts.unit}: {f_tte} has no AVAL; it is derived from {adt} and "
                f"{startdt} in days; drop --unit"
            )
        sources["unit"] = "days (AVAL derived from dates)"
    else:
        given = time if derived is None else time[~derived]
        unit = _unit(opts, df, unit_col, roles, pos, f_tte, given, sources, mode)
        if derived is not None and derived.any():
            time[derived] = time[derived] / DAYS_PER[unit]  # derived in days

    # --- subjects, ADSL merge -----------------------------------------------------------
    subject = None
    if "id" in roles:
        subject = as_text(df[roles["id"]])
        _missing(subject, pos, f_tte, roles["id"], "every row needs a subject identifier")
        _duplicates(subject, pos, f_tte, roles["id"], param)
    adsl_frame = None
    adsl_index = None
    if opts.adsl is not None:
        if subject is None:
            raise InputError(
                f"{f_tte}: row 1 (header): no subject identifier column (USUBJID) to merge "
                f"{opts.adsl.name} on; name it with --id"
            )
        adsl_frame, adsl_index, f_info = _merge_adsl(
            opts,
            adsl_cols,
            subject,
            pos,
            f_tte,
            arm_col if arm_in == "adsl" else None,
            [c for c, src in strata_cols if src == "adsl"],
        )
        files.append(f_info)

    def column(name: str, src: str) -> tuple[pd.Series, np.ndarray, str]:
        if src == "adtte":
            return as_text(df[name]), pos, f_tte
        s = as_text(adsl_frame[name]).to_numpy()[adsl_index]
        return pd.Series(s, dtype=object), adsl_index, opts.adsl.name

    # --- arms -------------------------------------------------------------------------
    arm_text, arm_rows, arm_file = column(arm_col, arm_in)
    _missing(arm_text, arm_rows, arm_file, arm_col, "every subject needs a treatment arm")
    codes, uniques = pd.factorize(arm_text)  # order of first appearance
    uniques = [str(u) for u in uniques]
    counts = np.bincount(codes, minlength=len(uniques))
    if opts.arms is not None:
        for a in opts.arms:
            if a not in uniques:
                raise InputError(
                    f"--arms: arm {a!r} has no subjects in {arm_file} (column {arm_col} has "
                    f"{_list(f'{u} ({c})' for u, c in zip(uniques, counts, strict=True))})"
                )
        if opts.arms[0] == opts.arms[1]:
            raise InputError(f"--arms: give two different arms, got {opts.arms[0]!r} twice")
        labels = (opts.arms[0], opts.arms[1])
        sources["arms"] = "user (--arms CONTROL,EXPERIMENTAL)"
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
                f"({_list(uniques)}); choose two with --arms CONTROL,EXPERIMENTAL"
            )
        labels = (uniques[0], uniques[1])
        sources["arms"] = (
            "order of first appearance in the file (control first; set --arms to change)"
        )
    lab_code = {u: i for i, u in enumerate(uniques)}
    arm_map = np.full(len(uniques), -1)
    arm_map[lab_code[labels[0]]] = 0
    arm_map[lab_code[labels[1]]] = 1
    arm = arm_map[codes]
    keep = arm >= 0
    if not keep.all():
        others = sorted({uniques[c] for c in np.unique(codes[~keep])})
        excluded.append(
            {
                "file": arm_file,
                "reason": f"{arm_col} is not one of --arms ({_list(others)})",
                "rows": int((~keep).sum()),
            }
        )

    # --- strata -------------------------------------------------------------------------
    stratum_parts = []
    for c, src in strata_cols:
        s, rows, file = column(c, src)
        _missing(s, rows, file, c, "every subject needs a stratum (or leave --strata out)")
        stratum_parts.append(s.to_numpy(dtype=object))
    if stratum_parts:
        if len(stratum_parts) == 1:
            st_text = pd.Series(stratum_parts[0])
        else:
            st_text = pd.Series(stratum_parts[0]).astype(str)
            for part in stratum_parts[1:]:
                st_text = st_text + " / " + pd.Series(part).astype(str)
        st_text = st_text[keep].reset_index(drop=True)
        st_codes, st_labels = pd.factorize(st_text, sort=True)
        stratum_labels = tuple(str(x) for x in st_labels)
    else:
        st_codes = np.zeros(int(keep.sum()), dtype=np.intp)
        stratum_labels = ("all",)

    # --- cause --------------------------------------------------------------------------
    cause = None
    cause_labels: tuple[str, ...] = ()
    if cause_col:
        ct = as_text(df[cause_col])
        ev_rows = event == 1
        blank = ct.isna().to_numpy() | (ct.str.strip() == "").fillna(True).to_numpy(dtype=bool)
        bad = ev_rows & blank
        if bad.any():
            i = np.flatnonzero(bad)
            _problem(
                f_tte,
                pos[i],
                cause_col,
                [None],
                "for an event: every event needs its cause",
                "fill in the cause of each event (censored rows may stay blank)",
            )
        ccodes, clabels = pd.factorize(ct.where(ev_rows, None), sort=True)
        cause = np.where(ev_rows, ccodes + 1, 0)[keep]
        cause_labels = tuple(str(x) for x in clabels)
        sources["cause"] = f"column {cause_col} on event rows"

    # --- assemble -----------------------------------------------------------------------
    time_days = time * DAYS_PER[unit]
    data = AnalysisData(
        time_days=time_days[keep],
        event=event[keep].astype(np.int64),
        arm=arm[keep].astype(np.int64),
        arm_labels=labels,
        stratum=np.asarray(st_codes, dtype=np.int64),
        stratum_labels=stratum_labels,
        strata_columns=tuple(c for c, _ in strata_cols),
        cause=None if cause is None else cause.astype(np.int64),
        cause_labels=cause_labels,
        subject=None if subject is None else subject[keep].reset_index(drop=True),
        unit=unit,
        sources=sources,
        columns={**roles, **({"unit": unit_col} if unit_col else {})},
        files=files,
        excluded=excluded,
        notes=notes,
        param=param,
        mode=mode,
        aval_derived_rows=0 if derived is None else int(derived.sum()),
    )
    for a, lab in enumerate(labels):
        if not (data.arm == a).any():  # pragma: no cover - excluded above
            raise InputError(f"arm {lab!r} has no subjects")
    if opts.adae is not None and adsl_frame is not None:
        actual_col = _lookup(list(adsl_frame.columns), ["TRT01A"])
        if actual_col is not None:
            text = as_text(adsl_frame[actual_col]).to_numpy(dtype=object)[adsl_index][keep]
            data.actual_arm = np.select(
                [text == labels[0], text == labels[1]], [0, 1], -1
            ).astype(np.int64)
            data.columns["actual_arm"] = actual_col
    if opts.adae is not None:
        _load_adae(opts, data)
    return data


def _file_entry(tab: TableFile, role: str) -> dict:
    return {
        "role": role,
        "path": str(tab.path),
        "format": tab.format,
        "encoding": tab.encoding,
        "rows": tab.n_rows,
    }


def _treatment_column(opts, cols, adsl_cols, mode, f_tte) -> tuple[str, str]:
    if opts.arm:
        c = _lookup(cols, [opts.arm])
        if c:
            return c, "adtte"
        if adsl_cols and _lookup(adsl_cols, [opts.arm]):
            return _lookup(adsl_cols, [opts.arm]), "adsl"
        raise InputError(
            f"{f_tte}: row 1 (header): missing column {opts.arm!r} given for --arm; the "
            f"columns are {_list(cols)}"
        )
    names = TREATMENT_COLUMNS if mode == "adam" else PLAIN_ARM
    c = _lookup(cols, names)
    if c:
        return c, "adtte"
    if adsl_cols:
        c = _lookup(adsl_cols, ("TRT01P", "ARM"))
        if c:
            return c, "adsl"
    extra = " or --adsl with TRT01P/ARM" if mode == "adam" else ""
    raise InputError(
        f"{f_tte}: row 1 (header): missing treatment column ({' or '.join(names[:3])}); "
        f"name it with --arm{extra} (the columns are {_list(cols)})"
    )


def _time_column(df, col, pos, file) -> np.ndarray:
    vals, nonnum = _numbers(df[col])
    if nonnum.any():
        i = np.flatnonzero(nonnum)
        _problem(file, pos[i], col, [df[col].iloc[i[0]]], "is not a number")
    miss = np.isnan(vals)
    if miss.any():
        i = np.flatnonzero(miss)
        _problem(file, pos[i], col, [None], "for a time: every row needs a time")
    bad = ~np.isfinite(vals) | (vals < 0)
    if bad.any():
        i = np.flatnonzero(bad)
        _problem(file, pos[i], col, [vals[i[0]]], "is negative or infinite; times must be >= 0")
    return vals


# SAS date numbers count days from 1960-01-01
SAS_EPOCH = pd.Timestamp("1960-01-01")


def _date_days(s: pd.Series, need: np.ndarray, pos, file, col) -> np.ndarray:
    """Days since 1960-01-01 (SAS date numbers) of ISO dates, datetimes or SAS date numbers;
    NaN where blank. A value that is not a date raises (only on rows in ``need``)."""
    if pd.api.types.is_bool_dtype(s):
        bad = need & s.notna().to_numpy()
        if bad.any():
            i = np.flatnonzero(bad)
            _problem(file, pos[i], col, [s.iloc[i[0]]], "is not a date")
    if pd.api.types.is_numeric_dtype(s):
        return np.floor(s.to_numpy(dtype=float, na_value=np.nan))
    if pd.api.types.is_datetime64_any_dtype(s):
        d = s
        if getattr(d.dt, "tz", None) is not None:
            d = d.dt.tz_localize(None)
    else:
        text = as_text(s)
        blank = (text.str.strip() == "").fillna(True).to_numpy(dtype=bool)
        d = pd.to_datetime(text.where(~blank, None), format="ISO8601", errors="coerce")
        num = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = need & ~blank & d.isna().to_numpy() & np.isnan(num)
        if bad.any():
            i = np.flatnonzero(bad)
            _problem(
                file,
                pos[i],
                col,
                [text.iloc[i[0]]],
                "is not a date",
                "write dates as YYYY-MM-DD (ISO 8601) or SAS date numbers",
            )
        days = ((d - SAS_EPOCH) / pd.Timedelta(days=1)).to_numpy(dtype=float, na_value=np.nan)
        return np.floor(np.where(np.isnan(days), num, days))
    days = ((d - SAS_EPOCH) / pd.Timedelta(days=1)).to_numpy(dtype=float, na_value=np.nan)
    return np.floor(days)


def _date_text(v: Any) -> Any:
    """A date as the user wrote it: ISO text for datetimes, SAS numbers as integers."""
    if isinstance(v, pd.Timestamp):
        return v.isoformat() if (v.hour or v.minute or v.second) else str(v.date())
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, float | np.floating) and np.isfinite(v) and v == int(v):
        return int(v)
    return v


def _aval_or_dates(df, aval, adt, startdt, pos, file) -> tuple[np.ndarray, np.ndarray]:
    """AVAL where given, else ADT - STARTDT + 1 (days); (times, mask of derived rows)."""
    n = len(df)
    if aval:
        vals, nonnum = _numbers(df[aval])
        if nonnum.any():
            i = np.flatnonzero(nonnum)
            _problem(file, pos[i], aval, [df[aval].iloc[i[0]]], "is not a number")
        bad = ~np.isnan(vals) & (~np.isfinite(vals) | (vals < 0))
        if bad.any():
            i = np.flatnonzero(bad)
            _problem(
                file, pos[i], aval, [vals[i[0]]], "is negative or infinite; times must be >= 0"
            )
    else:
        vals = np.full(n, np.nan)
    derived = np.isnan(vals)
    if not derived.any():
        return vals, derived
    end = _date_days(df[adt], derived, pos, file, adt)
    start = _date_days(df[startdt], derived, pos, file, startdt)
    why = "AVAL is blank" if aval else "there is no AVAL column"
    for col, d in ((startdt, start), (adt, end)):
        miss = derived & np.isnan(d)
        if miss.any():
            i = np.flatnonzero(miss)
            _problem(
                file,
                pos[i],
                col,
                [None],
                f"while {why}: AVAL = {adt} - {startdt} + 1 needs both dates",
                "fill in the date or AVAL",
            )
    before = derived & (end < start)
    if before.any():
        i = np.flatnonzero(before)
        j = i[0]
        _problem(
            file,
            pos[i],
            adt,
            [_date_text(df[adt].iloc[j])],
            f"is before {startdt} {_value(_date_text(df[startdt].iloc[j]))} "
            f"(AVAL = {adt} - {startdt} + 1 would be below 1 day)",
            "correct the dates or give AVAL",
        )
    vals = vals.copy()
    vals[derived] = end[derived] - start[derived] + 1
    return vals, derived


def _binary_column(df, col, pos, file, what, fix) -> np.ndarray:
    vals, nonnum = _numbers(df[col])
    bad = nonnum | ~((vals == 0) | (vals == 1))
    if bad.any():
        i = np.flatnonzero(bad)
        v = df[col].iloc[i[0]]
        if not nonnum[i[0]] and not np.isnan(vals[i[0]]):
            v = vals[i[0]]
            v = int(v) if v == int(v) else v
        _problem(file, pos[i], col, [v], what, fix)
    return vals.astype(np.int64)


def _missing(s: pd.Series, rows, file, col, fix) -> None:
    miss = s.isna().to_numpy() | (s.str.strip() == "").fillna(True).to_numpy(dtype=bool)
    if miss.any():
        i = np.flatnonzero(miss)
        _problem(file, np.asarray(rows)[i], col, [None], "", fix)


def _duplicates(subject: pd.Series, pos, file, col, param) -> None:
    dup = subject.duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    i = np.flatnonzero(dup)
    first = subject.iloc[i[0]]
    same = np.flatnonzero((subject == first).to_numpy())
    within = f" within PARAMCD {param}" if param else ""
    n_subj = int(subject[dup].nunique())
    subjects = "subjects" if n_subj > 1 else "subject"
    raise InputError(
        f"{file}: rows {', '.join(str(spreadsheet_row(pos[j])) for j in same[:5])}, column "
        f"{col}: value {first!r} appears {len(same)} times{within} ({n_subj} {subjects} like "
        "this; the first is shown); keep one row per subject" + (" and parameter" if param else "")
    )


def _unit(opts, df, unit_col, roles, pos, file, time, sources, mode) -> str:
    stated = None
    if unit_col:
        ut = as_text(df[unit_col])
        vals = pd.unique(ut.dropna().str.strip().str.lower())
        vals = [v for v in vals if v]
        if len(vals) > 1:
            first = ut.str.strip().str.lower()
            j = np.flatnonzero((first != vals[0]).fillna(False).to_numpy(dtype=bool))
            _problem(
                file,
                pos[j],
                unit_col,
                [ut.iloc[j[0]]],
                f"differs from {vals[0]!r} above: all times must be in one unit",
            )
        if vals:
            stated = parse_unit(vals[0], f"{file}: column {unit_col}")
            sources["unit"] = f"column {unit_col}"
    name_unit = None
    m = re.search(r"_(days|weeks|months|years)$", roles["time"].lower())
    if m:
        name_unit = m.group(1)
    if opts.unit:
        u = parse_unit(opts.unit, "--unit")
        if stated and stated != u:
            raise InputError(
                f"--unit {u} disagrees with {file}: column {unit_col}, which says {stated}; "
                "drop --unit or correct the column"
            )
        sources["unit"] = "user (--unit)"
        return u
    if stated:
        return stated
    if name_unit:
        sources["unit"] = f"column name {roles['time']}"
        return name_unit
    largest = float(time.max()) if time.size else 0.0
    if largest <= AMBIGUOUS_MAX_DAYS:
        raise InputError(
            f"{file}: column {roles['time']}: the time unit is not stated (no "
            f"{'AVALU' if mode == 'adam' else 'unit'} column) and the largest time is "
            f"{largest:g}, which looks like months or years; give --unit days, months or years"
        )
    sources["unit"] = "default (days; no unit column; give --unit to change)"
    return "days"


def _merge_adsl(opts, adsl_cols, subject, pos, f_tte, arm_col, strata_cols):
    f_sl = opts.adsl.name
    sid = _require(adsl_cols, opts.id or "USUBJID", f_sl, "the subject identifier")
    actual = _lookup(adsl_cols, ["TRT01A"]) if opts.adae is not None else None
    want = list(dict.fromkeys([sid, *([arm_col] if arm_col else []), *strata_cols]))
    want += [actual] if actual and actual not in want else []
    tab = read_table(opts.adsl, want, opts.encoding)
    sl = tab.frame
    ids = as_text(sl[sid])
    _missing(ids, np.arange(len(sl)), f_sl, sid, "every ADSL row needs a subject identifier")
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        i = np.flatnonzero(dup)
        same = np.flatnonzero((ids == ids.iloc[i[0]]).to_numpy())
        raise InputError(
            f"{f_sl}: rows {', '.join(str(spreadsheet_row(j)) for j in same[:5])}, column {sid}: "
            f"value {ids.iloc[i[0]]!r} appears {len(same)} times; ADSL has one row per subject"
        )
    index = pd.Index(ids.to_numpy(dtype=object)).get_indexer(subject.to_numpy(dtype=object))
    if (index < 0).any():
        i = np.flatnonzero(index < 0)
        _problem(
            f_tte,
            pos[i],
            "USUBJID",
            [subject.iloc[i[0]]],
            f"is not in {f_sl}",
            "every subject of the time-to-event data needs an ADSL row",
        )
    entry = _file_entry(tab, "subject level (ADSL)")
    entry["merged_on"] = sid
    entry["subjects_without_tte_rows"] = int(len(sl) - np.unique(index).shape[0])
    return sl, index, entry


def _load_adae(opts: Options, data: AnalysisData) -> None:
    f_ae = opts.adae.name
    if data.subject is None:
        raise InputError(
            f"--adae: the time-to-event data have no subject identifier to merge {f_ae} on; "
            "name it with --id"
        )
    cols = read_columns(opts.adae, opts.encoding)
    sid = _require(cols, opts.id or "USUBJID", f_ae, "the subject identifier")
    term = _lookup(cols, AE_TERM_COLUMNS)
    if term is None:
        raise InputError(
            f"{f_ae}: row 1 (header): missing column AEDECOD (or AETERM) naming each adverse "
            f"event; the columns are {_list(cols)}"
        )
    grade = _lookup(cols, AE_GRADE_COLUMNS)
    if opts.ae_grade_min is not None and grade is None:
        raise InputError(
            f"{f_ae}: row 1 (header): missing column AETOXGR (or ATOXGR) needed by "
            f"--ae-grade-min {opts.ae_grade_min}; the columns are {_list(cols)}"
        )
    trta = _lookup(cols, ["TRTA"])
    want = [sid, term, *([trta] if trta else [])]
    if opts.ae_grade_min is not None:
        want.append(grade)
    want = list(dict.fromkeys(want))
    tab = read_table(opts.adae, want, opts.encoding)
    ae = tab.frame
    rows = np.arange(len(ae))
    ids = as_text(ae[sid])
    terms = as_text(ae[term])
    _missing(ids, rows, f_ae, sid, "every adverse event needs its subject")
    _missing(terms, rows, f_ae, term, "every adverse event needs its term")
    idx = pd.Index(data.subject.to_numpy(dtype=object)).get_indexer(ids.to_numpy(dtype=object))
    inside = idx >= 0
    entry = _file_entry(tab, "adverse events (ADAE)")
    entry["term_column"] = term
    data.files.append(entry)
    if not inside.all():
        data.excluded.append(
            {
                "file": f_ae,
                "reason": "subject not among the analysed subjects (other arm, parameter or "
                "not in the time-to-event data)",
                "rows": int((~inside).sum()),
            }
        )
    keep = inside.copy()
    if opts.ae_grade_min is not None:
        g, nonnum = _numbers(ae[grade])
        if nonnum.any():
            i = np.flatnonzero(nonnum)
            _problem(
                f_ae,
                rows[i],
                grade,
                [ae[grade].iloc[i[0]]],
                "is not a numeric grade",
                "code toxicity grades as numbers (1-5)",
            )
        below = keep & ~(g >= opts.ae_grade_min)  # a missing grade is below any minimum
        if below.any():
            data.excluded.append(
                {
                    "file": f_ae,
                    "reason": f"{grade} below {opts.ae_grade_min} or missing (--ae-grade-min)",
                    "rows": int(below.sum()),
                }
            )
        keep &= ~below
        entry["grade_column"] = grade
        data.sources["ae_grades"] = f"{grade} >= {opts.ae_grade_min} (--ae-grade-min)"
    else:
        data.sources["ae_grades"] = "all grades (default)"
    arm_planned = data.arm[np.where(idx >= 0, idx, 0)]
    if trta:
        actual = as_text(ae[trta])
        labels = data.arm_labels
        arm_actual = np.select(
            [
                (actual == labels[0]).fillna(False).to_numpy(dtype=bool),
                (actual == labels[1]).fillna(False).to_numpy(dtype=bool),
            ],
            [0, 1],
            -1,
        )
        other = keep & (arm_actual < 0)
        if other.any():
            data.excluded.append(
                {
                    "file": f_ae,
                    "reason": f"{trta} (actual treatment) missing or not one of the compared "
                    f"arms ({_list(labels)})",
                    "rows": int(other.sum()),
                }
            )
        keep &= ~other
        ae_arm = arm_actual
        entry["arm_column"] = trta
        data.sources["ae_arm"] = f"actual treatment (ADAE column {trta})"
        data.notes.append(
            f"adverse events by actual treatment ({f_ae} column {trta}); the denominators are "
            + (
                f"the subjects of each arm by actual treatment (ADSL {data.columns['actual_arm']})"
                if data.actual_arm is not None
                else "the analysed subjects of each planned arm (give an ADSL with TRT01A for "
                "denominators by actual treatment)"
            )
        )
    elif data.actual_arm is not None:
        ae_arm = data.actual_arm[np.where(idx >= 0, idx, 0)]
        other = keep & (ae_arm < 0)
        if other.any():
            data.excluded.append(
                {
                    "file": f_ae,
                    "reason": "the subject's actual treatment (ADSL "
                    f"{data.columns['actual_arm']}) is neither compared arm",
                    "rows": int(other.sum()),
                }
            )
        keep &= ~other
        data.sources["ae_arm"] = (
            f"actual treatment (ADSL column {data.columns['actual_arm']}); {f_ae} has no TRTA"
        )
        data.notes.append(
            f"adverse events by actual treatment (ADSL {data.columns['actual_arm']}): "
            f"{f_ae} has no TRTA"
        )
    else:
        ae_arm = arm_planned
        planned = data.columns.get("arm", "the treatment column")
        data.sources["ae_arm"] = f"planned arm ({planned}); {f_ae} has no TRTA"
        data.notes.append(
            f"adverse events by planned arm ({planned}): {f_ae} has no actual treatment (TRTA)"
        )
    pairs = pd.DataFrame(
        {
            "subject": idx[keep],
            "term": terms.to_numpy(dtype=object)[keep],
            "arm": ae_arm[keep],
        }
    ).drop_duplicates(["subject", "term"])
    data.adverse_events = pairs.reset_index(drop=True)
