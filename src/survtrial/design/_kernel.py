"""Recursive numerical integration for group-sequential boundary-crossing probabilities.

The joint law of the standardized statistics ``Z_1, ..., Z_K`` observed at information
fractions ``t_1 < ... < t_K`` is the canonical one (Jennison & Turnbull 2000, ch. 3): the score
``S_k = Z_k sqrt(t_k)`` has independent normal increments with variance ``t_k - t_{k-1}``.
The sub-density of ``Z_k`` on the continuation region, given that no boundary was crossed
before, follows the recursion of Jennison & Turnbull (2000, ch. 19, eq. 19.3)::

    h_1(z) = phi(z)
    h_k(z) = int h_{k-1}(u) sqrt(t_k / d_k) phi((z sqrt(t_k) - u sqrt(t_{k-1})) / sqrt(d_k)) du

with ``d_k = t_k - t_{k-1}``, and the probability of stopping below ``b`` at look ``k`` is
``int h_{k-1}(u) Phi((b sqrt(t_k) - u sqrt(t_{k-1})) / sqrt(d_k)) du``.

Quadrature: each integral runs over the continuation interval of the previous look, cut to
``[-6, 8]`` on the (drift-free) z scale, with a composite closed 7-point Newton-Cotes rule of
15 panels (91 nodes). This is the grid rpact 3.3 uses (``getGroupSequentialProbabilitiesCpp``),
so that the two agree to well below 1e-8; the weights come from
:func:`scipy.integrate.newton_cotes`. Everything here works under H0: a drift ``delta`` is
handled either by shifting the bounds by ``delta * sqrt(t_k)``, as rpact does, or (class
:class:`Paths`) by the change of measure ``h_k^delta(z) = h_k^0(z) exp(delta z sqrt(t_k) -
delta^2 t_k / 2)``: the likelihood ratio of Brownian motion with drift depends on the path
only through its current value (Jennison & Turnbull 2000, sec. 19.2), so one recursion under
H0 gives the exit probabilities under every drift at the cost of a few vectors of ``Phi``.
The nodes are the same in both ways; only the negligible tails cut at -6 and 8 differ
(below 1e-9 in probability).

These kernels take clean arrays and do no checking.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

LOWER_LIMIT = -6.0  # rpact's C_FUTILITY_BOUNDS_DEFAULT: lower cut of every integral
UPPER_LIMIT = 8.0  # rpact's C_UPPER_BOUNDS_DEFAULT: upper cut of every integral
_PANELS = 15
_ORDER = 6
N_NODES = _PANELS * _ORDER + 1
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


# closed 7-point Newton-Cotes weights for unit spacing, (6 / 840) (41, 216, 27, 272, 27, 216, 41)
# (Abramowitz & Stegun, sec. 25.4; equal to scipy.integrate.newton_cotes(6, 1): a test checks)
_NEWTON_COTES_7 = np.array([41.0, 216.0, 27.0, 272.0, 27.0, 216.0, 41.0]) * 6.0 / 840.0


def _composite_weights() -> np.ndarray:
    """Unit-spacing weights of the composite 7-point Newton-Cotes rule with 15 panels."""
    panel = _NEWTON_COTES_7
    w = np.zeros(N_NODES)
    for p in range(_PANELS):
        w[p * _ORDER : p * _ORDER + _ORDER + 1] += panel
    return w


_UNIT_WEIGHTS = _composite_weights()


def _phi(x: np.ndarray) -> np.ndarray:
    return _INV_SQRT_2PI * np.exp(-0.5 * x * x)


def grid(lower: float, upper: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights on ``[lower, upper]`` (already cut to the integration limits)."""
    dx = (upper - lower) / (N_NODES - 1)
    x = lower + dx * np.arange(N_NODES)
    return x, _UNIT_WEIGHTS * dx


def clip_lower(a: float) -> float:
    return LOWER_LIMIT if a < LOWER_LIMIT else (UPPER_LIMIT if a > UPPER_LIMIT else a)


def clip_upper(b: float) -> float:
    return UPPER_LIMIT if b > UPPER_LIMIT else (LOWER_LIMIT if b < LOWER_LIMIT else b)


