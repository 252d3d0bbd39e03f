"""Group-sequential designs by error spending: efficacy and futility bounds, characteristics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from survtrial._errors import InputError
from survtrial.design import _checks
from survtrial.design._checks import brentq
from survtrial.design._kernel import LOWER_LIMIT, UPPER_LIMIT, Paths, Recursion
from survtrial.design._spending import canonical_family, spending

_XTOL = 1e-12
_INFINITE_BOUND = 7.5  # rpact reports bounds at or above 7.5 as infinite (no stopping)


def _frozen(a: Any) -> np.ndarray:
    arr = np.array(a, dtype=float)
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True)
class GroupSequentialDesign:
    """A group-sequential design on the standardized z scale.

    The test rejects H0 at look ``k`` when ``Z_k >= efficacy_bounds[k]`` (one-sided; also when
    ``Z_k <= -efficacy_bounds[k]`` for ``sided=2``), where ``Z_k`` is oriented so that large
    values favour the experimental arm. For a log-rank statistic whose negative values favour
    the experimental arm (survtrial's convention) use ``-Z``.

    Attributes
    ----------
    information_rates : ndarray
        Planned information fractions ``t_1 < ... < t_K = 1``.
    alpha, beta : float
        Type I error (one-sided for ``sided=1``, total two-sided for ``sided=2``) and type II
        error.
    sided : int
        1 or 2 (two-sided symmetric).
    alpha_spending, beta_spending : str or None
        ``"OF"``, ``"Pocock"``, ``"HSD"``, ``"KD"`` or ``"user"``; ``beta_spending`` is None
        when there is no futility bound.
    alpha_gamma, beta_gamma : float or None
        Parameters of the HSD and KD families.
    binding_futility : bool
        Whether the efficacy bounds were computed assuming the futility bounds are obeyed.
    efficacy_bounds : ndarray
        ``K`` z bounds; ``inf`` where no alpha is spent (rpact: bound >= 7.5).
    futility_bounds : ndarray
        ``K - 1`` z bounds at the interim looks; ``-inf`` where there is no futility stop.
    cumulative_alpha_spent : ndarray
        ``P_H0(reject at or before look k)``; non-binding futility bounds are ignored, as in
        rpact's ``alphaSpent``.
    rejection_probabilities_h0 : ndarray
        Stage-wise increments of ``cumulative_alpha_spent``.
    nominal_p_bounds : ndarray
        One-sided nominal p-value at each efficacy bound, ``1 - Phi(c_k)`` (rpact's
        ``stageLevels``).
    drift : float
        ``theta * sqrt(I_max)`` giving power ``1 - beta`` with these bounds (futility bounds
        obeyed); ``inflation_factor = drift**2 / fixed_drift**2``.
    fixed_drift : float
        ``z_{1 - alpha / sided} + z_{1 - beta}``, the drift of the fixed-sample design.
    inflation_factor : float
        Maximum information relative to the fixed-sample design (rpact's ``inflationFactor``).
    rejection_probabilities_h1, cumulative_power : ndarray
        Stage-wise and cumulative probabilities of rejecting H0 (upper side) under the design
        alternative (rpact's ``rejectionProbabilities`` and ``power``).
    futility_probabilities_h1 : ndarray
        ``K - 1`` stage-wise probabilities of stopping for futility under the alternative.
    cumulative_beta_spent : ndarray
        Beta spent by the futility bounds up to each look (zeros without beta spending).
    expected_information_h0, expected_information_h01, expected_information_h1 : float
        Expected information under H0, under half the design effect and under the design
        alternative, relative to the fixed-sample information (rpact's
        ``averageSampleNumber0``, ``averageSampleNumber01``, ``averageSampleNumber1``).
    """

    information_rates: np.ndarray
    alpha: float
    beta: float
    sided: int
    alpha_spending: str
    alpha_gamma: float | None
    beta_spending: str | None
    beta_gamma: float | None
    binding_futility: bool
    efficacy_bounds: np.ndarray
    futility_bounds: np.ndarray
    cumulative_alpha_spent: np.ndarray
    rejection_probabilities_h0: np.ndarray
    nominal_p_bounds: np.ndarray
    drift: float
    fixed_drift: float
    inflation_factor: float
    rejection_probabilities_h1: np.ndarray
    cumulative_power: np.ndarray
    futility_probabilities_h1: np.ndarray
    cumulative_beta_spent: np.ndarray
    expected_information_h0: float
    expected_information_h01: float
    expected_information_h1: float
    user_alpha_spending: np.ndarray | None = field(default=None, repr=False)
    user_beta_spending: np.ndarray | None = field(default=None, repr=False)

    @property
    def kmax(self) -> int:
        """Number of looks."""
        return int(self.information_rates.shape[0])

    @property
    def has_futility(self) -> bool:
        return bool(np.isfinite(self.futility_bounds).any())

    def lower_bounds(self) -> np.ndarray:
        """``K`` lower z bounds of the continuation region (futility or ``-c_k``), finite."""
        if self.sided == 2:
            return -np.minimum(self.efficacy_bounds, UPPER_LIMIT)
        lo = np.full(self.kmax, LOWER_LIMIT)
        lo[:-1] = np.maximum(self.futility_bounds, LOWER_LIMIT)
        return lo


# ---------------------------------------------------------------------------------------------
# boundary search


def _efficacy_root(f, lo: float = 0.0, hi: float = UPPER_LIMIT) -> float:
    """Root of a decreasing function on ``[lo, hi]``; an end point when there is none (rpact's
    bisection converges to the nearer end in that case)."""
    f_lo, f_hi = f(lo), f(hi)
    if f_hi >= 0:
        return hi
    if f_lo <= 0:
        return lo
    return float(brentq(f, lo, hi, xtol=_XTOL))


def efficacy_bounds(
    rates: np.ndarray,
    cumulative_alpha: np.ndarray,
    sided: int,
    futility: np.ndarray | None = None,
) -> np.ndarray:
    """Efficacy z bounds spending ``cumulative_alpha`` at ``rates`` (H0, drift-free).

    ``futility`` (``K - 1`` or ``K`` z values) enters only through the continuation regions,
    i.e. binding futility; pass None for non-binding or no futility.
    """
    kmax = rates.shape[0]
    c = np.empty(kmax)
    first = cumulative_alpha[0] / sided
    c[0] = min(-float(ndtri(first)), UPPER_LIMIT) if first > 0 else UPPER_LIMIT
    spent = sided * float(ndtr(-c[0]))
    if kmax == 1:
        return c

    def lower(k: int) -> float:
        if sided == 2:
            return -c[k]
        if futility is not None and k < futility.shape[0]:
            return max(float(futility[k]), LOWER_LIMIT)
        return LOWER_LIMIT

    rec = Recursion(rates)
    rec.start(lower(0), c[0])
    for k in range(1, kmax):
        mass = rec.mass()
        target = cumulative_alpha[k] - spent
        if sided == 1:

            def f(b: float, mass: float = mass, target: float = target) -> float:
                return mass - rec.cdf_next(b) - target

        else:

            def f(b: float, mass: float = mass, target: float = target) -> float:
                lo_hi = rec.cdf_next(np.array([-b, b]))
                return mass - lo_hi[1] + lo_hi[0] - target

        c[k] = _efficacy_root(f)
        spent += f(c[k]) + target
        if k < kmax - 1:
            rec.advance(lower(k), c[k])
    return c


def _futility_bounds_for_drift(
    rates: np.ndarray,
    cumulative_beta: np.ndarray,
    drift: float,
    critical: np.ndarray | None,
    cumulative_alpha: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Futility bounds at all ``K`` looks spending ``cumulative_beta`` under ``drift``.

    With ``critical`` given (non-binding), efficacy bounds are fixed; otherwise (binding) they
    are recomputed look by look from ``cumulative_alpha`` with the futility bounds found so far,
    as rpact does. Returns ``(efficacy, futility)``, both of length ``K``.
    """
    kmax = rates.shape[0]
    sq = np.sqrt(rates)
    fut = np.empty(kmax)
    binding = critical is None
    crit = np.empty(kmax) if binding else critical.copy()
    if binding:
        crit[0] = min(-float(ndtri(cumulative_alpha[0])), UPPER_LIMIT)
    fut[0] = float(ndtri(cumulative_beta[0])) + sq[0] * drift
    if kmax == 1:
        return crit, fut
    rec1 = Recursion(rates)  # under the drift
    rec1.start(max(fut[0] - sq[0] * drift, LOWER_LIMIT), crit[0] - sq[0] * drift)
    rec0 = None
    alpha_spent = 0.0
    if binding:
        rec0 = Recursion(rates)
        rec0.start(max(fut[0], LOWER_LIMIT), crit[0])
        alpha_spent = float(ndtr(-crit[0]))
    beta_spent = ndtr(max(fut[0] - sq[0] * drift, LOWER_LIMIT))
    for k in range(1, kmax):
        if binding:
            mass0, target_a = rec0.mass(), cumulative_alpha[k] - alpha_spent

            def fa(b: float, mass0: float = mass0, target_a: float = target_a) -> float:
                return mass0 - rec0.cdf_next(b) - target_a

            crit[k] = _efficacy_root(fa)
            alpha_spent += fa(crit[k]) + target_a
        target_b = cumulative_beta[k] - beta_spent
        shift = sq[k] * drift

        def fb(u: float, target_b: float = target_b, shift: float = shift) -> float:
            return target_b - rec1.cdf_next(max(u - shift, LOWER_LIMIT))

        lo, hi = LOWER_LIMIT, 5.0
        if fb(hi) >= 0:
            fut[k] = hi
        elif fb(lo) <= 0:
            fut[k] = lo
        else:
            fut[k] = float(brentq(fb, lo, hi, xtol=_XTOL))
        beta_spent += target_b - fb(fut[k])
        if k < kmax - 1:
            rec1.advance(max(fut[k] - shift, LOWER_LIMIT), crit[k] - shift)
            if binding:
                rec0.advance(max(fut[k], LOWER_LIMIT), crit[k])
    return crit, fut


def _beta_spending_bounds(
    rates: np.ndarray,
    cumulative_alpha: np.ndarray,
    cumulative_beta: np.ndarray,
    binding: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Efficacy (K) and futility (K - 1) bounds of a one-sided beta-spending design.

    The drift is the root of ``f_K(drift) = c_K`` (the last futility bound meets the last
    efficacy bound), searched on ``[-4, 10]`` as in rpact.
    """
    critical = None if binding else efficacy_bounds(rates, cumulative_alpha, 1)

    def gap(drift: float) -> float:
        crit, fut = _futility_bounds_for_drift(
            rates, cumulative_beta, drift, critical, cumulative_alpha
        )
        return fut[-1] - crit[-1]

    drift = float(brentq(gap, -4.0, 10.0, xtol=_XTOL))
    crit, fut = _futility_bounds_for_drift(
        rates, cumulative_beta, drift, critical, cumulative_alpha
    )
    return crit, fut[:-1]


# ---------------------------------------------------------------------------------------------
# characteristics


def _drift_for_power(paths: Paths, power: float, fixed_drift: float) -> float:
    """Drift at which the bounds reject (upper side) with probability ``power``."""

    def f(d: float) -> float:
        return float(paths.exits(d)[1].sum()) - power

    lo, hi = fixed_drift, 1.25 * fixed_drift
    if f(lo) >= 0:  # numerically at the fixed-sample drift (e.g. no early stopping at all)
        lo, hi = 0.0, fixed_drift
    else:
        while f(hi) < 0:
            lo, hi = hi, 1.5 * hi
            if hi > 4.0 * fixed_drift:
                raise InputError("the design cannot reach the requested power (inflation > 16)")
    return float(brentq(f, lo, hi, xtol=_XTOL))


def _resolve_spending(
    spec: str | Sequence[float] | np.ndarray,
    gamma: float | None,
    name: str,
    gamma_name: str,
) -> tuple[str, float | None, np.ndarray | None]:
    if isinstance(spec, str):
        family = canonical_family(spec)
        if family is None:
            raise InputError(
                f"{name}: unknown spending function {spec!r}; use 'OF', 'Pocock', 'HSD', 'KD' "
                "or a sequence of cumulative spending values"
            )
        if family in ("HSD", "KD"):
            if gamma is None:
                raise InputError(f"{gamma_name}: the {family} family needs a gamma parameter")
            try:
                g = float(gamma)
            except (TypeError, ValueError):
                raise InputError(f"{gamma_name}: {gamma!r} is not a number") from None
            if not np.isfinite(g) or (family == "KD" and g <= 0):
                raise InputError(
                    f"{gamma_name}: must be {'positive' if family == 'KD' else 'finite'}, "
                    f"got {gamma!r}"
                )
            if family == "HSD" and not -10.0 <= g <= 5.0:
                raise InputError(f"{gamma_name}: the HSD gamma must lie in [-10, 5], got {g}")
            return family, g, None
        return family, None, None
    return "user", None, _checks.as_float_array(spec, name)


def group_sequential(
    information_rates: Sequence[float] | np.ndarray,
    alpha: float = 0.025,
    beta: float = 0.2,
    alpha_spending: str | Sequence[float] = "OF",
    alpha_gamma: float | None = None,
    beta_spending: str | Sequence[float] | None = None,
    beta_gamma: float | None = None,
    binding_futility: bool = False,
    sided: int = 1,
    *,
    futility_bounds: Sequence[float] | None = None,
) -> GroupSequentialDesign:
    """Group-sequential design by error spending, computed as rpact does.

    Parameters
    ----------
    information_rates : sequence of float
        Information fractions of the looks, strictly increasing in (0, 1], the last equal to 1.
        For a log-rank test, the fraction of the maximum number of events.
    alpha : float
        Type I error: one-sided for ``sided=1`` (in (0, 0.5)), total (both sides) for
        ``sided=2`` (in (0, 1)); rpact refuses ``alpha >= 0.5`` too.
    beta : float
        Type II error in (0, 1 - alpha), as rpact; power is ``1 - beta`` at the design
        alternative.
    alpha_spending : {"OF", "Pocock", "HSD", "KD"} or sequence of float
        Alpha-spending family (rpact's ``asOF``, ``asP``, ``asHSD``, ``asKD``) or the cumulative
        alpha to spend at each look (``asUser``; non-decreasing, the last value at most alpha).
    alpha_gamma : float, optional
        Parameter of the HSD (in [-10, 5]) or KD (> 0) alpha-spending family.
    beta_spending : {"OF", "Pocock", "HSD", "KD"} or sequence of float, optional
        Beta-spending family for futility bounds (rpact's ``bsOF`` ...), or the cumulative beta
        to spend at each look (``bsUser``). None: no futility bounds. One-sided designs only.
    beta_gamma : float, optional
        Parameter of the HSD or KD beta-spending family.
    binding_futility : bool
        Compute the efficacy bounds assuming the futility bounds are obeyed (ignored without
        beta spending, as in rpact).
    sided : {1, 2}
        One-sided test, or two-sided test with symmetric bounds.
    futility_bounds : sequence of float, optional
        Futility z bounds given directly at the ``K - 1`` interim looks (rpact's
        ``futilityBounds``; ``-inf`` or values <= -6 for none), instead of beta spending.
        One-sided designs only; binding when ``binding_futility``.

    Returns
    -------
    GroupSequentialDesign

    Notes
    -----
    Efficacy bounds solve, look by look, ``P_H0(Z_j < c_j, j < k; Z_k >= c_k) = a(t_k) -
    a(t_{k-1})`` for the spending function ``a`` (Lan & DeMets 1983), with the probabilities from
    the recursive numerical integration of Jennison & Turnbull (2000, ch. 19); see
    :mod:`survtrial.design._kernel`. Two-sided designs spend ``a(t)`` over both tails with
    ``+-c_k``; the O'Brien-Fleming function is then applied per tail, as in rpact.

    Futility bounds by beta spending (Pampallona, Tsiatis & Kim 2001; rpact's
    ``typeBetaSpending``): for a drift ``delta``, ``f_k`` solves ``P_delta(stop for futility at
    or before k) = b(t_k)`` given the efficacy bounds, and ``delta`` is chosen so that the last
    futility bound meets the last efficacy bound. With non-binding futility the efficacy bounds
    are those of the design without futility; with binding futility both are found together.

    The drift that gives power ``1 - beta`` is then found with all bounds obeyed, and
    ``inflation_factor = (drift / (z_{1-alpha/sided} + z_{1-beta}))**2`` is the ratio of the
    maximum information to the fixed-sample information (rpact's ``getDesignCharacteristics``).

    References
    ----------
    .. [1] Jennison C, Turnbull BW. Group Sequential Methods with Applications to Clinical
       Trials. Chapman & Hall/CRC, 2000, ch. 7 and 19.
    .. [2] Lan KKG, DeMets DL. Discrete sequential boundaries for clinical trials.
       Biometrika 1983;70:659-663. doi:10.1093/biomet/70.3.659
    .. [3] Hwang IK, Shih WJ, DeCani JS. Group sequential designs using a family of type I error
       probability spending functions. Stat Med 1990;9:1439-1445. doi:10.1002/sim.4780091207
    .. [4] Kim K, DeMets DL. Design and analysis of group sequential tests based on the type I
       error spending rate function. Biometrika 1987;74:149-154. doi:10.1093/biomet/74.1.149
    .. [5] Pampallona S, Tsiatis AA, Kim K. Interim monitoring of group sequential trials using
       spending functions for the type I and type II error probabilities. Drug Inf J
       2001;35:1113-1121. doi:10.1177/009286150103500408

    Examples
    --------
    >>> d = group_sequential([1 / 3, 2 / 3, 1], alpha=0.025, beta=0.1)
    >>> [round(float(c), 4) for c in d.efficacy_bounds]
    [3.7103, 2.5114, 1.993]
    >>> round(d.inflation_factor, 4)
    1.0119
    """
    rates = _checks.information_rates(information_rates)
    alpha, beta, sided = _checks.error_rates(alpha, beta, sided)
    kmax = rates.shape[0]
    (a_family, a_gamma, a_user), cum_alpha = cumulative_alpha(
        rates, alpha, alpha_spending, alpha_gamma, sided
    )
    if beta_spending is not None and kmax > 1:
        if sided == 2:
            raise InputError(
                "beta_spending: futility bounds by beta spending are implemented for one-sided "
                "designs (sided=1) only"
            )
        b_family, b_gamma, b_user = _resolve_spending(
            beta_spending, beta_gamma, "beta_spending", "beta_gamma"
        )
        if b_user is not None:
            cum_beta = _checks.cumulative_vector(b_user, "beta_spending", kmax, beta)
        else:
            cum_beta = spending(b_family, beta, rates, b_gamma, 1)
            cum_beta[-1] = beta
        crit, fut = _beta_spending_bounds(rates, cum_alpha, cum_beta, bool(binding_futility))
        binding = bool(binding_futility)
        if futility_bounds is not None:
            raise InputError("futility_bounds: give futility_bounds or beta_spending, not both")
    elif futility_bounds is not None and kmax > 1:
        if sided == 2:
            raise InputError("futility_bounds: given futility bounds need a one-sided design")
        b_family, b_gamma, b_user = None, None, None
        fut = _given_futility(futility_bounds, kmax)
        binding = bool(binding_futility) and bool(np.isfinite(fut).any())
        crit = efficacy_bounds(rates, cum_alpha, 1, futility=fut if binding else None)
        if np.any(fut >= crit[:-1] - 0.01):
            raise InputError(
                "futility_bounds: each futility bound must lie below the efficacy bound of its "
                f"look (efficacy bounds {np.round(crit[:-1], 4).tolist()})"
            )
    else:
        b_family, b_gamma, b_user = None, None, None
        crit = efficacy_bounds(rates, cum_alpha, sided)
        fut = np.full(kmax - 1, -np.inf)
        binding = False
    return _assemble(
        rates=rates,
        alpha=alpha,
        beta=beta,
        sided=sided,
        crit=crit,
        fut=fut,
        binding=binding,
        a_family=a_family,
        a_gamma=a_gamma,
        a_user=a_user,
        b_family=b_family,
        b_gamma=b_gamma,
        b_user=b_user,
    )


def reported_bounds(crit: np.ndarray) -> np.ndarray:
    """Efficacy bounds as rpact reports them: ``inf`` at or above 7.5 (no stopping)."""
    return np.where(crit >= _INFINITE_BOUND - 1e-8, np.inf, crit)


def cumulative_alpha(rates: np.ndarray, alpha: float, alpha_spending, alpha_gamma, sided: int):
    """((family, gamma, user values), the cumulative alpha spent at ``rates``, checked), as
    :func:`group_sequential` spends it: the last look spends all of ``alpha``."""
    a_family, a_gamma, a_user = _resolve_spending(
        alpha_spending, alpha_gamma, "alpha_spending", "alpha_gamma"
    )
    if a_user is not None:
        cum = _checks.cumulative_vector(a_user, "alpha_spending", rates.shape[0], alpha)
    else:
        cum = spending(a_family, alpha, rates, a_gamma, sided)
        cum[-1] = alpha
    return (a_family, a_gamma, a_user), cum


def _given_futility(values: Sequence[float], kmax: int) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise InputError(f"futility_bounds: cannot be read as numbers ({values!r})") from None
    if arr.size != kmax - 1:
        raise InputError(
            f"futility_bounds: give one bound per interim look ({kmax - 1}), got {arr.size}"
        )
    if np.isnan(arr).any() or np.isposinf(arr).any():
        raise InputError("futility_bounds: values must be numbers below +inf")
    return np.where(arr <= LOWER_LIMIT, -np.inf, arr)


def _assemble(
    *,
    rates: np.ndarray,
    alpha: float,
    beta: float,
    sided: int,
    crit: np.ndarray,
    fut: np.ndarray,
    binding: bool,
    a_family: str,
    a_gamma: float | None,
    a_user: np.ndarray | None,
    b_family: str | None,
    b_gamma: float | None,
    b_user: np.ndarray | None,
) -> GroupSequentialDesign:
    """Characteristics of given bounds (rpact's ``getDesignCharacteristics``)."""
    kmax = rates.shape[0]
    upper = np.minimum(crit, _INFINITE_BOUND)
    if sided == 2:
        lower = -upper
        lower_h0_alpha = -upper
    else:
        lower = np.full(kmax, LOWER_LIMIT)
        lower[:-1] = np.where(np.isfinite(fut), np.maximum(fut, LOWER_LIMIT), LOWER_LIMIT)
        lower_h0_alpha = lower if binding else np.full(kmax, LOWER_LIMIT)
    paths = Paths(lower, upper, rates)
    # alpha spent under H0 (rpact's alphaSpent: non-binding futility ignored)
    same = sided == 2 or np.array_equal(lower, lower_h0_alpha)
    paths_alpha = paths if same else Paths(lower_h0_alpha, upper, rates)
    below0a, above0a = paths_alpha.exits(0.0)
    stage_alpha = above0a + (below0a if sided == 2 else 0.0)
    fixed_drift = -float(ndtri(alpha / sided) + ndtri(beta))
    if kmax == 1:
        drift = fixed_drift
    else:
        drift = _drift_for_power(paths, 1.0 - beta, fixed_drift)
    below1, above1 = paths.exits(drift)
    inflation = (drift / fixed_drift) ** 2
    has_fut = sided == 1 and np.isfinite(fut).any()
    fut_prob = np.where(np.isfinite(fut), below1[:-1], 0.0) if has_fut else np.zeros(kmax - 1)
    cum_beta_spent = np.cumsum(np.append(fut_prob, 0.0)) if has_fut else np.zeros(kmax)
    if has_fut:
        cum_beta_spent[-1] = 1.0 - above1.sum()

    def asn(below: np.ndarray, above: np.ndarray) -> float:
        stop = (below + above)[:-1]
        return float(1.0 - np.sum(stop * (rates[-1] - rates[:-1]))) * inflation

    if kmax == 1:
        asn0 = asn01 = asn1 = 1.0
    else:
        asn1 = asn(below1, above1)
        asn01 = asn(*paths.exits(drift / 2.0))
        asn0 = asn(*paths.exits(0.0))

    crit_out = reported_bounds(crit)
    return GroupSequentialDesign(
        information_rates=_frozen(rates),
        alpha=alpha,
        beta=beta,
        sided=sided,
        alpha_spending=a_family,
        alpha_gamma=a_gamma,
        beta_spending=b_family,
        beta_gamma=b_gamma,
        binding_futility=binding,
        efficacy_bounds=_frozen(crit_out),
        futility_bounds=_frozen(fut),
        cumulative_alpha_spent=_frozen(np.cumsum(stage_alpha)),
        rejection_probabilities_h0=_frozen(stage_alpha),
        nominal_p_bounds=_frozen(ndtr(-crit_out)),
        drift=drift,
        fixed_drift=fixed_drift,
        inflation_factor=inflation,
        rejection_probabilities_h1=_frozen(above1),
        cumulative_power=_frozen(np.cumsum(above1)),
        futility_probabilities_h1=_frozen(fut_prob),
        cumulative_beta_spent=_frozen(cum_beta_spent),
        expected_information_h0=asn0,
        expected_information_h01=asn01,
        expected_information_h1=asn1,
        user_alpha_spending=None if a_user is None else _frozen(a_user),
        user_beta_spending=None if b_user is None else _frozen(b_user),
    )
