"""Array backends for the simulation kernels: numpy on the CPU, CuPy on an NVIDIA GPU.

The trial steps and the batch statistics are written once against an array namespace ``xp``
(numpy's API, which CuPy mirrors). A :class:`Backend` gives that namespace plus the few things
that differ between devices: the random generators of a stream block, the inverse normal CDF,
copying results to the host, and one deterministic reduction (a sum per sorted segment, added
left to right as ``numpy.bincount`` adds, so a trial's numbers never depend on which other
trials share its chunk; CuPy's own weighted ``bincount`` adds with atomics, in no fixed order).

CuPy is optional (``pip install 'survtrial[gpu]'``); nothing here imports it until a GPU
backend is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from survtrial._errors import InputError

DEVICES = ("cpu", "gpu")


@dataclass(frozen=True)
class Backend:
    """An array namespace and its device: ``name`` is "cpu" or "gpu"; ``block`` replicates
    share one random generator (a stream block, :mod:`survtrial.trial._rng`)."""

    name: str
    xp: ModuleType
    block: int

    def generator(self, seed: np.random.SeedSequence) -> Any:
        """A generator with numpy ``Generator``'s draws (random, standard_exponential,
        standard_normal, integers), on this device, from one child of the seed tree."""
        if self.name == "cpu":
            return np.random.Generator(np.random.PCG64(seed))
        return _CupyGenerator(self.xp, seed)

    def to_host(self, a: Any) -> np.ndarray:
        return to_host(a)

    def ndtri(self, p: Any) -> Any:
        """Inverse of the standard normal CDF, elementwise."""
        if self.xp is np:
            from scipy.special import ndtri

            return ndtri(p)
        from cupyx.scipy.special import ndtri

        return ndtri(p)

    def free_memory_bytes(self) -> int:
        """Memory this process can still allocate on the device (the pool's cache counted as
        free); on the CPU, the machine's available memory."""
        if self.name == "cpu":
            import os

            return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        free, _total = self.xp.cuda.runtime.memGetInfo()
        pool = self.xp.get_default_memory_pool()
        return int(free + pool.free_bytes())

    def description(self) -> str:
        """What ran the trials, for the record: the GPU's name and CuPy's version, or "cpu"."""
        if self.xp is np:
            return "cpu"
        try:  # as benchmarks/simulate_gpu.py read it on the H100
            props = self.xp.cuda.runtime.getDeviceProperties(self.xp.cuda.Device().id)
            name = props["name"]
            name = name.decode() if isinstance(name, bytes) else str(name)
        except Exception as exc:  # a record, never a reason to fail a finished run
            name = f"a GPU ({type(exc).__name__} reading its name)"
        return f"{name} (CuPy {self.xp.__version__})"

    def held_bytes(self) -> int:
        """Device memory held by this process's pool (its peak, since freed blocks stay cached
        until :meth:`release`); 0 on the CPU."""
        return 0 if self.name == "cpu" else int(self.xp.get_default_memory_pool().total_bytes())

    def release(self) -> None:
        """Hand the pool's cached device memory back (GPU only)."""
        if self.name == "gpu":
            self.xp.get_default_memory_pool().free_all_blocks()


CPU = Backend("cpu", np, 64)
GPU_BLOCK = 1024  # replicates per random generator on the GPU: one draw fills the device


def backend(device: str = "cpu") -> Backend:
    """The backend of ``device`` ("cpu" or "gpu"); a one-line :class:`InputError` when there
    is no usable GPU or CuPy is not installed."""
    if device == "cpu":
        return CPU
    if device != "gpu":
        raise InputError(f"--device: {device!r} is not one of {', '.join(DEVICES)}")
    try:
        import cupy
    except ImportError:
        raise InputError(
            "--device gpu: CuPy is not installed (pip install 'survtrial[gpu]', which needs "
            "an NVIDIA GPU and its CUDA driver)"
        ) from None
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDA's own errors: no driver, no device
        raise InputError(f"--device gpu: no usable GPU ({exc})") from None
    if n < 1:
        raise InputError("--device gpu: no GPU found")
    return Backend("gpu", cupy, GPU_BLOCK)


