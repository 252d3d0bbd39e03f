"""Run R replicate trials of a protocol in chunks: simulate, monitor, cut, summarize."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from survtrial._errors import InputError
from survtrial.protocol import Protocol
from survtrial.trial._analysis import cut_data, full_analysis, monitor, summarize
from survtrial.trial._rng import BLOCK, BlockStreams, blocks_for
from survtrial.trial._simulate import TrialBatch, simulate_batch


@dataclass
class BatchRun:
    """Per-replicate results (arrays of length R) and the first trial in full."""

    summary: dict[str, np.ndarray]
    interim: dict[str, np.ndarray]
    first_batch: TrialBatch  # the chunk holding replicate 0
    first_cut_day: np.ndarray
    first_analysis: dict
    replicates: int
    seed: int


def _run_chunk(
    protocol: Protocol, seed: int, b0: int, nb: int, n_rep: int, keep_first: bool
) -> tuple[dict, dict, tuple | None]:
    """Simulate and analyse the replicates of blocks b0 .. b0 + nb - 1 (one chunk)."""
    streams = BlockStreams(seed, b0, nb, n_rep)
    batch = simulate_batch(protocol, streams, np.arange(b0 * BLOCK, b0 * BLOCK + n_rep))
    mon = monitor(batch)
    rows = np.arange(n_rep)
    cut_day = mon.look_day[rows, mon.stop_look]
    cd = cut_data(batch, cut_day)
    interim = {
        "events": mon.events[:, 0],
        "information_fraction": mon.information[:, 0],
        "z": mon.z[:, 0],
        "bound": mon.bound[:, 0],
        "stopped_at_first": (mon.stop_look == 0) & mon.stopped_early,
        "stop_look": mon.stop_look.astype(float),
    }
    first = (batch, cut_day, full_analysis(batch, cd, 0)) if keep_first else None
    return summarize(batch, cd), interim, first


def run_trials(
    protocol: Protocol,
    replicates: int,
    seed: int,
    chunk_blocks: int = 4,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> BatchRun:
    """Simulate and analyse ``replicates`` trials; replicate r depends only on (seed, r).

    Chunks hold ``chunk_blocks`` blocks of :data:`BLOCK` replicates, each with its own random
    streams (``SeedSequence`` spawned per block), so the results are the same whatever the
    chunking and the number of ``workers`` (processes running chunks side by side, started by
    the "forkserver" method: a script that calls this with ``workers > 1`` needs the usual
    ``if __name__ == "__main__":`` guard). ``progress(k)`` is called with the number of
    replicates finished after each chunk.
    """
    if workers < 1:
        raise InputError(f"workers: need at least 1, got {workers}")
    n_blocks = blocks_for(replicates)
    chunks = [
        (b0, min(chunk_blocks, n_blocks - b0), min(chunk_blocks * BLOCK, replicates - b0 * BLOCK))
        for b0 in range(0, n_blocks, chunk_blocks)
    ]
    results: list[tuple[dict, dict, tuple | None] | None] = [None] * len(chunks)
    done = 0

    def finished(i: int, result) -> None:
        nonlocal done
        results[i] = result
        done += chunks[i][2]
        if progress is not None:
            progress(done)

    if workers == 1 or len(chunks) == 1:
        for i, (b0, nb, n_rep) in enumerate(chunks):
            finished(i, _run_chunk(protocol, seed, b0, nb, n_rep, i == 0))
    else:
        import multiprocessing
        import warnings
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from concurrent.futures.process import BrokenProcessPool

        # not fork: forking a process that runs threads (BLAS, the progress bar) can deadlock
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else None
        context = multiprocessing.get_context(method)
        try:
            with ProcessPoolExecutor(min(workers, len(chunks)), mp_context=context) as pool:
                futures = {
                    pool.submit(_run_chunk, protocol, seed, b0, nb, n_rep, i == 0): i
                    for i, (b0, nb, n_rep) in enumerate(chunks)
                }
                for future in as_completed(futures):
                    finished(futures[future], future.result())
        except (OSError, NotImplementedError, BrokenProcessPool) as exc:
            # no worker processes here (a sandbox, a killed worker): same results, in-process
            warnings.warn(
                f"worker processes failed ({exc}); running the remaining replicates here",
                RuntimeWarning,
                stacklevel=2,
            )
            for i, (b0, nb, n_rep) in enumerate(chunks):
                if results[i] is None:
                    finished(i, _run_chunk(protocol, seed, b0, nb, n_rep, i == 0))
    summaries = [r[0] for r in results]
    interims = [r[1] for r in results]
    first = results[0][2]
    cat = {k: np.concatenate([s[k] for s in summaries]) for k in summaries[0]}
    cat_i = {k: np.concatenate([s[k] for s in interims]) for k in interims[0]}
    assert first is not None
    return BatchRun(cat, cat_i, first[0], first[1], first[2], replicates, seed)
