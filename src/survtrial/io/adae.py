"""Adverse events (ADAE): one row per analysed subject and term, with the arm it counts for.

The arm is the actual treatment where it is known (ADAE TRTA, else ADSL TRT01A), else the
planned arm. Rows left out (subjects not analysed, grades below ``--ae-grade-min``, actual
treatment neither compared arm) are counted, file by file, like every other exclusion.
A grade category written as a lower bound (AETOXGRC '>=3', as a simulated ADAE writes with
AETOXGR blank) stands for the grade where AETOXGR is blank: '>=3' meets ``--ae-grade-min 3``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from survtrial._errors import InputError
from survtrial.io.columns import lookup, require
from survtrial.io.options import LoadOptions
from survtrial.io.problems import list_text, raise_problem, require_filled
from survtrial.io.readers import as_text, read_columns, read_table
from survtrial.io.values import numbers

AE_TERM_COLUMNS = ("AEDECOD", "AETERM")
AE_GRADE_COLUMNS = ("AETOXGR", "ATOXGR")
GRADES = (1, 2, 3, 4, 5)  # CTCAE toxicity grades


@dataclass(frozen=True, slots=True)
class AnalysedSubjects:
    """What the ADAE merge needs of the analysed subjects (one entry each)."""

    subject: pd.Series | None  # USUBJID as text
    arm: np.ndarray  # planned arm 0 / 1
    arm_labels: tuple[str, str]
    actual_arm: np.ndarray | None  # ADSL TRT01A: 0 / 1, -1 for neither; None without it
    actual_column: str | None  # the ADSL column of actual_arm
    planned_column: str  # the treatment column of arm


@dataclass(frozen=True, slots=True)
class AdverseEvents:
    """The merged adverse events and what the merge recorded."""

    # subject (index of the analysed subject), term, arm, and, when the ADAE has a grade
    # column, grade (worst, float, NaN none) and grade_at_least (the worst of the grade where
    # recorded, else the AETOXGRC lower bound; NaN neither); one row per subject and term
    pairs: pd.DataFrame
    entry: dict  # what was read, for results.json
    excluded: tuple[dict, ...]  # {"file", "reason", "rows"}
    sources: dict[str, str]  # ae_grades, ae_arm
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _AeColumns:
    subject: str
    term: str
    grade: str | None
    trta: str | None


def load_adae(opts: LoadOptions, subjects: AnalysedSubjects) -> AdverseEvents:
    """Read ADAE, keep the analysed subjects' events (and grades >= --ae-grade-min), assign each
    an arm, and drop repeated subject-term pairs."""
    f_ae = opts.adae.name
    if subjects.subject is None:
        raise InputError(
            f"--adae: the time-to-event data have no subject identifier to merge {f_ae} on; "
            "name it with --id"
        )
    c = _adae_columns(opts, f_ae)
    cat = lookup(read_columns(opts.adae, opts.encoding), ["AETOXGRC"]) if c.grade else None
    want = [c.subject, c.term, *([c.trta] if c.trta else []), *([c.grade] if c.grade else []),
            *([cat] if cat else [])]
    tab = read_table(opts.adae, list(dict.fromkeys(want)), opts.encoding)
    ae = tab.frame
    rows = np.arange(len(ae))
    ids = as_text(ae[c.subject])
    terms = as_text(ae[c.term])
    require_filled(ids, rows, f_ae, c.subject, "every adverse event needs its subject")
    require_filled(terms, rows, f_ae, c.term, "every adverse event needs its term")
    idx = pd.Index(subjects.subject.to_numpy(dtype=object)).get_indexer(ids.to_numpy(dtype=object))
    keep = idx >= 0
    entry = tab.describe("adverse events (ADAE)")
    entry["term_column"] = c.term
    excluded: list[dict] = []
    if not keep.all():
        excluded.append(
            {
                "file": f_ae,
                "reason": "subject not among the analysed subjects (other arm, parameter or "
                "not in the time-to-event data)",
                "rows": int((~keep).sum()),
            }
        )
    sources: dict[str, str] = {}
    grades = _grades(ae, c.grade, rows, f_ae) if c.grade else None
    floor = _grade_floors(ae[cat]) if cat else None
    if c.grade:
        entry["grade_column"] = c.grade
    keep = _grade_filter(opts, grades, c.grade, keep, f_ae, excluded, sources, floor, cat)
    ae_arm, keep, note = _event_arms(
        ae, c.trta, idx, keep, subjects, f_ae, entry, excluded, sources
    )
    pairs = pd.DataFrame(
        {"subject": idx[keep], "term": terms.to_numpy(dtype=object)[keep], "arm": ae_arm[keep]}
    )
    if grades is not None:
        # a subject counts once per term, at the worst grade recorded (NaN: none recorded);
        # grade_at_least: the most that is known of it, the grade where recorded, else the
        # category's lower bound ('>=3' with the grade blank: 3; NaN when neither is)
        at_least = _at_least(grades, floor)
        pairs["grade"] = grades[keep]
        pairs["grade_at_least"] = at_least[keep]
        by = pairs.groupby(["subject", "term"])
        pairs["grade"] = by["grade"].transform("max")
        pairs["grade_at_least"] = by["grade_at_least"].transform("max")
    pairs = pairs.drop_duplicates(["subject", "term"])
    written = as_text(ae[cat]).fillna("").str.strip().ne("").to_numpy() if cat else None
    notes = (note, *_lower_bound_notes(f_ae, c.grade, cat, written, grades, floor, keep))
    return AdverseEvents(pairs.reset_index(drop=True), entry, tuple(excluded), sources, notes)


def _grade_floors(category: pd.Series) -> np.ndarray:
    """The lower bound k of each grade category written '>=k' or '≥k' (CTCAE 1-5), NaN for
    any other category (an exact grade, blank)."""
    k = as_text(category).fillna("").str.strip().str.extract(r"^(?:>=|≥)\s*([1-5])$")[0]
    return pd.to_numeric(k, errors="coerce").to_numpy(dtype=float)


def _at_least(grades: np.ndarray, floor: np.ndarray | None) -> np.ndarray:
    """The grade where recorded, else the category's lower bound (NaN when neither)."""
    return grades if floor is None else np.where(np.isnan(grades), floor, grades)


