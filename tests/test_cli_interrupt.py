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


# a Ctrl-C while the chunks run: the consumer of chunk 1 presses it, then goes on working
INTERRUPTED_WHILE_CONSUMING = """
import os, signal, sys
from survtrial.trial.executor import map_chunks

log = []

def consume(i, result):
    if i == 1:
        os.kill(os.getpid(), signal.SIGINT)
        log.append("after the press")  # reached: the interrupt waits for the chunk's end
    log.append(i)

workers = int(sys.argv[1])
try:
    map_chunks(abs, [(i,) for i in range(40)], [1] * 40, workers=workers, consume=consume)
except KeyboardInterrupt:
    print(log[:3], signal.getsignal(signal.SIGINT) is signal.default_int_handler)
"""


def test_a_ctrl_c_while_chunks_run_is_raised_between_chunks():
    """map_chunks holds Ctrl-C and raises it once the chunk being taken is done (never inside
    the consumer, which may be importing a module or building a dataclass: a KeyboardInterrupt
    there can come out as an ImportError with a traceback); Python's own handler is back
    afterwards. In this process and with worker processes."""
    for workers in ("1", "2"):
        proc = subprocess.run(
            [sys.executable, "-c", INTERRUPTED_WHILE_CONSUMING, workers],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == "[0, 'after the press', 1] True\n", (workers, proc.stdout)


# run() with a command that a Ctrl-C interrupts in two awkward places, under python -m
PROBE = """
import os, signal, sys
import survtrial.cli._app as app_module
from survtrial.cli import run

def in_a_string_exec():  # as when a dataclass is being built
    exec("os.kill(os.getpid(), signal.SIGINT)\\nfor _ in range(10 ** 8): pass")

def in_an_extension_init():  # as a module whose initialisation turns it into ImportError
    try:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(10 ** 8):
            pass
    except KeyboardInterrupt:
        raise ImportError("initialization failed") from None

app_module.run_app = {"exec": in_a_string_exec, "init": in_an_extension_init}[sys.argv[1]]
run()
"""


def test_an_interrupt_anywhere_in_a_command_is_status_130_and_one_line(tmp_path):
    (tmp_path / "ctrl_c_probe.py").write_text(PROBE)
    for where in ("exec", "init"):
        proc = subprocess.run(
            [sys.executable, "-m", "ctrl_c_probe", where], capture_output=True, text=True,
            timeout=300, cwd=tmp_path,
        )  # fmt: skip
        assert proc.returncode == 130, (where, proc.returncode, proc.stderr)  # not -2 (SIGINT)
        assert proc.stderr == "error: interrupted\n", (where, proc.stderr)


# simulate interrupted while its figure is drawn: the JSON is written, replicates.parquet is
# being finished on its own thread
INTERRUPTED_WHILE_DRAWING = """
import sys
import survtrial.report.simulation as simulation
from survtrial.cli import run

def ctrl_c(sim, out_stem):
    assert (out_stem.parent / "operating_characteristics.json").exists()
    raise KeyboardInterrupt

simulation.power_figure = ctrl_c
sys.argv = ["survtrial", "simulate", sys.argv[1], "--replicates", "300", "--workers", "1",
            "--out", sys.argv[2], "--vary", "monitoring.alpha=0.02,0.025,0.05"]
run()
"""


def test_simulate_interrupted_while_writing_leaves_none_of_its_files(tmp_path):
    """A Ctrl-C after the trials, while the outputs are written, leaves none of them (and
    removes the folder this run made), so 'nothing written' is true."""
    from pathlib import Path

    toml = Path(__file__).parent / "reference" / "fixtures" / "simulate" / "of_hr075.toml"
    _interrupted_leaves_nothing(tmp_path, INTERRUPTED_WHILE_DRAWING, str(toml))


def _interrupted_leaves_nothing(tmp_path, program: str, *args: str) -> None:
    """``program`` (its last argument the output folder) into a folder it makes and into one
    holding a file of the user's: status 130, one line, and nothing of its own left."""
    made, kept = tmp_path / "made", tmp_path / "kept"
    kept.mkdir()
    (kept / "notes.txt").write_text("the user's")
    for out in (made, kept):
        proc = subprocess.run(
            [sys.executable, "-c", program, *args, str(out)],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert proc.returncode == 130, proc.stderr
        assert proc.stderr.startswith("error: interrupted"), proc.stderr
    assert not made.exists()
    assert [p.name for p in kept.iterdir()] == ["notes.txt"]


# reproduce interrupted while writing the ADaM data sets, after its JSON, figures and report
INTERRUPTED_WHILE_WRITING_ADAM = """
import sys
import survtrial.io.adam as adam
from survtrial.cli import run

def ctrl_c(*args, **kwargs):
    raise KeyboardInterrupt

adam.write_adam = ctrl_c
sys.argv = ["survtrial", "reproduce", "aall1731", "--replicates", "20", "--workers", "1",
            "--no-report", "--out", sys.argv[1]]
run()
"""


def test_reproduce_interrupted_while_writing_leaves_none_of_its_files(tmp_path):
    """The files a reproduction had written when a Ctrl-C came are removed (the folder too if
    the run made it; a file that was there before stays), so 'nothing written' is true."""
    _interrupted_leaves_nothing(tmp_path, INTERRUPTED_WHILE_WRITING_ADAM)
