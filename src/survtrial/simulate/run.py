"""`survtrial simulate`: the operating characteristics of a protocol's design over scenarios.

Scenarios are the protocol as written, or every combination of the ``--vary KEY=V1,V2`` values
(a grid; each key changes only itself). Each scenario runs ``replicates`` whole trials in
chunks of whole random-stream blocks, on the chosen executor; every number is a pure function
of (protocol, scenarios, replicates, seed), whatever the executor and the number of workers.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

from survtrial._errors import InputError
from survtrial.protocol import Protocol, parse_protocol, parse_vary, with_overrides
from survtrial.simulate.characteristics import ScenarioCharacteristics, characteristics
from survtrial.simulate.chunk import ChunkResult, concatenate, simulate_chunk
from survtrial.trial._rng import BLOCK
from survtrial.trial.executor import chunk_plan, map_chunks

CHUNK_BLOCKS = 4  # 64 replicates a chunk: memory stays bounded, arrays stay in cache


@dataclass(frozen=True, slots=True)
class ScenarioRun:
    protocol: Protocol
    characteristics: ScenarioCharacteristics
    replicates: ChunkResult  # every replicate's looks (for replicates.parquet)


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
) -> Simulation:
    """Simulate ``replicates`` trials of each scenario; ``progress(done, total)``."""
    if replicates < 1:
        raise InputError(f"--replicates: need at least 1, got {replicates}")
    if seed < 0:
        raise InputError(f"--seed: must be >= 0, got {seed}")
    grid = scenarios(text, source, vary)
    total = replicates * len(grid)
    chunks = chunk_plan(replicates, CHUNK_BLOCKS, BLOCK)
    t0 = time.perf_counter()
    # every chunk of every scenario in one pool: the workers start once
    calls = [
        (protocol, seed, b0, nb, n_rep) for _, protocol in grid for b0, nb, n_rep in chunks
    ]
    sizes = [n_rep for _ in grid for _, _, n_rep in chunks]
    parts = map_chunks(
        simulate_chunk,
        calls,
        sizes,
        workers=workers,
        executor=executor,
        scheduler=scheduler,
        progress=None if progress is None else (lambda done: progress(done, total)),
    )
    runs = []
    for s, (setting, protocol) in enumerate(grid):
        res = concatenate(parts[s * len(chunks) : (s + 1) * len(chunks)])
        looks = [lk.name for lk in protocol.monitoring.looks]
        runs.append(ScenarioRun(protocol, characteristics(setting, looks, res), res))
    return Simulation(
        protocol_name=name,
        protocol_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        seed=seed,
        replicates=replicates,
        vary=tuple(vary),
        scenarios=tuple(runs),
        elapsed_seconds=time.perf_counter() - t0,
        executor=executor,
        workers=workers,
    )
