"""Tables of an analysis: printed with rich, written as CSV and in the HTML report.

One :class:`Table` feeds all three outputs, so the printed, CSV and HTML numbers are the same.
CSV holds full precision (proportions as 0-1, times in the unit its column name says); the
printed and HTML tables round them for reading.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from survtrial.report.jsonify import analysis_json
from survtrial.units import DAYS_PER_YEAR


@dataclass(frozen=True)
class Table:
    name: str  # CSV file stem
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    # how to print each column: "pct" (x100, 1 decimal), "int", "p" (p-value), "num", "text",
    # "journal" (formatted text such as "93 (51.7)", right-aligned and kept on one line)
    kinds: dict[str, str] = field(default_factory=dict)
    # columns whose value is shown once for a run of equal rows (printed and HTML; the CSV
    # repeats it on every row)
    group_columns: tuple[str, ...] = ()

    def formatted(self) -> list[list[str]]:
        out = [
            [fmt(v, self.kinds.get(c, "num")) for c, v in zip(self.columns, r, strict=True)]
            for r in self.rows
        ]
        for c in self.group_columns:
            j = self.columns.index(c)
            for i in range(len(out) - 1, 0, -1):
                if self.rows[i][j] == self.rows[i - 1][j]:
                    out[i][j] = ""
        return out


def fmt(v: Any, kind: str = "num") -> str:
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "yes" if v else "no"
    x = float(v)
    if not math.isfinite(x):
        return "-"
    if kind == "int":
        return f"{x:.0f}"
    if kind == "pct":
        return f"{100 * x:.1f}"
    if kind == "p":
        return f"{x:.2e}" if x < 1e-4 else f"{x:.4f}"
    if kind == "days":
        return f"{x:.1f}"
    if kind == "hr":
        return f"{x:.3f}"
    return f"{x:.4g}"


def _y(days: float) -> str:
    return f"{days / DAYS_PER_YEAR:g}"


def build_tables(result, data) -> list[Table]:
    """The tables of an analysis (and of the rows its input left out)."""
    res = analysis_json(result)
    arms = list(result.arms)
    km = res["kaplan_meier"]
    ms = f"{km['milestone_years']:.4g}y"
    lvl = f"{100 * km['confidence_level']:g}%"
    tables: list[Table] = []
    cols = [
        "arm",
        "n",
        "events",
        f"survival_{ms}",
        f"std_err_{ms}",
        f"ci_low_{ms}",
        f"ci_high_{ms}",
        "median_days",
        "median_ci_low_days",
        "median_ci_high_days",
    ]
    kinds = {
        "n": "int",
        "events": "int",
        "median_days": "days",
        "median_ci_low_days": "days",
        "median_ci_high_days": "days",
        f"survival_{ms}": "pct",
        f"std_err_{ms}": "pct",
        f"ci_low_{ms}": "pct",
        f"ci_high_{ms}": "pct",
        "arm": "text",
        "stratum": "text",
    }

    def km_row(e: dict) -> list:
        return [
            e.get("n"),
            e.get("events"),
            e.get("survival"),
            e.get("std_err"),
            *(e.get("ci") or [None, None]),
            e.get("median_days"),
            *(e.get("median_ci_days") or [None, None]),
        ]

    # further milestones (--milestone given several times): more columns by arm
    extra = res.get("milestones", [])[1:]
    extra_cols: list[str] = []
    for m in extra:
        my = f"{m['time_years']:.4g}y"
        names = [f"survival_{my}", f"std_err_{my}", f"ci_low_{my}", f"ci_high_{my}"]
        extra_cols += names
        kinds.update(dict.fromkeys(names, "pct"))
    at = ", ".join(f"{x:g}" for x in [km["milestone_years"], *(m["time_years"] for m in extra)])
    t = Table(
        "km_by_arm",
        f"Kaplan-Meier by arm: survival at {at} years (%, Greenwood SE, "
        f"{lvl} CI {km['conf_type']}), median (days, {lvl} CI)",
        cols + extra_cols,
        kinds=kinds,
    )
    for a in arms:
        more = []
        for m in extra:
            e = m["kaplan_meier_by_arm"][a]
            more += [e["survival"], e["std_err"], *e["ci"]]
        t.rows.append([a, *km_row(km["by_arm"][a]), *more])
    tables.append(t)
    if km["by_stratum_and_arm"]:
        t = Table(
            "km_by_stratum_and_arm",
            f"Kaplan-Meier by stratum and arm (survival at {km['milestone_years']:g} "
            "years, %; median in days)",
            ["stratum", *cols],
            kinds=kinds,
        )
        for st, per in km["by_stratum_and_arm"].items():
            for a in arms:
                t.rows.append([st, a, *km_row(per[a])])
        tables.append(t)
    years = km["at_risk_years"]
    t = Table(
        "at_risk",
        "Numbers at risk (years since start)",
        ["stratum", "arm", *[f"year_{y:g}" for y in years]],
        kinds={"stratum": "text", "arm": "text", **{f"year_{y:g}": "int" for y in years}},
    )
    for a in arms:
        t.rows.append(["all", a, *km["by_arm"][a]["n_at_risk"].values()])
    for st, per in km["by_stratum_and_arm"].items():
        for a in arms:
            nr = per[a].get("n_at_risk") or {f"{y:g}": 0 for y in years}
            t.rows.append([st, a, *nr.values()])
    tables.append(t)
    lr = res["logrank"]
    how = f"stratified, {lr['n_strata']} strata" if lr["stratified"] else "unstratified"
    t = Table(
        "logrank",
        f"Log-rank test ({how}): "
        f"chi-square {fmt(lr['chisq'])} on {lr['df']} df, p = {fmt(lr['pvalue'], 'p')}, "
        f"z = {fmt(lr['z'])} ({lr['z_convention']})",
        ["arm", "n", "observed", "expected", "o_over_e"],
        kinds={"arm": "text", "n": "int", "observed": "int"},
    )
    for a in arms:
        t.rows.append([a, res["n"][a], lr["observed"][a], lr["expected"][a], lr["o_over_e"][a]])
    tables.append(t)
    # treatment effects
    t = Table(
        "treatment_effects",
        f"Treatment effect: {arms[1]} vs {arms[0]} ({lvl} CI)",
        ["quantity", "scale", "estimate", "ci_low", "ci_high", "pvalue", "note"],
        kinds={"quantity": "text", "scale": "text", "pvalue": "p", "note": "text"},
    )
    t.rows.append(
        [
            "log-rank chi-square",
            "chi-square",
            lr["chisq"],
            None,
            None,
            lr["pvalue"],
            "stratified" if lr["stratified"] else "unstratified",
        ]
    )
    t.rows.append(["log-rank z", "z", lr["z"], None, None, lr["pvalue"], lr["z_convention"]])
    cx = res["cox"]
    c = cx["overall"]
    t.rows.append(
        [
            "Cox hazard ratio" + (" (stratified)" if cx["overall_stratified"] else ""),
            "hazard ratio",
            c["hazard_ratio"],
            *c["ci"],
            c["pvalue"],
            c.get("error") or c.get("warning") or "Efron ties, Wald CI",
        ]
    )
    for st, c in cx["by_stratum"].items():
        t.rows.append(
            [
                f"Cox hazard ratio, stratum {st}",
                "hazard ratio",
                c["hazard_ratio"],
                *c["ci"],
                c["pvalue"],
                c.get("error") or c.get("warning") or "",
            ]
        )
    r = res["rmst"]
    note = f"tau = {r['tau_days']:g} days ({r['tau_years']:.3g} years)"
    if r["tau_capped"]:
        note += f", capped from {r['tau_requested']} at the shorter arm's follow-up"
    t.rows.append(
        ["RMST difference", "days", r["difference_days"], *r["ci_days"], r["pvalue"], note]
    )
    for m in res.get("milestones") or [res["milestone"]]:
        note = f"at {m['time_years']:g} years ({m['time_days']:g} days), Greenwood SE"
        if m["beyond_follow_up"]:
            note += "; beyond the last follow-up of " + ", ".join(m["beyond_follow_up"])
        t.rows.append(
            [
                "milestone survival difference",
                "proportion",
                m["difference"],
                *m["ci"],
                m["pvalue"],
                note,
            ]
        )
    tables.append(t)
    if "cumulative_incidence" in res:
        ci = res["cumulative_incidence"]
        cy = f"{ci['time_years']:.4g}y"
        t = Table(
            "cumulative_incidence",
            f"Cumulative incidence by cause at {ci['time_years']:g} years (%, {lvl} CI "
            f"log-log); Gray's test{' stratified' if ci['gray_stratified'] else ''}",
            [
                "cause",
                "arm",
                "events",
                f"incidence_{cy}",
                f"std_err_{cy}",
                f"ci_low_{cy}",
                f"ci_high_{cy}",
                "gray_statistic",
                "gray_pvalue",
            ],
            kinds={
                "cause": "text",
                "arm": "text",
                "events": "int",
                f"incidence_{cy}": "pct",
                f"std_err_{cy}": "pct",
                f"ci_low_{cy}": "pct",
                f"ci_high_{cy}": "pct",
                "gray_pvalue": "p",
            },
        )
        for cause, e in ci["causes"].items():
            for a in arms:
                t.rows.append(
                    [
                        cause,
                        a,
                        e["events"][a],
                        e[a]["incidence"],
                        e[a]["std_err"],
                        *e[a]["ci"],
                        e["gray_statistic"],
                        e["gray_pvalue"],
                    ]
                )
        tables.append(t)
    if "adverse_events" in res:
        ae = res["adverse_events"]
        n0, n1 = ae["n"][arms[0]], ae["n"][arms[1]]
        t = Table(
            "adverse_events",
            f"Adverse events: subjects with the event, by arm ({arms[0]} n = {n0}, "
            f"{arms[1]} n = {n1}); risk difference {arms[1]} - {arms[0]} "
            f"(Newcombe, {lvl} CI)",
            [
                "term",
                f"subjects_{arms[0]}",
                f"risk_{arms[0]}",
                f"subjects_{arms[1]}",
                f"risk_{arms[1]}",
                "risk_difference",
                "ci_low",
                "ci_high",
            ],
            kinds={
                "term": "text",
                f"subjects_{arms[0]}": "int",
                f"subjects_{arms[1]}": "int",
                f"risk_{arms[0]}": "pct",
                f"risk_{arms[1]}": "pct",
                "risk_difference": "pct",
                "ci_low": "pct",
                "ci_high": "pct",
            },
        )
        for term, e in ae["terms"].items():
            t.rows.append(
                [
                    term,
                    e[arms[0]],
                    e["risk"][arms[0]],
                    e[arms[1]],
                    e["risk"][arms[1]],
                    e["risk_difference"],
                    *e["ci"],
                ]
            )
        tables.append(t)
    t = Table(
        "excluded_rows",
        "Rows left out (by an option) and why",
        ["file", "reason", "rows"],
        kinds={"file": "text", "reason": "text", "rows": "int"},
    )
    for e in data.excluded:
        t.rows.append([e["file"], e["reason"], e["rows"]])
    tables.append(t)
    return tables


def write_curves(path: Path, result) -> None:
    """Every Kaplan-Meier step by arm, with the pointwise CI of the analysis' transform."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    level, conf_type = result.settings.confidence_level, result.settings.conf_type
    parts = []
    for a, e in result.kaplan_meier.by_arm.items():
        f = e.curve
        lo, hi = f.confidence_interval(level, conf_type)
        parts.append(
            pa.table(
                {
                    "arm": pa.array([a] * f.time.shape[0], pa.string()),
                    "time_days": f.time,
                    "time_years": f.time / DAYS_PER_YEAR,
                    "n_risk": f.n_risk,
                    "n_event": f.n_event,
                    "n_censor": f.n_censor,
                    "survival": f.survival,
                    "std_err": f.std_err,
                    "ci_low": pa.array(lo, from_pandas=True),
                    "ci_high": pa.array(hi, from_pandas=True),
                }
            )
        )
    pcsv.write_csv(pa.concat_tables(parts), path, pcsv.WriteOptions(quoting_style="needed"))


def write_csv(path: Path, t: Table) -> None:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(t.columns)
        for r in t.rows:
            w.writerow(["" if v is None else (repr(v) if isinstance(v, float) else v) for v in r])


def print_tables(con, header: list[str], tables: list[Table], notes: list[str]) -> None:
    """Write the header lines, the tables and the notes to the rich console ``con``."""
    from rich.table import Table as RichTable

    for line in header:
        con.print(line, highlight=False, markup=False)
    for t in tables:
        if t.name == "excluded_rows" and not t.rows:
            continue
        rt = RichTable(title=t.title, title_justify="left")
        cells = t.formatted()
        for j, c in enumerate(t.columns):
            text = t.kinds.get(c) == "text"
            widest = max((len(r[j]) for r in cells), default=0)
            rt.add_column(
                c.replace("_", " "),
                justify="left" if text else "right",
                overflow="fold",
                min_width=min(widest, 16) if text and c != "note" else None,
            )
        for r in cells:
            rt.add_row(*r)
        con.print(rt)
    for n in notes:
        con.print(f"note: {n}", highlight=False, markup=False)