def _lower_bound_notes(f_ae, grade, cat, written, grades, floor, keep) -> tuple[str, ...]:
    """What a grade category of lower bounds ('>=3', as a simulated ADAE writes) means for
    the kept events: with every written category a lower bound, the grade column holds that
    minimum; where the grade is blank, the event's grade is unknown but at least the bound.
    ``written``: whether each row's category is filled."""
    if floor is None or grades is None:
        return ()
    notes: tuple[str, ...] = ()
    bounds = keep & ~np.isnan(floor)
    all_bounds = not (keep & written & np.isnan(floor)).any()
    if all_bounds and (bounds & ~np.isnan(grades)).any():
        notes += (
            f"{f_ae}: {cat} codes each grade as a lower bound (e.g. '>=3'): {grade} holds "
            "that minimum, not the exact grade, so read 'Grade 3' in the table by grade as "
            "'grade 3 or higher'",
        )
    blank = bounds & np.isnan(grades)
    if blank.any():
        ks = ", ".join(f"'>={k:g}'" for k in np.unique(floor[blank]))
        notes += (
            f"{f_ae}: {int(blank.sum())} events have {grade} blank and a lower bound in {cat} "
            f"({ks}): each is of that grade or worse, its exact grade not recorded (not "
            "graded, by grade)",
        )
    return notes


def _adae_columns(opts: LoadOptions, f_ae: str) -> _AeColumns:
    cols = read_columns(opts.adae, opts.encoding)
    sid = require(cols, opts.id or "USUBJID", f_ae, "the subject identifier")
    term = lookup(cols, AE_TERM_COLUMNS)
    if term is None:
        raise InputError(
            f"{f_ae}: row 1 (header): missing column AEDECOD (or AETERM) naming each adverse "
            f"event; the columns are {list_text(cols)}"
        )
    grade = lookup(cols, AE_GRADE_COLUMNS)
    if opts.ae_grade_min is not None and grade is None:
        raise InputError(
            f"{f_ae}: row 1 (header): missing column AETOXGR (or ATOXGR) needed by "
            f"--ae-grade-min {opts.ae_grade_min}; the columns are {list_text(cols)}"
        )
    return _AeColumns(sid, term, grade, lookup(cols, ["TRTA"]))


