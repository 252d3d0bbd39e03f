"""The Typer application: every command (one module each: parse, call the library, print) and
:func:`run_app`, which turns user errors into one line on stderr and exit status 2."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from survtrial import __version__
from survtrial._errors import InputError
from survtrial.cli._common import PlainHelpCommand
from survtrial.cli._start import INTERRUPTED
from survtrial.cli.analyze import analyze_command
from survtrial.cli.design import design
from survtrial.cli.monitor import monitor_command
from survtrial.cli.reconstruct import reconstruct_command
from survtrial.cli.reproduce import protocols_command, reproduce_command, run_command
from survtrial.cli.simulate import simulate_command

app = typer.Typer(
    name="survtrial",
    help="Design, simulate, monitor and analyse randomized time-to-event clinical trials.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
)
app.command("design", cls=PlainHelpCommand)(design)
app.command("reproduce", cls=PlainHelpCommand)(reproduce_command)
app.command("run", cls=PlainHelpCommand)(run_command)
app.command("protocols", cls=PlainHelpCommand)(protocols_command)
app.command("reconstruct", cls=PlainHelpCommand)(reconstruct_command)
app.command("analyze", cls=PlainHelpCommand)(analyze_command)
app.command("simulate", cls=PlainHelpCommand)(simulate_command)
app.command("monitor", cls=PlainHelpCommand)(monitor_command)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"survtrial {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """survtrial: randomized time-to-event trials, with R's numbers."""


def _is(exc: BaseException, name: str) -> bool:
    """Click's exception classes by name: Typer >= 0.23 vendors Click, older Typer uses it."""
    return any(cls.__name__ == name for cls in type(exc).__mro__)


def run_app() -> None:
    """Run the command line ``sys.argv`` asks for: every user error is one line on stderr,
    exit 2. Click's usage errors (an unknown option, a missing argument, a value of the wrong
    type) would otherwise print a framed multi-line panel."""
    try:
        code = app(standalone_mode=False)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except Exception as exc:
        if _is(exc, "NoArgsIsHelpError"):  # no command given: show the help
            ctx = getattr(exc, "ctx", None)
            if ctx is not None:
                print(ctx.get_help())
            sys.exit(2)
        if _is(exc, "UsageError"):
            ctx = getattr(exc, "ctx", None)
            command = ctx.command_path if ctx is not None else "survtrial"
            print(f"error: {exc.format_message()} (see '{command} --help')", file=sys.stderr)
            sys.exit(2)
        if _is(exc, "Abort"):
            print("error: interrupted", file=sys.stderr)
            sys.exit(INTERRUPTED)
        raise
    if code == INTERRUPTED:  # Typer turns Ctrl-C into exit status 130
        print("error: interrupted: stopped cleanly, nothing written", file=sys.stderr)
    sys.exit(code if type(code) is int else 0)