class Recursion:
    """Step-by-step recursion over looks under H0 (drift already removed from the bounds).

    After ``start(a_1, b_1)`` and ``advance(a_k, b_k)`` for looks 2..k, :meth:`cdf_next` gives
    ``P(a_j < Z_j < b_j for j <= k, Z_{k+1} < b)`` for any array ``b``; this is what a root
    search for the bound at look ``k + 1`` needs, at the cost of one vector of ``Phi`` values.
    """

    __slots__ = ("_dn", "_k", "_rates", "_sqrt_rates", "_x")

    def __init__(self, rates: np.ndarray) -> None:
        self._rates = rates
        self._sqrt_rates = np.sqrt(rates)
        self._k = -1
        self._x = np.empty(0)
        self._dn = np.empty(0)

    @property
    def look(self) -> int:
        """Index (0-based) of the last look whose continuation region is set."""
        return self._k

    def start(self, lower: float, upper: float) -> None:
        x, w = grid(clip_lower(lower), clip_upper(upper))
        self._x, self._dn, self._k = x, w * _phi(x), 0

    def advance(self, lower: float, upper: float) -> None:
        """Fix the continuation region of the next look and propagate the sub-density."""
        k = self._k + 1
        sr, t = self._sqrt_rates, self._rates
        sd = np.sqrt(t[k] - t[k - 1])
        x, w = grid(clip_lower(lower), clip_upper(upper))
        arg = np.subtract.outer(x * (sr[k] / sd), self._x * (sr[k - 1] / sd))
        np.multiply(arg, arg, out=arg)
        arg *= -0.5
        np.exp(arg, out=arg)
        dens = (arg @ self._dn) * (_INV_SQRT_2PI * sr[k] / sd)
        self._x, self._dn, self._k = x, w * dens, k

    def mass(self) -> float:
        """Probability of continuing past the last look set."""
        return float(self._dn.sum())

    def cdf_next(self, b: float | np.ndarray) -> float | np.ndarray:
        """``P(continue through the looks set, Z_next < b)``."""
        k = self._k + 1
        sr = self._sqrt_rates
        sd = np.sqrt(self._rates[k] - self._rates[k - 1])
        if np.ndim(b) == 0:
            return float(ndtr((b * sr[k] - self._x * sr[k - 1]) / sd) @ self._dn)
        b_arr = np.asarray(b, dtype=float)
        return ndtr(np.subtract.outer(b_arr * (sr[k] / sd), self._x * (sr[k - 1] / sd))) @ self._dn


def exit_probabilities(
    lower: np.ndarray, upper: np.ndarray, rates: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Stage-wise probabilities of leaving ``(lower_k, upper_k)`` below and above, under H0.

    ``lower`` and ``upper`` are drift-free z bounds (``-inf``/``inf`` allowed). Returns
    ``(p_below, p_above)``: ``p_below[k] = P(continue to k, Z_k < lower_k)`` and
    ``p_above[k] = P(continue to k, Z_k >= upper_k)``.
    """
    kmax = rates.shape[0]
    p_below = np.empty(kmax)
    p_above = np.empty(kmax)
    lo0 = clip_lower(lower[0])
    up0 = clip_upper(upper[0])
    p_below[0] = ndtr(lo0)
    p_above[0] = ndtr(-up0)
    if kmax == 1:
        return p_below, p_above
    rec = Recursion(rates)
    rec.start(lo0, up0)
    for k in range(1, kmax):
        mass = rec.mass()
        lo, up = clip_lower(lower[k]), clip_upper(upper[k])
        below, below_up = rec.cdf_next(np.array([lo, up]))
        p_below[k] = below
        p_above[k] = mass - below_up
        if k < kmax - 1:
            rec.advance(lo, up)
    return p_below, p_above


def shifted_exit_probabilities(
    lower: np.ndarray, upper: np.ndarray, rates: np.ndarray, drift: float
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`exit_probabilities` when ``E[Z_k] = drift * sqrt(rates_k)``.

    Lower bounds at or below the integration limit stay there (an absent futility bound is not
    moved by the drift), as in rpact's ``getDesignCharacteristics``.
    """
    shift = drift * np.sqrt(rates)
    lo = np.where(lower <= LOWER_LIMIT, LOWER_LIMIT, lower - shift)
    return exit_probabilities(lo, upper - shift, rates)


class Paths:
    """One H0 recursion over fixed bounds, re-weighted to give exit probabilities at any drift.

    ``lower`` and ``upper`` are the ``K`` z bounds of the continuation regions (the last look's
    values are used only for its exit probabilities).
    """

    __slots__ = ("_dn", "_kmax", "_lower", "_rates", "_sqrt_rates", "_upper", "_x")

    def __init__(self, lower: np.ndarray, upper: np.ndarray, rates: np.ndarray) -> None:
        kmax = rates.shape[0]
        self._kmax = kmax
        self._rates = rates
        self._sqrt_rates = np.sqrt(rates)
        self._lower = np.array([clip_lower(v) for v in lower])
        self._upper = np.array([clip_upper(v) for v in upper])
        xs, dns = [], []
        if kmax > 1:
            rec = Recursion(rates)
            rec.start(self._lower[0], self._upper[0])
            xs.append(rec._x)
            dns.append(rec._dn)
            for k in range(1, kmax - 1):
                rec.advance(self._lower[k], self._upper[k])
                xs.append(rec._x)
                dns.append(rec._dn)
        self._x, self._dn = xs, dns

    def exits(self, drift: float) -> tuple[np.ndarray, np.ndarray]:
        """Stage-wise ``(p_below, p_above)`` when ``E[Z_k] = drift * sqrt(t_k)``."""
        kmax, t, sr = self._kmax, self._rates, self._sqrt_rates
        below = np.empty(kmax)
        above = np.empty(kmax)
        m = drift * sr[0]
        below[0] = ndtr(self._lower[0] - m)
        above[0] = ndtr(m - self._upper[0])
        for k in range(1, kmax):
            x, dn = self._x[k - 1], self._dn[k - 1]
            if drift != 0.0:
                dn = dn * np.exp(drift * sr[k - 1] * x - 0.5 * drift * drift * t[k - 1])
            sd = np.sqrt(t[k] - t[k - 1])
            base = (x * sr[k - 1] + drift * (t[k] - t[k - 1])) / sd
            scale = sr[k] / sd
            below[k] = ndtr(self._lower[k] * scale - base) @ dn
            above[k] = ndtr(base - self._upper[k] * scale) @ dn
        return below, above
