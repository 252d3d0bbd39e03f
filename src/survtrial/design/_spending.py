"""Error-spending functions (cumulative error spent at information fraction ``t``).

Formulas, for total error ``a`` (alpha or beta) and ``0 < t <= 1``:

* ``"OF"``: Lan & DeMets (1983) O'Brien-Fleming type,
  ``2 s (1 - Phi(z_{1 - a / (2 s)} / sqrt(t)))`` with ``s`` the number of sides (``s = 1``
  for beta spending), as rpact's ``asOF``/``bsOF``;
* ``"Pocock"``: Lan & DeMets (1983) Pocock type, ``a log(1 + (e - 1) t)`` (``asP``);
* ``"HSD"``: Hwang, Shih & DeCani (1990), ``a (1 - exp(-gamma t)) / (1 - exp(-gamma))``,
  ``a t`` when ``gamma = 0`` (``asHSD``);
* ``"KD"``: Kim & DeMets (1987) power family, ``a t ** gamma`` (``asKD``).

A user-supplied spending vector gives the cumulative error at each look directly (``asUser``).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

FAMILIES = ("OF", "Pocock", "HSD", "KD")
_ALIASES = {
    "of": "OF",
    "asof": "OF",
    "bsof": "OF",
    "obrien-fleming": "OF",
    "pocock": "Pocock",
    "p": "Pocock",
    "asp": "Pocock",
    "bsp": "Pocock",
    "hsd": "HSD",
    "ashsd": "HSD",
    "bshsd": "HSD",
    "kd": "KD",
    "askd": "KD",
    "bskd": "KD",
}
RPACT_ALPHA_CODES = {"OF": "asOF", "Pocock": "asP", "HSD": "asHSD", "KD": "asKD", "user": "asUser"}
RPACT_BETA_CODES = {"OF": "bsOF", "Pocock": "bsP", "HSD": "bsHSD", "KD": "bsKD", "user": "bsUser"}


def canonical_family(name: str) -> str | None:
    """The canonical family name for a user's spelling, or None if unknown."""
    return _ALIASES.get(name.strip().lower())


def spending(
    family: str, total: float, t: np.ndarray, gamma: float | None, sides: int
) -> np.ndarray:
    """Cumulative error spent at information fractions ``t`` (clipped to ``[0, 1]``)."""
    t = np.clip(np.asarray(t, dtype=float), 0.0, 1.0)
    if family == "OF":
        with np.errstate(divide="ignore"):
            z = -ndtri(total / (2.0 * sides)) / np.sqrt(t)
        return 2.0 * sides * ndtr(-z)
    if family == "Pocock":
        return total * np.log1p((np.e - 1.0) * t)
    if family == "KD":
        return total * t ** float(gamma)  # type: ignore[arg-type]
    if family == "HSD":
        g = float(gamma)  # type: ignore[arg-type]
        if g == 0.0:
            return total * t
        return total * -np.expm1(-g * t) / -np.expm1(-g)
    raise AssertionError(family)  # pragma: no cover - checked at the boundary