def namespace(a: Any) -> ModuleType:
    """numpy for numpy arrays (and scalars), cupy for CuPy arrays."""
    if type(a).__module__.startswith("cupy"):
        import cupy

        return cupy
    return np


def to_host(a: Any) -> np.ndarray:
    """A numpy copy of a CuPy array; numpy arrays as they are."""
    return a.get() if type(a).__module__.startswith("cupy") else np.asarray(a)


def segment_sum(seg: Any, values: Any, n_seg: int) -> Any:
    """Sum of ``values`` by ``seg`` (non-decreasing, in 0..n_seg-1), each segment added left to
    right: ``numpy.bincount(seg, weights=values, minlength=n_seg)``, the same on the GPU."""
    xp = namespace(seg)
    if xp is np:
        return np.bincount(seg, weights=values, minlength=n_seg)
    out = xp.zeros(n_seg, dtype=xp.float64)
    if seg.shape[0] == 0:
        return out
    starts = xp.searchsorted(seg, xp.arange(n_seg + 1, dtype=seg.dtype), side="left")
    v = xp.ascontiguousarray(values, dtype=xp.float64)
    threads = 256
    _segment_sum_kernel(xp)(
        ((n_seg + threads - 1) // threads,),
        (threads,),
        (v, starts.astype(xp.int64), out, np.int64(n_seg)),
    )
    return out


_KERNELS: dict[tuple[int, str], Any] = {}  # (id of the array module, name) -> compiled kernel


def _segment_sum_kernel(xp: ModuleType) -> Any:
    key = (id(xp), "segment_sum")  # per module: the tests' stand-in CuPy keeps its own
    if key not in _KERNELS:
        _KERNELS[key] = xp.RawKernel(
            r"""
extern "C" __global__ void segment_sum(const double* v, const long long* starts,
                                       double* out, long long n_seg) {
    long long s = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (s >= n_seg) return;
    double acc = 0.0;
    for (long long i = starts[s]; i < starts[s + 1]; ++i) acc += v[i];
    out[s] = acc;
}
""",
            "segment_sum",
        )
    return _KERNELS[key]


class _CupyGenerator:
    """numpy ``Generator``'s draws from cuRAND's Philox4x32-10 (counter-based: cheap to seed,
    one generator per stream block), seeded from a child of the seed tree."""

    def __init__(self, cupy: ModuleType, seed: np.random.SeedSequence) -> None:
        from cupy.cuda import curand

        state = int(seed.generate_state(1, np.uint64)[0]) >> 1  # below 2**63
        self._rs = cupy.random.RandomState(state, method=curand.CURAND_RNG_PSEUDO_PHILOX4_32_10)

    def random(self, size):
        return self._rs.random_sample(size=size)

    def standard_exponential(self, size):
        return self._rs.standard_exponential(size=size)

    def standard_normal(self, size):
        return self._rs.standard_normal(size=size)

    def integers(self, size, low, high):
        return self._rs.randint(low, high, size=size)


def stable_argsort(a: Any, axis: int = -1) -> Any:
    """``argsort(kind="stable")``; CuPy's sort is always stable and takes no ``kind``."""
    xp = namespace(a)
    if xp is np:
        return np.argsort(a, axis=axis, kind="stable")
    return xp.argsort(a, axis=axis)


def row_sum(a: Any) -> Any:
    """``a.sum(axis=1)`` of a 2-D array; on the GPU the columns are added left to right, so a
    row's sum never depends on how many rows the array has."""
    xp = namespace(a)
    if xp is np:
        return a.sum(axis=1)
    out = a[:, 0].copy()
    for j in range(1, a.shape[1]):
        out = out + a[:, j]
    return out


def true_first(mask: Any) -> Any:
    """Column order per row of a 2-D boolean ``mask`` with its True entries first (in their
    order), cut to the most True entries in any row (at least one column): a gather by it
    keeps every True entry of every row."""
    width = max(int(mask.sum(axis=1).max()), 1) if mask.size else 1
    return stable_argsort((~mask).astype(np.int8), axis=1)[:, :width]
