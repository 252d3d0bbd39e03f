"""Load a protocol from TOML; every error names the key and, where it can be found, the line."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from survtrial._errors import InputError
from survtrial.protocol._models import Protocol

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"']+)\s*=")


def _line_index(text: str) -> dict[str, int]:
    """Dotted key path (``a.b[2].c``) to 1-based line, for keys written one to a line."""
    lines: dict[str, int] = {}
    counters: dict[str, int] = {}
    prefix = ""
    for no, line in enumerate(text.splitlines(), start=1):
        m = _HEADER.match(line)
        if m:
            name = m.group(2).replace('"', "").strip()
            if m.group(1) == "[[":
                # an array-of-tables element; its parents may themselves be arrays
                parts = name.split(".")
                path = ""
                for part in parts[:-1]:
                    path = f"{path}.{part}" if path else part
                    if path in counters:
                        path = f"{path}[{counters[path]}]"
                full = f"{path}.{parts[-1]}" if path else parts[-1]
                lines.setdefault(full, no)
                counters[full] = counters.get(full, -1) + 1
                prefix = f"{full}[{counters[full]}]"
                # later headers that nest under this array refer to its latest element
                counters[name] = counters[full]
            else:
                prefix = name
            lines.setdefault(prefix, no)
            continue
        k = _KEY.match(line)
        if k:
            key = k.group(1).strip("\"'")
            lines.setdefault(f"{prefix}.{key}" if prefix else key, no)
    return lines


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _find_line(index: dict[str, int], key: str) -> int | None:
    k = key
    while k:
        if k in index:
            return index[k]
        cut = max(k.rfind("."), k.rfind("["))
        if cut <= 0:
            break
        k = k[:cut]
    return None


def _message(err: dict[str, Any]) -> tuple[str, str]:
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    key = _dotted(loc)
    if msg.startswith("@"):
        sub, _, rest = msg[1:].partition(": ")
        sub = sub.strip()
        if sub.startswith(("outcomes.", "randomization.", "analysis.", "monitoring.")) and (
            not key
        ):
            key = sub
        elif sub:
            key = f"{key}.{sub}" if key and not sub.startswith("[") else f"{key}{sub}"
            key = key.lstrip(".")
        msg = rest
    if err.get("type") == "missing":
        msg = "missing (required)"
    elif err.get("type") == "extra_forbidden":
        msg = "unknown key (not part of the protocol schema; check its spelling)"
    return key, msg


def parse_protocol(text: str, source: str = "<protocol>") -> Protocol:
    """Validate protocol TOML text; raise :class:`InputError` naming the key and line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{source}: not valid TOML: {exc}") from None
    try:
        return Protocol.model_validate(data)
    except ValidationError as exc:
        index = _line_index(text)
        errors = sorted(exc.errors(), key=lambda e: e.get("type") != "extra_forbidden")
        err = errors[0]
        key, msg = _message(err)
        line = _find_line(index, key)
        where = f"{source} line {line}" if line else source
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise InputError(f"{where}: {key}: {msg}{more}") from None


def load_protocol(path: str | Path) -> Protocol:
    """Read and validate a protocol file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"protocol: cannot read {str(p)!r}: {exc.strerror}") from None
    return parse_protocol(text, p.name)


def builtin_protocols() -> dict[str, str]:
    """Built-in protocol names mapped to their titles."""
    out = {}
    root = resources.files("survtrial.protocol.builtin")
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            out[entry.name[:-5]] = str(data.get("trial", {}).get("title", ""))
    return out


def builtin_text(name: str) -> str:
    """The TOML text of a built-in protocol."""
    known = builtin_protocols()
    if name not in known:
        raise InputError(
            f"protocol: {name!r} is not a built-in protocol; choose one of {', '.join(known)}"
        )
    path = resources.files("survtrial.protocol.builtin") / f"{name}.toml"
    return path.read_text(encoding="utf-8")


def load_builtin(name: str) -> Protocol:
    """Load a built-in protocol by name (e.g. ``"aall1731"``)."""
    return parse_protocol(builtin_text(name), f"{name}.toml")


def builtin_data_path(name: str, relative: str):
    """A data file shipped with a built-in protocol (a ``Traversable``)."""
    return resources.files("survtrial.protocol.builtin") / "data" / name / relative
