"""Hazard ratios by subgroup and the arm x subgroup interaction test (for the forest plot).

Within each level of a factor F: the Cox hazard ratio of the experimental arm, stratified as
the main analysis (Efron ties, Wald CI). Interaction: likelihood-ratio test of

    Surv ~ arm + F + arm:F (+ strata)   against   Surv ~ arm + F (+ strata),

F coded by indicators of its sorted levels 2..L (R's treatment contrasts), on the subjects
with F known. Indicators that are linear combinations of earlier columns and the strata
(e.g. F is the stratification factor) are dropped first, as ``coxph`` reports them NA; the df
is the number of estimable interaction terms (R: ``anova(fit0, fit1)``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from survtrial.analysis.cox_summary import cox_summary
from survtrial.analysis.data import AnalysisData
from survtrial.analysis.result import InteractionTest, SubgroupAnalysis, SubgroupLevel

ALIAS_TOLERANCE = 1e-9  # squared residual norm, relative, below which a column is aliased


def _centred_in_strata(x: np.ndarray, stratum: np.ndarray | None) -> np.ndarray:
    """Columns of ``x`` (n, p) less their mean within each stratum (what strata absorb)."""
    if stratum is None:
        return x - x.mean(axis=0)
    codes, inv = np.unique(stratum, return_inverse=True)
    sums = np.zeros((codes.size, x.shape[1]))
    np.add.at(sums, inv, x)
    means = sums / np.bincount(inv)[:, None]
    return x - means[inv]


def estimable_columns(x: np.ndarray, stratum: np.ndarray | None) -> list[int]:
    """Indices of the columns of ``x`` kept in order, dropping each column that is (to
    :data:`ALIAS_TOLERANCE`) a linear combination of the kept ones and the strata."""
    c = _centred_in_strata(x.astype(float), stratum)
    kept: list[int] = []
    for j in range(c.shape[1]):
        col = c[:, j]
        norm2 = float(col @ col)
        if norm2 <= 0:
            continue
        if kept:
            basis = c[:, kept]
            coef, *_ = np.linalg.lstsq(basis, col, rcond=None)
            col = col - basis @ coef
        if float(col @ col) > ALIAS_TOLERANCE * norm2:
            kept.append(j)
    return kept


def _loglik(time, event, x, stratum) -> tuple[float, list[str]]:
    from survtrial.stats import cox

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = cox(time, event, x, strata=stratum)
    return float(fit.loglik[1]), [str(w.message) for w in caught]


def interaction_test(time, event, arm, factor_codes, n_levels, stratum) -> InteractionTest:
    """The likelihood-ratio test of arm x factor (see the module docstring); ``factor_codes``
    0..n_levels-1 for the subjects used."""
    from scipy.special import chdtrc

    dummies = (factor_codes[:, None] == np.arange(1, n_levels)[None, :]).astype(float)
    x_full = np.column_stack([arm.astype(float), dummies, arm[:, None] * dummies])
    p_main = 1 + dummies.shape[1]
    kept = estimable_columns(x_full, stratum)
    main = [j for j in kept if j < p_main]
    inter = [j for j in kept if j >= p_main]
    if not inter:
        return InteractionTest(None, 0, None, error="no estimable arm x subgroup term")
    try:
        ll0, w0 = _loglik(time, event, x_full[:, main], stratum)
        ll1, w1 = _loglik(time, event, x_full[:, main + inter], stratum)
    except Exception as exc:  # no events, a singular fit R would also refuse
        return InteractionTest(None, len(inter), None, error=str(exc))
    stat = 2.0 * (ll1 - ll0)
    df = len(inter)
    return InteractionTest(
        statistic=stat,
        df=df,
        pvalue=float(chdtrc(df, max(stat, 0.0))),
        warning="; ".join(dict.fromkeys(w0 + w1)) or None,
    )


def subgroup_analyses(d: AnalysisData, level: float, strat: bool) -> tuple[SubgroupAnalysis, ...]:
    """One :class:`SubgroupAnalysis` per column of ``d.subgroups``."""
    out = []
    for name in d.subgroups.columns:
        text: pd.Series = d.subgroups[name]
        known = text.notna().to_numpy()
        codes, labels = pd.factorize(text[known], sort=True)
        time, event = d.time_days[known], d.event[known]
        arm, stratum = d.arm[known], d.stratum[known]
        levels = []
        strata = stratum if strat else None
        for j, lv in enumerate(labels):
            sel = codes == j
            levels.append(
                SubgroupLevel(
                    level=str(lv),
                    n={a: int((arm[sel] == i).sum()) for i, a in enumerate(d.arm_labels)},
                    events={
                        a: int(event[sel & (arm == i)].sum()) for i, a in enumerate(d.arm_labels)
                    },
                    cox=cox_summary(time[sel], event[sel], arm[sel], None if strata is None
                             else strata[sel], level),
                )
            )
        out.append(
            SubgroupAnalysis(
                column=str(name),
                levels=tuple(levels),
                missing=int((~known).sum()),
                stratified=strat,
                interaction=interaction_test(
                    time, event, arm, np.asarray(codes), len(labels), strata
                ),
            )
        )
    return tuple(out)
