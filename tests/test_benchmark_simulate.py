"""benchmarks/simulate.py's table: ratios read as numbers (a ratio of 1,000 once printed as
"1e+03x")."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "simulate.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_simulate", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ratios_print_without_exponents():
    times = _bench().times
    assert times(1000.6194517304878) == "1,001x"
    assert times(731.27) == "731x"
    assert times(11.423895721239797) == "11.4x"
    assert times(99.96) == "100x"
    assert times(None) == "-"
