"""``survtrial monitor``'s outputs: ``monitoring.json`` (the look, the decision and the numbers
behind it; the next look reads it back with ``--history``) and the short summary the command
prints."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from survtrial import __version__
from survtrial.report.figures import save_figure
from survtrial.report.files import output_dir, write_text
from survtrial.report.jsonify import dumps, jsonable
from survtrial.units import DAYS_PER_UNIT


def _interval(low, high, level) -> dict[str, Any] | None:
    if low is None or high is None:
        return None
    return {"low": low, "high": high, "level": level}


def json_dict(m, data=None, command: str | None = None) -> dict[str, Any]:
    """A :class:`~survtrial.monitor.MonitoringLook` as plain JSON values (infinite bounds and
    undefined numbers are null). ``data`` (the :class:`~survtrial.analysis.AnalysisData`)
    adds where the numbers came from."""
    plan = m.plan
    stopped = m.decision != "continue"
    out: dict[str, Any] = {
        "survtrial_version": __version__,
        "command": command,
        "look": m.look,
        "look_number": m.look_number,
        "final_look": m.final,
        "events": m.events,
        "planned_events": m.planned_events,
        "information_fraction": m.information_fraction,
        "z": m.z,
        "sign_convention": m.sign_convention,
        "hazard_ratio": m.hazard_ratio,
        "efficacy_bound": m.efficacy_bound,
        "futility_bound": m.futility_bound,
        "nominal_p": m.nominal_p,
        "nominal_p_bound": m.nominal_p_bound,
        "decision": m.decision,
        "repeated_ci": _interval(m.repeated_ci_low, m.repeated_ci_high, m.repeated_ci_level),
        "repeated_p": m.repeated_p,
        "conditional_power": {
            "design_effect": {
                "hazard_ratio": m.hazard_ratio_design,
                "power": m.conditional_power_design,
            },
            "current_trend": {
                "hazard_ratio": m.hazard_ratio_trend,
                "power": m.conditional_power_trend,
            },
        },
        "final_p": m.final_p if stopped else None,
        "median_unbiased_hr": m.median_unbiased_hr if stopped else None,
        "median_unbiased_hr_ci": _interval(
            m.final_ci_low, m.final_ci_high, 1.0 - 2.0 * plan.alpha / plan.sided
        ),
        "arms": {"control": m.arms[0], "experimental": m.arms[1]},
        "looks": [
            {
                "look": lk.name,
                "events": lk.events,
                "information_fraction": lk.events / m.planned_events,
                "z": lk.z,
                "efficacy_bound": m.efficacy_bounds[i],
                "futility_bound": m.futility_bounds[i] if m.futility_bounds else None,
            }
            for i, lk in enumerate(m.looks)
        ],
        "bounds": {
            "information_rates": m.information_rates,
            "efficacy": m.efficacy_bounds,
            "futility": m.futility_bounds or None,
            "cumulative_alpha_spent": m.cumulative_alpha_spent,
        },
        "design": plan.design_key(),
        "design_source": plan.source,
    }
    if data is not None:
        out["data"] = {
            "files": list(data.files),
            "param": data.param,
            "subjects": data.n,
            "strata_columns": list(data.strata_columns),
            "excluded": list(data.excluded),
        }
    return jsonable(out)


def write_monitoring(out: Path, m, data=None, command: str | None = None) -> list[str]:
    """Write ``out/monitoring.json``; return the names written."""
    folder = output_dir(out)
    write_text(folder / "monitoring.json", dumps(json_dict(m, data, command)), "--out")
    return ["monitoring.json"]


def _num(x, fmt: str = ".4f") -> str:
    return "-" if x is None else format(x, fmt)


def summary_lines(m) -> list[str]:
    """A few lines for the terminal: the look, z against its bounds, the decision."""
    lines = [
        f"Look {m.look_number} ({m.look}): {m.events} of {m.planned_events} planned events "
        f"(information {m.information_fraction:.3f}); arms {m.arms[0]} (control) vs "
        f"{m.arms[1]}",
        f"Stratified log-rank z = {m.z:.4f} (negative favours {m.arms[1]}), HR "
        f"{m.hazard_ratio:.3f}, nominal p = {m.nominal_p:.4g}",
        f"Bounds: efficacy z <= {_num(m.efficacy_bound)}, "
        + (f"futility z >= {_num(m.futility_bound)}" if m.futility_bound is not None
           else "no futility bound"),
        f"Repeated {100 * m.repeated_ci_level:g}% CI for the HR: {m.repeated_ci_low:.3f} to "
        f"{m.repeated_ci_high:.3f}; repeated p = {m.repeated_p:.4g}",
    ]
    if m.conditional_power_design is not None:
        lines.append(
            f"Conditional power: {m.conditional_power_design:.3f} under the design HR "
            f"{m.hazard_ratio_design:.3f}, {m.conditional_power_trend:.3f} under the trend"
        )
    lines.append(f"Decision: {m.decision}")
    if m.decision != "continue" and m.final_p is not None:
        lines.append(
            f"Final p = {m.final_p:.4g}; median-unbiased HR {m.median_unbiased_hr:.3f} "
            f"({m.final_ci_low:.3f} to {m.final_ci_high:.3f})"
        )
    return lines


__all__ = ["json_dict", "summary_lines", "write_monitoring"]


def boundary_path(m) -> dict[str, list[float]]:
    """The monitoring figure's data, on the scale where large favours the experimental arm
    (-z): the design's bounds at this look, and the observed -z of every look so far."""
    t = [float(x) for x in m.information_rates]
    eff = [-float(b) for b in m.efficacy_bounds]
    fut = [(ti, -float(b)) for ti, b in zip(t, m.futility_bounds, strict=False)
           if b is not None and math.isfinite(float(b))]
    return {
        "information": t,
        "efficacy": eff,
        "futility_information": [f[0] for f in fut],
        "futility": [f[1] for f in fut],
        "observed_information": [lk.events / m.planned_events for lk in m.looks],
        "observed": [-float(lk.z) for lk in m.looks],
    }


