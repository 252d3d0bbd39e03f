"""`survtrial simulate`: the operating characteristics of a protocol's design over scenarios.

Scenarios are the protocol as written, or every combination of the ``--vary KEY=V1,V2`` values
(a grid; each key changes only itself). Each scenario runs ``replicates`` whole trials in
chunks of whole random-stream blocks, on the chosen executor; every number is a pure function
of (protocol, scenarios, replicates, seed), whatever the executor and the number of workers.
Scenarios with the same cohort settings (enrolment, randomization) run their chunks together,
each step they share made once (:func:`survtrial.simulate.chunk.scenario_looks`).
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from survtrial._errors import InputError
from survtrial.arrays import DEVICES, Backend, backend
from survtrial.protocol import Protocol, parse_protocol, parse_vary, with_overrides
from survtrial.simulate.characteristics import RunningCharacteristics, ScenarioCharacteristics
from survtrial.simulate.chunk import (
    ChunkResult,
    chunk_looks,
    chunk_result,
    concatenate,
    scenario_looks,
    sharing,
)
from survtrial.trial._rng import BLOCK
from survtrial.trial.engine import cohort_inputs
from survtrial.trial.enrol import capacity
from survtrial.trial.executor import check_executor, chunk_plan, map_chunks

# a CPU chunk holds whole blocks: at least MIN_CHUNK_REPLICATES replicates, over which a
# chunk's own costs (its call, its streams' generators, the parent's decisions: 2-3 ms) hardly
# count, but at most MAX_CHUNK_PATIENTS generated patients, so a worker's memory stays near
# 300-350 MB (the rpact scenarios: 16 blocks, 1.25 million patients; AALL1731: 4 blocks, 1.5
# million); and about CHUNK_PATIENTS patients where that is more
CHUNK_PATIENTS = 400_000
MIN_CHUNK_REPLICATES = 1_024
MAX_CHUNK_PATIENTS = 1_600_000
CHUNKS_PER_WORKER = 4  # smaller chunks where a run is short, so every worker has some
GPU_MEMORY_SHARE = 0.5  # of the device's free memory, for one chunk (the rest: headroom)
GPU_MAX_CHUNK_BLOCKS = 64  # 262,144 replicates: the progress bar still moves


@dataclass(frozen=True, slots=True)
class ScenarioRun:
    protocol: Protocol
    characteristics: ScenarioCharacteristics
    # every replicate's looks (for replicates.parquet); None when they went to a sink instead
    replicates: ChunkResult | None


@dataclass(frozen=True, slots=True)
class Simulation:
    protocol_name: str
    protocol_sha256: str
    seed: int
    replicates: int
    vary: tuple[str, ...]
    scenarios: tuple[ScenarioRun, ...]
    elapsed_seconds: float
    executor: str
    workers: int
    device: str = "cpu"
    device_name: str = "cpu"  # the GPU's name and CuPy's version on the GPU


def scenarios(text: str, source: str, vary: tuple[str, ...]) -> list[tuple[dict, Protocol]]:
    """(the varied keys and values, the protocol) of each scenario: the grid of ``vary``."""
    if not vary:
        return [({}, parse_protocol(text, source))]
    parsed = [parse_vary(v) for v in vary]
    keys = [k for k, _ in parsed]
    if len(set(keys)) != len(keys):
        raise InputError(f"--vary: a key is varied twice: {keys!r}")
    out = []
    for values in itertools.product(*[vals for _, vals in parsed]):
        setting = dict(zip(keys, values, strict=True))
        out.append((setting, with_overrides(text, setting, source)))
    return out


def simulate(
    text: str,
    source: str,
    name: str,
    *,
    replicates: int,
    seed: int,
    vary: tuple[str, ...] = (),
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    device: str = "cpu",
    sink: Callable[[int, Protocol, ChunkResult], None] | None = None,
) -> Simulation:
    """Simulate ``replicates`` trials of each scenario; ``progress(done, total)``.

    ``sink(scenario index, protocol, chunk)``, when given, receives every chunk's replicates,
    each scenario's in replicate order (the scenarios of a family, :func:`families`, chunk
    by chunk: a chunk's scenarios, then the next chunk), and the replicates are not kept
    (``ScenarioRun.replicates`` is None): this process's memory then does not grow with the
    replicates (the characteristics are counts and sums, :class:`RunningCharacteristics`).
    Without a sink every replicate's looks are kept, about 250 bytes a replicate.

    With ``workers=1`` (the default) the chunks run in this process, which then keeps the
    memory it frees for reuse, as the worker processes do (1.7 times faster;
    :func:`survtrial.trial.executor.map_chunks`).

    ``device="gpu"`` runs the same steps on CuPy arrays in this process, in chunks sized from
    the GPU's free memory (:func:`_on_gpu`); the numbers are a pure function of the seed for a
    given device kind, and agree with the CPU's within Monte Carlo error.
    """
    check_run(replicates, seed, workers, executor, scheduler, device)
    be = backend(device)
    grid = scenarios(text, source, vary)
    total = replicates * len(grid)
    t0 = time.perf_counter()
    if be.name == "gpu":
        runs = _on_gpu(grid, seed, replicates, be, progress, total, sink)
    else:
        runs = _on_cpu(grid, seed, replicates, workers, executor, scheduler, progress, total, sink)
    return Simulation(
        protocol_name=name,
        protocol_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        seed=seed,
        replicates=replicates,
        vary=tuple(vary),
        scenarios=tuple(runs),
        elapsed_seconds=time.perf_counter() - t0,
        executor="gpu" if be.name == "gpu" else executor,
        workers=1 if be.name == "gpu" else workers,
        device=be.name,
        device_name=be.description(),
    )


def check_run(
    replicates: int, seed: int, workers: int, executor: str, scheduler: str | None, device: str
) -> None:
    """The run's settings, checked before anything starts (InputError naming the option)."""
    if replicates < 1:
        raise InputError(f"--replicates: need at least 1, got {replicates}")
    if seed < 0:
        raise InputError(f"--seed: must be >= 0, got {seed}")
    check_executor(workers, executor, scheduler, prefix="--")
    if device not in DEVICES:
        raise InputError(f"--device: {device!r} is not one of {', '.join(DEVICES)}")
    if device == "gpu" and executor != "local":
        raise InputError("--device gpu: runs in this process on its GPU; --executor must be local")


