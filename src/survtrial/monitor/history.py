"""Earlier looks from the ``monitoring.json`` files they wrote (``survtrial monitor --history``).

Each file lists every look up to its own (``looks``: name, events, z) and the design it was
monitored under (``design``); a history must come from the same design and the same arms.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from survtrial._errors import InputError
from survtrial.monitor.look import Look
from survtrial.monitor.plan import MonitoringPlan


def _looks(data: dict[str, Any], where: str) -> list[Look]:
    rows = data.get("looks")
    if not isinstance(rows, list) or not rows:
        raise InputError(f"{where}: no 'looks' list; give a monitoring.json that survtrial wrote")
    out = []
    for i, row in enumerate(rows):
        ok = isinstance(row, dict) and isinstance(row.get("look"), str)
        events, z = (row.get("events"), row.get("z")) if ok else (None, None)
        ok = ok and type(events) is int and events > 0
        ok = ok and isinstance(z, int | float) and not isinstance(z, bool) and math.isfinite(z)
        if not ok:
            raise InputError(f"{where}: looks[{i}]: needs 'look' (text), 'events' (a positive "
                             "integer) and 'z' (a number)")
        out.append(Look(name=row["look"], events=events, z=float(z)))
    return out


def _differences(mine: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    return [k for k, v in mine.items() if theirs.get(k) != v]


def history_looks(
    files: Sequence[tuple[str, str]], plan: MonitoringPlan, arms: tuple[str, str]
) -> tuple[Look, ...]:
    """The earlier looks in ``files`` ((name, JSON text) pairs), in order of events.

    A look listed in several files (each file repeats the looks before it) is kept once; the
    same look with other events or another z, a file from another design or other arms, is an
    error.
    """
    key = plan.design_key()
    seen: dict[str, Look] = {}
    for name, text in files:
        where = f"--history {name}"
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not JSON (line {exc.lineno}: {exc.msg})") from None
        if not isinstance(data, dict) or not isinstance(data.get("design"), dict):
            raise InputError(f"{where}: not a monitoring.json written by survtrial monitor "
                             "(it has no 'design')")  # fmt: skip
        diff = _differences(key, data["design"])
        if diff:
            verb = "differs" if len(diff) == 1 else "differ"
            raise InputError(
                f"{where}: from a different design ({', '.join(diff)} {verb} from "
                f"{plan.source}); a history must come from the same design"
            )
        theirs = data.get("arms")
        theirs = (theirs.get("control"), theirs.get("experimental")) if isinstance(
            theirs, dict) else None
        if theirs != arms:
            raise InputError(
                f"{where}: arms {theirs} do not match this look's arms {arms} "
                "(control, experimental)"
            )
        for look in _looks(data, where):
            old = seen.get(look.name)
            if old is not None and old != look:
                raise InputError(
                    f"{where}: look {look.name!r} has {look.events} events and z = {look.z} "
                    f"but another history file gives {old.events} and z = {old.z}"
                )
            seen[look.name] = look
    return tuple(sorted(seen.values(), key=lambda lk: lk.events))


def read_history(paths: Sequence[Path], plan: MonitoringPlan, arms: tuple[str, str]):
    """:func:`history_looks` of the files at ``paths``."""
    files = []
    for p in paths:
        try:
            files.append((str(p), Path(p).read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"--history: cannot read {p}: {exc}") from None
    return history_looks(files, plan, arms)


__all__ = ["history_looks", "read_history"]
