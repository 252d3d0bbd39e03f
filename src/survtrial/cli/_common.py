"""What every command shares: user errors as one line with exit status 2, the console, and the
command line that regenerates a result."""

from __future__ import annotations

import contextlib
import functools
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer
import typer.core

from survtrial._errors import InputError


def fail(message: str) -> None:
    """Print a user error on one line and exit with status 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def option_message(exc: InputError, option_names: dict[str, str]) -> str:
    """The error with the library's argument name shown as the user's option:
    ``alpha: ...`` -> ``--alpha (alpha): ...``."""
    message = str(exc)
    name, sep, rest = message.partition(":")
    if sep and name in option_names:
        return f"{option_names[name]} ({name}):{rest}"
    return message


def user_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``command``; an :class:`InputError` becomes ``error: ...`` on stderr and exit 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InputError as exc:
            fail(str(exc))

    return wrapper


def console(min_width: int = 110):
    """A rich console at least ``min_width`` columns wide (tables stay readable in narrow
    terminals)."""
    from rich.console import Console

    return Console(width=max(Console().width, min_width))


@contextlib.contextmanager
def progress_bar(what: str = "simulating trials") -> Iterator[Callable[[int, int], None]]:
    """A transient rich progress bar (done/total and time left) on a terminal; yields
    ``update(done, total)``. Elsewhere (output to a file or pipe) none: rich would only leave
    an empty line there."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn(what),
        BarColumn(),
        TextColumn("{task.fields[count]}"),
        TimeRemainingColumn(),
        transient=True,
        disable=not Console().is_terminal,
    ) as bar:
        task = bar.add_task(what, total=None, count="starting")  # until the first result

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, count=f"{done:,}/{total:,}")

        yield update


def command_line(ctx: typer.Context) -> str:
    """The running command as typed: its name and every option that differs from its default,
    read from the command's context (so a new option needs no change here)."""
    words = [ctx.command_path]
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if value is None or value == param.default or param.name == "help":
            continue
        if param.param_type_name == "argument":
            words += [str(v) for v in (value if isinstance(value, list | tuple) else [value])]
            continue
        flag = max(param.opts, key=len)
        if getattr(param, "is_flag", False):
            words.append(flag if value else (param.secondary_opts or [flag])[0])
        elif isinstance(value, list | tuple):
            for v in value:
                words += [flag, str(v)]
        else:
            words += [flag, str(value)]
    return " ".join(shlex.quote(w) for w in words)


class PlainHelpCommand(typer.core.TyperCommand):
    """A command whose help reads like a classic Unix tool's: ``NAME`` for an argument (no
    braces, no ``<str>``) and ``--out DIR`` / ``--level FLOAT`` for an option's value."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if param.param_type_name == "argument":
                if param.metavar is None:
                    param.metavar = param.name.upper()
                param.__class__ = _PlainArgument
            elif param.metavar is None and not getattr(param, "is_flag", False):
                param.metavar = _value_name(param)


_VALUE_NAMES = {"str": "TEXT", "int": "INTEGER", "float": "FLOAT", "path": "PATH"}


def _value_name(param: Any) -> str:
    """TEXT, INTEGER, FLOAT or PATH, from the option's type (Click's classic names)."""
    if hasattr(param, "bare_type"):  # Typer >= 0.2x keeps its own type descriptor
        name = param.bare_type().removeprefix("list[").removesuffix("]")
    else:
        name = getattr(getattr(param, "type", None), "name", "value")
    return _VALUE_NAMES.get(name.lower(), name.upper())


class _PlainArgument(typer.core.TyperArgument):
    def display_type_rich(self, ctx: Any) -> None:
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")


def protocol_text(name_or_path: str, builtin_only: bool = False) -> tuple[str, str, str]:
    """(TOML text, source label, name for the outputs)."""
    from survtrial.protocol import builtin_protocols, builtin_text

    known = builtin_protocols()
    if name_or_path in known:
        return builtin_text(name_or_path), f"{name_or_path}.toml", name_or_path
    if builtin_only:
        raise InputError(
            f"protocol: {name_or_path!r} is not a built-in protocol; choose one of "
            f"{', '.join(known)} (or use `survtrial run FILE.toml`)"
        )
    path = Path(name_or_path)
    if not path.is_file():
        raise InputError(
            f"protocol: {name_or_path!r} is neither a built-in protocol "
            f"({', '.join(known)}) nor a file"
        )
    try:
        return path.read_text(encoding="utf-8"), path.name, path.name
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"protocol: cannot read {path}: {exc}") from None
