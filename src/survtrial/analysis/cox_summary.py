"""The Cox summary of one comparison of the arms (Efron ties, Wald CI): the overall, per
stratum and per subgroup hazard ratios of an analysis all come from here."""

from __future__ import annotations

import math
import warnings

import numpy as np

from survtrial.analysis.result import CoxSummary


def _f(x) -> float | None:
    """A float, or None for NaN and infinity (JSON has neither)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def cox_summary(time, event, arm, strata, level: float) -> CoxSummary:
    """Cox model of ``event`` on the arm (0/1), stratified by ``strata`` when given; an error
    (no events, ...) or R's warnings are kept in the summary rather than raised."""
    from survtrial.stats import cox

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            c = cox(time, event, arm.astype(float), strata=strata)
        except Exception as exc:  # no events, an arm without events in a stratum, ...
            return CoxSummary(None, (None, None), None, error=str(exc))
    lo, hi = c.confidence_interval(level)
    return CoxSummary(
        hazard_ratio=_f(np.ravel(c.hazard_ratio)[0]),
        ci=(_f(np.ravel(lo)[0]), _f(np.ravel(hi)[0])),
        pvalue=_f(np.ravel(c.pvalue)[0]),
        coef=_f(c.coef[0]),
        std_err=_f(c.std_err[0]),
        n=c.n,
        events=c.n_events,
        ties=c.ties,
        warning="; ".join(str(w.message) for w in caught) or None,
    )
