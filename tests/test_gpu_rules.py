"""The GPU code path (`survtrial simulate --device gpu`, issue 12) on machines without a GPU: the
whole simulation runs on a stand-in CuPy (tests/fake_cupy.py: numpy's arithmetic under CuPy's
rules: no numpy array mixed with device arrays, no implicit copy to the host, only CuPy's names
and keywords), and every number equals the numpy array code's given the same random draws. So
a change that breaks the GPU path (a host array in a device expression, a numpy-only function or
keyword) fails here, not first on a borrowed GPU. tests/test_gpu.py runs on a real one."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from survtrial import _compiled, arrays
from survtrial.cli import app
from survtrial.protocol import builtin_text
from survtrial.simulate import run as sim_run
from survtrial.simulate import simulate
from survtrial.simulate.chunk import ChunkResult
from tests import fake_cupy
from tests.helpers import FIXTURES

SIM = FIXTURES / "simulate"
OF = (SIM / "of_hr075.toml").read_text()
TWO_ARM = builtin_text("two_arm_example")
BLOCK = 16  # replicates per stream block in these runs (the GPU's 1,024 would be slow here)


def _futility(text: str, binding: str) -> str:
    spending = f'beta_spending = "OF"\nbinding_futility = {binding}'
    return text.replace('alpha_spending = "OF"', f'alpha_spending = "OF"\n{spending}')


def _cured(text: str) -> str:
    text = text.replace("per_year = [0.5545177444479562]\n",
                        "per_year = [0.5545177444479562]\ncure_fraction = 0.3\n", 1)  # fmt: skip
    return text.replace('model = "piecewise_exponential"', 'model = "cure_mixture"')


PROTOCOLS = {
    "of_hr075": OF,  # rpact's scenario: permuted blocks, one stratum, 3 looks by events
    "pocock_hr075_dropout": (SIM / "pocock_hr075_dropout.toml").read_text(),  # loss to follow-up
    "two_arm_example": TWO_ARM,  # minimization, competing events, death after relapse
    "aall1731": builtin_text("aall1731"),  # strata, exclusions, a look at a date
    "binding_futility": _futility(TWO_ARM, "true"),
    "nonbinding_futility": _futility(TWO_ARM, "false"),
    "capped": OF.replace("latest_final_date = 2040-01-01", "latest_final_date = 2021-10-01"),
    "cured": _cured(OF),
}


def _on_stand_in(text: str, name: str, **kw):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(arrays, "GPU_BLOCK", BLOCK)
        fake_cupy.install(mp)
        return simulate(text, f"{name}.toml", name, device="gpu", **kw)


def _on_numpy(text: str, name: str, **kw):
    be = fake_cupy.NumpyGPU("gpu", np, BLOCK)  # numpy arrays, the stand-in's draws
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_compiled, "ENABLED", False)  # the array code, as the GPU runs it
        mp.setattr(sim_run, "backend", lambda device: be)
        mp.setattr("survtrial.simulate.chunk.backend", lambda device: be)
        return simulate(text, f"{name}.toml", name, device="gpu", **kw)


@pytest.mark.parametrize("name", list(PROTOCOLS))
def test_the_gpu_path_under_cupys_rules_equals_the_numpy_array_code(name):
    text = PROTOCOLS[name]
    kw = dict(replicates=3 * BLOCK + 5, seed=4)
    gpu, ref = _on_stand_in(text, name, **kw), _on_numpy(text, name, **kw)
    assert gpu.device == "gpu" and gpu.device_name.startswith("stand-in GPU (numpy)")
    assert len(gpu.scenarios) == len(ref.scenarios) == 1
    a, b = gpu.scenarios[0].replicates, ref.scenarios[0].replicates
    for field in ChunkResult.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    assert gpu.scenarios[0].characteristics == ref.scenarios[0].characteristics
    assert a.replicate.tolist() == list(range(kw["replicates"]))


def test_a_scenario_grid_on_the_gpu_path():
    vary = ("outcomes.loss_to_follow_up_per_year=0.0,0.1",)
    gpu = _on_stand_in(TWO_ARM, "two_arm_example", replicates=BLOCK + 3, seed=2, vary=vary)
    ref = _on_numpy(TWO_ARM, "two_arm_example", replicates=BLOCK + 3, seed=2, vary=vary)
    for s, r in zip(gpu.scenarios, ref.scenarios, strict=True):
        np.testing.assert_array_equal(s.replicates.z, r.replicates.z)
        assert s.characteristics == r.characteristics


def test_the_command_runs_on_the_stand_in(tmp_path, monkeypatch):
    monkeypatch.setattr(arrays, "GPU_BLOCK", BLOCK)
    fake_cupy.install(monkeypatch)
    out = tmp_path / "oc"
    args = ["simulate", str(SIM / "of_hr075.toml"), "--replicates", "40", "--seed", "1",
            "--device", "gpu", "--out", str(out)]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    oc = json.loads((out / "operating_characteristics.json").read_text())
    assert oc["scenarios"][0]["replicates"] == 40
    assert (out / "replicates.parquet").is_file()


# the stand-in itself: each rule it keeps, so it cannot quietly become lenient


def test_the_stand_in_refuses_what_cupy_refuses(monkeypatch):
    cp = fake_cupy.install(monkeypatch)
    a = cp.asarray(np.arange(4.0))
    host = np.ones(4)
    with pytest.raises(TypeError, match="Unsupported type"):
        a + host
    with pytest.raises(TypeError, match="Unsupported type"):
        cp.where(a > 1, host, a)
    with pytest.raises(TypeError, match="Unsupported type"):
        np.maximum(a, np.asarray(2.0))  # a 0-d numpy array is an array too
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.asarray(a)
    with pytest.raises(TypeError, match="fill takes a scalar"):
        a[:2] = host[:2]
    with pytest.raises(TypeError, match="unexpected keyword"):
        cp.cumsum(a, initial=0)
    with pytest.raises(AttributeError):
        cp.errstate  # noqa: B018  (numpy has it; CuPy does not)
    with pytest.raises(TypeError):
        range(a.sum().astype(np.int64))  # 0-d device arrays have no __index__
    with pytest.raises(TypeError):
        np.nanquantile(a, 0.5)  # a numpy function CuPy does not have
    assert arrays.namespace(a) is cp and arrays.to_host(a).tolist() == [0.0, 1.0, 2.0, 3.0]


def test_the_stand_in_allows_what_cupy_allows(monkeypatch):
    cp = fake_cupy.install(monkeypatch)
    a = cp.asarray(np.arange(6.0))
    a[np.array([True, False] * 3)] = np.array([7.0, 8.0, 9.0])  # a mask's values: copied
    assert a[np.array([0, 2])].get().tolist() == [7.0, 8.0]  # numpy index arrays: copied
    assert float(a.sum()) == 7 + 1 + 8 + 3 + 9 + 5 and isinstance(a.sum(), cp.ndarray)
    assert int(np.maximum(a, 2).min()) == 2  # numpy's ufunc on a device array: CuPy's
    assert cp.argsort(cp.asarray(np.zeros(5))).get().tolist() == [0, 1, 2, 3, 4]  # stable


def test_each_array_module_compiles_its_own_raw_kernel(monkeypatch):
    """The segment sum's raw kernel is kept per array module: on a GPU machine, the one the real
    CuPy compiled (tests/test_gpu.py) is never handed the stand-in's arrays, nor the reverse."""
    calls = []

    class OtherCupy:  # another array module, whose kernel only records its calls
        class RawKernel:
            def __init__(self, code, name):
                pass

            def __call__(self, grid, block, args):
                calls.append(args)

    monkeypatch.setattr(arrays, "_KERNELS", {})
    arrays._segment_sum_kernel(OtherCupy)  # compiled (and kept) for the other module first
    cp = fake_cupy.install(monkeypatch)
    seg, v = cp.asarray(np.array([0, 0, 1, 3, 3, 3])), cp.asarray(np.arange(6.0))
    assert arrays.segment_sum(seg, v, 4).get().tolist() == [1.0, 2.0, 0.0, 12.0]
    assert calls == []
