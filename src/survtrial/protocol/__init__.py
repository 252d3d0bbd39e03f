"""Trial protocols: a declarative TOML description validated by pydantic.

:func:`load_protocol` reads a file, :func:`load_builtin` a protocol shipped with the package
(``survtrial.protocol.builtin``); :func:`with_override` changes one key and validates again.
Errors raise :class:`survtrial.InputError` naming each key and its line.
"""

from survtrial.protocol._load import (
    builtin_data_path,
    builtin_protocols,
    builtin_text,
    load_builtin,
    load_protocol,
    parse_protocol,
    validate_data,
)
from survtrial.protocol._models import Protocol
from survtrial.protocol.overrides import parse_vary, with_override, with_overrides

__all__ = [
    "Protocol",
    "builtin_data_path",
    "builtin_protocols",
    "builtin_text",
    "load_builtin",
    "load_protocol",
    "parse_protocol",
    "parse_vary",
    "validate_data",
    "with_override",
    "with_overrides",
]
