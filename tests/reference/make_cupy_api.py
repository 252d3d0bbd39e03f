"""Write tests/reference/fixtures/cupy_api/cupy_api.json: CuPy's public names and the parameters
of its functions and array methods, read from an installed CuPy (no GPU needed: nothing here
touches a device). tests/fake_cupy.py reads it, so the stand-in CuPy that runs the GPU code path
on machines without a GPU refuses what the real CuPy would refuse: a name CuPy does not have, a
keyword argument its function does not take.

    python -m venv /tmp/cpv && /tmp/cpv/bin/pip install cupy-cuda12x
    /tmp/cpv/bin/python tests/reference/make_cupy_api.py
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import cupy
import cupyx.scipy.special

OUT = Path(__file__).parent / "fixtures" / "cupy_api" / "cupy_api.json"


def parameters(f) -> list[str] | None:
    """Parameter names, '*' for a function that takes any keyword; None for a ufunc or an
    object without a readable signature (not checked)."""
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        return None
    names = []
    for p in sig.parameters.values():
        names.append("**" if p.kind is p.VAR_KEYWORD else p.name)
    return names


def main() -> None:
    module = {}
    for name in sorted(dir(cupy)):
        if name.startswith("_"):
            continue
        obj = getattr(cupy, name)
        if isinstance(obj, cupy.ufunc):
            module[name] = "ufunc"
        elif callable(obj) and not isinstance(obj, type):
            module[name] = parameters(obj)
        else:
            module[name] = type(obj).__name__
    methods = {}
    for name in sorted(dir(cupy.ndarray)):
        if name.startswith("_") and not name.startswith("__"):
            continue
        obj = getattr(cupy.ndarray, name)
        methods[name] = parameters(obj) if callable(obj) else "attribute"
    special = {n: "ufunc" for n in dir(cupyx.scipy.special) if not n.startswith("_")}
    OUT.write_text(json.dumps({"cupy_version": cupy.__version__, "module": module,
                               "ndarray": methods, "cupyx.scipy.special": special}, indent=1))


if __name__ == "__main__":
    main()
