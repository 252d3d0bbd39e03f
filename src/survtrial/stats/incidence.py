"""Adverse-event incidence: comparisons of the proportion of patients with an event in two arms.

Every function takes the counts of patients with the event and the numbers of patients in each
arm: ``events1`` of ``n1`` in group 1 and ``events2`` of ``n2`` in group 2. Effect measures are
group 2 relative to group 1: the risk difference is ``p2 - p1``, the relative risk ``p2 / p1``
and the odds ratio ``odds2 / odds1`` (so group 1 is the reference, e.g. placebo or control).

* :func:`risk_difference`: Newcombe's hybrid score interval (Newcombe 1998, Stat Med 17:873,
  method 10; method 11 with ``continuity_correction=True``).
* :func:`relative_risk`: log-scale (Katz) interval.
* :func:`odds_ratio`: sample odds ratio with the log-scale (Woolf) interval, or the conditional
  maximum-likelihood estimate with the exact interval of R's ``fisher.test``.
* :func:`fisher_exact`: exact conditional test, p-value as R's ``fisher.test``.
* :func:`chi_square`: Pearson's chi-square test, with or without Yates' continuity correction,
  as R's ``chisq.test`` (and ``prop.test``, which gives the same statistic for two groups).
* :func:`cochran_mantel_haenszel`: test of conditional independence across strata and the
  Mantel-Haenszel common odds ratio with the Robins-Breslow-Greenland interval, as R's
  ``mantelhaen.test`` for 2 x 2 x K tables.

Where a quantity is undefined (e.g. a relative risk with no events in group 1) it is ``inf`` or
NaN rather than an error, as in R; zero cells are not corrected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from survtrial._errors import InputError
from survtrial.stats._validate import check_level

__all__ = [
    "ChiSquareResult",
    "EffectEstimate",
    "FisherExactResult",
    "MantelHaenszelResult",
    "chi_square",
    "cochran_mantel_haenszel",
    "fisher_exact",
    "odds_ratio",
    "relative_risk",
    "risk_difference",
]

ALTERNATIVES = ("two-sided", "less", "greater")


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EffectEstimate:
    """An effect measure of group 2 relative to group 1; unpacks as ``estimate, low, high``."""

    measure: str
    estimate: float
    low: float
    high: float
    confidence_level: float
    method: str
    risk1: float
    risk2: float

    def __iter__(self):
        yield self.estimate
        yield self.low
        yield self.high


@dataclass(frozen=True, slots=True)
class FisherExactResult:
    """Fisher's exact test; ``odds_ratio`` is the conditional MLE (group 2 vs group 1)."""

    pvalue: float
    odds_ratio: float
    low: float
    high: float
    confidence_level: float
    alternative: str

    def __iter__(self):
        yield self.odds_ratio
        yield self.pvalue


@dataclass(frozen=True, slots=True)
class ChiSquareResult:
    """Pearson's chi-square test of a 2 x 2 table; unpacks as ``statistic, pvalue``.

    ``expected`` holds the expected counts (rows: group 1, group 2; columns: event, no event);
    R's ``chisq.test`` warns that the approximation may be incorrect when one is below 5.
    """

    statistic: float
    df: int
    pvalue: float
    correction: bool
    expected: np.ndarray

    @property
    def min_expected(self) -> float:
        return float(np.min(self.expected))

    def __iter__(self):
        yield self.statistic
        yield self.pvalue


@dataclass(frozen=True, slots=True)
class MantelHaenszelResult:
    """Cochran-Mantel-Haenszel test and the common odds ratio (group 2 vs group 1)."""

    statistic: float
    df: int
    pvalue: float
    correction: bool
    odds_ratio: float
    low: float
    high: float
    confidence_level: float
    n_strata: int

    def __iter__(self):
        yield self.statistic
        yield self.pvalue


# --------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------


def _count(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool | np.bool_):
        raise InputError(f"{name}: {value!r} is a boolean, not a count")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name}: {value!r} is not a number") from None
    if not math.isfinite(v) or v != round(v):
        raise InputError(f"{name}: {value!r} is not a whole number of patients")
    if v < minimum:
        raise InputError(f"{name}: {value!r} must be at least {minimum}")
    return int(v)


