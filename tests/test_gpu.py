"""The GPU backend (issue 12) on a real GPU: skipped, with the reason, on machines without CuPy
or a CUDA device (CI); run on the device with ``python -m pytest tests/test_gpu.py``.

- the GPU's segment sum adds as numpy's bincount does (bit for bit);
- the monitoring of the same simulated patients gives the same looks on the GPU as on the CPU
  (the same kernels: z to 1e-12, events, bounds and decisions equal);
- results are a pure function of the seed: the same run twice, and the same blocks in chunks of
  other sizes, give identical numbers.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

cupy = pytest.importorskip("cupy", reason="CuPy is not installed (the gpu extra)")
try:
    HAS_GPU = cupy.cuda.runtime.getDeviceCount() > 0
except Exception:  # CUDA's own errors: no driver
    HAS_GPU = False
pytestmark = pytest.mark.skipif(not HAS_GPU, reason="no CUDA device")

from survtrial import arrays  # noqa: E402
from survtrial.protocol import builtin_text, load_builtin  # noqa: E402
from survtrial.simulate import run as sim_run  # noqa: E402
from survtrial.simulate import simulate  # noqa: E402
from survtrial.simulate.chunk import ChunkResult, simulate_chunk  # noqa: E402
from survtrial.trial import monitor, simulate_batch  # noqa: E402
from survtrial.trial._rng import BlockStreams  # noqa: E402


def test_segment_sum_adds_as_bincount_does():
    rng = np.random.default_rng(1)
    seg = np.sort(rng.integers(0, 5000, 200_000))
    v = rng.normal(size=seg.size) * 10.0 ** rng.integers(-8, 8, seg.size)
    got = arrays.segment_sum(cupy.asarray(seg), cupy.asarray(v), 5003)
    np.testing.assert_array_equal(cupy.asnumpy(got), np.bincount(seg, v, 5003))


def _on_gpu(batch):
    return dataclasses.replace(
        batch,
        **{
            f.name: cupy.asarray(getattr(batch, f.name))
            for f in dataclasses.fields(batch)
            if isinstance(getattr(batch, f.name), np.ndarray)
        },
    )


@pytest.mark.parametrize("name", ["aall1731", "two_arm_example"])
def test_monitoring_the_same_patients_gives_the_same_looks(name):
    p = load_builtin(name)
    batch = simulate_batch(p, BlockStreams(3, 0, 8, 128), np.arange(128), False)
    cpu = monitor(batch)
    gpu = monitor(_on_gpu(batch))
    np.testing.assert_allclose(cupy.asnumpy(gpu.z), cpu.z, rtol=0, atol=1e-12)
    for f in ("look_day", "events", "information", "bound", "futility_bound", "stop_look",
              "rejected", "stopped_for_futility"):  # fmt: skip
        np.testing.assert_array_equal(cupy.asnumpy(getattr(gpu, f)), getattr(cpu, f))


def _equal(a: ChunkResult, b: ChunkResult) -> None:
    for f in ChunkResult.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))


def test_a_pure_function_of_the_seed():
    p = load_builtin("two_arm_example")
    one = simulate_chunk(p, 11, 0, 3, 3 * arrays.GPU_BLOCK, "gpu")
    two = simulate_chunk(p, 11, 0, 3, 3 * arrays.GPU_BLOCK, "gpu")
    _equal(one, two)
    # blocks 1-2 on their own give the same replicates as inside the chunk of 0-2
    part = simulate_chunk(p, 11, 1, 2, 2 * arrays.GPU_BLOCK, "gpu")
    sl = slice(arrays.GPU_BLOCK, None)
    _equal(part, ChunkResult(**{f: getattr(one, f)[sl] for f in ChunkResult.__dataclass_fields__}))


def test_chunk_sizes_change_no_number(monkeypatch):
    text = builtin_text("aall1731")
    args = dict(replicates=3 * arrays.GPU_BLOCK + 5, seed=2, device="gpu")
    big = simulate(text, "a.toml", "aall1731", **args)
    monkeypatch.setattr(sim_run, "GPU_MAX_CHUNK_BLOCKS", 1)
    small = simulate(text, "a.toml", "aall1731", **args)
    _equal(big.scenarios[0].replicates, small.scenarios[0].replicates)
