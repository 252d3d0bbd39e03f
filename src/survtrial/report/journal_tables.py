"""Journal tables of a final analysis: baseline characteristics by arm (Table 1), first events
by type and arm, adverse events by worst grade and arm, hazard ratios by subgroup.

The first three hold journal-formatted text ("93 (51.7)", "60.9 (52.2-66.3)"), the same in the
HTML report, the printed tables and their CSV; the full-precision numbers are in results.json.
Percentages are of all subjects of the arm (column header ``n = ``), to one decimal; medians
and quartiles to three significant digits of the median (at most three decimals).
"""

from __future__ import annotations

import math

from survtrial.report.analysis_tables import Table

EN_DASH = "\u2013"


def n_pct(k: int, n: int) -> str:
    """``k (100 k / n)`` to one decimal: "93 (51.7)"; "0 (-)" when n is 0."""
    return f"{k} ({100 * k / n:.1f})" if n else f"{k} (-)"


def _decimals(x: float) -> int:
    """Decimals giving ``x`` three significant digits, 0 to 3."""
    if x == 0 or not math.isfinite(x):
        return 1
    return max(0, min(3, 2 - math.floor(math.log10(abs(x)))))


def median_iqr(median: float | None, q1: float | None, q3: float | None) -> str:
    """``median (q1-q3)`` with one number of decimals for all three; "-" without values."""
    if median is None:
        return "-"
    d = _decimals(median)
    return f"{median:.{d}f} ({q1:.{d}f}{EN_DASH}{q3:.{d}f})"


def _kinds(cols: list[str], labels: int) -> dict[str, str]:
    """The first ``labels`` columns are text, the others journal cells (kept on one line)."""
    return {c: ("text" if j < labels else "journal") for j, c in enumerate(cols)}


def _arm_columns(arms, n: dict, total: int | None = None) -> list[str]:
    cols = [f"{a} (n = {n[a]})" for a in arms]
    return cols + ([f"Total (n = {total})"] if total is not None else [])


def baseline_table(result) -> Table | None:
    """Table 1: continuous variables as median (IQR) and missing, categorical as n (%)."""
    b = result.baseline
    if b is None or not b.variables:
        return None
    arms = list(result.arms)
    ns = [b.n[a] for a in arms] + [b.total]
    cols = ["characteristic", "level", *_arm_columns(arms, b.n, b.total)]
    t = Table(
        "baseline",
        "Baseline characteristics by randomized arm (analysed subjects): median (IQR; "
        "quartiles by R's type 7) or n (% of the arm)",
        cols,
        kinds=_kinds(cols, 2),
        group_columns=("characteristic",),
    )
    for v in b.variables:
        groups = [v.by_arm[a] for a in arms] + [v.total]
        if v.kind == "continuous":
            name = f"{v.name}, median (IQR)"
            t.rows.append([name, "", *[median_iqr(g.median, g.q1, g.q3) for g in groups]])
        else:
            name = f"{v.name}, n (%)"
            for lv in v.levels:
                t.rows.append([name, lv, *[n_pct(g.counts[lv], n)
                                           for g, n in zip(groups, ns, strict=True)]])
        if v.total.missing:
            t.rows.append([name, "missing", *[n_pct(g.missing, n)
                                              for g, n in zip(groups, ns, strict=True)]])
    return t


def first_events_table(result) -> Table | None:
    """First events (the endpoint's event types: relapse sites, deaths) by arm, n (%)."""
    ci = result.cumulative_incidence
    if ci is None or not ci.causes:
        return None
    arms = list(result.arms)
    total = sum(result.n.values())
    ns = [result.n[a] for a in arms] + [total]
    cols = ["first event", *_arm_columns(arms, result.n, total)]
    t = Table(
        "first_events",
        "First events by type and arm: subjects, n (% of the arm)",
        cols,
        kinds=_kinds(cols, 1),
    )

    def counts(per_arm: dict) -> list[int]:
        return [per_arm[a] for a in arms] + [sum(per_arm.values())]

    order = sorted(ci.causes, key=lambda c: (-sum(ci.causes[c].events.values()), c))
    for cause in order:
        t.rows.append([cause, *[n_pct(k, n) for k, n in zip(counts(ci.causes[cause].events),
                                                            ns, strict=True)]])
    t.rows.append(["Any event", *[n_pct(k, n) for k, n in zip(counts(result.events), ns,
                                                                 strict=True)]])
    free = {a: result.n[a] - result.events[a] for a in arms}
    t.rows.append(["No event (censored)", *[n_pct(k, n) for k, n in zip(counts(free), ns,
                                                                           strict=True)]])
    return t


