"""The outputs of a reproduction (:class:`survtrial.reproduce.Reproduction`): results.json, the
first trial's full analysis, the sensitivity table (JSON and CSV), the comparison table (rich),
the HTML page with the first trial's first events (relapse by site, HTML and CSV) and the
Kaplan-Meier figure of replicate curves over the published ones."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path
from typing import Any

import numpy as np

from survtrial import __version__
from survtrial.analysis import headline, slug
from survtrial.analysis.names import at_risk_key
from survtrial.report import files
from survtrial.report.analysis_tables import write_csv
from survtrial.report.figures import ARM_COLOURS, AtRiskRow, Curve, consort_figure, km_figure
from survtrial.report.html import Figure, render
from survtrial.report.journal_tables import first_events_table
from survtrial.report.jsonify import analysis_json, dumps, jsonable

ROLE_LABELS = {"calibration_target": "target", "held_out": "held out", None: "-"}


def fmt(v: Any, key: str = "") -> str:
    """A table cell: counts whole, hazard ratios to 2 decimals, else 3 significant digits."""
    if v is None:
        return "-"
    if key.startswith(("randomized_", "at_risk_", "os_at_risk_")):
        return f"{v:.0f}"
    if key.startswith(("hr_pvalue_", "p_")):
        return f"{v:.2g}" if v < 0.01 else f"{v:.2f}"
    if key.startswith("hr_"):
        return f"{v:.2f}"
    return f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}"


def interim_json(rep) -> dict[str, Any]:
    it = rep.interim
    out: dict[str, Any] = {
        "simulated": {
            "events": it.events,
            "information_fraction": it.information_fraction,
            "z": it.z,
            "bound": it.bound,
            "decision": it.decision,
        }
    }
    for k, (med, lo, hi) in it.replicate.items():
        out[k] = {"replicate_median": med, "replicate_low": lo, "replicate_high": hi}
    out["share_stopping_at_first_interim"] = it.share_stopping_at_first_interim
    out["published_decision"] = it.published_decision
    out["published_decision_role"] = it.published_decision_role
    out["fitted_parameters"] = list(it.fitted_parameters)
    out["z_convention"] = it.z_convention
    return out


def results_document(rep) -> dict[str, Any]:
    """results.json: one entry per published quantity, then interim, protocol, seed, version."""
    doc: dict[str, Any] = {}
    for r in rep.rows:
        doc[r.key] = {
            "published": r.published,
            "simulated": r.simulated,
            "replicate_median": r.replicate_median,
            "replicate_low": r.replicate_low,
            "replicate_high": r.replicate_high,
            "within_range": r.within_range,
            "close": r.close,
            "note": r.note,
            "role": r.role,
            "fitted_parameters": list(r.fitted_parameters),
            "published_percentile": r.published_percentile,
        }
        if r.share_below_0_05 is not None:
            doc[r.key]["share_of_replicates_below_0_05"] = r.share_below_0_05
    doc["interim"] = interim_json(rep)
    doc["curves"] = [
        {
            "endpoint": c.endpoint,
            "arm": c.arm,
            "role": c.role,
            "fitted_parameters": list(c.fitted_parameters),
            "max_abs_distance_points": c.max_abs_distance_points,
            "mean_abs_distance_points": c.mean_abs_distance_points,
            "share_of_digitized_points_inside_band": c.share_inside_band,
            "points_compared": c.points_compared,
            "up_to_years": c.up_to_years,
        }
        for c in rep.curve_checks
    ]
    doc["protocol"] = {"name": rep.protocol_name, "sha256": rep.protocol_sha256,
                       "vary": list(rep.vary)}
    doc["seed"] = rep.seed
    doc["version"] = __version__
    return jsonable(doc)


def sensitivity_rows(rep) -> list[dict[str, Any]]:
    """One row per setting: interim behaviour and the replicate medians."""
    rows = []
    for v in rep.variants:
        row = {
            "setting": v.setting,
            "key": v.key,
            "value": v.value,
            "stop_at_interim_1": v.share_stopping_at_first_interim,
            "interim_information": v.interim_information,
            "interim_bound": v.interim_bound,
            "interim_z": v.interim_z,
        }
        row.update(v.medians)
        rows.append(jsonable(row))
    return rows


def _sensitivity_csv(rows: list[dict[str, Any]]) -> str:
    cols: list[str] = []
    for r in rows:
        cols += [c for c in r if c not in cols]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({c: "" if r.get(c) is None else r.get(c) for c in cols})
    return buf.getvalue()


def reproduction_km_figure(rep, endpoint: str, out_stem: Path) -> list[Path]:
    """Replicate-median KM of ``endpoint`` (a slug: dfs, os) by arm with the 2.5-97.5% band,
    over the published digitized curves; numbers at risk simulated (median) and published."""
    p = rep.protocol
    run = rep.run
    c = run.curves[endpoint]
    label = p.analysis.endpoint if endpoint == slug(p.analysis.endpoint) else endpoint.upper()
    prefix = "" if endpoint == slug(p.analysis.endpoint) else f"{endpoint}_"
    arms = [p.experimental, p.control]
    colour = {p.control.name: ARM_COLOURS[0], p.experimental.name: ARM_COLOURS[1]}
    xmax = float(np.nanmedian(c.last_follow_up_years))
    keep = c.grid_years <= xmax + 1e-9
    curves = []
    for arm in arms:
        lo, med, hi = np.nanpercentile(c.survival[arm.name][:, keep], [2.5, 50, 97.5], axis=0)
        x = c.grid_years[keep]
        curves.append(Curve(f"{arm.label}: simulated median", colour[arm.name], x, 100 * med,
                            band=(100 * lo, 100 * hi)))
        pub = rep.published_curves.curves.get((endpoint, arm.name))
        if pub is not None:
            curves.append(Curve(f"{arm.label}: published (digitized)", colour[arm.name],
                                pub[:, 0], 100 * pub[:, 1], dashed=True))
    years = [float(y) for y in p.analysis.at_risk_years]
    rows = []
    pub_n = rep.published_curves.at_risk
    for arm in arms:
        sim = [f"{np.median(run.summary[prefix + at_risk_key(y, arm.name)]):.0f}" for y in years]
        rows.append(AtRiskRow(f"{arm.name}, simulated", colour[arm.name], sim))
        if any(k[0] == endpoint for k in pub_n):
            rows.append(AtRiskRow(f"{arm.name}, published", colour[arm.name],
                                  [pub_n.get((endpoint, arm.name, y), "-") for y in years]))
    return km_figure(
        curves, years, rows,
        title=f"{p.trial.id.upper()}: {label} by arm, {rep.replicates} simulated trials",
        ylabel=f"{label} (%)",
        xmax_years=max(xmax, max(years, default=0.0)),
        out_stem=out_stem,
    )


def write_reproduction(rep, out: Path, report: bool = True) -> list[str]:
    """Write results.json, analysis_trial1.json, with variants sensitivity.json and .csv, and
    (``report``) the figures and the HTML page; return the names written."""
    out = files.output_dir(out)
    files.write_text(out / "results.json", dumps(results_document(rep)), "--out")
    first = rep.run.first_analysis
    trial1 = {**analysis_json(first), "headline": headline(first, rep.protocol.analysis.endpoint)}
    files.write_text(out / "analysis_trial1.json", dumps(trial1), "--out")
    written = ["results.json", "analysis_trial1.json"]
    sens = sensitivity_rows(rep)
    if sens:
        files.write_text(out / "sensitivity.json", dumps(sens), "--out")
        files.write_text(out / "sensitivity.csv", _sensitivity_csv(sens), "--out")
        written += ["sensitivity.json", "sensitivity.csv"]
    if not report:  # --no-report: the numbers and data sets only
        return written
    tables = []
    relapse = first_events_table(first)  # relapse by site, the first simulated trial
    if relapse is not None:
        label = {e.name: e.label for e in rep.protocol.outcomes.event_types}
        relapse = dataclasses.replace(
            relapse,
            title=f"First simulated trial: {relapse.title[0].lower()}{relapse.title[1:]}",
            rows=[[label.get(r[0], r[0]), *r[1:]] for r in relapse.rows],
        )  # the protocol's labels of the event types (ADTTE EVNTDESC), not their keys
        write_csv(out / f"{relapse.name}.csv", relapse)
        written.append(f"{relapse.name}.csv")
        tables.append(relapse)
    figures = []
    for endpoint in rep.run.curves:
        fig = Figure(f"{endpoint.upper()}: simulated and published", out / f"km_{endpoint}")
        reproduction_km_figure(rep, endpoint, fig.stem)
        written += fig.files()
        figures.append(fig.for_page())
    flow = Figure("CONSORT flow of the first simulated trial", out / "consort")
    arms = {a.name: a.label for a in rep.protocol.arms}
    consort_figure(rep.consort, arms, flow.stem)
    written += flow.files()
    figures.append(flow.for_page())
    page = render(
        "reproduction.html.j2",
        title=rep.protocol.trial.title,
        version=__version__,
        protocol=rep.protocol_name,
        seed=rep.seed,
        replicates=rep.replicates,
        rows=rep.rows,
        interim=rep.interim,
        variants=rep.variants,
        sensitivity=sens,
        fmt=fmt,
        curve_checks=rep.curve_checks,
        figures=figures,
        tables=tables,
        role_label=ROLE_LABELS,
    )
    files.write_text(out / "report.html", page, "--out")
    written.append("report.html")
    return written


def print_reproduction(con, rep) -> None:
    """The comparison table, the interim line and the sensitivity table, to a rich console."""
    from rich.table import Table

    t = Table(title=f"{rep.protocol.trial.title} - {rep.replicates} replicates, seed {rep.seed}")
    cols = ("quantity", "role", "published", "one trial", "replicate median", "2.5-97.5%",
            "reached")
    for col in cols:
        left = col in ("quantity", "role")
        t.add_column(col, justify="left" if left else "right", no_wrap=col == "quantity")
    for r in rep.rows:
        flag = "-" if r.reached is None else ("yes" if r.reached else "[red]NO[/red]")
        rng = f"{fmt(r.replicate_low, r.key)} - {fmt(r.replicate_high, r.key)}"
        t.add_row(r.key, ROLE_LABELS[r.role], fmt(r.published, r.key), fmt(r.simulated, r.key),
                  fmt(r.replicate_median, r.key), rng, flag)
    con.print(t)
    roles = [r.role for r in rep.rows if r.role]
    if roles:
        con.print(
            f"Roles: {roles.count('calibration_target')} calibration targets (a protocol "
            f"parameter was fitted or chosen to match them: agreement there shows the fit, not a "
            f"prediction), {roles.count('held_out')} held out (nothing was fitted to them)."
        )
    for c in rep.curve_checks:
        con.print(
            f"Curve {c.endpoint.upper()} {c.arm} ({ROLE_LABELS[c.role]}): replicate median vs "
            f"digitized to {c.up_to_years:.1f} years: max {c.max_abs_distance_points:.1f}, mean "
            f"{c.mean_abs_distance_points:.1f} percentage points; "
            f"{100 * c.share_inside_band:.0f}% of {c.points_compared} digitized points inside "
            "the 95% replicate band."
        )
    it = rep.interim
    line = (
        f"Interim 1 (one trial): {it.events:.0f} events, information "
        f"{it.information_fraction:.2f}, z = {it.z:.2f}, bound {it.bound:.2f}: "
        f"{it.decision}. Replicates stopping at the first interim: "
        f"{100 * it.share_stopping_at_first_interim:.1f}%."
    )
    if it.published_decision:
        line += (
            f" Published: {it.published_decision} "
            f"({ROLE_LABELS[it.published_decision_role]}"
            + (f": {', '.join(it.fitted_parameters)}" if it.fitted_parameters else "")
            + ")."
        )
    con.print(line)
    for r in rep.rows:
        if r.note:
            con.print(f"[red]{r.key}[/red]: {r.note}")
    sens = sensitivity_rows(rep)
    if sens:
        st = Table(title="Sensitivity (--vary): replicate medians")
        st.add_column("quantity", no_wrap=True)
        for row in sens:
            st.add_column(row["setting"], justify="right")
        for c in [c for c in sens[0] if c not in ("setting", "key", "value")]:
            st.add_row(c, *[fmt(row.get(c), c) for row in sens])
        con.print(st)
