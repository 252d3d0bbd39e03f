"""Which column plays which role: the layout (ADaM ADTTE or a plain table), time, event or
censoring, subject, parameter, treatment, strata and unit columns, from the header alone.

Names are matched exactly first, then case-insensitively. A column named by an option must
exist; a missing one raises :class:`survtrial.InputError` naming the file and listing its
columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from survtrial._errors import InputError
from survtrial.io.options import LoadOptions
from survtrial.io.problems import list_text

TREATMENT_COLUMNS = ("TRT01P", "TRTP", "ARM")
ADSL_TREATMENT_COLUMNS = ("TRT01P", "ARM")
STRATUM_COLUMNS = ("STRATUM", "STRATA")
PLAIN_STRATUM = ("stratum", "strata")
PLAIN_TIME = ("time", "aval", "futime", "time_days", "time_weeks", "time_months", "time_years")
PLAIN_EVENT = ("event", "status")
PLAIN_ARM = ("arm", "trt", "treatment", "group", "trt01p", "trtp")
PLAIN_ID = ("usubjid", "subjid", "id", "patient", "patient_id")
PLAIN_UNIT = ("avalu", "unit", "time_unit")


def lookup(columns: list[str] | tuple[str, ...], names) -> str | None:
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


def require(columns, wanted: str, file: str, role: str) -> str:
    """The column ``wanted`` (see :func:`lookup`); raise naming ``role`` when it is absent."""
    found = lookup(columns, [wanted])
    if found is None:
        raise InputError(
            f"{file}: row 1 (header): missing column {wanted!r} given for {role}; the columns "
            f"are {list_text(columns)}"
        )
    return found


@dataclass(frozen=True, slots=True)
class Layout:
    """The time-to-event file's layout and the columns of its time, event and subject."""

    mode: str  # "adam" or "plain"
    roles: dict[str, str]  # role -> column: time, censor/event, end_date, start_date, id, param
    time_source: str  # sources["time"] before any AVAL is derived from dates
    aval: str | None = None  # ADaM AVAL
    adt: str | None = None  # ADaM ADT and STARTDT, both or neither
    startdt: str | None = None
    unit_col: str | None = None  # AVALU (ADaM) or unit / time_unit (plain)
    dates: bool = False  # ADT and STARTDT both present: AVAL may be derived


def detect_layout(opts: LoadOptions, cols: list[str], file: str) -> Layout:
    """ADaM (AVAL or ADT/STARTDT, with CNSR) unless --time/--event are given or only a plain
    table's time and event columns are found."""
    aval = lookup(cols, ["AVAL"])
    cnsr = lookup(cols, ["CNSR"])
    adt, startdt = lookup(cols, ["ADT"]), lookup(cols, ["STARTDT"])
    dates = bool(adt and startdt)
    if opts.time or opts.event:
        return _plain_layout(opts, cols, file)
    if (aval or dates) and cnsr:
        return _adam_layout(opts, cols, file, aval, cnsr, adt if dates else None, startdt)
    if lookup(cols, PLAIN_TIME) and lookup(cols, PLAIN_EVENT):
        return _plain_layout(opts, cols, file)
    missing = [c for c, f in (("AVAL", aval or dates), ("CNSR", cnsr)) if not f]
    missing = [c + (" (or ADT and STARTDT)" if c == "AVAL" else "") for c in missing]
    raise InputError(
        f"{file}: row 1 (header): missing required column(s) {', '.join(missing)} of an "
        f"ADaM ADTTE (and no time/event columns of a plain table); the columns are "
        f"{list_text(cols)}; for a plain table give --time and --event"
    )


def _adam_layout(opts, cols, file, aval, cnsr, adt, startdt) -> Layout:
    roles: dict[str, str] = {}
    if aval:
        roles["time"] = aval
    roles["censor"] = cnsr
    if adt:
        roles["end_date"], roles["start_date"] = adt, startdt
    roles["id"] = require(cols, opts.id or "USUBJID", file, "the subject identifier")
    if opts.param is not None:
        roles["param"] = require(cols, "PARAMCD", file, "--param")
    elif lookup(cols, ["PARAMCD"]):
        roles["param"] = lookup(cols, ["PARAMCD"])
    return Layout(
        mode="adam",
        roles=roles,
        time_source="ADaM AVAL",
        aval=aval,
        adt=adt,
        startdt=startdt if adt else None,
        unit_col=lookup(cols, ["AVALU"]),
        dates=adt is not None,
    )


