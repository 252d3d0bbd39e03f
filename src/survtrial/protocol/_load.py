"""Load a protocol from TOML; every error names the key and, where it can be found, the line."""

from __future__ import annotations

import difflib
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


MAX_PROBLEMS = 20  # a refusal lists at most this many problems, then "... and N more"


def _toml_repr(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _problems(err: dict[str, Any]) -> list[tuple[str, str]]:
    """(dotted key, message) for one pydantic error; a cross-field error may hold several."""
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    base = _dotted(loc)
    msg = str(err["msg"]).removeprefix("Value error, ")
    if msg.startswith("Input should"):  # pydantic's wording, in the style of the other messages
        msg = "i" + msg[1:]
    kind = str(err.get("type", ""))
    if kind == "missing":
        return [(base, "missing (required)")]
    if kind == "extra_forbidden":
        return [(base, "unknown key (not part of the protocol schema; check its spelling)")]
    if kind.endswith("_type") or kind in ("literal_error", "int_from_float"):
        got = err.get("input")
        if kind != "string_type" and isinstance(got, str):
            msg += f", got {got!r} (a quoted string: write numbers, true/false and dates "
            msg += "without quotes)"
        elif not isinstance(got, dict | list):
            msg += f", got {_toml_repr(got)}"
        return [(base, msg)]
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return [(base, f"{msg}, got {_toml_repr(err.get('input'))}")]
    if not msg.startswith("@"):
        return [(base, msg)]
    out = []
    for line in msg.split("\n"):
        sub, _, rest = line.removeprefix("@").partition(": ")
        sub = sub.strip()
        if not sub:
            key = base
        elif not base:
            key = sub
        else:
            key = f"{base}{sub}" if sub.startswith("[") else f"{base}.{sub}"
        out.append((key, rest))
    return out


def _merge_misspelt(errors: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Every problem as (key, message); a misspelt key is one problem, not two.

    An unknown key next to a missing required key of a close spelling (``rate_per_mnth`` for
    ``rate_per_month``) is reported once, at the unknown key, with the suggestion.
    """
    missing = {tuple(e["loc"]): e for e in errors if e.get("type") == "missing" and e.get("loc")}
    used: set[tuple[Any, ...]] = set()
    out: list[tuple[str, str]] = []
    for err in errors:
        loc = tuple(err["loc"])
        if err.get("type") == "extra_forbidden" and loc and isinstance(loc[-1], str):
            names = [m[-1] for m in missing if m[:-1] == loc[:-1] and m not in used]
            close = difflib.get_close_matches(loc[-1], [str(n) for n in names], n=1, cutoff=0.6)
            if close:
                used.add((*loc[:-1], close[0]))
                msg = f"unknown key: did you mean {close[0]!r}? (it is required and missing)"
                out.append((_dotted(loc), msg))
                continue
        out.extend(_problems(err))
    return [
        (k, m)
        for k, m in out
        if not (m == "missing (required)" and any(_dotted(u) == k for u in used))
    ]


def validate_data(data: Any, source: str = "<protocol>", text: str | None = None) -> Protocol:
    """Validate parsed protocol data; raise :class:`InputError` listing every problem.

    ``text``, the TOML the data came from, gives each problem its line. One problem reads
    ``SOURCE line N: KEY: MESSAGE``; several read ``protocol SOURCE: K problems`` followed by one
    indented line ``line N: KEY: MESSAGE`` per problem, in file order, at most
    :data:`MAX_PROBLEMS` of them.
    """
    try:
        return Protocol.model_validate(data)
    except ValidationError as exc:
        index = _line_index(text) if text is not None else {}
        found: list[tuple[int | None, str, str]] = []
        for key, msg in _merge_misspelt(exc.errors()):
            item = (_find_line(index, key), key, msg)
            if item not in found:
                found.append(item)
        found.sort(key=lambda f: f[0] if f[0] is not None else 1 << 30)  # stable: file order
        if len(found) == 1:
            line, key, msg = found[0]
            where = f"{source} line {line}" if line else source
            raise InputError(f"{where}: {key}: {msg}") from None
        lines = [f"protocol {source}: {len(found)} problems"]
        for line, key, msg in found[:MAX_PROBLEMS]:
            lines.append(f"  line {line}: {key}: {msg}" if line else f"  {key}: {msg}")
        if len(found) > MAX_PROBLEMS:
            lines.append(f"  ... and {len(found) - MAX_PROBLEMS} more")
        raise InputError("\n".join(lines)) from None


def parse_protocol(text: str, source: str = "<protocol>") -> Protocol:
    """Validate protocol TOML text; raise :class:`InputError` naming each key and line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{source}: not valid TOML: {exc}") from None
    return validate_data(data, source, text)


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
