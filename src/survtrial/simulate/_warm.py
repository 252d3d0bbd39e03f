"""Imported by the worker server (:func:`survtrial.trial.executor.start_worker_server`):
loads the simulation's modules and runs one replicate of a built-in protocol, so that the
compiled kernels are loaded (or compiled, the first time on a machine, and cached) once in the
server, and every worker forks with them ready. Never raises: a failure here only means the
workers load the kernels themselves."""

from __future__ import annotations

try:
    from survtrial.protocol import load_builtin
    from survtrial.simulate.chunk import simulate_chunk

    simulate_chunk(load_builtin("two_arm_example"), 0, 0, 1, 1)
except Exception:
    pass