def _counts(events1: Any, n1: Any, events2: Any, n2: Any) -> tuple[int, int, int, int]:
    n1_ = _count(n1, "n1", 1)
    n2_ = _count(n2, "n2", 1)
    e1 = _count(events1, "events1", 0)
    e2 = _count(events2, "events2", 0)
    if e1 > n1_:
        raise InputError(f"events1: {e1} patients with an event but n1 is only {n1_}")
    if e2 > n2_:
        raise InputError(f"events2: {e2} patients with an event but n2 is only {n2_}")
    return e1, n1_, e2, n2_


def _z(confidence_level: Any) -> tuple[float, float]:
    level = check_level(confidence_level)
    from scipy.special import ndtri  # on use: simulate's workers need none
    return level, float(ndtri(0.5 + level / 2))


def _table(e1: int, n1: int, e2: int, n2: int) -> np.ndarray:
    """2 x 2 table with group 2 in the first row, so that odds ratios are group 2 / group 1."""
    return np.array([[e2, n2 - e2], [e1, n1 - e1]], dtype=np.int64)


# --------------------------------------------------------------------------------------------
# effect measures
# --------------------------------------------------------------------------------------------


def _wilson(x: int, n: int, z: float, cc: bool) -> tuple[float, float]:
    """Wilson score interval for x/n (Newcombe 1998, Stat Med 17:857, methods 3 and 4)."""
    p = x / n
    z2 = z * z
    denom = 2 * (n + z2)
    if not cc:
        half = z * math.sqrt(z2 + 4 * x * (1 - p))
        return (2 * x + z2 - half) / denom, (2 * x + z2 + half) / denom
    low = 0.0
    if x > 0:
        low = (2 * x + z2 - 1 - z * math.sqrt(z2 - 2 - 1 / n + 4 * p * (n * (1 - p) + 1))) / denom
    high = 1.0
    if x < n:
        high = (2 * x + z2 + 1 + z * math.sqrt(z2 + 2 - 1 / n + 4 * p * (n * (1 - p) - 1))) / denom
    return max(low, 0.0), min(high, 1.0)


def risk_difference(
    events1: Any,
    n1: Any,
    events2: Any,
    n2: Any,
    confidence_level: float = 0.95,
    *,
    continuity_correction: bool = False,
) -> EffectEstimate:
    """Risk difference ``p2 - p1`` with Newcombe's hybrid score interval.

    Newcombe (1998, Stat Med 17:873) method 10: combines the Wilson score intervals
    (l1, u1), (l2, u2) of the two proportions as
    ``p2 - p1 - sqrt((p2 - l2)^2 + (u1 - p1)^2)`` and ``p2 - p1 + sqrt((u2 - p2)^2 + (p1 - l1)^2)``.
    ``continuity_correction=True`` uses continuity-corrected Wilson intervals (method 11).
    Defined for every table, zeros included.
    """
    e1, n1_, e2, n2_ = _counts(events1, n1, events2, n2)
    level, z = _z(confidence_level)
    cc = bool(continuity_correction)
    p1, p2 = e1 / n1_, e2 / n2_
    l1, u1 = _wilson(e1, n1_, z, cc)
    l2, u2 = _wilson(e2, n2_, z, cc)
    d = p2 - p1
    low = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    method = "Newcombe hybrid score" + (" with continuity correction" if cc else "")
    return EffectEstimate("risk difference", d, low, high, level, method, p1, p2)


def relative_risk(
    events1: Any, n1: Any, events2: Any, n2: Any, confidence_level: float = 0.95
) -> EffectEstimate:
    """Relative risk ``p2 / p1`` with the log-scale (Katz et al. 1978) interval.

    ``exp(log(RR) ± z sqrt(1/events2 - 1/n2 + 1/events1 - 1/n1))``. With no events in a group
    the estimate is 0, inf or NaN and the interval is NaN (no zero-cell correction is made).
    """
    e1, n1_, e2, n2_ = _counts(events1, n1, events2, n2)
    level, z = _z(confidence_level)
    p1, p2 = e1 / n1_, e2 / n2_
    if e1 == 0:
        rr = math.nan if e2 == 0 else math.inf
    else:
        rr = p2 / p1
    low = high = math.nan
    if e1 > 0 and e2 > 0:
        se = math.sqrt(1 / e2 - 1 / n2_ + 1 / e1 - 1 / n1_)
        low, high = rr * math.exp(-z * se), rr * math.exp(z * se)
    return EffectEstimate("relative risk", rr, low, high, level, "log (Katz)", p1, p2)


