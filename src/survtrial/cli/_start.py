"""What the command line does before it loads Typer and the commands (standard library only):
the default worker count, the exit status of an interrupted command, and starting
``survtrial simulate``'s worker processes from the raw arguments."""

from __future__ import annotations

import os

DEFAULT_WORKERS = os.cpu_count() or 1  # results do not depend on it
INTERRUPTED = 130  # the exit status of a command stopped by Ctrl-C (128 + SIGINT)
WORKER_MODULES = ("survtrial.simulate.chunk",)  # what simulate's workers import first


def prestart_from_argv(argv: list[str]) -> None:
    """Start ``survtrial simulate``'s local worker processes before the command line is parsed
    (loading Typer and parsing take about 0.15 s, which the workers' start-up then runs
    beside), when ``argv`` (the arguments after the program name) asks for a simulation on
    local CPU workers. Only a guess from the raw arguments: the command uses the pool if its
    parsed options agree, and the pool is shut down unused otherwise
    (:func:`survtrial._processes.release_prestarted`). Any simulation asks for one BLAS thread
    in this process (:func:`survtrial._processes.one_thread_per_process`)."""
    if not argv or argv[0] != "simulate" or "--help" in argv:
        return
    from survtrial._processes import one_thread_per_process, prestart_workers

    one_thread_per_process()  # before numpy loads, here and in the workers' forkserver
    options: dict[str, str] = {}
    for i, arg in enumerate(argv):
        name, eq, value = arg.partition("=")
        if name in ("--workers", "--executor", "--device"):
            options[name] = value if eq else (argv[i + 1] if i + 1 < len(argv) else "")
    if options.get("--executor", "local") != "local" or options.get("--device", "cpu") != "cpu":
        return
    try:
        workers = int(options.get("--workers", DEFAULT_WORKERS))
    except ValueError:
        return  # the parse will say what is wrong
    prestart_workers(workers, WORKER_MODULES)
