"""Compiled kernels on the CPU (numba): one switch and one decorator for every kernel module.

The simulation's hot steps (enrolment, permuted blocks, outcomes, the looks' log-rank) have a
numba kernel beside their array code. The array code runs on the GPU (CuPy) and is the
reference: each kernel is tested equal to it bit for bit on the CPU (the same formulas in the
same order). :data:`ENABLED` False runs the array code on the CPU too (tests set it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ENABLED = True


def kernel(fn: Callable[..., Any]) -> Any:
    """``numba.njit(cache=True, nogil=True)`` (one thread: the simulation's workers are
    processes). Compiled on first use and cached in ``__pycache__`` or numba's user cache;
    where neither is writable numba refuses ``cache=True`` with a RuntimeError, and the kernel
    is then compiled in each process, uncached."""
    import numba

    try:
        return numba.njit(cache=True, nogil=True)(fn)
    except RuntimeError:
        return numba.njit(nogil=True)(fn)
