"""Command-line interface (Typer): one module per command; each parses, calls the library and
prints. User errors print one line and exit with status 2; Ctrl-C, at any moment, one line and
status 130.

This module loads nothing heavy, so that :func:`run` is in charge from the start: Typer and
the commands load inside it (:mod:`survtrial.cli._app`), where an interrupt is caught."""

from __future__ import annotations

import sys

from survtrial._processes import HeldInterrupt, release_prestarted
from survtrial.cli._start import INTERRUPTED, prestart_from_argv


def run() -> None:
    """The ``survtrial`` console script: starts ``simulate``'s workers from the raw arguments
    (:func:`~survtrial.cli._start.prestart_from_argv`), then loads and runs the Typer app
    (:func:`survtrial.cli._app.run_app`); workers a wrong guess started are shut down unused,
    and after a Ctrl-C only once they have started (a worker still starting when this process
    ends would print a traceback). An error of any kind after a Ctrl-C is the interrupt (an
    extension module can turn the KeyboardInterrupt raised in its initialisation into an
    ImportError)."""
    ctrl_c = _remember_ctrl_c()
    interrupted = False
    try:
        prestart_from_argv(sys.argv[1:])
        from survtrial.cli._app import run_app  # Typer and the commands: about 0.1 s

        run_app()
    except KeyboardInterrupt:  # before Typer took charge (it handles Ctrl-C in a command)
        interrupted = True
        print("error: interrupted", file=sys.stderr)
        sys.exit(INTERRUPTED)
    except SystemExit as exc:
        interrupted = exc.code == INTERRUPTED
        raise
    except Exception:
        if not ctrl_c.pressed:
            raise
        interrupted = True
        print("error: interrupted", file=sys.stderr)
        sys.exit(INTERRUPTED)
    finally:
        release_prestarted(wait=interrupted)  # none started: nothing to do
        if interrupted:
            # python -m only: a KeyboardInterrupt that ended a string exec (a dataclass being
            # built) leaves a flag in CPython by which Py_RunMain ends the process by SIGINT
            # whatever its exit status; every string exec clears it (run_eval_code_obj)
            exec("None")


def _remember_ctrl_c() -> HeldInterrupt:
    """SIGINT raises KeyboardInterrupt as Python's own handler does, and is remembered
    (``pressed``)."""
    import signal

    state = HeldInterrupt()

    def on_ctrl_c(signum, frame) -> None:
        state.pressed = True
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGINT, on_ctrl_c)
    except ValueError:  # not the main thread (embedded): Python's handler stays
        pass
    return state


def __getattr__(name: str) -> object:
    """``survtrial.cli._app`` (the Typer application, for tests and embedding), loaded on use."""
    if name == "app":
        from survtrial.cli._app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
