"""Randomization, in order of randomization day within each replicate: stratified permuted
blocks of random sizes, or Pocock-Simon minimization (Pocock and Simon, Biometrics 1975)."""

from __future__ import annotations

from math import comb

import numpy as np

from survtrial import _compiled
from survtrial.arrays import stable_argsort
from survtrial.protocol import Protocol
from survtrial.trial._rng import BlockStreams
from survtrial.trial.enrol import Enrolment


def binomials(n: int) -> np.ndarray:
    """Table C(a, b) for 0 <= a, b <= n (0 where b > a), int64."""
    table = np.zeros((n + 1, n + 1), dtype=np.int64)
    for a in range(n + 1):
        for b in range(a + 1):
            table[a, b] = comb(a, b)
    return table


def permuted_block_uniforms(streams: BlockStreams, p: Protocol, n_cells: int, length: int):
    """The draws of the permuted blocks of ``length`` places per cell, B = length // smallest
    size + 1 blocks per cell: one uniform (R, C, B) a block, which gives both its size and
    its arrangement (:func:`block_sizes_and_ranks`)."""
    n_blocks = length // min(p.randomization.block_sizes) + 1
    return streams.random("block_arrangement", n_cells, n_blocks)


def block_sizes_and_ranks(xp, u, p: Protocol):
    """Each block's size (R, C, B) and its arrangement's rank from its uniform u: with S sizes,
    v = u S; the size is the one at floor(v) (each with chance 1/S), and the rank is
    floor(f C(s, k)) of the fraction f = v - floor(v), uniform on [0, 1) given the size: one of
    the C(s, k) arrangements of the block's k = s * ratio[0] / unit control places, each with
    equal chance. One size: v = u, the rank is floor(u C(s, k)). Ranks past the last (a
    rounding of u S up to S) are the last."""
    sizes = np.asarray(p.randomization.block_sizes)
    ratio = (p.control.ratio, p.experimental.ratio)
    v = u * len(sizes)
    pick = xp.minimum(v.astype(np.int64), len(sizes) - 1)
    size = xp.asarray(sizes)[pick]
    binom = xp.asarray(binomials(int(sizes.max())))
    arrangements = binom[size, size * ratio[0] // sum(ratio)]
    rank = xp.minimum(((v - pick) * arrangements).astype(np.int64), arrangements - 1)
    return size, rank


def permuted_block_draws(streams: BlockStreams, p: Protocol, n_cells: int, length: int):
    """Block sizes and arrangement ranks (R, C, B) of :func:`permuted_block_uniforms`."""
    u = permuted_block_uniforms(streams, p, n_cells, length)
    return block_sizes_and_ranks(streams.xp, u, p)


def permuted_block_sequences(
    streams: BlockStreams, p: Protocol, n_cells: int, length: int, needed: int | None = None
) -> np.ndarray:
    """Treatment sequences (R, n_cells, places) from permuted blocks of random sizes.

    The draws are those of ``length`` places per cell (so the streams do not depend on the
    data); only the first ``needed`` places (default ``length``) are built. A block of size s
    has k = s * ratio[0] / unit control places; its arrangement is the one of rank m among
    the C(s, k) arrangements in lexicographic order (control before experimental), found place
    by place: control at a place when m is below C(places left after it, control left - 1),
    otherwise m drops by that count (the combinatorial number system). Blocks follow each
    other in the cell's sequence.
    """
    xp = streams.xp
    sizes = np.asarray(p.randomization.block_sizes)
    ratio = np.array([p.control.ratio, p.experimental.ratio])
    unit = int(ratio.sum())
    bmax = int(sizes.max())
    n_blocks = length // int(sizes.min()) + 1
    r = streams.n
    size, rank = permuted_block_draws(streams, p, n_cells, length)
    places = length if needed is None else max(1, min(length, needed))
    used = min(n_blocks, -(-places // int(sizes.min())))  # blocks that cover the places
    size, m = size[:, :, :used], rank[:, :, :used].copy()
    binom = xp.asarray(binomials(bmax))
    control_left = size * ratio[0] // unit
    offset = xp.cumsum(size, axis=-1) - size
    seq = xp.zeros((r, n_cells, places + 1), dtype=np.int8)  # the last place: a discard
    rows = xp.arange(r)[:, None, None]
    cells = xp.arange(n_cells)[None, :, None]
    for pos in range(bmax):
        inside = pos < size
        after = xp.maximum(size - pos - 1, 0)
        with_control = xp.where(
            inside & (control_left > 0), binom[after, xp.maximum(control_left - 1, 0)], 0
        )
        control = inside & (m < with_control)
        m = xp.where(inside & ~control, m - with_control, m)
        control_left = control_left - control
        place = offset + pos
        seq[rows, cells, xp.where(inside & (place < places), place, places)] = ~control
    return seq[..., :places]


def minimization(
    streams: BlockStreams, p: Protocol, factors: np.ndarray, order: np.ndarray, active: np.ndarray
) -> np.ndarray:
    """Pocock-Simon minimization through arrivals (loop over patients, vectorized over R; on
    the GPU too, where each step is a few kernels over the replicates).

    ``factors`` (R, N, F) integer levels; ``order`` (R, W) the randomization order per
    replicate (randomized patients first); ``active`` who is randomized. Ties and the non-best
    choice are random; the best arm is taken with probability ``minimization_p_best``.
    """
    r, n, f = factors.shape
    xp = streams.xp
    n_levels = int(factors.max()) + 1 if factors.size else 1
    counts = xp.zeros((r, f, n_levels, 2))
    arm = xp.full((r, n), -1, dtype=np.int64)
    u = streams.random("minimization_choice", n)
    tie = streams.random("minimization_tie", n)
    rows = xp.arange(r)
    for i in range(order.shape[1]):  # the patients randomized in any replicate; the rest: -1
        who = order[:, i]
        act = active[rows, who]
        lev = factors[rows, who]  # (R, F)
        c = counts[rows[:, None], xp.arange(f)[None, :], lev]  # (R, F, 2)
        imbalance = xp.empty((r, 2))
        for a in (0, 1):
            c2 = c.copy()
            c2[..., a] += 1
            imbalance[:, a] = xp.abs(c2[..., 1] - c2[..., 0]).sum(axis=1)
        best = xp.where(
            imbalance[:, 0] == imbalance[:, 1],
            (tie[:, i] < 0.5).astype(np.int64),
            xp.argmin(imbalance, axis=1),
        )
        choice = xp.where(u[:, i] < p.randomization.minimization_p_best, best, 1 - best)
        choice = xp.where(act, choice, -1)
        arm[rows, who] = choice
        # one patient per replicate: the (row, ...) cells are distinct, so += adds each once
        for j in range(f):
            counts[rows, j, lev[:, j], xp.maximum(choice, 0)] += act
    return arm




def places_per_cell(p: Protocol, n: int) -> int:
    """Places drawn per randomization cell: as many as a cell could ever use, the smaller of the
    patients generated (``n``) and the accrual target (no more are randomized)."""
    return max(1, min(n, p.accrual.target_randomized))


def _cell_weights(p: Protocol) -> tuple[int, int, int]:
    """Cell = stratum_weight * stratum + male_weight * male (the levels of ``stratify_by``,
    the first the most significant), and the number of cells."""
    stratum_weight, male_weight, n_cells = 0, 0, 1
    n_strata = len(p.population.strata)
    for fac in p.randomization.stratify_by:
        k = n_strata if fac == "risk_group" else 2
        stratum_weight, male_weight, n_cells = stratum_weight * k, male_weight * k, n_cells * k
        if fac == "risk_group":
            stratum_weight += 1
        else:
            male_weight += 1
    return stratum_weight, male_weight, n_cells


def randomize(
    p: Protocol, streams: BlockStreams, e: Enrolment, kernel: bool | None = None
) -> np.ndarray:
    """Arm per patient (R, N): 0 control, 1 experimental, -1 not randomized.

    Permuted blocks on numpy arrays go through the compiled kernel
    (:func:`survtrial.trial.randomize_kernels.permuted_block_arms`, the same arms bit for bit)
    unless ``kernel`` is False (default: :data:`survtrial._compiled.ENABLED`); CuPy arrays take
    the array code.
    """
    r, n = e.enrolled.shape
    xp = streams.xp
    use_kernel = _compiled.ENABLED if kernel is None else kernel
    if p.randomization.method == "permuted_blocks" and use_kernel and xp is np:
        # loaded where used: commands that never randomize do not pay numba's import
        from survtrial.trial.randomize_kernels import permuted_block_arms

        stratum_weight, male_weight, n_cells = _cell_weights(p)
        u = permuted_block_uniforms(streams, p, n_cells, places_per_cell(p, n))
        return permuted_block_arms(
            e.rand_day, e.randomized, e.randomized_first, e.stratum, e.male,
            stratum_weight, male_weight, n_cells, p.randomization.block_sizes, u,
            (p.control.ratio, p.experimental.ratio), binomials(max(p.randomization.block_sizes)),
        )  # fmt: skip
    # randomization order: by day, the randomized patients only (the others, at day inf,
    # would sort after them); a stable sort keeps the column order at a tie
    rows = xp.arange(r)[:, None]
    first = e.randomized_first
    order = first[rows, stable_argsort(e.rand_day[rows, first], axis=1)]
    if p.randomization.method == "permuted_blocks":
        cell = xp.zeros((r, n), dtype=np.int64)
        n_cells = 1
        n_strata = len(p.population.strata)
        for fac in p.randomization.stratify_by:
            lev, k = (e.stratum, n_strata) if fac == "risk_group" else (e.male.astype(int), 2)
            cell = cell * k + xp.maximum(lev, 0)
            n_cells *= k
        cell_o = cell[rows, order]
        act_o = e.randomized[rows, order]
        rank_o = xp.zeros(order.shape, dtype=np.int64)  # place in the cell's sequence
        for c in range(n_cells):
            in_c = (cell_o == c) & act_o
            rank_o = xp.where(in_c, xp.cumsum(in_c, axis=1) - 1, rank_o)
        length = places_per_cell(p, n)  # fixed by the protocol: the draws do not depend on data
        needed = int(rank_o.max()) + 1  # the sequences' places the patients use
        seq = permuted_block_sequences(streams, p, n_cells, length, needed)
        arm_o = seq[rows, cell_o, xp.clip(rank_o, 0, seq.shape[-1] - 1)]
        arm = xp.full((r, n), -1, dtype=np.int64)
        arm[rows, order] = xp.where(act_o, arm_o, -1)
        return arm
    facs = [
        xp.maximum(e.stratum, 0) if fac == "risk_group" else e.male.astype(int)
        for fac in p.randomization.minimization_factors or ["risk_group"]
    ]
    return minimization(streams, p, xp.stack(facs, axis=-1), order, e.randomized)
