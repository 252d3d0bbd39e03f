"""Run R replicate trials of a protocol in chunks: simulate, monitor, cut, summarize."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

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


def run_trials(
    protocol: Protocol,
    replicates: int,
    seed: int,
    chunk_blocks: int = 4,
    progress: Callable[[int], None] | None = None,
) -> BatchRun:
    """Simulate and analyse ``replicates`` trials; replicate r depends only on (seed, r).

    Chunks hold ``chunk_blocks`` blocks of :data:`BLOCK` replicates; ``progress(k)`` is called
    with the number of replicates finished after each chunk.
    """
    n_blocks = blocks_for(replicates)
    summaries: list[dict[str, np.ndarray]] = []
    interims: list[dict[str, np.ndarray]] = []
    first = None
    done = 0
    for b0 in range(0, n_blocks, chunk_blocks):
        nb = min(chunk_blocks, n_blocks - b0)
        n_rep = min(nb * BLOCK, replicates - b0 * BLOCK)
        streams = BlockStreams(seed, b0, nb, n_rep)
        batch = simulate_batch(protocol, streams, np.arange(b0 * BLOCK, b0 * BLOCK + n_rep))
        mon = monitor(batch)
        rows = np.arange(n_rep)
        cut_day = mon.look_day[rows, mon.stop_look]
        cd = cut_data(batch, cut_day)
        summaries.append(summarize(batch, cd))
        interims.append(
            {
                "events": mon.events[:, 0],
                "information_fraction": mon.information[:, 0],
                "z": mon.z[:, 0],
                "bound": mon.bound[:, 0],
                "stopped_at_first": (mon.stop_look == 0) & mon.stopped_early,
                "stop_look": mon.stop_look.astype(float),
            }
        )
        if first is None:
            first = (batch, cut_day, full_analysis(batch, cd, 0))
        done += n_rep
        if progress is not None:
            progress(done)
    cat = {k: np.concatenate([s[k] for s in summaries]) for k in summaries[0]}
    cat_i = {k: np.concatenate([s[k] for s in interims]) for k in interims[0]}
    assert first is not None
    return BatchRun(cat, cat_i, first[0], first[1], first[2], replicates, seed)