class _Collect:
    """Each scenario's chunks in order: its operating characteristics accumulated
    (:class:`RunningCharacteristics`: counts and sums, not the replicates), and the chunk
    handed to the sink or, without one, kept whole."""

    def __init__(self, grid, sink) -> None:
        self.grid, self.sink = grid, sink
        self.running = [RunningCharacteristics(len(p.monitoring.looks)) for _, p in grid]
        self.parts: list[list[ChunkResult]] = [[] for _ in grid]

    def decide(self, scenario: int, raw) -> None:
        """A chunk's looks (:class:`~survtrial.simulate.chunk.ChunkLooks`) decided here (a
        worker loads no bounds code) and added."""
        self.add(scenario, chunk_result(self.grid[scenario][1], raw))

    def add(self, scenario: int, res: ChunkResult) -> None:
        self.running[scenario].add(res)
        if self.sink is None:
            self.parts[scenario].append(res)
        else:
            self.sink(scenario, self.grid[scenario][1], res)

    def runs(self) -> list[ScenarioRun]:
        out = []
        for (setting, protocol), running, parts in zip(
            self.grid, self.running, self.parts, strict=True
        ):
            looks = [lk.name for lk in protocol.monitoring.looks]
            kept = concatenate(parts) if self.sink is None else None
            out.append(ScenarioRun(protocol, running.result(setting, looks), kept))
        return out


def _on_cpu(grid, seed, replicates, workers, executor, scheduler, progress, total, sink=None):
    """Every chunk of every scenario in one pool of workers (they start once); the results
    are taken in order as they come, and not kept beyond what :class:`_Collect` keeps. The
    scenarios of a family (the same cohort settings) share each chunk call: a family's chunk
    reaches the sink scenario by scenario, then its next chunk."""
    calls = _ChunkCalls(grid, seed, replicates, workers)
    collect = _Collect(grid, sink)

    def consume(i: int, raws) -> None:
        for scenario, raw in zip(calls.family_of(i), raws, strict=True):
            collect.decide(scenario, raw)

    map_chunks(
        scenario_looks,
        calls,
        calls.sizes,
        workers=workers,
        executor=executor,
        scheduler=scheduler,
        progress=None if progress is None else (lambda done: progress(done, total)),
        consume=consume,
    )
    return collect.runs()


def families(protocols: list[Protocol]) -> list[tuple[int, ...]]:
    """The scenarios grouped by their cohort settings
    (:func:`survtrial.trial.engine.cohort_inputs`), in the order of each group's first
    scenario: a group's scenarios share their chunks' cohort (and the same chunk plan)."""
    groups: dict[str, list[int]] = {}
    for i, p in enumerate(protocols):
        groups.setdefault(cohort_inputs(p), []).append(i)
    return [tuple(g) for g in groups.values()]


