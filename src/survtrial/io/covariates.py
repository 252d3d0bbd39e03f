"""Baseline characteristics (Table 1) and subgroup factors of the analysed subjects.

Columns are looked up in ADSL first, then in the time-to-event file (a plain table may carry
them itself). Without ``--baseline`` the baseline variables are the standard CDISC ADSL names
present (:data:`CDISC_BASELINE`) and the stratification columns found in ADSL; a column is
continuous when every value present is a number, else categorical (text). Subgroup factors are
categorical with at most :data:`MAX_SUBGROUP_LEVELS` levels; a missing value leaves the subject
out of that factor's subgroup analysis only (counted).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survtrial._errors import InputError
from survtrial.io.columns import lookup
from survtrial.io.problems import blank, list_text
from survtrial.io.readers import as_text
from survtrial.io.values import numbers

# ADSL variables of the CDISC ADaM IG that describe subjects at baseline, in Table 1 order
CDISC_BASELINE = (
    "AGE", "AGEGR1", "SEX", "RACE", "ETHNIC", "COUNTRY", "REGION1",
    "HEIGHTBL", "WEIGHTBL", "BMIBL", "BSABL", "ECOGBL",
)  # fmt: skip
MAX_SUBGROUP_LEVELS = 12


def locate(
    names: tuple[str, ...], option: str, tte_cols: list[str], adsl_cols: list[str],
    f_tte: str, f_sl: str | None,
) -> tuple[tuple[str, str], ...]:
    """((column, "adsl"/"adtte") for each of ``names``): ADSL first, then the time-to-event
    file; an unknown name raises naming ``option`` and both headers."""
    out: list[tuple[str, str]] = []
    for name in names:
        in_sl = lookup(adsl_cols, [name]) if adsl_cols else None
        in_tte = lookup(tte_cols, [name])
        if in_sl is not None:
            out.append((in_sl, "adsl"))
        elif in_tte is not None:
            out.append((in_tte, "adtte"))
        else:
            where = f_tte + (f" or {f_sl}" if f_sl else "")
            have = tte_cols + [c for c in adsl_cols if c not in tte_cols]
            raise InputError(
                f"{option}: unknown column {name!r}: not a column of {where} (row 1, the "
                f"header, has {list_text(have)})"
            )
    return tuple(dict.fromkeys(out))


def baseline_columns(
    given: tuple[str, ...] | None, strata: tuple[tuple[str, str], ...], tte_cols: list[str],
    adsl_cols: list[str], f_tte: str, f_sl: str | None,
) -> tuple[tuple[tuple[str, str], ...], str]:
    """(the baseline variables as (column, file), how they were chosen). ``given`` None:
    detected in ADSL (none without ADSL); ``()``: no baseline table (``--baseline none``)."""
    if given is not None:
        cols = locate(given, "--baseline", tte_cols, adsl_cols, f_tte, f_sl)
        return cols, "user (--baseline)" if cols else "none (--baseline none)"
    if not adsl_cols:
        return (), "none (no ADSL; name columns with --baseline)"
    found = [lookup(adsl_cols, [n]) for n in CDISC_BASELINE]
    found += [c for c, src in strata if src == "adsl" or lookup(adsl_cols, [c])]
    cols = tuple((c, "adsl") for c in dict.fromkeys(c for c in found if c))
    how = (
        f"detected (ADSL columns {list_text([c for c, _ in cols])}: CDISC baseline names and "
        "the strata; choose with --baseline)"
        if cols
        else "none detected in ADSL (name columns with --baseline)"
    )
    return cols, how


def baseline_frame(columns: dict[str, pd.Series]) -> pd.DataFrame:
    """One column per baseline variable, one row per analysed subject: float (NaN missing)
    when every value present is a number, else text (None missing)."""
    out = {}
    for name, s in columns.items():
        s = s.reset_index(drop=True)
        num, nonnum = numbers(s)
        if not nonnum.any() and np.isfinite(num).any():
            out[name] = pd.Series(num, dtype=float)
        else:
            text = as_text(s)
            out[name] = text.where(~blank(text), None).astype(object)
    return pd.DataFrame(out)


def subgroup_frame(columns: dict[str, pd.Series], file_of: dict[str, str]) -> pd.DataFrame:
    """One text column per subgroup factor (None missing), one row per analysed subject;
    a factor with more than :data:`MAX_SUBGROUP_LEVELS` levels, or fewer than two, raises."""
    out = {}
    for name, s in columns.items():
        text = as_text(s.reset_index(drop=True))
        text = text.where(~blank(text), None).astype(object)
        levels = pd.unique(text.dropna())
        if len(levels) > MAX_SUBGROUP_LEVELS:
            raise InputError(
                f"--subgroups: {file_of[name]} column {name} has {len(levels)} distinct values "
                f"among the analysed subjects (at most {MAX_SUBGROUP_LEVELS}); give a grouped "
                "column (e.g. AGEGR1 rather than AGE)"
            )
        if len(levels) < 2:
            raise InputError(
                f"--subgroups: {file_of[name]} column {name} has "
                f"{'one value' if len(levels) else 'no values'} among the analysed subjects; "
                "a subgroup analysis needs at least two levels"
            )
        out[name] = text
    return pd.DataFrame(out)
