"""The full analysis of one trial's data with :mod:`survtrial.stats` (R's numbers).

The same analysis as :func:`survtrial.trial._analysis.full_analysis` gives a simulated trial:
Kaplan-Meier by arm and by stratum x arm, the stratified log-rank test, Cox hazard ratios
(overall stratified, and per stratum), the RMST difference at tau, the milestone difference,
cumulative incidence by cause with Gray's test, and adverse-event incidence with risk
differences. Times are in days here; horizons arrive in days.

Conventions (each as R's by default unless said): the experimental arm is the second arm, so
differences are experimental - control, hazard ratios experimental / control and the log-rank z
is negative when the experimental arm has fewer events than expected. Kaplan-Meier intervals use
the transform named by ``conf_type`` (log-log by default, as full_analysis and SAS; R's survfit
default is "log"). Medians and their limits follow R's ``print(survfit)``. Cox: Efron ties. RMST
at tau capped at the shorter arm's last follow-up time (survRM2 refuses a tau beyond it).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from survtrial._errors import InputError
from survtrial.analyze._input import DAYS_PER_YEAR, AnalysisData


@dataclass(frozen=True, slots=True)
class Settings:
    milestone_days: float
    milestone_text: str
    milestone_source: str
    tau_days: float | None  # None: the common follow-up (shorter arm's last time)
    tau_text: str
    confidence_level: float = 0.95
    conf_type: str = "log-log"
    # every milestone asked for, (days, as written), in the order given; the first is
    # milestone_days (used for the KM tables' main columns and the cumulative incidence)
    milestones: tuple[tuple[float, str], ...] = ()

    def all_milestones(self) -> tuple[tuple[float, str], ...]:
        return self.milestones or ((self.milestone_days, self.milestone_text),)


def _f(x) -> float | None:
    """A float for JSON: None for NaN or infinity."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def at_risk_grid_years(max_days: float) -> list[float]:
    """Yearly (0, 1, 2, ...) up to the last follow-up; quarterly when it is under two years."""
    top = max_days / DAYS_PER_YEAR
    step = 1.0 if top >= 2 else 0.25
    n = math.floor(top / step + 1e-9)
    return [round(i * step, 4) for i in range(n + 1)]


def _km_entry(f, t_ms: float, level: float, conf_type: str, grid_years) -> dict:
    lo, hi = f.confidence_interval(level, conf_type, times=[t_ms])
    med = f.median(level, conf_type)
    s = float(f.survival_at(t_ms)[0])
    return {
        "n": int(f.n),
        "events": f.n_events,
        "survival": _f(s),
        "std_err": _f(f.std_err_at(t_ms)[0]),
        "n_at_risk_milestone": int(f.n_risk_at(t_ms)[0]),
        "ci": [_f(lo[0]), _f(hi[0])],
        "median_days": _f(med.estimate),
        "median_ci_days": [_f(med.low), _f(med.high)],
        "n_at_risk": {f"{y:g}": int(f.n_risk_at(y * DAYS_PER_YEAR)[0]) for y in grid_years},
        "last_follow_up_days": _f(f.time[-1]) if f.time.size else None,
    }


def _cox(time, event, arm, strata, level: float) -> dict:
    from survtrial.stats import cox

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            c = cox(time, event, arm.astype(float), strata=strata)
        except Exception as exc:  # no events, an arm without events in a stratum, ...
            return {"hazard_ratio": None, "ci": [None, None], "pvalue": None, "error": str(exc)}
    lo, hi = c.confidence_interval(level)
    out = {
        "hazard_ratio": _f(np.ravel(c.hazard_ratio)[0]),
        "ci": [_f(np.ravel(lo)[0]), _f(np.ravel(hi)[0])],
        "pvalue": _f(np.ravel(c.pvalue)[0]),
        "coef": _f(c.coef[0]),
        "std_err": _f(c.std_err[0]),
        "n": c.n,
        "events": c.n_events,
        "ties": c.ties,
    }
    if caught:
        out["warning"] = "; ".join(str(w.message) for w in caught)
    return out