def _grades(ae: pd.DataFrame, grade: str, rows: np.ndarray, f_ae: str) -> np.ndarray:
    """The toxicity grade of each row (CTCAE 1-5; NaN where none is recorded); a value that
    is not a whole number from 1 to 5 raises naming its row and column."""
    g, nonnum = numbers(ae[grade])
    if nonnum.any():
        i = np.flatnonzero(nonnum)
        raise_problem(
            f_ae,
            rows[i],
            grade,
            [ae[grade].iloc[i[0]]],
            "is not a numeric grade",
            "code toxicity grades as numbers (1-5)",
        )
    bad = np.isfinite(g) & ~np.isin(g, GRADES)
    bad |= np.isinf(g)
    if bad.any():
        i = np.flatnonzero(bad)
        raise_problem(
            f_ae,
            rows[i],
            grade,
            [_number_text(g[i[0]])],
            "is not a toxicity grade 1, 2, 3, 4 or 5",
            "code CTCAE grades as whole numbers from 1 to 5 (leave it blank when not graded)",
        )
    return g


def _number_text(v: float) -> int | float:
    """7.0 -> 7 (a whole number read into a float column), 2.5 stays."""
    return int(v) if np.isfinite(v) and v == round(v) else float(v)


def _grade_filter(opts, g, grade, keep, f_ae, excluded, sources, floor=None, cat=None):
    """``keep`` less the events below --ae-grade-min. An event meets the minimum when its
    grade does, or, its grade blank, when its category's lower bound does ('>=3' meets 3 and
    2, not 4); a blank grade without such a bound is below any minimum."""
    if opts.ae_grade_min is None:
        sources["ae_grades"] = "all grades (default)"
        return keep
    at_least = _at_least(g, floor)
    below = keep & ~(at_least >= opts.ae_grade_min)
    unknown = below & np.isnan(g) & np.isfinite(at_least)  # blank grade, bound too low
    if (below & ~unknown).any():
        excluded.append(
            {
                "file": f_ae,
                "reason": f"{grade} below {opts.ae_grade_min} or missing (--ae-grade-min)",
                "rows": int((below & ~unknown).sum()),
            }
        )
    if unknown.any():
        excluded.append(
            {
                "file": f_ae,
                "reason": f"{grade} missing and the {cat} lower bound below "
                f"{opts.ae_grade_min}: the grade may be lower (--ae-grade-min)",
                "rows": int(unknown.sum()),
            }
        )
    by_bound = floor is not None and bool((keep & ~below & np.isnan(g)).any())
    sources["ae_grades"] = f"{grade} >= {opts.ae_grade_min}" + (
        f", or {grade} missing and {cat} '>=k' with k >= {opts.ae_grade_min}" if by_bound
        else "") + " (--ae-grade-min)"
    return keep & ~below


def _event_arms(ae, trta, idx, keep, s: AnalysedSubjects, f_ae, entry, excluded, sources):
    """(arm of each event: 0 / 1, -1 for neither; ``keep`` less the events of neither arm; the
    note saying which arm the events count for)."""
    at = np.where(idx >= 0, idx, 0)
    if trta:
        actual = as_text(ae[trta])
        labels = s.arm_labels
        ae_arm = np.select(
            [
                (actual == labels[0]).fillna(False).to_numpy(dtype=bool),
                (actual == labels[1]).fillna(False).to_numpy(dtype=bool),
            ],
            [0, 1],
            -1,
        )
        reason = (
            f"{trta} (actual treatment) missing or not one of the compared arms "
            f"({list_text(labels)})"
        )
        entry["arm_column"] = trta
        sources["ae_arm"] = f"actual treatment (ADAE column {trta})"
        note = (
            f"adverse events by actual treatment ({f_ae} column {trta}); the denominators are "
            + (
                f"the subjects of each arm by actual treatment (ADSL {s.actual_column})"
                if s.actual_arm is not None
                else "the analysed subjects of each planned arm (give an ADSL with TRT01A for "
                "denominators by actual treatment)"
            )
        )
    elif s.actual_arm is not None:
        ae_arm = s.actual_arm[at]
        reason = f"the subject's actual treatment (ADSL {s.actual_column}) is neither compared arm"
        sources["ae_arm"] = f"actual treatment (ADSL column {s.actual_column}); {f_ae} has no TRTA"
        note = f"adverse events by actual treatment (ADSL {s.actual_column}): {f_ae} has no TRTA"
    else:
        planned = s.planned_column
        sources["ae_arm"] = f"planned arm ({planned}); {f_ae} has no TRTA"
        note = f"adverse events by planned arm ({planned}): {f_ae} has no actual treatment (TRTA)"
        return s.arm[at], keep, note
    other = keep & (ae_arm < 0)
    if other.any():
        excluded.append({"file": f_ae, "reason": reason, "rows": int(other.sum())})
    return ae_arm, keep & ~other, note
