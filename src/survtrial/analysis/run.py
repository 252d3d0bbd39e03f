"""One full analysis of a trial's data set with :mod:`survtrial.stats` (R's numbers).

Used by ``survtrial analyze`` (real or reconstructed data), by the in-silico trial (one simulated
trial) and by interim monitoring: Kaplan-Meier by arm and by stratum x arm, the (stratified)
log-rank test, Cox hazard ratios (overall stratified, and per stratum), the RMST difference at
tau, the survival difference at each milestone, cumulative incidence by cause with Gray's test,
and adverse-event incidence with risk differences. Times in days.

Conventions (R's unless said): ``data.arm_labels[0]`` is the reference (control) arm, so
differences are experimental - control, hazard ratios experimental / control, and the log-rank z
is negative when the experimental arm has fewer events than expected. Kaplan-Meier intervals use
``settings.conf_type`` (log by default, as R's survfit). Medians and their limits follow R's
``print(survfit)``. Cox: Efron ties. RMST at tau capped at the shorter arm's last follow-up time
(survRM2 refuses a tau beyond it).
"""

from __future__ import annotations

import math

import numpy as np

from survtrial._errors import InputError
from survtrial.analysis.cox_summary import cox_summary as _cox
from survtrial.analysis.data import AnalysisData
from survtrial.analysis.result import (
    AdverseEventSection,
    AdverseEventTerm,
    AnalysisResult,
    ArmKaplanMeier,
    CauseIncidence,
    CompetingSection,
    CoxSection,
    CoxSummary,
    HeterogeneityTest,
    KaplanMeierSection,
    LogrankSummary,
    MilestoneArm,
    MilestoneSummary,
    RmstSummary,
)
from survtrial.analysis.settings import AnalysisSettings
from survtrial.units import DAYS_PER_YEAR

ARM_CODES = (0, 1)  # AnalysisData.arm: 0 the reference (control) arm, 1 the experimental arm