def monitoring_figure(m, out_stem: Path) -> list[Path]:
    """Bounds against the information fraction with the observed path of -z."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pts = boundary_path(m)
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    ok = [math.isfinite(v) for v in pts["efficacy"]]
    ax.plot([t for t, k in zip(pts["information"], ok, strict=True) if k],
            [v for v, k in zip(pts["efficacy"], ok, strict=True) if k],
            "o--", color="#1f5fa8", label="efficacy bound")
    if pts["futility"]:
        ax.plot(pts["futility_information"], pts["futility"], "s--", color="#c0392b",
                label="futility bound")
    ax.plot(pts["observed_information"], pts["observed"], "D-", color="#222", ms=6,
            label="observed (-z)")
    ax.axhline(0, color="#999", lw=0.6)
    ax.set_xlim(0, 1.05)
    ax.set_xlabel("Information fraction (events / planned events)")
    ax.set_ylabel("-z (large favours the experimental arm)")
    ax.set_title(f"{m.look}: {m.decision}", fontsize=9)
    ax.grid(alpha=0.3, lw=0.5)
    ax.legend(fontsize=8, frameon=False)
    return save_figure(fig, out_stem)


def accrual_figure(acc, out_stem: Path, cutoff: str | None = None) -> list[Path]:
    """Cumulative patients randomized against the calendar date (pooled), from an
    :class:`~survtrial.analysis.consort.Accrual` (SAS day numbers -> dates)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    dates = np.datetime64("1960-01-01") + acc.day.astype(np.int64).astype("timedelta64[D]")
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    ax.step(np.concatenate([dates[:1], dates]), np.concatenate([[0], acc.cumulative]),
            where="post", color="#333", lw=1.4)
    loc = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    ax.set_ylim(0, float(acc.cumulative[-1]) * 1.05)
    ax.set_xlabel("Date of randomization")
    ax.set_ylabel("Patients randomized (cumulative)")
    title = f"Accrual: {int(acc.cumulative[-1])} randomized, {dates[0]} to {dates[-1]}"
    ax.set_title(title + (f" (cut-off {cutoff})" if cutoff else ""), fontsize=9)
    ax.grid(alpha=0.3, lw=0.5)
    ax.spines[["top", "right"]].set_visible(False)
    return save_figure(fig, out_stem)


