"""Worked examples shipped with the package: the AALL1731 published curves.

The digitized DFS and OS curves of AALL1731 (Gupta et al., N Engl J Med 2025;392:875-891,
doi:10.1056/NEJMoa2411680) and the numbers at risk printed under them, in
``survtrial/protocol/builtin/data/aall1731/`` (see its README: digitized by a third party with
SurvdigitizeR; about one percentage point of reading error). Time in years.
"""

from __future__ import annotations

from survtrial._errors import InputError
from survtrial.protocol import builtin_data_path
from survtrial.reconstruct._read import read_at_risk, read_curve
from survtrial.reconstruct._trial import Reconstruction, check_unit, reconstruct

EXAMPLES = ("aall1731",)
AALL1731_ARMS = ("chemotherapy", "blinatumomab")
AALL1731_ENDPOINTS = ("dfs", "os")


def aall1731_inputs(endpoint: str = "dfs"):
    """Curves and numbers at risk of one AALL1731 endpoint: ``(curves, at_risk, unit)``."""
    ep = endpoint.strip().lower()
    if ep not in AALL1731_ENDPOINTS:
        choices = " or ".join(AALL1731_ENDPOINTS)
        raise InputError(f"endpoint: {endpoint!r} is not an AALL1731 endpoint; choose {choices}")
    curves = {
        arm: read_curve(
            builtin_data_path("aall1731", f"{ep}_{arm}.csv"), f"aall1731/{ep}_{arm}.csv"
        )
        for arm in AALL1731_ARMS
    }
    at_risk, unit = read_at_risk(
        builtin_data_path("aall1731", "numbers_at_risk.csv"),
        "aall1731/numbers_at_risk.csv",
        endpoint=ep,
    )
    return curves, {arm: at_risk[arm] for arm in AALL1731_ARMS}, unit


def aall1731(endpoint: str = "dfs", last_interval: str = "guyot") -> Reconstruction:
    """Reconstructed pseudo-IPD of AALL1731 for ``endpoint`` ("dfs" or "os"), time in years.

    Arms in the order chemotherapy (reference), blinatumomab. No total of events is used
    (the abstract does not give one per arm); ``last_interval`` as in :func:`reconstruct`.
    """
    curves, at_risk, unit = aall1731_inputs(endpoint)
    return reconstruct(curves, at_risk, unit=unit or "years", last_interval=last_interval)


def example(
    name: str, endpoint: str = "dfs", last_interval: str = "guyot", unit: str | None = None
) -> Reconstruction:
    """The shipped example ``name`` (one of :data:`EXAMPLES`) for ``endpoint``.

    ``unit``, when given, must be the example's own time unit (the curves are not rescaled).
    """
    key = str(name).strip().lower()
    if key not in EXAMPLES:
        raise InputError(
            f"example: {name!r} is not a shipped example; choose {', '.join(EXAMPLES)}"
        )
    rec = aall1731(endpoint, last_interval=last_interval)
    if unit is not None and check_unit(unit) != rec.unit:
        raise InputError(f"unit: the {key} curves are in {rec.unit}")
    return rec
