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