def _plain_layout(opts, cols, file) -> Layout:
    t = require(cols, opts.time, file, "--time") if opts.time else lookup(cols, PLAIN_TIME)
    e = require(cols, opts.event, file, "--event") if opts.event else lookup(cols, PLAIN_EVENT)
    if t is None or e is None:
        what = "--time" if t is None else "--event"
        raise InputError(
            f"{file}: row 1 (header): no {what[2:]} column found; name it with {what} "
            f"(the columns are {list_text(cols)})"
        )
    roles = {"time": t, "event": e}
    ident = require(cols, opts.id, file, "--id") if opts.id else lookup(cols, PLAIN_ID)
    if ident:
        roles["id"] = ident
    if opts.param is not None:
        roles["param"] = require(cols, "PARAMCD", file, "--param")
    return Layout(
        mode="plain",
        roles=roles,
        time_source="user" if opts.time else "detected",
        unit_col=lookup(cols, PLAIN_UNIT),
    )


def treatment_column(opts, cols, adsl_cols, mode: str, file: str) -> tuple[str, str]:
    """(treatment column, "adtte" or "adsl"): --arm, else TRT01P/TRTP/ARM (ADaM) or arm/trt/...
    (plain) of the time-to-event file, else TRT01P/ARM of ADSL."""
    if opts.arm:
        c = lookup(cols, [opts.arm])
        if c:
            return c, "adtte"
        if adsl_cols and lookup(adsl_cols, [opts.arm]):
            return lookup(adsl_cols, [opts.arm]), "adsl"
        raise InputError(
            f"{file}: row 1 (header): missing column {opts.arm!r} given for --arm; the "
            f"columns are {list_text(cols)}"
        )
    names = TREATMENT_COLUMNS if mode == "adam" else PLAIN_ARM
    c = lookup(cols, names)
    if c:
        return c, "adtte"
    if adsl_cols:
        c = lookup(adsl_cols, ADSL_TREATMENT_COLUMNS)
        if c:
            return c, "adsl"
    extra = " or --adsl with TRT01P/ARM" if mode == "adam" else ""
    raise InputError(
        f"{file}: row 1 (header): missing treatment column ({' or '.join(names[:3])}); "
        f"name it with --arm{extra} (the columns are {list_text(cols)})"
    )


def strata_columns(
    opts, cols, adsl_cols, mode: str, file: str
) -> tuple[tuple[tuple[str, str], ...], str]:
    """((column, "adtte"/"adsl") per stratification factor, where they came from): --strata,
    else a STRATUM/STRATA (ADaM) or stratum/strata (plain) column, first of the time-to-event
    file, then of ADSL; ``--strata none`` (an empty tuple) turns stratification off."""
    if opts.strata is None:
        found = lookup(cols, STRATUM_COLUMNS if mode == "adam" else PLAIN_STRATUM)
        if found:
            return ((found, "adtte"),), f"detected (column {found}; --strata none to turn off)"
        in_adsl = lookup(adsl_cols, STRATUM_COLUMNS) if adsl_cols else None
        if in_adsl:
            return ((in_adsl, "adsl"),), f"detected (ADSL column {in_adsl})"
        return (), "none found (unstratified)"
    found_cols: list[tuple[str, str]] = []
    for s in opts.strata:
        c = lookup(cols, [s])
        if c is not None:
            found_cols.append((c, "adtte"))
        elif adsl_cols and lookup(adsl_cols, [s]):
            found_cols.append((lookup(adsl_cols, [s]), "adsl"))
        else:
            where = f"{file}" + (f" or {opts.adsl.name}" if opts.adsl else "")
            have = cols + [c for c in adsl_cols if c not in cols]
            raise InputError(
                f"--strata: unknown stratification column {s!r}: not a column of {where} "
                f"(row 1, the header, has {list_text(have)})"
            )
    return tuple(found_cols), "user" if opts.strata else "none (--strata none)"
