"""Ctrl-C at any moment of a command ends it with one line and exit status 130, no traceback:
also while the command line is still loading Typer and the commands, before Typer can catch
it (``survtrial.cli`` itself loads nothing heavy, so ``run`` is in charge from the start)."""

import subprocess
import sys

# a fresh interpreter in which importing Typer is interrupted, as by a Ctrl-C at that moment
INTERRUPTED_WHILE_LOADING = """
import sys

class CtrlC:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == "typer":
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, CtrlC)
sys.argv = ["survtrial", "protocols"]
from survtrial.cli import run

run()
"""


def _python(program: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=300
    )


def test_interrupt_while_loading_is_one_line_and_status_130():
    proc = _python(INTERRUPTED_WHILE_LOADING)
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr == "error: interrupted\n"
    assert proc.stdout == ""


def test_the_console_script_module_loads_nothing_heavy():
    proc = _python(
        "import sys\nimport survtrial.cli\n"
        "print(sorted(m for m in ('typer', 'numpy', 'pydantic') if m in sys.modules))"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_the_typer_app_is_still_importable_from_survtrial_cli():
    from survtrial.cli import app
    from survtrial.cli._app import app as the_app

    assert app is the_app


# a Ctrl-C while simulate's worker pool is being started
INTERRUPTED_WHILE_STARTING_WORKERS = """
import os, signal
import survtrial._processes as processes

real = processes.new_pool

def interrupted_pool(*args):
    os.kill(os.getpid(), signal.SIGINT)
    return real(*args)

processes.new_pool = interrupted_pool
try:
    processes.prestart_workers(2)
except KeyboardInterrupt:
    print("interrupted once the pool was kept:", list(processes.PRESTARTED))
    processes.release_prestarted(wait=True)
"""


def test_interrupt_while_workers_start_waits_for_them_and_prints_nothing():
    """The interrupt is held until the pool is kept, so the pool is shut down once its workers
    have started: none of them is left starting for a parent that has gone (which would print
    a traceback from the worker)."""
    proc = _python(INTERRUPTED_WHILE_STARTING_WORKERS)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "interrupted once the pool was kept: [2]\n"
    assert proc.stderr == ""
