"""`survtrial simulate --device` (issue 12) on any machine: the one-line errors without a GPU or
CuPy, the array helpers' numpy forms, and the GPU driver's chunking (run here with numpy arrays
through a stand-in backend): chunk sizes from free memory change no number. The same checks on
a real GPU are in tests/test_gpu.py, which skips without one."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest
from typer.testing import CliRunner

from survtrial import _compiled, arrays
from survtrial._errors import InputError
from survtrial.cli import app
from survtrial.protocol import builtin_text
from survtrial.simulate import run as sim_run
from survtrial.simulate import simulate
from survtrial.simulate.chunk import ChunkResult
from tests.fake_cupy import NumpyGPU

runner = CliRunner()
TWO_ARM = builtin_text("two_arm_example")


@pytest.fixture
def no_cupy(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # import cupy -> ImportError


def test_gpu_without_cupy_is_a_one_line_error(no_cupy):
    with pytest.raises(InputError, match=r"--device gpu: CuPy is not installed"):
        arrays.backend("gpu")
    res = runner.invoke(app, ["simulate", "two_arm_example", "--device", "gpu", "--out", "x"])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert lines == [lines[0]] and lines[0].startswith("error: --device gpu: CuPy")


def test_unknown_device_is_refused():
    with pytest.raises(InputError, match=r"--device: 'tpu' is not one of cpu, gpu"):
        arrays.backend("tpu")


def test_numpy_forms_of_the_array_helpers():
    rng = np.random.default_rng(4)
    seg = np.sort(rng.integers(0, 7, 200))
    v = rng.normal(size=200)
    np.testing.assert_array_equal(arrays.segment_sum(seg, v, 9), np.bincount(seg, v, 9))
    a = rng.normal(size=(5, 3))
    np.testing.assert_array_equal(arrays.row_sum(a), a.sum(axis=1))
    keys = rng.integers(0, 4, 50)
    np.testing.assert_array_equal(
        arrays.stable_argsort(keys), np.argsort(keys, kind="stable")
    )
    assert arrays.namespace(a) is np
    assert arrays.to_host(a) is a


def _stand_in(monkeypatch):
    fake = NumpyGPU("gpu", np, 32)  # blocks of 32 replicates, 5 fit in memory
    monkeypatch.setattr(_compiled, "ENABLED", False)  # the array code, as the GPU runs it
    monkeypatch.setattr(sim_run, "backend", lambda device: fake)
    monkeypatch.setattr("survtrial.simulate.chunk.backend", lambda device: fake)
    sizes: list[int] = []
    real = sim_run.chunk_looks

    def recording(protocol, seed, b0, nb, n_rep, device):
        sizes.append(nb)
        return real(protocol, seed, b0, nb, n_rep, device)

    monkeypatch.setattr(sim_run, "chunk_looks", recording)
    return sizes


def test_gpu_driver_chunks_change_no_number(monkeypatch):
    """The first chunk is one block (to measure its memory); then as many blocks as fit. With
    chunks capped at 1 block the results are the same, replicate for replicate."""
    sizes = _stand_in(monkeypatch)
    args = dict(replicates=300, seed=9, device="gpu")
    big = simulate(TWO_ARM, "t.toml", "two_arm_example", **args)
    assert sizes == [1, 5, 4]  # 10 blocks of 32: 1, then 5 that fit, then the 4 left
    sizes.clear()
    monkeypatch.setattr(sim_run, "GPU_MAX_CHUNK_BLOCKS", 1)
    small = simulate(TWO_ARM, "t.toml", "two_arm_example", **args)
    assert sizes == [1] * 10
    assert big.device == small.device == "gpu"
    assert big.device_name == "stand-in GPU"
    a, b = big.scenarios[0].replicates, small.scenarios[0].replicates
    np.testing.assert_array_equal(a.replicate, np.arange(300))
    for f in ChunkResult.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    assert big.scenarios[0].characteristics == small.scenarios[0].characteristics


def test_gpu_driver_refuses_dask(monkeypatch):
    _stand_in(monkeypatch)
    with pytest.raises(InputError, match="--executor must be local"):
        simulate(TWO_ARM, "t.toml", "t", replicates=10, seed=1, device="gpu", executor="dask")


def test_gpu_driver_runs_every_scenario_of_a_grid(monkeypatch):
    """--vary on the GPU: each scenario's chunks start from one calibration block, and each
    scenario equals its own run without the grid."""
    sizes = _stand_in(monkeypatch)
    vary = ("monitoring.alpha=0.025,0.05",)
    grid = simulate(TWO_ARM, "t.toml", "t", replicates=100, seed=4, device="gpu", vary=vary)
    assert sizes == [1, 3] * 2  # 4 blocks of 32 per scenario: 1, then the 3 left
    assert [s.characteristics.scenario for s in grid.scenarios] == [
        {"monitoring.alpha": 0.025},
        {"monitoring.alpha": 0.05},
    ]
    alone = simulate(
        TWO_ARM.replace("alpha = 0.025", "alpha = 0.05"), "t.toml", "t", replicates=100,
        seed=4, device="gpu",
    )  # fmt: skip
    np.testing.assert_array_equal(grid.scenarios[1].replicates.z, alone.scenarios[0].replicates.z)


def test_the_host_decides_a_chunk_while_the_gpu_runs_the_next(monkeypatch):
    """A GPU chunk's decisions and sink run on a thread of their own while the next chunk is
    simulated: chunk 0's host work waits for chunk 1 to start (in vain, had it run first)."""
    _stand_in(monkeypatch)
    second_started, waited, calls = threading.Event(), [], []
    looks, decide = sim_run.chunk_looks, sim_run.chunk_result

    def recording_looks(*args):
        calls.append(args)
        if len(calls) == 2:
            second_started.set()
        return looks(*args)

    def waiting_decide(protocol, raw):
        if raw.replicate[0] == 0:
            waited.append(second_started.wait(timeout=10))
        return decide(protocol, raw)

    monkeypatch.setattr(sim_run, "chunk_looks", recording_looks)
    monkeypatch.setattr(sim_run, "chunk_result", waiting_decide)
    sim = simulate(TWO_ARM, "t.toml", "t", replicates=300, seed=9, device="gpu")
    assert waited == [True]
    assert sim.scenarios[0].replicates.replicate.tolist() == list(range(300))


def test_an_error_on_the_host_side_of_the_gpu_is_raised(monkeypatch):
    _stand_in(monkeypatch)

    def failing_sink(scenario, protocol, chunk):
        raise InputError("--out: cannot write replicates.parquet: disk full")

    with pytest.raises(InputError, match="disk full"):
        simulate(TWO_ARM, "t.toml", "t", replicates=300, seed=9, device="gpu", sink=failing_sink)