def run_analysis(d: AnalysisData, s: Settings) -> dict:
    """Every statistic of the analysis, as a JSON-ready dict (times in days)."""
    from survtrial.stats import kaplan_meier, logrank, milestone_difference, rmst

    time, event, arm, stratum = d.time_days, d.event, d.arm, d.stratum
    arms = d.arm_labels
    level, ct = s.confidence_level, s.conf_type
    t_ms = s.milestone_days
    grid = at_risk_grid_years(float(time.max()))
    res: dict = {}
    res["n"] = {a: int((arm == i).sum()) for i, a in enumerate(arms)}
    res["events"] = {a: int(event[arm == i].sum()) for i, a in enumerate(arms)}
    # Kaplan-Meier by arm and by stratum x arm
    km_arm: dict = {}
    curves: dict = {}
    for i, a in enumerate(arms):
        f = kaplan_meier(time[arm == i], event[arm == i])
        km_arm[a] = _km_entry(f, t_ms, level, ct, grid)
        curves[a] = f
    km_sa: dict = {}
    strat = len(d.stratum_labels) > 1
    if strat:
        for j, st in enumerate(d.stratum_labels):
            km_sa[st] = {}
            for i, a in enumerate(arms):
                sel = (arm == i) & (stratum == j)
                if not sel.any():
                    km_sa[st][a] = {"n": 0, "events": 0}
                    continue
                fs = kaplan_meier(time[sel], event[sel])
                km_sa[st][a] = _km_entry(fs, t_ms, level, ct, grid)
    res["kaplan_meier"] = {
        "milestone_days": t_ms,
        "milestone_years": t_ms / DAYS_PER_YEAR,
        "confidence_level": level,
        "conf_type": ct,
        "at_risk_years": grid,
        "by_arm": km_arm,
        "by_stratum_and_arm": km_sa,
    }
    # stratified log-rank
    lr = logrank(time, event, arm, strata=stratum if strat else None)
    res["logrank"] = {
        "chisq": _f(lr.statistic),
        "df": lr.df,
        "pvalue": _f(lr.pvalue),
        "z": _f(lr.z),
        "stratified": strat,
        "n_strata": lr.n_strata,
        "observed": {a: _f(lr.observed[i]) for i, a in enumerate(arms)},
        "expected": {a: _f(lr.expected[i]) for i, a in enumerate(arms)},
        "o_over_e": {a: _f(lr.observed[i] / lr.expected[i]) for i, a in enumerate(arms)},
        "z_convention": f"negative favours {arms[1]} (the experimental arm)",
    }
    # Cox: overall (stratified) and per stratum
    res["cox"] = {
        "overall": _cox(time, event, arm, stratum if strat else None, level),
        "overall_stratified": strat,
        "by_stratum": {},
        "hazard_ratio_of": f"{arms[1]} vs {arms[0]}",
    }
    if strat:
        for j, st in enumerate(d.stratum_labels):
            sel = stratum == j
            res["cox"]["by_stratum"][st] = _cox(time[sel], event[sel], arm[sel], None, level)
    # RMST difference
    last = min(float(time[arm == i].max()) for i in (0, 1))
    asked = s.tau_days
    tau = last if asked is None else min(asked, last)
    r = rmst(time, event, arm, tau)
    lo, hi = r.difference_confidence_interval(level)
    res["rmst"] = {
        "tau_days": tau,
        "tau_years": tau / DAYS_PER_YEAR,
        "tau_requested": s.tau_text,
        "tau_capped": asked is not None and tau < asked,
        "by_arm_days": {a: _f(r.rmst[i]) for i, a in enumerate(arms)},
        "std_err_days": {a: _f(r.std_err[i]) for i, a in enumerate(arms)},
        "difference_days": _f(r.difference),
        "difference_std_err_days": _f(r.difference_std_err),
        "ci_days": [_f(lo), _f(hi)],
        "pvalue": _f(r.difference_pvalue),
    }
    # milestone difference at each milestone (the first is also res["milestone"])
    res["milestones"] = []
    for t_k, text in s.all_milestones():
        m = milestone_difference(time, event, arm, t_k)
        mlo, mhi = m.confidence_interval(level)
        by_arm = {}
        for a, f in curves.items():
            lo, hi = f.confidence_interval(level, ct, times=[t_k])
            by_arm[a] = {
                "survival": _f(f.survival_at(t_k)[0]),
                "std_err": _f(f.std_err_at(t_k)[0]),
                "ci": [_f(lo[0]), _f(hi[0])],
                "n_at_risk": int(f.n_risk_at(t_k)[0]),
            }
        res["milestones"].append(
            {
                "time_days": t_k,
                "time_years": t_k / DAYS_PER_YEAR,
                "given": text,
                "survival": {a: _f(m.survival[i]) for i, a in enumerate(arms)},
                "std_err": {a: _f(m.std_err[i]) for i, a in enumerate(arms)},
                "difference": _f(m.difference),
                "difference_std_err": _f(m.difference_std_err),
                "ci": [_f(mlo), _f(mhi)],
                "pvalue": _f(m.pvalue),
                "beyond_follow_up": [a for a in arms if t_k > km_arm[a]["last_follow_up_days"]],
                "kaplan_meier_by_arm": by_arm,
            }
        )
    res["milestone"] = {
        k: v for k, v in res["milestones"][0].items() if k not in ("given", "kaplan_meier_by_arm")
    }
    # competing risks
    if d.cause is not None:
        res["cumulative_incidence"] = _competing(d, t_ms, level, strat)
    # adverse events
    if d.adverse_events is not None:
        res["adverse_events"] = _adverse_events(d, level)
    fu = kaplan_meier(time, 1 - event).median().estimate
    res["median_follow_up_days"] = _f(fu)
    res["_curves"] = curves  # for the figure and the curve table; not written to JSON
    return res


