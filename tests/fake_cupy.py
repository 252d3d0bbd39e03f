"""A stand-in for CuPy on machines without a GPU: numpy does the arithmetic, CuPy's rules are
kept, so the GPU code path (``--device gpu``) runs in the CPU test suite and fails where the
real CuPy would.

The rules, as CuPy 14 has them (its names and signatures are read from
tests/reference/fixtures/cupy_api/cupy_api.json, written from an installed CuPy by
tests/reference/make_cupy_api.py):

* device arrays and numpy arrays do not mix: a numpy array (of any shape, 0-d included) in an
  elementwise operation or a CuPy function is a ``TypeError`` ("Unsupported type"); only
  ``asarray``/``array`` copy host data to the device. Scalars (Python, numpy) are fine.
* no implicit copy to the host: ``numpy.asarray(device_array)`` is a ``TypeError``
  (``.get()`` copies); numpy functions given device arrays run CuPy's function of that name
  (NEP 18), or fail where CuPy has none.
* indices may be numpy arrays (CuPy copies them); a value assigned through a mask or an index
  array may be too, but not one assigned to a basic slice (CuPy ``fill``s those: a scalar).
* reductions and scalar indexing give 0-d device arrays, which have no ``__index__``.
* only the names CuPy has, with the keyword arguments its functions take; ``put`` wraps
  indices by default; sorts are stable (CuPy's always are).

The random generator (``cupy.random.RandomState``) draws with numpy's PCG64 from the state it
is given, so a run here can be compared number for number with the numpy array code given the
same generators (:func:`numpy_draws`, :class:`NumpyGPU`).
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from survtrial.arrays import Backend

API = json.loads(
    (Path(__file__).parent / "reference" / "fixtures" / "cupy_api" / "cupy_api.json").read_text()
)
HOST_TO_DEVICE = {"asarray", "array"}  # the functions that take host data
STABLE_SORTS = {"sort", "argsort"}  # CuPy's sorts are stable, numpy's default is not


def _operand(x):
    """A device array's data; a numpy array is refused (CuPy: 'Unsupported type')."""
    if isinstance(x, ndarray):
        return x._a
    if isinstance(x, np.ndarray):
        raise TypeError(f"Unsupported type {type(x)} (a numpy array given to CuPy)")
    if isinstance(x, (list, tuple)):
        return type(x)(_operand(v) for v in x)
    return x


def _index(x):
    """An index: device arrays unwrapped; numpy arrays and lists allowed (CuPy copies them)."""
    if isinstance(x, ndarray):
        return x._a
    if isinstance(x, tuple):
        return tuple(_index(v) for v in x)
    return x


def _wrap(x):
    if isinstance(x, np.ndarray):
        return ndarray(x)
    if isinstance(x, (np.generic, bool)):  # CuPy's reductions give 0-d arrays
        return ndarray(np.asarray(x))
    if isinstance(x, tuple):
        return tuple(_wrap(v) for v in x)
    if isinstance(x, list):
        return [_wrap(v) for v in x]
    return x


class ndarray(NDArrayOperatorsMixin):
    """A device array: numpy data behind CuPy's rules."""

    __module__ = "cupy"  # survtrial.arrays.namespace tells CuPy's arrays by their module
    __slots__ = ("_a",)

    def __init__(self, a: np.ndarray) -> None:
        self._a = a

    def __array__(self, *args, **kwargs):
        raise TypeError("Implicit conversion to a NumPy array is not allowed (use .get())")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if "out" in kwargs:
            kwargs["out"] = tuple(_operand(o) for o in kwargs["out"])
        return _wrap(getattr(ufunc, method)(*_operand(inputs), **kwargs))

    def __array_function__(self, func, types_, args, kwargs):
        if func.__name__ not in API["module"]:
            return NotImplemented  # numpy then raises TypeError
        return getattr(_module, func.__name__)(*args, **kwargs)

    def get(self) -> np.ndarray:
        return self._a.copy()

    def __getitem__(self, idx):
        return _wrap(self._a[_index(idx)])

    def __setitem__(self, idx, value):
        idx = _index(idx)
        parts = idx if isinstance(idx, tuple) else (idx,)
        advanced = any(isinstance(p, (np.ndarray, list)) for p in parts)
        if isinstance(value, np.ndarray) and value.ndim and not advanced:
            raise TypeError("a numpy array assigned to a slice of a CuPy array (fill takes a "
                            "scalar)")  # fmt: skip
        self._a[idx] = value._a if isinstance(value, ndarray) else value

    def __getattr__(self, name):
        if name not in API["ndarray"]:
            raise AttributeError(f"'cupy.ndarray' object has no attribute {name!r}")
        attr = getattr(self._a, name)
        if not callable(attr):
            return _wrap(attr) if name in ("T", "real", "imag") else attr

        def method(*args, **kwargs):
            if name in STABLE_SORTS:
                kwargs["kind"] = "stable"
            return _wrap(attr(*_index(args), **{k: _index(v) for k, v in kwargs.items()}))

        return method

    def __len__(self) -> int:
        return len(self._a)

    def __iter__(self):
        return (_wrap(v) for v in self._a)

    def __bool__(self) -> bool:
        return bool(self._a)

    def __float__(self) -> float:
        return float(self._a)

    def __int__(self) -> int:
        return int(self._a)

    def __repr__(self) -> str:
        return f"fake_cupy.{self._a!r}"


