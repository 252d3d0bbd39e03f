"""The subject-level data set (ADSL): merged on the subject identifier to give treatment,
strata and the actual treatment (TRT01A) of the subjects of the time-to-event data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from survtrial._errors import InputError
from survtrial.io.columns import lookup, require
from survtrial.io.options import LoadOptions
from survtrial.io.problems import raise_problem, require_filled
from survtrial.io.readers import as_text, read_table, spreadsheet_row


@dataclass(frozen=True, slots=True)
class AdslRows:
    """ADSL as read, and for each row of the time-to-event data its ADSL row."""

    frame: pd.DataFrame
    index: np.ndarray  # ADSL row of each time-to-event row
    name: str  # the file's name, for messages
    entry: dict  # what was read, for results.json


def merge_adsl(
    opts: LoadOptions,
    adsl_cols: list[str],
    subject: pd.Series,
    pos: np.ndarray,
    f_tte: str,
    arm_col: str | None,
    strata_cols: list[str],
    extra_cols: list[str] | None = None,
) -> AdslRows:
    """Read ADSL's identifier, treatment, strata, ``extra_cols`` (baseline and subgroup
    columns) and TRT01A when an ADAE is given; check one row per subject and find every
    time-to-event subject in it."""
    f_sl = opts.adsl.name
    sid = require(adsl_cols, opts.id or "USUBJID", f_sl, "the subject identifier")
    actual = lookup(adsl_cols, ["TRT01A"]) if opts.adae is not None else None
    want = [sid, *([arm_col] if arm_col else []), *strata_cols, *(extra_cols or [])]
    want = list(dict.fromkeys(want))
    want += [actual] if actual and actual not in want else []
    tab = read_table(opts.adsl, want, opts.encoding)
    sl = tab.frame
    ids = as_text(sl[sid])
    require_filled(ids, np.arange(len(sl)), f_sl, sid, "every ADSL row needs a subject identifier")
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
        raise_problem(
            f_tte,
            pos[i],
            "USUBJID",
            [subject.iloc[i[0]]],
            f"is not in {f_sl}",
            "every subject of the time-to-event data needs an ADSL row",
        )
    entry = tab.describe("subject level (ADSL)")
    entry["merged_on"] = sid
    entry["subjects_without_tte_rows"] = int(len(sl) - np.unique(index).shape[0])
    return AdslRows(sl, index, f_sl, entry)


def actual_arms(
    adsl: AdslRows, keep: np.ndarray, labels: tuple[str, str]
) -> tuple[np.ndarray, str] | None:
    """(actual treatment of each analysed subject from ADSL TRT01A: 0 / 1, -1 for neither
    compared arm, the column) or None when ADSL has no TRT01A."""
    col = lookup(list(adsl.frame.columns), ["TRT01A"])
    if col is None:
        return None
    text = as_text(adsl.frame[col]).to_numpy(dtype=object)[adsl.index][keep]
    arm = np.select([text == labels[0], text == labels[1]], [0, 1], -1).astype(np.int64)
    return arm, col