def odds_ratio(
    events1: Any,
    n1: Any,
    events2: Any,
    n2: Any,
    confidence_level: float = 0.95,
    *,
    kind: str = "sample",
) -> EffectEstimate:
    """Odds ratio ``odds2 / odds1``.

    ``kind="sample"``: the cross-product ratio with the log-scale (Woolf) interval
    ``exp(log(OR) ± z sqrt(1/a + 1/b + 1/c + 1/d))``; NaN interval when a cell is 0.
    ``kind="conditional"``: the conditional maximum-likelihood estimate with the exact
    (Cornfield) interval, as R's ``fisher.test`` (computed by ``scipy.stats.contingency``).
    """
    e1, n1_, e2, n2_ = _counts(events1, n1, events2, n2)
    level, z = _z(confidence_level)
    p1, p2 = e1 / n1_, e2 / n2_
    if kind == "conditional":
        from scipy.stats.contingency import odds_ratio as _scipy_odds_ratio  # 0.3 s import

        res = _scipy_odds_ratio(_table(e1, n1_, e2, n2_), kind="conditional")
        ci = res.confidence_interval(confidence_level=level)
        return EffectEstimate(
            measure="odds ratio",
            estimate=float(res.statistic),
            low=float(ci.low),
            high=float(ci.high),
            confidence_level=level,
            method="conditional MLE, exact interval",
            risk1=p1,
            risk2=p2,
        )
    if kind != "sample":
        raise InputError(f"kind: {kind!r} is not one of ['sample', 'conditional']")
    a, b, c, d = e2, n2_ - e2, e1, n1_ - e1
    num, den = a * d, b * c
    est = (math.nan if num == 0 else math.inf) if den == 0 else num / den
    low = high = math.nan
    if min(a, b, c, d) > 0:
        se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        low, high = est * math.exp(-z * se), est * math.exp(z * se)
    return EffectEstimate("odds ratio", est, low, high, level, "log (Woolf)", p1, p2)


# --------------------------------------------------------------------------------------------
# tests
# --------------------------------------------------------------------------------------------


def fisher_exact(
    events1: Any,
    n1: Any,
    events2: Any,
    n2: Any,
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
) -> FisherExactResult:
    """Fisher's exact test, as R's ``fisher.test`` (p-value, conditional MLE odds ratio, CI).

    The p-value is ``scipy.stats.fisher_exact`` (two-sided: the sum of the probabilities of the
    tables no more likely than the observed one). The odds ratio is group 2 vs group 1;
    ``alternative="greater"`` means a larger odds of the event in group 2. R's ``fisher.test``
    gives the same with the table ``rbind(c(events2, n2 - events2), c(events1, n1 - events1))``.
    """
    e1, n1_, e2, n2_ = _counts(events1, n1, events2, n2)
    level = check_level(confidence_level)
    if alternative not in ALTERNATIVES:
        raise InputError(f"alternative: {alternative!r} is not one of {list(ALTERNATIVES)}")
    table = _table(e1, n1_, e2, n2_)
    from scipy.stats import fisher_exact as _scipy_fisher_exact  # imported when needed
    from scipy.stats.contingency import odds_ratio as _scipy_odds_ratio

    pvalue = float(_scipy_fisher_exact(table, alternative=alternative).pvalue)
    res = _scipy_odds_ratio(table, kind="conditional")
    ci = res.confidence_interval(confidence_level=level, alternative=alternative)
    return FisherExactResult(
        pvalue=min(max(pvalue, 0.0), 1.0),
        odds_ratio=float(res.statistic),
        low=float(ci.low),
        high=float(ci.high),
        confidence_level=level,
        alternative=alternative,
    )


def chi_square(
    events1: Any, n1: Any, events2: Any, n2: Any, *, correction: bool = True
) -> ChiSquareResult:
    """Pearson's chi-square test of equal proportions, as R's ``chisq.test`` / ``prop.test``.

    ``correction=True`` (R's default) applies Yates' continuity correction
    ``min(0.5, |observed - expected|)``. When no patient or every patient has the event the
    expected counts include 0 and the statistic and p-value are NaN, as in R.
    """
    e1, n1_, e2, n2_ = _counts(events1, n1, events2, n2)
    table = np.array([[e1, n1_ - e1], [e2, n2_ - e2]], dtype=float)
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    if np.any(expected == 0):
        return ChiSquareResult(math.nan, 1, math.nan, bool(correction), expected)
    from scipy.stats import chi2_contingency  # imported when needed (0.3 s)

    res = chi2_contingency(table, correction=bool(correction))
    return ChiSquareResult(
        statistic=float(res.statistic),
        df=int(res.dof),
        pvalue=float(res.pvalue),
        correction=bool(correction),
        expected=np.asarray(res.expected_freq, dtype=float),
    )