def safety_rows(analysis) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """(patients per arm, one row per adverse-event term: patients with the term per arm and
    their percent), most frequent term first; from the look's analysis (safety population)."""
    ae = analysis.adverse_events
    rows = [
        {"term": term, "cells": [(t.counts[a], 100.0 * t.risk[a]) for a in analysis.arms]}
        for term, t in ae.terms.items()
    ]
    rows.sort(key=lambda r: (-sum(c[0] for c in r["cells"]), r["term"]))
    return dict(ae.n), rows


def write_dsmb_report(out: Path, m, data, analysis, command: str | None, subjects=None,
                      time_unit: str = "years") -> list[str]:
    """report.html: a header, an open (pooled) section and a closed (by arm) section, as DSMB
    charters separate them; figures inline. ``analysis``: the look's
    :class:`survtrial.analysis.AnalysisResult`; ``subjects``: the ADSL's
    :class:`~survtrial.analysis.consort.SubjectLevel` (None without --adsl). The open section
    holds pooled numbers only (accrual, follow-up, events, the pooled CONSORT flow); arms are
    compared in the closed section only (CONSORT by arm, efficacy, bounds, safety)."""
    from survtrial.analysis.consort import accrual, trial_flow
    from survtrial.report.figures import analysis_km_figure, consort_figure
    from survtrial.report.html import Figure, render

    folder = output_dir(out)
    flow = trial_flow(subjects, data)
    figures_open, figures_closed = [], []
    acc = accrual(subjects)
    if acc is not None:
        fig = Figure("Accrual: patients randomized over calendar time (pooled)",
                     folder / "accrual")
        accrual_figure(acc, fig.stem, subjects.cutoff)
        figures_open.append(fig)
    show_flow = subjects is not None
    if show_flow:
        fig = Figure("CONSORT flow (pooled)", folder / "consort_pooled")
        consort_figure(flow.pooled(), {}, fig.stem)
        figures_open.append(fig)
        fig = Figure("CONSORT flow by arm", folder / "consort")
        consort_figure(flow, {}, fig.stem)
        figures_closed.append(fig)
    bounds = Figure("Bounds and the observed path", folder / "boundaries")
    monitoring_figure(m, bounds.stem)
    km = Figure("Kaplan-Meier by arm", folder / "km")
    analysis_km_figure(analysis, data.param or "Endpoint", km.stem, time_unit=time_unit)
    figures_closed += [bounds, km]
    fu = analysis.median_follow_up_days
    safety = safety_rows(analysis) if analysis.adverse_events is not None else None
    page = render(
        "dsmb.html.j2",
        title=f"Data monitoring report: {m.look}",
        version=__version__,
        command=command or "",
        m=m,
        doc=json_dict(m, data, command),
        data=data,
        n_events=int(data.event.sum()),
        follow_up=None if fu is None else fu / DAYS_PER_UNIT[time_unit],
        time_unit=time_unit,
        cutoff=None if subjects is None else subjects.cutoff,
        accrual=acc,
        flow=flow,
        show_flow=show_flow,
        safety=safety,
        figures_open=[f.for_page() for f in figures_open],
        figures_closed=[f.for_page() for f in figures_closed],
    )
    write_text(folder / "report.html", page, "--out")
    return ["report.html", *[n for f in figures_open + figures_closed for n in f.files()]]
