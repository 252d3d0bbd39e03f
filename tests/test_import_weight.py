"""What the simulation's worker processes import: the trial steps and the batch kernels, not
pandas or the full analysis (loaded on first use, PEP 562 in survtrial.analysis; pandas inside
the functions of stats._validate and trial.cut that need it). Each worker imports this at
start, so pandas would add about 0.3 s to every run (docs/performance.md)."""

from __future__ import annotations

import subprocess
import sys


def test_simulation_workers_do_not_import_pandas():
    code = (
        "import sys, survtrial.simulate.chunk, survtrial.trial.engine; "
        "print(sorted(m for m in ('pandas', 'survtrial.analysis.run') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_the_analysis_names_still_load():
    import survtrial.analysis as analysis

    assert callable(analysis.analyse) and analysis.DEFAULT_CONF_TYPE in analysis.CONF_TYPES
    assert {"analyse", "AnalysisResult"} <= set(dir(analysis))


def test_a_worker_running_a_chunk_does_not_load_scipy_linalg():
    """numba's BLAS probe finds a placeholder while its array functions load (survtrial.
    _compiled._import_numba), so a chunk on the compiled kernels runs without scipy.linalg
    (0.17-0.28 s of each worker's start-up); the placeholder is gone afterwards, and a kernel
    that does use BLAS still compiles and gives numpy's answer."""
    code = "\n".join([
        "import sys",
        "from survtrial.protocol import load_builtin",
        "from survtrial.simulate.chunk import chunk_looks",
        "raw = chunk_looks(load_builtin('two_arm_example'), 1, 0, 1, 64)",
        "print(sorted(raw.looks.z.shape), 'scipy.linalg' in sys.modules,",
        "      'scipy.linalg.cython_blas' in sys.modules)",
        "import numba, numpy as np",
        "dot = numba.njit(lambda a, b: np.dot(a, b))",
        "a = np.arange(6.0).reshape(2, 3)",
        "print(np.array_equal(dot(a, a.T), a @ a.T), 'scipy.linalg' in sys.modules)",
    ])  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, second = out.stdout.strip().splitlines()
    assert first.endswith("False False"), out.stdout  # ran, without scipy.linalg
    assert second == "True True", out.stdout  # BLAS loads for real where a kernel needs it
