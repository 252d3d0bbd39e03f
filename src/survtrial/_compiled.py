"""Compiled kernels on the CPU (numba): one switch and one decorator for every kernel module.

The simulation's hot steps (enrolment, permuted blocks, outcomes, the looks' log-rank) have a
numba kernel beside their array code. The array code runs on the GPU (CuPy) and is the
reference: each kernel is tested equal to it bit for bit on the CPU (the same formulas in the
same order). :data:`ENABLED` False runs the array code on the CPU too (tests set it).
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable
from typing import Any

ENABLED = True
# numba's BLAS probe imports this module, which loads all of scipy.linalg
_BLAS_PROBE = "scipy.linalg.cython_blas"


def _import_numba() -> Any:
    """``numba``, with its array functions (``numba.np.arraymath``, loaded with the first
    kernel) imported without loading scipy.linalg.

    numba.np.arraymath checks at import that BLAS is there by importing
    scipy.linalg.cython_blas, which loads the whole of scipy.linalg: 0.17-0.28 s of CPU, a
    quarter of a simulation worker's start-up (measured, docs/performance.md). No kernel here
    calls BLAS or LAPACK (``np.dot``, ``np.linalg``), so the probe finds a placeholder module
    for the length of that import and the placeholder is removed after it: a later kernel
    that did need BLAS would import scipy.linalg as usual. Where scipy.linalg is loaded
    already, or the import fails with the placeholder, numba is imported as usual."""
    import numba

    if "numba.np.arraymath" in sys.modules or "scipy.linalg" in sys.modules:
        return numba
    placeholder = types.ModuleType(_BLAS_PROBE)
    sys.modules.setdefault(_BLAS_PROBE, placeholder)
    try:
        importlib.import_module("numba.np.arraymath")
    except Exception:  # a numba that reads the placeholder: imported for real below
        pass
    finally:
        if sys.modules.get(_BLAS_PROBE) is placeholder:
            del sys.modules[_BLAS_PROBE]
    importlib.import_module("numba.np.arraymath")  # a no-op where it worked above
    return numba


def kernel(fn: Callable[..., Any]) -> Any:
    """``numba.njit(cache=True, nogil=True)`` (one thread: the simulation's workers are
    processes). Compiled on first use and cached in ``__pycache__`` or numba's user cache;
    where neither is writable numba refuses ``cache=True`` with a RuntimeError, and the kernel
    is then compiled in each process, uncached."""
    numba = _import_numba()

    try:
        return numba.njit(cache=True, nogil=True)(fn)
    except RuntimeError:
        return numba.njit(nogil=True)(fn)
