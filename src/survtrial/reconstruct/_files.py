"""A published trial from CSV files: one curve file per arm and the numbers-at-risk table.

Matches each curve to its arm of the at-risk table and finds the time unit; the reading is
:mod:`survtrial.reconstruct._read`, the reconstruction :func:`survtrial.reconstruct.reconstruct`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from survtrial._errors import InputError
from survtrial.reconstruct._read import read_at_risk, read_curve
from survtrial.reconstruct._trial import UNITS, Reconstruction, check_unit, reconstruct

PathLike = str | os.PathLike[str]


def reconstruct_files(
    curves: Mapping[str, PathLike],
    at_risk: PathLike,
    total_events: Mapping[str, int] | None = None,
    *,
    endpoint: str | None = None,
    unit: str | None = None,
    last_interval: str = "guyot",
) -> Reconstruction:
    """Rebuild pseudo-IPD for every arm from CSV files (Guyot et al. 2012).

    Parameters
    ----------
    curves : mapping arm -> path
        Each arm's digitized curve (see :func:`read_curve`); the arms keep this order.
    at_risk : path
        The numbers-at-risk table, long or wide (see :func:`read_at_risk`); its arms must be
        exactly the arms of ``curves``.
    total_events : mapping arm -> int, optional
        Published total events, for the arms where it is known.
    endpoint : str, optional
        The rows of this endpoint, when the at-risk table has an endpoint column.
    unit : {"days", "weeks", "months", "years"}, optional
        Time unit of the files; default: from the name of the at-risk table's time column
        (``year``, ``months``, ...), which must then say it.
    last_interval : {"guyot", "to-end"}
        Censoring rule after the last at-risk time (see :func:`reconstruct_arm`).
    """
    if not curves:
        raise InputError("curves: give at least one arm and its curve file")
    points = {arm: read_curve(path, str(path)) for arm, path in curves.items()}
    name = str(at_risk)
    table, file_unit = read_at_risk(at_risk, name, endpoint=endpoint)
    for arm in table:
        if arm not in points:
            raise InputError(
                f"{name}: arm {arm!r} in the at-risk table has no curve "
                f"(curves: {', '.join(points)}); name each curve's arm as in the table"
            )
    for arm, path in curves.items():
        if arm not in table:
            raise InputError(
                f"curves: arm {arm!r} ({path}) is not in {name} (its arms: {', '.join(table)})"
            )
    if unit is None:
        if file_unit is None:
            raise InputError(
                f"unit: {name} does not say the time unit (its time column is plain 'time'); "
                f"give it: {', '.join(UNITS)}"
            )
        unit = file_unit
    return reconstruct(
        points,
        {arm: table[arm] for arm in points},
        total_events,
        unit=check_unit(unit),
        last_interval=last_interval,
    )


__all__ = ["reconstruct_files"]