def _function(name: str):
    fn = getattr(np, name)
    params = API["module"][name]

    def call(*args, **kwargs):
        if isinstance(params, list) and "**" not in params:
            unknown = set(kwargs) - set(params)
            if unknown:
                raise TypeError(f"cupy.{name}() got unexpected keyword arguments {sorted(unknown)}")
        if name in HOST_TO_DEVICE:
            if isinstance(args[0], ndarray):  # already on the device: asarray does not copy
                convert = np.asarray if name == "asarray" else np.array
                return ndarray(convert(args[0]._a, **kwargs))
            return ndarray(np.array(args[0], **kwargs))  # a copy on the device
        args, kwargs = _operand(args), {k: _operand(v) for k, v in kwargs.items()}
        if name in STABLE_SORTS:
            kwargs["kind"] = "stable"
        if name == "put":
            kwargs.setdefault("mode", "wrap")
        return _wrap(fn(*args, **kwargs))

    call.__name__ = name
    return call


class _Runtime:
    @staticmethod
    def getDeviceCount() -> int:
        return 1

    @staticmethod
    def memGetInfo() -> tuple[int, int]:
        return 10_000, 1 << 40

    @staticmethod
    def getDeviceProperties(device_id: int) -> dict:
        return {"name": b"stand-in GPU (numpy)"}


class _Device:
    id = 0


class _Pool:
    def free_bytes(self) -> int:
        return 0

    def total_bytes(self) -> int:
        return 1_000  # so 5 blocks fit in half the 'free memory'

    def free_all_blocks(self) -> None:
        pass


class RandomState:
    """``cupy.random.RandomState`` drawing with numpy's PCG64 from the given state."""

    def __init__(self, seed: int, method=None) -> None:
        self._g = np.random.Generator(np.random.PCG64(seed))

    def random_sample(self, size):
        return ndarray(self._g.random(size=size))

    def standard_exponential(self, size):
        return ndarray(self._g.standard_exponential(size=size))

    def standard_normal(self, size):
        return ndarray(self._g.standard_normal(size=size))

    def randint(self, low, high, size):
        return ndarray(self._g.integers(low, high, size=size))


def numpy_draws(seed: np.random.SeedSequence) -> np.random.Generator:
    """The draws of :class:`RandomState` as a numpy ``Generator``, seeded as
    :class:`survtrial.arrays.Backend`'s GPU generator seeds its state."""
    return np.random.Generator(np.random.PCG64(int(seed.generate_state(1, np.uint64)[0]) >> 1))


class NumpyGPU(Backend):
    """The GPU driver's backend on numpy arrays (so ``xp is numpy``: the numpy side of a
    comparison, or the driver's chunking run here): :func:`numpy_draws`, a fixed 10,000 bytes
    of 'free memory' of which a block holds 1,000 (5 blocks fit in half of it)."""

    def generator(self, seed):
        return numpy_draws(seed)

    def free_memory_bytes(self) -> int:
        return 10_000

    def held_bytes(self) -> int:
        return 1_000

    def release(self) -> None:
        pass

    def description(self) -> str:
        return "stand-in GPU"


class RawKernel:
    """The one raw kernel survtrial has: ``segment_sum`` (each segment added left to right)."""

    def __init__(self, code: str, name: str) -> None:
        if name != "segment_sum":
            raise NotImplementedError(f"stand-in CuPy: no raw kernel {name!r}")

    def __call__(self, grid, block, args) -> None:
        v, starts, out, n_seg = (a._a if isinstance(a, ndarray) else a for a in args)
        seg = np.repeat(np.arange(int(n_seg)), np.diff(starts))
        out[:] = np.bincount(seg, weights=v[: seg.size], minlength=int(n_seg))  # in order


def _ndtri(p):
    from scipy.special import ndtri

    return _wrap(ndtri(_operand(p)))


def _make_module() -> types.ModuleType:
    m = types.ModuleType("cupy")
    m.__version__ = API["cupy_version"] + " (stand-in)"
    for name, kind in API["module"].items():
        if kind == "type" and hasattr(np, name):
            setattr(m, name, getattr(np, name))  # dtypes
        elif (isinstance(kind, list) or kind is None or kind == "ufunc") and hasattr(np, name):
            setattr(m, name, _function(name))
    m.ndarray = ndarray
    m.get_default_memory_pool = lambda: _POOL
    m.RawKernel = RawKernel
    m.asnumpy = lambda a: a.get()
    m.random = types.SimpleNamespace(RandomState=RandomState)
    curand = types.ModuleType("cupy.cuda.curand")
    curand.CURAND_RNG_PSEUDO_PHILOX4_32_10 = 141
    cuda = types.ModuleType("cupy.cuda")
    cuda.runtime, cuda.Device, cuda.curand = _Runtime, _Device, curand
    m.cuda = cuda
    return m


_POOL = _Pool()
_module = _make_module()


def install(monkeypatch) -> types.ModuleType:
    """Put the stand-in in ``sys.modules`` as ``cupy`` (and ``cupyx.scipy.special``) for one
    test."""
    special = types.ModuleType("cupyx.scipy.special")
    special.ndtri = _ndtri
    cupyx = types.ModuleType("cupyx")
    scipy_ = types.ModuleType("cupyx.scipy")
    cupyx.scipy, scipy_.special = scipy_, special
    for name, mod in [("cupy", _module), ("cupy.cuda", _module.cuda),
                      ("cupy.cuda.curand", _module.cuda.curand), ("cupyx", cupyx),
                      ("cupyx.scipy", scipy_), ("cupyx.scipy.special", special)]:  # fmt: skip
        monkeypatch.setitem(sys.modules, name, mod)
    return _module
