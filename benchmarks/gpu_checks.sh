#!/usr/bin/env bash
# The GPU checks of issue 12 in one run on a machine with an NVIDIA GPU and CuPy (the project's
# `device` tool lends one): the GPU tests, the per-step profile of one chunk, and the timings
# and agreement of benchmarks/simulate_gpu.py. Logs go to ${OUT:-.}/ (pytest.log, profile.log,
# bench.log, gpu.json).
#
# Where the machine has no registry access, carry the missing dependencies as wheels first,
# here (pydantic was the only one missing on the H100 image of 2026-11; since issue 10's
# session 5 the CPU runs numba kernels, so add numba and llvmlite, about 50 MB, for the CPU
# comparison runs: the GPU path itself never imports numba):
#   echo /.whl/ >> .git/info/exclude
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#     --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
#     --platform manylinux2014_x86_64 -d .whl pydantic pydantic_core annotated-types \
#     typing-inspection numba llvmlite
# then run this script there with `.whl` carried.
set -o pipefail
out="${OUT:-.}"
if ls .whl/*.whl > /dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$PWD/src" PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.used,memory.total,driver_version --format=csv
timeout 120 python3 -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning \
    tests/test_gpu.py tests/test_simulate_device.py tests/test_gpu_rules.py 2>&1 | tail -30 | tee "$out/pytest.log"
timeout 60 python3 benchmarks/profile_gpu_chunk.py --blocks 16 2>&1 | tail -16 \
    | tee "$out/profile.log"
timeout 300 python3 benchmarks/simulate_gpu.py --million --json "$out/gpu.json" 2>&1 \
    | grep -v "^  File\|^    " | tee "$out/bench.log"
