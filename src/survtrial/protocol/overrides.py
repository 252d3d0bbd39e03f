"""Change keys of a protocol and validate it again (sensitivity runs, ``--vary KEY=V1,V2``).

A key is dotted, with list indices: ``monitoring.planned_events``, ``outcomes.hazards[3].per_year``.
An override changes that key only. A final look without its own ``events`` is at
``monitoring.planned_events`` (see :class:`survtrial.protocol._models.Look`), so varying the
planned events moves the final look and leaves every interim look where the protocol put it.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Mapping
from typing import Any

from survtrial._errors import InputError
from survtrial.protocol._load import validate_data
from survtrial.protocol._models import Protocol

_KEY = re.compile(r"[A-Za-z_][\w-]*(?:\[\d+\])*(?:\.[A-Za-z_][\w-]*(?:\[\d+\])*)*")
_PART = re.compile(r"[^.\[\]]+|\[\d+\]")


def _toml_value(text: str) -> Any:
    """A value written as in TOML (``110``, ``0.02``, ``2024-06-30``, ``[1, 2]``); else the text."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)


def parse_vary(spec: str) -> tuple[str, list[Any]]:
    """``"KEY=V1,V2"`` -> ``(KEY, [V1, V2])``; values are read as TOML, bare words as text.

    ``monitoring.planned_events=80,110`` gives ``[80, 110]``; a value may be a TOML array
    (``outcomes.hazards[0].per_year=[0.1, 0.2],[0.2, 0.3]``).
    """
    if "=" not in spec:
        raise InputError(
            f"--vary: {spec!r}: write KEY=V1,V2 (e.g. monitoring.planned_events=80,110)"
        )
    key, _, vals = spec.partition("=")
    key = key.strip()
    if not _KEY.fullmatch(key):
        raise InputError(
            f"--vary: {key!r} is not a protocol key (write it dotted, e.g. "
            "monitoring.planned_events or outcomes.hazards[0].per_year)"
        )
    try:
        values = list(tomllib.loads(f"v = [{vals}]")["v"])
    except tomllib.TOMLDecodeError:
        values = [_toml_value(v.strip()) for v in vals.split(",") if v.strip()]
    if not values:
        raise InputError(f"--vary: {spec!r}: needs at least one value after '='")
    return key, values


def _set_path(data: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` in the parsed TOML; every table and list element on the way must exist."""
    parts = _PART.findall(key)
    cur: Any = data
    where = ""
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part.startswith("["):
            j = int(part[1:-1])
            if not isinstance(cur, list):
                raise InputError(f"override {key}: {where} is not a list")
            if j >= len(cur):
                raise InputError(f"override {key}: {where} has {len(cur)} elements, no {part}")
            if last:
                cur[j] = value
            cur = cur[j]
        else:
            if not isinstance(cur, dict):
                raise InputError(f"override {key}: {where} is not a table")
            if last:
                # a key the file leaves out may be set; the schema refuses unknown names
                cur[part] = value
            elif part not in cur:
                table = f"{where}.{part}" if where else part
                raise InputError(f"override {key}: the protocol has no table {table!r}")
            else:
                cur = cur[part]
        where = f"{where}{part}" if part.startswith("[") or not where else f"{where}.{part}"


def with_overrides(
    text_or_data: str | Mapping[str, Any],
    overrides: Mapping[str, Any],
    source: str = "<protocol>",
) -> Protocol:
    """The protocol (TOML text or parsed TOML) with the given keys changed, validated again.

    Raises :class:`InputError` naming the key: an unknown key or table, or every problem the
    changed protocol has (e.g. an interim look beyond the varied ``planned_events``).
    """
    text: str | None = None
    if isinstance(text_or_data, str):
        text = text_or_data
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{source}: not valid TOML: {exc}") from None
    else:
        data = copy.deepcopy(dict(text_or_data))
    for key, value in overrides.items():
        if not _KEY.fullmatch(key):
            raise InputError(f"override {key!r}: not a protocol key")
        _set_path(data, key, value)
    label = ", ".join(f"{k} = {_shown(v)}" for k, v in overrides.items())
    try:
        return validate_data(data, source, text)
    except InputError as exc:
        raise InputError(f"override {label}: {exc}") from None


def with_override(
    text_or_data: str | Mapping[str, Any], key: str, value: Any, source: str = "<protocol>"
) -> Protocol:
    """The protocol with one key changed (that key only), validated again."""
    return with_overrides(text_or_data, {key: value}, source)
