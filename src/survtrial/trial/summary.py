"""The headline quantities of every replicate at once, with the batch kernels of
:mod:`survtrial.stats.batch`, under the names of :mod:`survtrial.analysis.names` (so that
replicate ``r`` here equals :func:`survtrial.analysis.headline` of its full analysis).

Units as there: percent for survival and incidence, hazard ratios, days for RMST, counts,
years for follow-up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from survtrial.analysis import names
from survtrial.stats import batch as bs
from survtrial.trial.batch import TrialBatch
from survtrial.trial.cut import CutData
from survtrial.units import DAYS_PER_YEAR

CURVE_POINTS = 200


def curve_grid_years(b: TrialBatch) -> np.ndarray:
    """Where the figure's replicate curves are evaluated: 0 to the protocol's horizon."""
    p = b.protocol
    horizon = b.days(p.monitoring.latest_final_date) / DAYS_PER_YEAR
    return np.linspace(0.0, horizon, CURVE_POINTS + 1)


@dataclass(frozen=True, slots=True)
class ReplicateCurves:
    """Kaplan-Meier curves by arm on a grid, for the figure: ``survival[arm]`` is (R, G)."""

    grid_years: np.ndarray
    survival: dict[str, np.ndarray]
    last_follow_up_years: np.ndarray  # (R,) the longest follow-up of each replicate


def summarize(b: TrialBatch, cd: CutData) -> tuple[dict[str, np.ndarray], ReplicateCurves]:
    """Headline quantity -> array (R,), and the replicate curves."""
    p = b.protocol
    arms = [p.control.name, p.experimental.name]
    strata = p.population.strata
    n_s = len(strata)
    ep = names.slug(p.analysis.endpoint)
    t_ms = float(p.analysis.milestone_days)
    y = t_ms / DAYS_PER_YEAR
    arm = np.maximum(b.arm, 0)
    out: dict[str, np.ndarray] = {}
    for a, name in enumerate(arms):
        out[names.randomized_key(name)] = (cd.in_data & (b.arm == a)).sum(axis=1).astype(float)
    # KM by arm
    key_arm = np.where(cd.in_data, arm, -1)
    runs_arm = bs.build_runs(cd.event_time, cd.event, key_arm, 2)
    s, se, n_ms = bs.km_at(runs_arm, t_ms)
    with np.errstate(divide="ignore", invalid="ignore"):
        peto = s * np.sqrt((1 - s) / n_ms)
    use_peto = p.analysis.milestone_se == "peto"
    for a, name in enumerate(arms):
        out[names.survival_key(ep, y, name)] = 100 * s[:, a]
        out[names.survival_se_key(ep, y, name)] = 100 * (peto[:, a] if use_peto else se[:, a])
        out[names.survival_se_key(ep, y, name, "greenwood")] = 100 * se[:, a]
        out[names.survival_se_key(ep, y, name, "peto")] = 100 * peto[:, a]
    # KM by arm and stratum
    key_as = np.where(cd.in_data, arm * n_s + np.maximum(b.stratum, 0), -1)
    runs_as = bs.build_runs(cd.event_time, cd.event, key_as, 2 * n_s)
    s2, _, _ = bs.km_at(runs_as, t_ms)
    for a, name in enumerate(arms):
        for j, st in enumerate(strata):
            out[names.survival_key(ep, y, name, st)] = 100 * s2[:, a * n_s + j]
    # Cox per stratum, stratified log-rank
    key_s = np.where(cd.in_data, b.stratum, -1)
    runs_s = bs.build_runs(cd.event_time, cd.event, key_s, n_s, arm=arm)
    beta, _ = bs.cox_binary(runs_s)
    for j, st in enumerate(strata):
        out[names.hazard_ratio_key(st)] = np.exp(beta[:, j])
    z, _, _ = bs.logrank_z(runs_s)
    out[names.LOGRANK_Z] = z
    # RMST difference (experimental - control); tau capped at the shorter arm's follow-up
    last = bs.last_time(runs_arm)
    tau = np.minimum(float(p.analysis.rmst_tau_days), np.nanmin(last, axis=1))
    area, _ = bs.rmst_at(runs_arm, tau[:, None])
    out[names.RMST_DIFFERENCE] = area[:, 1] - area[:, 0]
    out["rmst_tau_days"] = tau
    # numbers at risk by year
    for yr in p.analysis.at_risk_years:
        _, _, nr = bs.km_at(runs_arm, float(yr) * DAYS_PER_YEAR)
        for a, name in enumerate(arms):
            out[names.at_risk_key(float(yr), name)] = nr[:, a].astype(float)
    # cumulative incidence of each first-event type
    n_c = len(p.outcomes.event_types)
    runs_c = bs.build_runs(cd.event_time, cd.cause, key_arm, 2, n_causes=n_c)
    for k, ev in enumerate(p.outcomes.event_types, start=1):
        cif = bs.cumulative_incidence_at(runs_c, t_ms, k)
        for a, name in enumerate(arms):
            out[names.incidence_key(ev.name, y, name)] = 100 * cif[:, a]
    # median follow-up: reverse Kaplan-Meier (censorings as events)
    runs_f = bs.build_runs(cd.event_time, 1 - cd.event, np.where(cd.in_data, 0, -1), 1)
    out[names.MEDIAN_FOLLOW_UP] = bs.km_median(runs_f)[:, 0] / DAYS_PER_YEAR
    out[names.events_key(ep)] = cd.event.sum(axis=1).astype(float)
    grid = curve_grid_years(b)
    km = bs.km_on_grid(runs_arm, grid * DAYS_PER_YEAR)
    curves = ReplicateCurves(
        grid_years=grid,
        survival={name: km[:, a] for a, name in enumerate(arms)},
        last_follow_up_years=np.nanmax(last, axis=1) / DAYS_PER_YEAR,
    )
    return out, curves