def _f(x) -> float | None:
    """A float, or None for NaN and infinity (JSON has neither)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def at_risk_grid_years(max_days: float) -> tuple[float, ...]:
    """Yearly (0, 1, 2, ...) up to the last follow-up; quarterly when it is under two years."""
    top = max_days / DAYS_PER_YEAR
    step = 1.0 if top >= 2 else 0.25
    n = math.floor(top / step + 1e-9)
    return tuple(round(i * step, 4) for i in range(n + 1))


def _km_entry(f, t_ms: float, s: AnalysisSettings, grid_years) -> ArmKaplanMeier:
    lo, hi = f.confidence_interval(s.confidence_level, s.conf_type, times=[t_ms])
    med = f.median(s.confidence_level, s.conf_type)
    surv = float(f.survival_at(t_ms)[0])
    n_ms = int(f.n_risk_at(t_ms)[0])
    peto = surv * math.sqrt((1 - surv) / n_ms) if n_ms else math.nan
    return ArmKaplanMeier(
        n=int(f.n),
        events=int(f.n_events),
        survival=_f(surv),
        std_err=_f(f.std_err_at(t_ms)[0]),
        std_err_peto=_f(peto),
        n_at_risk_milestone=n_ms,
        ci=(_f(lo[0]), _f(hi[0])),
        median_days=_f(med.estimate),
        median_ci_days=(_f(med.low), _f(med.high)),
        n_at_risk={f"{y:g}": int(f.n_risk_at(y * DAYS_PER_YEAR)[0]) for y in grid_years},
        last_follow_up_days=_f(f.time[-1]) if f.time.size else None,
        curve=f,
    )


def _kaplan_meier(d: AnalysisData, s: AnalysisSettings, strat: bool) -> KaplanMeierSection:
    from survtrial.stats import kaplan_meier

    time, event, arm, stratum = d.time_days, d.event, d.arm, d.stratum
    t_ms = s.milestone_days
    grid = s.at_risk_years if s.at_risk_years is not None else at_risk_grid_years(time.max())
    by_arm = {
        a: _km_entry(kaplan_meier(time[arm == i], event[arm == i]), t_ms, s, grid)
        for i, a in enumerate(d.arm_labels)
    }
    by_sa: dict = {}
    if strat:
        for j, st in enumerate(d.stratum_labels):
            by_sa[st] = {}
            for i, a in enumerate(d.arm_labels):
                sel = (arm == i) & (stratum == j)
                by_sa[st][a] = (
                    _km_entry(kaplan_meier(time[sel], event[sel]), t_ms, s, grid)
                    if sel.any()
                    else {"n": 0, "events": 0}
                )
    return KaplanMeierSection(
        milestone_days=t_ms,
        milestone_years=t_ms / DAYS_PER_YEAR,
        confidence_level=s.confidence_level,
        conf_type=s.conf_type,
        at_risk_years=tuple(grid),
        by_arm=by_arm,
        by_stratum_and_arm=by_sa,
    )


def _logrank(d: AnalysisData, strat: bool, event=None) -> LogrankSummary:
    """Log-rank of ``event`` (default: the endpoint's events), stratified when ``strat``."""
    from survtrial.stats import logrank

    arms = d.arm_labels
    lr = logrank(
        d.time_days,
        d.event if event is None else event,
        d.arm,
        strata=d.stratum if strat else None,
        levels=ARM_CODES,
    )
    return LogrankSummary(
        chisq=_f(lr.statistic),
        df=lr.df,
        pvalue=_f(lr.pvalue),
        z=_f(lr.z),
        stratified=strat,
        n_strata=lr.n_strata,
        observed={a: _f(lr.observed[i]) for i, a in enumerate(arms)},
        expected={a: _f(lr.expected[i]) for i, a in enumerate(arms)},
        o_over_e={
            a: _f(lr.observed[i] / lr.expected[i]) if lr.expected[i] > 0 else None
            for i, a in enumerate(arms)
        },
        z_convention=f"negative favours {arms[1]} (the experimental arm)",
    )


def _cox_section(d: AnalysisData, level: float, strat: bool) -> CoxSection:
    time, event, arm, stratum = d.time_days, d.event, d.arm, d.stratum
    by_stratum = {}
    if strat:
        for j, st in enumerate(d.stratum_labels):
            sel = stratum == j
            by_stratum[st] = _cox(time[sel], event[sel], arm[sel], None, level)
    return CoxSection(
        overall=_cox(time, event, arm, stratum if strat else None, level),
        overall_stratified=strat,
        by_stratum=by_stratum,
        hazard_ratio_of=f"{d.arm_labels[1]} vs {d.arm_labels[0]}",
        heterogeneity=heterogeneity(by_stratum) if strat else None,
    )


def heterogeneity(by_stratum: dict[str, CoxSummary]) -> HeterogeneityTest:
    """Cochran's Q over the strata whose hazard ratio is estimable (see HeterogeneityTest)."""
    from scipy.special import chdtrc

    used = [
        (st, c.coef, c.std_err)
        for st, c in by_stratum.items()
        if c.coef is not None and c.std_err is not None and c.std_err > 0
    ]
    if len(used) < 2:
        return HeterogeneityTest(None, 0, None, tuple(st for st, _, _ in used))
    b = np.array([u[1] for u in used])
    w = 1.0 / np.array([u[2] for u in used]) ** 2
    pooled = float((w * b).sum() / w.sum())
    q = float((w * (b - pooled) ** 2).sum())
    df = len(used) - 1
    return HeterogeneityTest(_f(q), df, _f(chdtrc(df, q)), tuple(st for st, _, _ in used))


def _rmst(d: AnalysisData, s: AnalysisSettings) -> RmstSummary:
    from survtrial.stats import rmst

    time, arm, arms = d.time_days, d.arm, d.arm_labels
    last = min(float(time[arm == i].max()) for i in (0, 1))
    tau = last if s.tau_days is None else min(s.tau_days, last)
    r = rmst(time, d.event, arm, tau, levels=ARM_CODES)
    lo, hi = r.difference_confidence_interval(s.confidence_level)
    return RmstSummary(
        tau_days=tau,
        tau_years=tau / DAYS_PER_YEAR,
        tau_requested=s.tau_text,
        tau_capped=s.tau_days is not None and tau < s.tau_days,
        by_arm_days={a: _f(r.rmst[i]) for i, a in enumerate(arms)},
        std_err_days={a: _f(r.std_err[i]) for i, a in enumerate(arms)},
        difference_days=_f(r.difference),
        difference_std_err_days=_f(r.difference_std_err),
        ci_days=(_f(lo), _f(hi)),
        pvalue=_f(r.difference_pvalue),
    )


def _milestones(d: AnalysisData, s: AnalysisSettings, km: KaplanMeierSection):
    from survtrial.stats import milestone_difference

    arms, level = d.arm_labels, s.confidence_level
    out = []
    for t_k, text in s.all_milestones():
        m = milestone_difference(d.time_days, d.event, d.arm, t_k, levels=ARM_CODES)
        mlo, mhi = m.confidence_interval(level)
        by_arm = {}
        for a, e in km.by_arm.items():
            f = e.curve
            lo, hi = f.confidence_interval(level, s.conf_type, times=[t_k])
            by_arm[a] = MilestoneArm(
                survival=_f(f.survival_at(t_k)[0]),
                std_err=_f(f.std_err_at(t_k)[0]),
                ci=(_f(lo[0]), _f(hi[0])),
                n_at_risk=int(f.n_risk_at(t_k)[0]),
            )
        out.append(
            MilestoneSummary(
                time_days=t_k,
                time_years=t_k / DAYS_PER_YEAR,
                given=text,
                survival={a: _f(m.survival[i]) for i, a in enumerate(arms)},
                std_err={a: _f(m.std_err[i]) for i, a in enumerate(arms)},
                difference=_f(m.difference),
                difference_std_err=_f(m.difference_std_err),
                ci=(_f(mlo), _f(mhi)),
                pvalue=_f(m.pvalue),
                beyond_follow_up=tuple(
                    a for a in arms if t_k > km.by_arm[a].last_follow_up_days
                ),
                kaplan_meier_by_arm=by_arm,
            )
        )
    return tuple(out)


def _competing(d: AnalysisData, t_ms: float, level: float, strat: bool) -> CompetingSection:
    from survtrial.stats import cumulative_incidence, gray_test

    time, cause, arm, arms = d.time_days, d.cause, d.arm, d.arm_labels
    ci = cumulative_incidence(time, cause, group=arm, levels=ARM_CODES)
    gray, gray_error = None, None
    try:
        gray = gray_test(
            time, cause, arm, strata=d.stratum if strat else None, levels=ARM_CODES
        )
    except Exception as exc:  # e.g. a stratum with one arm only
        gray_error = str(exc)
    causes = {}
    for k, label in enumerate(d.cause_labels, start=1):
        by_arm = {}
        for i, a in enumerate(arms):
            if k in ci.causes and any(key == (k, i) for key in ci.curves):
                est = float(ci.estimate_at([t_ms], cause=k, group=i)[0])
                var = float(ci.variance_at([t_ms], cause=k, group=i)[0])
                lo, hi = ci.confidence_interval([t_ms], cause=k, group=i, confidence_level=level)
                by_arm[a] = {
                    "incidence": _f(est),
                    "std_err": _f(math.sqrt(var)) if math.isfinite(var) else None,
                    "ci": [_f(lo[0]), _f(hi[0])],
                }
            else:
                by_arm[a] = {"incidence": 0.0, "std_err": 0.0, "ci": [0.0, 0.0]}
        tested = gray is not None and k in gray.statistic
        causes[label] = CauseIncidence(
            events={a: int(((cause == k) & (arm == i)).sum()) for i, a in enumerate(arms)},
            by_arm=by_arm,
            gray_statistic=_f(gray.statistic[k]) if tested else None,
            gray_pvalue=_f(gray.pvalue[k]) if tested else None,
            gray_df=int(gray.df[k]) if tested else None,
        )
    return CompetingSection(
        t_ms, t_ms / DAYS_PER_YEAR, causes, strat, gray_error, curves=dict(ci.curves)
    )


def _adverse_events(d: AnalysisData, level: float) -> AdverseEventSection:
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
    terms = {}
    pairs = d.adverse_events
    if pairs is not None and not pairs.empty:
        counts = pairs.groupby(["term", "arm"]).size().unstack(fill_value=0)
        for term in sorted(counts.index, key=str):
            e = [int(counts.loc[term].get(i, 0)) for i in (0, 1)]
            rd = risk_difference(e[0], n_arm[0], e[1], n_arm[1], level)
            terms[str(term)] = AdverseEventTerm(
                counts={arms[0]: e[0], arms[1]: e[1]},
                risk={arms[0]: e[0] / n_arm[0], arms[1]: e[1] / n_arm[1]},
                risk_difference=_f(rd.estimate),
                ci=(_f(rd.low), _f(rd.high)),
                method=rd.method,
            )
    return AdverseEventSection(n={arms[0]: n_arm[0], arms[1]: n_arm[1]}, terms=terms)


def _ae_grades(d: AnalysisData, ae: AdverseEventSection | None):
    """Adverse events by worst grade when the ADAE had a grade column, else None."""
    pairs = d.adverse_events
    if ae is None or pairs is None or "grade" not in pairs.columns:
        return None
    from survtrial.analysis.descriptive import adverse_event_grades

    n_arm = [ae.n[a] for a in d.arm_labels]
    return adverse_event_grades(pairs, n_arm, d.arm_labels, d.columns.get("ae_grade", "grade"))


def analyse(d: AnalysisData, s: AnalysisSettings) -> AnalysisResult:
    """Every statistic of the analysis of ``d`` (one row per subject, times in days)."""
    from survtrial.analysis.descriptive import baseline_section
    from survtrial.analysis.subgroups import subgroup_analyses
    from survtrial.stats import kaplan_meier

    arms = d.arm_labels
    strat = len(d.stratum_labels) > 1
    km = _kaplan_meier(d, s, strat)
    follow_up = kaplan_meier(d.time_days, 1 - d.event).median().estimate  # reverse KM
    adverse = _adverse_events(d, s.confidence_level) if d.adverse_events is not None else None
    return AnalysisResult(
        arms=(arms[0], arms[1]),
        strata=tuple(d.stratum_labels),
        settings=s,
        n={a: int((d.arm == i).sum()) for i, a in enumerate(arms)},
        events={a: int(d.event[d.arm == i].sum()) for i, a in enumerate(arms)},
        kaplan_meier=km,
        logrank=_logrank(d, strat),
        cox=_cox_section(d, s.confidence_level, strat),
        rmst=_rmst(d, s),
        milestones=_milestones(d, s, km),
        cumulative_incidence=(
            _competing(d, s.milestone_days, s.confidence_level, strat)
            if d.cause is not None
            else None
        ),
        adverse_events=adverse,
        median_follow_up_days=_f(follow_up),
        cause_specific_logrank=(
            {
                label: _logrank(d, strat, (d.cause == k).astype(np.int64))
                for k, label in enumerate(d.cause_labels, start=1)
            }
            if d.cause is not None
            else {}
        ),
        baseline=baseline_section(d) if d.baseline is not None else None,
        adverse_event_grades=_ae_grades(d, adverse),
        subgroups=(
            subgroup_analyses(d, s.confidence_level, strat) if d.subgroups is not None else ()
        ),
    )
