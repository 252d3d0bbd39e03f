"""Trial protocols: a declarative TOML description validated by pydantic.

:func:`load_protocol` reads a file, :func:`load_builtin` a protocol shipped with the package
(``survtrial.protocol.builtin``); errors raise :class:`survtrial.InputError` naming the key
and line.
"""

from survtrial.protocol._load import (
    builtin_data_path,
    builtin_protocols,
    builtin_text,
    load_builtin,
    load_protocol,
    parse_protocol,
)
from survtrial.protocol._models import Protocol

__all__ = [
    "Protocol",
    "builtin_data_path",
    "builtin_protocols",
    "builtin_text",
    "load_builtin",
    "load_protocol",
    "parse_protocol",
]