GRADE_ROWS = (("any", "Any grade"), ("1", "Grade 1"), ("2", "Grade 2"), ("3", "Grade 3"),
              ("4", "Grade 4"), ("5", "Grade 5"), (">=3", "Grade \u2265 3"))


def _bound_rows(per_arm: dict, arms: list[str]) -> list[tuple[str, str]]:
    """The rows "Not graded (>= k)" of the bounds some subject's worst grade has, k rising."""
    return [(f"not graded >={k}", f"Not graded (\u2265 {k})") for k in range(1, 6)
            if any(per_arm[a][f"not graded >={k}"] for a in arms)]


def adverse_event_grade_table(result) -> Table | None:
    """Subjects by term and worst grade, n (%): any; the exact grades 1-5; >= 3 (an exact
    grade or a lower bound of 3 or more); "Not graded (>= k)" for a blank grade whose
    AETOXGRC bound '>=k' is above the subject's exact grades, per bound present; "Not graded"
    (no grade, no bound) where any."""
    g = result.adverse_event_grades
    if g is None or not g.terms:
        return None
    arms = list(result.arms)
    cols = ["adverse event", "grade", *_arm_columns(arms, g.n)]
    bounds = any(_bound_rows(per_arm, arms) for per_arm in g.terms.values())
    t = Table(
        "adverse_events_by_grade",
        f"Adverse events by worst grade ({g.grade_column}) and arm: subjects, n (% of the "
        "safety population of the arm)"
        + ("; Not graded (\u2265 k): the worst grade is blank but at least k (a lower bound "
           "'>=k'), counted in Grade \u2265 3 when k is 3 or more" if bounds else ""),
        cols,
        kinds=_kinds(cols, 2),
        group_columns=("adverse event",),
    )
    for term, per_arm in g.terms.items():
        keys = [*GRADE_ROWS, *_bound_rows(per_arm, arms)]
        if any(per_arm[a]["not graded, no bound"] for a in arms):
            keys.append(("not graded, no bound", "Not graded"))
        for key, label in keys:
            t.rows.append([term, label, *[n_pct(per_arm[a][key], g.n[a]) for a in arms]])
    return t


def subgroup_table(result) -> Table | None:
    """Hazard ratios overall and by subgroup level (the forest plot's numbers) with each
    factor's likelihood-ratio interaction test and the subjects left out of it for want of a
    value (``missing``); full precision in the CSV; Cox warnings are in the notes."""
    if not result.subgroups:
        return None
    lvl = f"{100 * result.settings.confidence_level:g}%"
    cols = ["subgroup", "level", "n", "events", "hazard_ratio", "ci_low", "ci_high", "pvalue",
            "interaction_chisq", "interaction_df", "interaction_pvalue", "missing"]
    kinds = {"subgroup": "text", "level": "text", "missing": "int", "n": "int", "events": "int",
             "hazard_ratio": "hr", "ci_low": "hr", "ci_high": "hr", "pvalue": "p",
             "interaction_chisq": "num", "interaction_df": "int", "interaction_pvalue": "p"}
    how = "stratified as the main analysis" if result.cox.overall_stratified else "unstratified"
    t = Table(
        "hazard_ratios_by_subgroup",
        f"Hazard ratio {result.cox.hazard_ratio_of} by subgroup (Cox within each level, {how}; "
        f"{lvl} Wald CI); interaction: likelihood-ratio test of arm x subgroup",
        cols,
        kinds=kinds,
        group_columns=("subgroup",),
    )
    c = result.cox.overall
    t.rows.append(["Overall", "", sum(result.n.values()), sum(result.events.values()),
                   c.hazard_ratio, *c.ci, c.pvalue, None, None, None, 0])
    for sg in result.subgroups:
        it = sg.interaction
        for lv in sg.levels:
            c = lv.cox
            t.rows.append([sg.column, lv.level, sum(lv.n.values()), sum(lv.events.values()),
                           c.hazard_ratio, *c.ci, c.pvalue, it.statistic, it.df, it.pvalue,
                           sg.missing])
    return t


def journal_tables(result) -> list[Table]:
    """The journal tables this result has data for, in report order."""
    made = [baseline_table(result), first_events_table(result),
            adverse_event_grade_table(result), subgroup_table(result)]
    return [t for t in made if t is not None]