def _competing(d: AnalysisData, t_ms: float, level: float, strat: bool) -> dict:
    from survtrial.stats import cumulative_incidence, gray_test

    time, cause, arm = d.time_days, d.cause, d.arm
    arms = d.arm_labels
    ci = cumulative_incidence(time, cause, group=arm)
    gray = None
    gray_error = None
    try:
        gray = gray_test(time, cause, arm, strata=d.stratum if strat else None)
    except Exception as exc:  # e.g. a stratum with one arm only
        gray_error = str(exc)
    out: dict = {"time_days": t_ms, "time_years": t_ms / DAYS_PER_YEAR, "causes": {}}
    for k, label in enumerate(d.cause_labels, start=1):
        entry: dict = {
            "events": {a: int(((cause == k) & (arm == i)).sum()) for i, a in enumerate(arms)}
        }
        for i, a in enumerate(arms):
            if k in ci.causes and any(key == (k, i) for key in ci.curves):
                est = float(ci.estimate_at([t_ms], cause=k, group=i)[0])
                var = float(ci.variance_at([t_ms], cause=k, group=i)[0])
                lo, hi = ci.confidence_interval([t_ms], cause=k, group=i, confidence_level=level)
                entry[a] = {
                    "incidence": _f(est),
                    "std_err": _f(math.sqrt(var)) if math.isfinite(var) else None,
                    "ci": [_f(lo[0]), _f(hi[0])],
                }
            else:
                entry[a] = {"incidence": 0.0, "std_err": 0.0, "ci": [0.0, 0.0]}
        if gray is not None and k in gray.statistic:
            entry["gray_statistic"] = _f(gray.statistic[k])
            entry["gray_pvalue"] = _f(gray.pvalue[k])
            entry["gray_df"] = int(gray.df[k])
        else:
            entry["gray_statistic"] = entry["gray_pvalue"] = None
        out["causes"][label] = entry
    out["gray_stratified"] = strat
    if gray_error:
        out["gray_error"] = gray_error
    return out


def _adverse_events(d: AnalysisData, level: float) -> dict:
    from survtrial.stats import risk_difference

    arms = d.arm_labels
    # safety population: subjects by actual treatment (ADSL TRT01A) when known, else as planned
    by = d.actual_arm if d.actual_arm is not None else d.arm
    n_arm = [int((by == i).sum()) for i in (0, 1)]
    for i in (0, 1):
        if n_arm[i] == 0:
            raise InputError(
                f"adverse events: no analysed subject received {arms[i]!r} according to "
                f"{d.columns.get('actual_arm', 'the actual treatment')}; there is no denominator"
            )
    pairs = d.adverse_events
    out: dict = {"n": {arms[0]: n_arm[0], arms[1]: n_arm[1]}, "terms": {}}
    if pairs is None or pairs.empty:
        return out
    counts = pairs.groupby(["term", "arm"]).size().unstack(fill_value=0)
    for term in sorted(counts.index, key=str):
        e = [int(counts.loc[term].get(i, 0)) for i in (0, 1)]
        rd = risk_difference(e[0], n_arm[0], e[1], n_arm[1], level)
        out["terms"][str(term)] = {
            arms[0]: e[0],
            arms[1]: e[1],
            "risk": {arms[0]: e[0] / n_arm[0], arms[1]: e[1] / n_arm[1]},
            "risk_difference": _f(rd.estimate),
            "ci": [_f(rd.low), _f(rd.high)],
            "method": rd.method,
        }
    return out
