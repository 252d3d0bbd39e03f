"""Data cut, interim monitoring and analysis of simulated trials.

* :func:`cut_data`: the data as they stand at a calendar cutoff per replicate (patients
  randomized after it are out; follow-up is censored at it).
* :func:`monitor`: the planned looks, the stratified log-rank z at each, the efficacy bound
  recomputed at the observed information fraction (:func:`survtrial.design.group_sequential`)
  and the committee's decision (stop at the first crossing; otherwise continue to the last look).
* :func:`summarize`: the published-style quantities for every replicate at once (vectorized
  kernels of :mod:`survtrial.stats.batch`).
* :func:`full_analysis`: the complete analysis of one trial with :mod:`survtrial.stats`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from survtrial.stats import batch as bs
from survtrial.trial._simulate import DAYS_PER_YEAR, TrialBatch


@dataclass
class CutData:
    cut_day: np.ndarray  # (R,) calendar day of the cutoff
    enrolled: np.ndarray  # (R, N) enrolled on or before the cutoff
    in_data: np.ndarray  # (R, N) randomized on or before the cutoff
    dfs_time: np.ndarray
    dfs_event: np.ndarray  # 0/1
    dfs_cause: np.ndarray  # 0 censored, else 1 + index into event types
    os_time: np.ndarray
    os_event: np.ndarray
    ae_in_data: np.ndarray  # (R, N, n_ae) AE with onset on or before the cutoff


def cut_data(b: TrialBatch, cut_day: np.ndarray) -> CutData:
    c = np.asarray(cut_day, dtype=float).reshape(-1, 1)
    in_data = b.randomized & (b.rand_day <= c)
    potential = np.where(in_data, c - b.rand_day, 0.0)
    censor = np.minimum(potential, b.ltfu_time)
    ev = in_data & (b.event_time <= censor)
    dfs_time = np.where(in_data, np.where(ev, b.event_time, censor), 0.0)
    cause = np.where(ev, b.event_type + 1, 0)
    dead = in_data & (b.death_time <= censor)
    os_time = np.where(in_data, np.where(dead, b.death_time, censor), 0.0)
    ae = b.ae_occurs & in_data[..., None] & (b.ae_day <= c[..., None])
    return CutData(
        cut_day=c[:, 0],
        enrolled=b.enrolled & (b.enrol_day <= c),
        in_data=in_data,
        dfs_time=dfs_time,
        dfs_event=ev.astype(np.int64),
        dfs_cause=cause.astype(np.int64),
        os_time=os_time,
        os_event=dead.astype(np.int64),
        ae_in_data=ae,
    )


@lru_cache(maxsize=4096)
def _bounds(rates: tuple[float, ...], alpha: float, spending: str, gamma, sided: int):
    from survtrial.design import group_sequential

    d = group_sequential(
        information_rates=list(rates),
        alpha=alpha,
        alpha_spending=spending,
        alpha_gamma=gamma,
        sided=sided,
    )
    return tuple(float(x) for x in d.efficacy_bounds)


def efficacy_bound(observed_rates: list[float], m) -> float:
    """Efficacy z bound at the last of the observed information fractions.

    The looks so far are at their observed fractions; one more look at information 1 is
    planned after them (unless the last observed fraction has reached 1: then it is final).
    """
    rates = [min(max(r, 1e-6), 1.0) for r in observed_rates]
    final = rates[-1] >= 1.0
    kept: list[float] = []
    for r in rates[:-1]:
        if r < rates[-1] and (not kept or r > kept[-1]):
            kept.append(round(r, 6))
    plan = (*kept, 1.0) if final else (*kept, round(rates[-1], 6), 1.0)
    bounds = _bounds(plan, m.alpha, m.alpha_spending, m.alpha_gamma, m.sided)
    return bounds[-1] if final else bounds[-2]


@dataclass
class MonitoringResult:
    look_names: list[str]
    look_day: np.ndarray  # (R, L)
    events: np.ndarray  # (R, L)
    information: np.ndarray  # (R, L)
    z: np.ndarray  # (R, L) stratified log-rank, negative favours the experimental arm
    bound: np.ndarray  # (R, L) efficacy bound on -z (NaN after the decision)
    stop_look: np.ndarray  # (R,) index of the look where the trial stopped (or the last)
    stopped_early: np.ndarray  # (R,) crossed an efficacy bound before the last look


def _event_calendar_days(b: TrialBatch) -> np.ndarray:
    ok = b.randomized & (b.event_time <= b.ltfu_time)
    return np.sort(np.where(ok, b.rand_day + b.event_time, np.inf), axis=1)


def monitor(b: TrialBatch) -> MonitoringResult:
    p = b.protocol
    m = p.monitoring
    r = b.shape[0]
    latest = float(b.days(m.latest_final_date))
    cal = None
    n_looks = len(m.looks)
    look_day = np.zeros((r, n_looks))
    events = np.zeros((r, n_looks))
    info = np.zeros((r, n_looks))
    z = np.full((r, n_looks), np.nan)
    bound = np.full((r, n_looks), np.nan)
    active = np.ones(r, dtype=bool)
    stop = np.full(r, n_looks - 1)
    early = np.zeros(r, dtype=bool)
    prev = np.zeros(r)
    for k, look in enumerate(m.looks):
        if look.date is not None:
            day = np.full(r, float(b.days(look.date)))
        else:
            if cal is None:
                cal = _event_calendar_days(b)
            e = min(look.events, cal.shape[1]) - 1
            day = np.minimum(cal[:, e], latest)
        day = np.maximum(day, prev)
        prev = day
        look_day[:, k] = day
        cd = cut_data(b, day)
        runs = bs.build_runs(
            cd.dfs_time,
            cd.dfs_event,
            np.where(cd.in_data, b.stratum, -1),
            len(p.population.strata),
            arm=np.maximum(b.arm, 0),
        )
        z[:, k] = bs.logrank_z(runs)[0]
        events[:, k] = cd.dfs_event.sum(axis=1)
        info[:, k] = events[:, k] / m.planned_events
        last = k == n_looks - 1
        # the bound depends only on the observed information path: one computation per
        # distinct path (rounded as efficacy_bound rounds), not per replicate
        rates = np.round(info[:, : k + 1], 6)
        if last:
            rates[:, -1] = np.maximum(rates[:, -1], 1.0)
        paths, inverse = np.unique(rates[active], axis=0, return_inverse=True)
        per_path = np.array([efficacy_bound(list(row), m) for row in paths])
        c = np.full(r, np.nan)
        c[active] = per_path[np.ravel(inverse)]
        bound[:, k] = c
        zk = -z[:, k]
        cross = active & ((zk >= c) if m.sided == 1 else (np.abs(zk) >= c))
        decided = active & (cross | last)
        stop[decided] = k
        early[decided] = cross[decided] & (not last)
        active &= ~decided
    return MonitoringResult(
        [lk.name for lk in m.looks], look_day, events, info, z, bound, stop, early
    )


CURVE_GRID_YEARS = np.round(np.arange(0.0, 4.6001, 0.05), 4)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def milestone_years(p) -> int:
    return round(p.analysis.milestone_days / DAYS_PER_YEAR)


def summarize(b: TrialBatch, cd: CutData) -> dict[str, np.ndarray]:
    """Published-style quantities for every replicate: name -> array (R,). Percent for DFS
    and cumulative incidence; hazard ratios; days for RMST; counts; years for follow-up."""
    p = b.protocol
    arms = [p.control.name, p.experimental.name]
    strata = p.population.strata
    n_s = len(strata)
    y = milestone_years(p)
    t_ms = float(p.analysis.milestone_days)
    arm = np.maximum(b.arm, 0)
    out: dict[str, np.ndarray] = {}
    for a, name in enumerate(arms):
        out[f"randomized_{name}"] = (cd.in_data & (b.arm == a)).sum(axis=1).astype(float)
    # KM by arm
    key_arm = np.where(cd.in_data, arm, -1)
    runs_arm = bs.build_runs(cd.dfs_time, cd.dfs_event, key_arm, 2)
    s, se, n_ms = bs.km_at(runs_arm, t_ms)
    with np.errstate(divide="ignore", invalid="ignore"):
        peto = s * np.sqrt((1 - s) / n_ms)
    use_peto = p.analysis.milestone_se == "peto"
    for a, name in enumerate(arms):
        out[f"dfs{y}_{name}"] = 100 * s[:, a]
        out[f"dfs{y}_se_{name}"] = 100 * (peto[:, a] if use_peto else se[:, a])
        out[f"dfs{y}_se_greenwood_{name}"] = 100 * se[:, a]
    # KM by arm and stratum
    key_as = np.where(cd.in_data, arm * n_s + np.maximum(b.stratum, 0), -1)
    runs_as = bs.build_runs(cd.dfs_time, cd.dfs_event, key_as, 2 * n_s)
    s2, _, _ = bs.km_at(runs_as, t_ms)
    for a, name in enumerate(arms):
        for j, st in enumerate(strata):
            out[f"dfs{y}_{slug(st)}_{name}"] = 100 * s2[:, a * n_s + j]
    # Cox per stratum, stratified log-rank
    key_s = np.where(cd.in_data, b.stratum, -1)
    runs_s = bs.build_runs(cd.dfs_time, cd.dfs_event, key_s, n_s, arm=arm)
    beta, _ = bs.cox_binary(runs_s)
    for j, st in enumerate(strata):
        out[f"hr_{slug(st)}"] = np.exp(beta[:, j])
    z, _, _ = bs.logrank_z(runs_s)
    out["logrank_z"] = z
    # RMST difference (experimental - control); tau capped at the shorter arm's follow-up
    last = bs.last_time(runs_arm)
    tau = np.minimum(float(p.analysis.rmst_tau_days), np.nanmin(last, axis=1))
    area, _ = bs.rmst_at(runs_arm, tau[:, None])
    out["rmst_difference_days"] = area[:, 1] - area[:, 0]
    out["rmst_tau_days"] = tau
    # numbers at risk by year
    for yr in p.analysis.at_risk_years:
        _, _, nr = bs.km_at(runs_arm, float(yr) * DAYS_PER_YEAR)
        for a, name in enumerate(arms):
            out[f"at_risk_year{int(yr)}_{arm_key(name)}"] = nr[:, a].astype(float)
    # cumulative incidence of the chosen first event
    n_c = len(p.outcomes.event_types)
    k = [e.name for e in p.outcomes.event_types].index(p.analysis.cif_event) + 1
    runs_c = bs.build_runs(cd.dfs_time, cd.dfs_cause, key_arm, 2, n_causes=n_c)
    cif = bs.cumulative_incidence_at(runs_c, t_ms, k)
    for a, name in enumerate(arms):
        out[f"{p.analysis.cif_event}_{y}y_{name}"] = 100 * cif[:, a]
    # median follow-up: reverse Kaplan-Meier (censorings as events)
    runs_f = bs.build_runs(cd.dfs_time, 1 - cd.dfs_event, np.where(cd.in_data, 0, -1), 1)
    out["median_follow_up_years"] = bs.km_median(runs_f)[:, 0] / DAYS_PER_YEAR
    out["dfs_events"] = cd.dfs_event.sum(axis=1).astype(float)
    # Kaplan-Meier DFS curves by arm on a grid (for the figure): (R, G) each
    for a, name in enumerate(arms):
        out[f"curve_{name}"] = np.stack(
            [bs.km_at(runs_arm, g * DAYS_PER_YEAR)[0][:, a] for g in CURVE_GRID_YEARS], axis=1
        )
    return out


def arm_key(name: str) -> str:
    return slug(name)


def _arm_view(b: TrialBatch, cd: CutData, row: int):
    m = cd.in_data[row]
    return m, b.arm[row][m], b.stratum[row][m]


def full_analysis(b: TrialBatch, cd: CutData, row: int = 0) -> dict:
    """The full analysis of one trial (row ``row``) with :mod:`survtrial.stats` (R's numbers)."""
    from survtrial.stats import kaplan_meier, logrank, rmst

    p = b.protocol
    arms = [p.control.name, p.experimental.name]
    strata = p.population.strata
    level = p.analysis.confidence_level
    t_ms = float(p.analysis.milestone_days)
    y = milestone_years(p)
    m, arm, stratum = _arm_view(b, cd, row)
    time, event = cd.dfs_time[row][m], cd.dfs_event[row][m]
    cause = cd.dfs_cause[row][m]
    res: dict = {"n_randomized": {a: int((arm == i).sum()) for i, a in enumerate(arms)}}
    km: dict = {}
    for i, a in enumerate(arms):
        f = kaplan_meier(time[arm == i], event[arm == i])
        lo, hi = f.confidence_interval(level, "log-log", times=[t_ms])
        s_ms, n_ms = float(f.survival_at(t_ms)[0]), int(f.n_risk_at(t_ms)[0])
        km[a] = {
            "survival": s_ms,
            "std_err": float(f.std_err_at(t_ms)[0]),
            "std_err_peto": s_ms * float(np.sqrt((1 - s_ms) / n_ms)) if n_ms else float("nan"),
            "ci": [float(lo[0]), float(hi[0])],
            "n_at_risk_by_year": {
                str(int(yy)): int(f.n_risk_at(yy * DAYS_PER_YEAR)[0])
                for yy in p.analysis.at_risk_years
            },
            "events": f.n_events,
            "curve_days": f.time.tolist(),
            "curve_survival": f.survival.tolist(),
        }
        for j, st in enumerate(strata):
            sel = (arm == i) & (stratum == j)
            fs = kaplan_meier(time[sel], event[sel])
            km[f"{a}|{st}"] = {
                "survival": float(fs.survival_at(t_ms)[0]),
                "std_err": float(fs.std_err_at(t_ms)[0]),
                "n": int(sel.sum()),
                "events": fs.n_events,
            }
    res["kaplan_meier"] = km
    lr = logrank(time, event, arm, strata=stratum)
    res["logrank"] = {"chisq": lr.statistic, "pvalue": lr.pvalue, "z": lr.z}
    cox_res: dict = {}
    try:
        from survtrial.stats.cox import cox
    except ImportError:  # pragma: no cover - TODO: the Cox engineer's module is not there yet
        cox = None
    for j, st in enumerate(strata):
        sel = stratum == j
        if cox is None:
            cox_res[st] = None
            continue
        try:
            c = cox(time[sel], event[sel], arm[sel].astype(float))
            lo, hi = c.confidence_interval(level)
            cox_res[st] = {
                "hazard_ratio": float(np.ravel(c.hazard_ratio)[0]),
                "ci": [float(np.ravel(lo)[0]), float(np.ravel(hi)[0])],
                "pvalue": float(np.ravel(c.pvalue)[0]),
            }
        except Exception as exc:  # an infinite estimate (no events in an arm) and the like
            cox_res[st] = {"hazard_ratio": float("nan"), "error": str(exc)}
    res["cox_by_stratum"] = cox_res
    last = min(float(time[arm == i].max()) for i in (0, 1))
    tau = min(float(p.analysis.rmst_tau_days), last)
    r = rmst(time, event, arm, tau)
    lo, hi = r.difference_confidence_interval(level)
    res["rmst"] = {
        "tau_days": tau,
        "tau_capped": tau < float(p.analysis.rmst_tau_days),
        "difference_days": r.difference,
        "ci": [lo, hi],
        "pvalue": r.difference_pvalue,
    }
    # competing risks: cumulative incidence by first-event type, Gray's test
    cr: dict = {}
    try:
        from survtrial.stats.competing import cumulative_incidence, gray_test

        ci = cumulative_incidence(time, cause, group=arm)
        g = gray_test(time, cause, arm, strata=stratum)
        for k, ev in enumerate(p.outcomes.event_types, start=1):
            entry: dict = {}
            for i, a in enumerate(arms):
                key = (k, i)
                entry[a] = float(ci.curves[key].estimate_at(t_ms)[0]) if key in ci.curves else 0.0
            entry["gray_pvalue"] = float(g.pvalue[k]) if k in g.pvalue else float("nan")
            cr[ev.name] = entry
    except ImportError:  # pragma: no cover - TODO: competing-risks module not there yet
        cr = {}
    res["cumulative_incidence"] = cr
    # adverse events: incidence per term by arm, risk difference (experimental - control)
    ae: dict = {}
    try:
        from survtrial.stats.incidence import risk_difference
    except ImportError:  # pragma: no cover - TODO: stats.incidence not committed yet
        risk_difference = None

    occ = cd.ae_in_data[row][m]
    terms = sorted({a.term for a in p.adverse_events})
    n_arm = [int((arm == i).sum()) for i in (0, 1)]
    for term in terms:
        cols = [j for j, a in enumerate(p.adverse_events) if a.term == term]
        anyae = occ[:, cols].any(axis=1)
        e = [int((anyae & (arm == i)).sum()) for i in (0, 1)]
        ae[term] = {arms[0]: e[0], arms[1]: e[1], "n": {arms[0]: n_arm[0], arms[1]: n_arm[1]}}
        if risk_difference is not None:
            rd = risk_difference(e[0], n_arm[0], e[1], n_arm[1], level)
            ae[term]["risk_difference"] = rd.estimate
            ae[term]["ci"] = [rd.low, rd.high]
    res["adverse_events"] = ae
    # headline numbers in the same names as summarize()
    head: dict = {}
    for a in arms:
        head[f"randomized_{a}"] = res["n_randomized"][a]
        head[f"dfs{y}_{a}"] = 100 * km[a]["survival"]
        peto = p.analysis.milestone_se == "peto"
        head[f"dfs{y}_se_{a}"] = 100 * km[a]["std_err_peto" if peto else "std_err"]
        head[f"dfs{y}_se_greenwood_{a}"] = 100 * km[a]["std_err"]
        for st in strata:
            head[f"dfs{y}_{slug(st)}_{a}"] = 100 * km[f"{a}|{st}"]["survival"]
        for yy, v in km[a]["n_at_risk_by_year"].items():
            head[f"at_risk_year{yy}_{arm_key(a)}"] = v
        if cr:
            head[f"{p.analysis.cif_event}_{y}y_{a}"] = 100 * cr[p.analysis.cif_event][a]
    for st in strata:
        c = cox_res.get(st)
        head[f"hr_{slug(st)}"] = c["hazard_ratio"] if c else float("nan")
    head["rmst_difference_days"] = res["rmst"]["difference_days"]
    fu = kaplan_meier(time, 1 - event).median().estimate
    head["median_follow_up_years"] = fu / DAYS_PER_YEAR
    res["headline"] = head
    return res