def _strata_tables(tables: Any) -> np.ndarray:
    try:
        arr = np.asarray(tables, dtype=float)
    except (TypeError, ValueError):
        raise InputError("tables: cannot be read as an array of counts") from None
    if arr.ndim == 2 and arr.shape == (2, 2):
        arr = arr[None, :, :]
    if arr.ndim != 3 or arr.shape[1:] != (2, 2):
        raise InputError(
            f"tables: expected shape (strata, 2, 2) (rows: group 1, group 2; columns: event, "
            f"no event), got {arr.shape}"
        )
    if arr.shape[0] == 0:
        raise InputError("tables: no strata given")
    flat = arr.reshape(arr.shape[0], 4)
    bad = ~np.isfinite(flat) | (flat < 0) | (flat != np.round(flat))
    if bad.any():
        k, cell = divmod(int(np.argmax(bad.ravel())), 4)
        raise InputError(
            f"tables: stratum {k}, cell {divmod(cell, 2)} is {flat[k, cell]!r}; counts must be "
            "non-negative whole numbers"
        )
    small = flat.sum(axis=1) < 2
    if small.any():
        k = int(np.argmax(small))
        raise InputError(f"tables: stratum {k} has fewer than 2 patients; each needs at least 2")
    return arr


def cochran_mantel_haenszel(
    tables: Any, *, correction: bool = True, confidence_level: float = 0.95
) -> MantelHaenszelResult:
    """Cochran-Mantel-Haenszel test across strata and the Mantel-Haenszel common odds ratio.

    ``tables`` has shape (K, 2, 2): for stratum k, ``[[events1, n1 - events1],
    [events2, n2 - events2]]`` (rows: group 1, group 2; columns: event, no event). As R's
    ``mantelhaen.test`` (2 x 2 x K, two-sided): statistic ``(|sum(a - E[a])| - 0.5)^2 / sum(var)``
    with the 0.5 continuity correction when ``correction`` and ``|sum(a - E[a])| >= 0.5``, on 1
    df. The common odds ratio is group 2 vs group 1 with the Robins-Breslow-Greenland
    interval; R's ``mantelhaen.test`` on the same array reports its reciprocal (group 1 vs 2).
    """
    x = _strata_tables(tables)[:, ::-1, :]  # group 2 first: odds ratios are group 2 / group 1
    level, z = _z(confidence_level)
    a, b, c, d = x[:, 0, 0], x[:, 0, 1], x[:, 1, 0], x[:, 1, 1]
    n = a + b + c + d
    row1, row2, col1, col2 = a + b, c + d, a + c, b + d
    delta = float(np.sum(a - row1 * col1 / n))
    yates = 0.5 if correction and abs(delta) >= 0.5 else 0.0
    var = float(np.sum(row1 * row2 * col1 * col2 / (n * n * (n - 1))))
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = float(np.float64(abs(delta) - yates) ** 2 / np.float64(var))
        s_diag = float(np.sum(a * d / n))
        s_offd = float(np.sum(b * c / n))
        estimate = float(np.float64(s_diag) / np.float64(s_offd))
        sd = float(
            np.sqrt(
                np.sum((a + d) * a * d / n**2) / (2 * np.float64(s_diag) ** 2)
                + np.sum(((a + d) * b * c + (b + c) * a * d) / n**2)
                / (2 * np.float64(s_diag) * s_offd)
                + np.sum((b + c) * b * c / n**2) / (2 * np.float64(s_offd) ** 2)
            )
        )
        low = estimate * math.exp(-z * sd) if math.isfinite(sd) else math.nan
        high = estimate * math.exp(z * sd) if math.isfinite(sd) else math.nan
    from scipy.special import chdtrc  # on use: simulate's workers need none
    pvalue = float(chdtrc(1, statistic)) if math.isfinite(statistic) else math.nan
    return MantelHaenszelResult(
        statistic=statistic,
        df=1,
        pvalue=pvalue,
        correction=bool(correction),
        odds_ratio=estimate,
        low=low,
        high=high,
        confidence_level=level,
        n_strata=int(x.shape[0]),
    )
