"""The headline quantities of every replicate at once, with the batch kernels of
:mod:`survtrial.stats.batch`, under the names of :mod:`survtrial.analysis.names` (so that
replicate ``r`` here equals :func:`survtrial.analysis.headline` of its full analyses: the
protocol's endpoint, and overall survival as a secondary endpoint).

Units as there: percent for survival and incidence, hazard ratios, days for RMST, counts,
years for follow-up, two-sided p-values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from survtrial.analysis import names
from survtrial.stats import batch as bs
from survtrial.trial.batch import TrialBatch
from survtrial.trial.cut import OVERALL_SURVIVAL, CutData
from survtrial.units import DAYS_PER_YEAR

CURVE_POINTS = 200


def curve_grid_years(b: TrialBatch) -> np.ndarray:
    """Where the figure's replicate curves are evaluated: 0 to the protocol's horizon."""
    p = b.protocol
    horizon = b.days(p.monitoring.latest_final_date) / DAYS_PER_YEAR
    return np.linspace(0.0, horizon, CURVE_POINTS + 1)


@dataclass(frozen=True, slots=True)
class ReplicateCurves:
    """Kaplan-Meier curves of one endpoint by arm on a grid: ``survival[arm]`` is (R, G)."""

    grid_years: np.ndarray
    survival: dict[str, np.ndarray]
    last_follow_up_years: np.ndarray  # (R,) the longest follow-up of each replicate


def _two_sided_p(z: np.ndarray) -> np.ndarray:
    """P(|Z| > |z|) for a standard normal Z."""
    from scipy.special import ndtr  # on use: simulate's workers need none
    return 2.0 * ndtr(-np.abs(z))


def _survival_by_arm(out, b, cd, ep, time, event, key_of) -> bs.Runs:
    """KM at the milestone by arm (percent, the protocol's SE kind, Greenwood's and Peto's)
    and the numbers at risk at the protocol's years; returns the per-arm runs."""
    p = b.protocol
    arms = [p.control.name, p.experimental.name]
    t_ms = float(p.analysis.milestone_days)
    y = t_ms / DAYS_PER_YEAR
    runs = bs.build_runs(time, event, np.where(cd.in_data, np.maximum(b.arm, 0), -1), 2)
    s, se, n_ms = bs.km_at(runs, t_ms)
    with np.errstate(divide="ignore", invalid="ignore"):
        peto = s * np.sqrt((1 - s) / n_ms)
    reported = peto if p.analysis.milestone_se == "peto" else se
    for a, name in enumerate(arms):
        out[key_of(names.survival_key(ep, y, name))] = 100 * s[:, a]
        out[key_of(names.survival_se_key(ep, y, name))] = 100 * reported[:, a]
        out[key_of(names.survival_se_key(ep, y, name, "greenwood"))] = 100 * se[:, a]
        out[key_of(names.survival_se_key(ep, y, name, "peto"))] = 100 * peto[:, a]
    for yr in p.analysis.at_risk_years:
        _, _, nr = bs.km_at(runs, float(yr) * DAYS_PER_YEAR)
        for a, name in enumerate(arms):
            out[key_of(names.at_risk_key(float(yr), name))] = nr[:, a].astype(float)
    return runs


def _curves(b: TrialBatch, runs: bs.Runs) -> ReplicateCurves:
    p = b.protocol
    grid = curve_grid_years(b)
    km = bs.km_on_grid(runs, grid * DAYS_PER_YEAR)
    return ReplicateCurves(
        grid_years=grid,
        survival={name: km[:, a] for a, name in enumerate([p.control.name, p.experimental.name])},
        last_follow_up_years=np.nanmax(bs.last_time(runs), axis=1) / DAYS_PER_YEAR,
    )


def _primary(out: dict, b: TrialBatch, cd: CutData, ep: str, runs_arm: bs.Runs) -> None:
    """The endpoint's strata, treatment effects, competing causes and follow-up."""
    p = b.protocol
    arms = [p.control.name, p.experimental.name]
    strata = p.population.strata
    n_s = len(strata)
    t_ms = float(p.analysis.milestone_days)
    y = t_ms / DAYS_PER_YEAR
    arm = np.maximum(b.arm, 0)
    # KM by arm and stratum
    key_as = np.where(cd.in_data, arm * n_s + np.maximum(b.stratum, 0), -1)
    runs_as = bs.build_runs(cd.event_time, cd.event, key_as, 2 * n_s)
    s2, _, _ = bs.km_at(runs_as, t_ms)
    for a, name in enumerate(arms):
        for j, st in enumerate(strata):
            out[names.survival_key(ep, y, name, st)] = 100 * s2[:, a * n_s + j]
    # Cox per stratum (hazard ratio, Wald p), stratified log-rank
    key_s = np.where(cd.in_data, b.stratum, -1)
    runs_s = bs.build_runs(cd.event_time, cd.event, key_s, n_s, arm=arm)
    beta, se = bs.cox_binary(runs_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        wald_p = _two_sided_p(beta / se)
    for j, st in enumerate(strata):
        out[names.hazard_ratio_key(st)] = np.exp(beta[:, j])
        out[names.hr_pvalue_key(st)] = wald_p[:, j]
    z, _, _ = bs.logrank_z(runs_s)
    out[names.LOGRANK_Z] = z
    # each first-event type: stratified log-rank of its events, the others censored
    for k, ev in enumerate(p.outcomes.event_types, start=1):
        runs_k = bs.build_runs(cd.event_time, (cd.cause == k).astype(np.int64), key_s, n_s, arm=arm)
        out[names.cause_pvalue_key(ev.name)] = _two_sided_p(bs.logrank_z(runs_k)[0])
    # RMST difference (experimental - control); tau capped at the shorter arm's follow-up
    last = bs.last_time(runs_arm)
    tau = np.minimum(float(p.analysis.rmst_tau_days), np.nanmin(last, axis=1))
    area, _ = bs.rmst_at(runs_arm, tau[:, None])
    out[names.RMST_DIFFERENCE] = area[:, 1] - area[:, 0]
    out["rmst_tau_days"] = tau
    # cumulative incidence of each first-event type
    key_arm = np.where(cd.in_data, arm, -1)
    runs_c = bs.build_runs(
        cd.event_time, cd.cause, key_arm, 2, n_causes=len(p.outcomes.event_types)
    )
    for k, ev in enumerate(p.outcomes.event_types, start=1):
        cif = bs.cumulative_incidence_at(runs_c, t_ms, k)
        for a, name in enumerate(arms):
            out[names.incidence_key(ev.name, y, name)] = 100 * cif[:, a]
    # median follow-up: reverse Kaplan-Meier (censorings as events)
    runs_f = bs.build_runs(cd.event_time, 1 - cd.event, np.where(cd.in_data, 0, -1), 1)
    out[names.MEDIAN_FOLLOW_UP] = bs.km_median(runs_f)[:, 0] / DAYS_PER_YEAR
    out[names.events_key(ep)] = cd.event.sum(axis=1).astype(float)


def summarize(
    b: TrialBatch, cd: CutData
) -> tuple[dict[str, np.ndarray], dict[str, ReplicateCurves]]:
    """Headline quantity -> array (R,), and the replicate curves by endpoint slug."""
    p = b.protocol
    ep = names.slug(p.analysis.endpoint)
    os_ep = names.slug(OVERALL_SURVIVAL)
    out: dict[str, np.ndarray] = {}
    for a, name in enumerate([p.control.name, p.experimental.name]):
        out[names.randomized_key(name)] = (cd.in_data & (b.arm == a)).sum(axis=1).astype(float)
    runs_arm = _survival_by_arm(out, b, cd, ep, cd.event_time, cd.event, lambda k: k)
    _primary(out, b, cd, ep, runs_arm)
    curves = {ep: _curves(b, runs_arm)}
    if os_ep != ep:  # overall survival, a secondary endpoint of every trial
        runs_os = _survival_by_arm(
            out, b, cd, os_ep, cd.os_time, cd.os_event, lambda k: names.secondary_key(os_ep, k)
        )
        curves[os_ep] = _curves(b, runs_os)
    return out, curves
