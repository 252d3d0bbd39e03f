"""Headline quantities under stable names: the one place that names them.

A publication's ``[published]`` table, one analysed trial (:func:`headline`) and the replicate
summaries of the in-silico trial (:mod:`survtrial.trial.summary`) all use these keys, so that
they sit side by side key for key. Units: percent for survival and incidence, days for RMST,
years for follow-up, counts for subjects; ``<ep>`` is the endpoint's slug (``dfs``), ``<y>``
the milestone in years (``3``, ``1_5``).
"""

from __future__ import annotations

import re

from survtrial.analysis.result import AnalysisResult
from survtrial.units import DAYS_PER_YEAR


def slug(name: str) -> str:
    """Lower-case letters and digits joined by underscores: ``"SR-High"`` -> ``"sr_high"``."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def years_tag(years: float) -> str:
    """Years to two decimals, "." as "_": 1096 days (3.0007 years) -> "3", 1.5 -> "1_5"."""
    return f"{round(years, 2):g}".replace(".", "_")


def randomized_key(arm: str) -> str:
    return f"randomized_{arm}"


def survival_key(ep: str, years: float, arm: str, stratum: str | None = None) -> str:
    mid = f"_{slug(stratum)}" if stratum is not None else ""
    return f"{ep}{years_tag(years)}{mid}_{arm}"


def survival_se_key(ep: str, years: float, arm: str, kind: str | None = None) -> str:
    """``kind`` None: the SE of the kind the analysis reports (the published kind)."""
    return f"{ep}{years_tag(years)}_se_{kind + '_' if kind else ''}{arm}"


def hazard_ratio_key(stratum: str | None = None) -> str:
    return "hr_overall" if stratum is None else f"hr_{slug(stratum)}"


def at_risk_key(years: float, arm: str) -> str:
    return f"at_risk_year{years:g}_{slug(arm)}"


def incidence_key(cause: str, years: float, arm: str) -> str:
    return f"{slug(cause)}_{years_tag(years)}y_{arm}"


def hr_pvalue_key(stratum: str) -> str:
    """Two-sided Wald p of the stratum's Cox hazard ratio."""
    return f"hr_pvalue_{slug(stratum)}"


def cause_pvalue_key(cause: str) -> str:
    """Two-sided p of the (stratified) log-rank test of one cause's events, the others
    censored (cause-specific hazards)."""
    return f"p_{slug(cause)}"


def secondary_key(ep: str, key: str) -> str:
    """A secondary endpoint's name for ``key``: its own prefix (``os3_...``) kept, else
    ``<ep>_`` in front (``os_at_risk_year3_...``, ``os_hr_overall``)."""
    return key if key.startswith(ep) else f"{ep}_{key}"


RMST_DIFFERENCE = "rmst_difference_days"
MEDIAN_FOLLOW_UP = "median_follow_up_years"
LOGRANK_Z = "logrank_z"


def events_key(ep: str) -> str:
    return f"{ep}_events"


def _pct(v: float | None) -> float | None:
    return None if v is None else 100 * v


def headline(
    res: AnalysisResult, endpoint: str, secondary: bool = False
) -> dict[str, float | int | None]:
    """The headline numbers of one analysis (see the module docstring for names and units).

    ``secondary``: a further endpoint of the same trial (overall survival beside DFS): every
    name carries the endpoint (:func:`secondary_key`) and the design quantities (numbers
    randomized, cause-specific tests) are left to the primary endpoint.
    """
    head = _headline(res, slug(endpoint or "survival"))
    if not secondary:
        return head
    ep = slug(endpoint)
    return {
        secondary_key(ep, k): v
        for k, v in head.items()
        if not k.startswith(("randomized_", "p_"))
    }


def _headline(res: AnalysisResult, ep: str) -> dict[str, float | int | None]:
    km = res.kaplan_meier
    y = km.milestone_years
    se_kind = res.settings.milestone_se
    # one stratum: the per-stratum quantities are the overall ones
    single = res.strata[0] if len(res.strata) == 1 else None
    head: dict[str, float | int | None] = {}
    for a in res.arms:
        e = km.by_arm[a]
        head[randomized_key(a)] = res.n[a]
        head[survival_key(ep, y, a)] = _pct(e.survival)
        se = e.std_err_peto if se_kind == "peto" else e.std_err
        head[survival_se_key(ep, y, a)] = _pct(se)
        head[survival_se_key(ep, y, a, "greenwood")] = _pct(e.std_err)
        head[survival_se_key(ep, y, a, "peto")] = _pct(e.std_err_peto)
        if single is not None:
            head[survival_key(ep, y, a, single)] = _pct(e.survival)
        for st, per in km.by_stratum_and_arm.items():
            cell = per[a]
            head[survival_key(ep, y, a, st)] = _pct(getattr(cell, "survival", None))
        for yy, v in e.n_at_risk.items():
            head[at_risk_key(float(yy), a)] = v
        if res.cumulative_incidence is not None:
            for cause, ce in res.cumulative_incidence.causes.items():
                head[incidence_key(cause, y, a)] = _pct(ce.by_arm[a]["incidence"])
    for m in res.milestones[1:]:  # further milestones: KM survival per arm
        for a in res.arms:
            k = m.kaplan_meier_by_arm[a]
            head[survival_key(ep, m.time_years, a)] = _pct(k.survival)
            head[survival_se_key(ep, m.time_years, a, "greenwood")] = _pct(k.std_err)
    head[hazard_ratio_key()] = res.cox.overall.hazard_ratio
    if single is not None:
        head[hazard_ratio_key(single)] = res.cox.overall.hazard_ratio
        head[hr_pvalue_key(single)] = res.cox.overall.pvalue
    for st, c in res.cox.by_stratum.items():
        head[hazard_ratio_key(st)] = c.hazard_ratio
        head[hr_pvalue_key(st)] = c.pvalue
    for cause, lr in res.cause_specific_logrank.items():
        head[cause_pvalue_key(cause)] = lr.pvalue
    head[LOGRANK_Z] = res.logrank.z
    head[RMST_DIFFERENCE] = res.rmst.difference_days
    head["rmst_tau_days"] = res.rmst.tau_days
    fu = res.median_follow_up_days
    head[MEDIAN_FOLLOW_UP] = None if fu is None else fu / DAYS_PER_YEAR
    head[events_key(ep)] = sum(res.events.values())
    return head
