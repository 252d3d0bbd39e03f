"""scipy.special's functions, imported on first use (``from survtrial import _special as
special``; ``special.ndtri(q)``): modules that only some commands call then cost nothing to
import, and the simulation's worker processes never load scipy (about 0.13 s each)."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    import scipy.special

    value = getattr(scipy.special, name)
    globals()[name] = value  # later uses find it directly
    return value