class _ChunkCalls(Sequence):
    """The arguments of :func:`~survtrial.simulate.chunk.scenario_looks` for every chunk of
    every family of scenarios (:func:`families`), in order, made on demand from each family's
    :class:`ChunkPlan`: the same memory for any number of replicates (a list would take about
    200 bytes a chunk)."""

    def __init__(self, grid, seed: int, replicates: int, workers: int = 1) -> None:
        protocols = [protocol for _, protocol in grid]
        self.families = families(protocols)
        self.protocols = [tuple(protocols[s] for s in f) for f in self.families]
        self.sharing = [sharing(ps) for ps in self.protocols]
        self.seed = seed
        self.plans = [chunk_plan(replicates, cpu_chunk_blocks(ps[0], replicates, workers), BLOCK)
                      for ps in self.protocols]  # fmt: skip
        self.starts = list(itertools.accumulate((len(plan) for plan in self.plans), initial=0))
        self.sizes = _ChunkSizes(self)

    def __len__(self) -> int:
        return self.starts[-1]

    def _family(self, i: int) -> int:
        return bisect.bisect_right(self.starts, i) - 1

    def family_of(self, i: int) -> tuple[int, ...]:
        """The scenarios (indices into the grid) of call ``i``."""
        return self.families[self._family(i)]

    def chunk(self, i: int) -> tuple[int, int, int]:
        """(first block, blocks, replicates) of call ``i``."""
        f = self._family(i)
        return self.plans[f][i - self.starts[f]]

    def __getitem__(self, i: int):
        if not 0 <= i < len(self):
            raise IndexError("chunk call index out of range")
        f = self._family(i)
        return (self.protocols[f], self.sharing[f], self.seed, *self.chunk(i))


class _ChunkSizes(Sequence):
    """The replicates of each of :class:`_ChunkCalls`' calls, over all their scenarios."""

    def __init__(self, calls: _ChunkCalls) -> None:
        self.calls = calls

    def __len__(self) -> int:
        return len(self.calls)

    def __getitem__(self, i: int) -> int:
        return self.calls.chunk(i)[2] * len(self.calls.family_of(i))


def cpu_chunk_blocks(protocol: Protocol, replicates: int, workers: int = 1) -> int:
    """Blocks per CPU chunk: at least :data:`MIN_CHUNK_REPLICATES` replicates (or about
    :data:`CHUNK_PATIENTS` generated patients where that is more), at most
    :data:`MAX_CHUNK_PATIENTS` patients, and few enough that ``replicates`` make
    :data:`CHUNKS_PER_WORKER` chunks a worker where they can; one block at least. The results
    do not depend on it: every block has its own streams."""
    per_block = BLOCK * capacity(protocol)
    blocks = max(CHUNK_PATIENTS // per_block, -(-MIN_CHUNK_REPLICATES // BLOCK))
    blocks = min(blocks, MAX_CHUNK_PATIENTS // per_block)
    share = -(-replicates // BLOCK) // (CHUNKS_PER_WORKER * workers)
    return max(1, min(blocks, share))


def _on_gpu(grid, seed: int, replicates: int, be: Backend, progress, total: int, sink=None):
    """Each scenario's chunks one after the other on the GPU. A scenario's first chunk is one
    stream block, run on an emptied memory pool, so the pool's size after it is the memory a
    block needs; later chunks take as many blocks as fit in :data:`GPU_MEMORY_SHARE` of the
    free memory. Chunk sizes change nothing: every block has its own stream, and every kernel
    treats a replicate on its own."""
    n_blocks = -(-replicates // be.block)
    collect, done = _Collect(grid, sink), 0
    with _HostSide() as host:
        for scenario, (_, protocol) in enumerate(grid):
            be.release()
            per_block, b = 0, 0
            while b < n_blocks:
                nb = 1 if not per_block else _blocks_that_fit(be, per_block, n_blocks - b)
                n_rep = min(nb * be.block, replicates - b * be.block)
                raw = chunk_looks(protocol, seed, b, nb, n_rep, be.name)
                host.submit(collect.decide, scenario, raw)
                per_block = per_block or max(be.held_bytes(), 1)
                b += nb
                done += n_rep
                if progress is not None:
                    progress(done, total)
    return collect.runs()


class _HostSide:
    """The host's share of the GPU's chunks (the decisions at the looks, the running sums,
    replicates.parquet) on one thread of its own, in chunk order, while the GPU runs the next
    chunk: ``submit(fn, *args)`` calls ``fn(*args)`` there. At most :attr:`HELD` calls wait;
    an error there is raised here, at a later submit or on leaving."""

    HELD = 2

    def __enter__(self) -> _HostSide:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(1, thread_name_prefix="survtrial-host")
        self._pending: list = []
        return self

    def submit(self, fn, *args) -> None:
        while len(self._pending) >= self.HELD:
            self._pending.pop(0).result()
        self._pending.append(self._pool.submit(fn, *args))

    def __exit__(self, kind, error, tb) -> None:
        try:
            if kind is None:
                for f in self._pending:
                    f.result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _blocks_that_fit(be: Backend, per_block: int, left: int) -> int:
    fit = int(GPU_MEMORY_SHARE * be.free_memory_bytes() // per_block)
    return max(1, min(fit, GPU_MAX_CHUNK_BLOCKS, left))
