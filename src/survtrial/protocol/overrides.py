"""Protocol overrides for sensitivity runs (``--vary KEY=V1,V2``). TEMPORARY: replaced by the
protocol helper's version at merge."""

from __future__ import annotations

import copy
import re
import tomllib
from typing import Any

from survtrial._errors import InputError


def _parse_value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _set_path(data: dict, key: str, value: Any) -> None:
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", key)
    cur: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part.startswith("["):
            j = int(part[1:-1])
            if not isinstance(cur, list) or j >= len(cur):
                raise InputError(f"--vary: {key!r}: no element {part} in the protocol")
            if last:
                cur[j] = value
            else:
                cur = cur[j]
        else:
            if not isinstance(cur, dict) or (part not in cur and not last):
                raise InputError(f"--vary: {key!r}: the protocol has no key {part!r}")
            if last:
                if part not in cur:
                    raise InputError(f"--vary: {key!r}: the protocol has no key {part!r}")
                cur[part] = value
            else:
                cur = cur[part]


def parse_vary(spec: str) -> tuple[str, list[Any]]:
    if "=" not in spec:
        raise InputError(
            f"--vary: {spec!r}: write KEY=V1,V2 (e.g. monitoring.planned_events=80,110)"
        )
    key, _, vals = spec.partition("=")
    values = [_parse_value(v.strip()) for v in vals.split(",") if v.strip()]
    if not key.strip() or not values:
        raise InputError(f"--vary: {spec!r}: needs a key and at least one value")
    return key.strip(), values


def with_override(text: str, source: str, key: str, value: Any):
    """The protocol with one key changed (validated again)."""
    from pydantic import ValidationError

    from survtrial.protocol._models import Protocol

    data = tomllib.loads(text)
    data = copy.deepcopy(data)
    _set_path(data, key, value)
    # keep the final look in step with the planned events when those are varied
    if key == "monitoring.planned_events":
        for look in data["monitoring"]["looks"]:
            if "events" in look:
                look["events"] = value
    try:
        return Protocol.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(f"--vary {key}={value!r}: {err['msg']}") from None
