"""Compiled (numba) kernel for stratified permuted-block randomization on the CPU.

:func:`permuted_block_arms` gives the same arms, bit for bit, as the array construction of
:func:`survtrial.trial.randomize.randomize` (kept for the GPU and as the reference) from the same
draws: one pass per replicate instead of the sorts, ranks and scatters over (R, N) arrays.

The construction, per replicate: the randomized patients, taken in the order of
``randomized_first``, are ordered by randomization day by a stable sort (NaN last, as numpy's);
within a cell they take the places 0, 1, ... of the cell's treatment sequence in that order.
The sequence is the cell's blocks end to end; a block of size s with k = s * ratio[0] / unit
control places is the arrangement of the drawn rank among the C(s, k) in lexicographic order
(the combinatorial number system, as the array code). A cell's order is the stable sort of its
own members (a stable sort restricted to a subset is the subset's stable sort), so each cell is
sorted on its own, and only when its days are out of order (in a trial they are not: a cell's
patients share one delay from enrolment).
"""

from __future__ import annotations

import numpy as np

from survtrial._compiled import kernel


@kernel
def _after(a: float, b: float) -> bool:
    """``a`` sorts after ``b`` in numpy's float order (NaN last, NaNs equal)."""
    return a > b or (np.isnan(a) and not np.isnan(b))


@kernel
def _merge_sort(cols, day, lo: int, hi: int, tmp_cols, tmp_day) -> None:
    """Stable bottom-up merge sort of ``cols[lo:hi]`` by ``day[lo:hi]`` (both in place)."""
    n = hi - lo
    width = 1
    while width < n:
        start = lo
        while start < hi:
            mid = min(start + width, hi)
            end = min(start + 2 * width, hi)
            i, j, k = start, mid, start
            while i < mid and j < end:
                if _after(day[i], day[j]):  # the right one only when strictly before
                    tmp_cols[k], tmp_day[k] = cols[j], day[j]
                    j += 1
                else:
                    tmp_cols[k], tmp_day[k] = cols[i], day[i]
                    i += 1
                k += 1
            while i < mid:
                tmp_cols[k], tmp_day[k] = cols[i], day[i]
                i += 1
                k += 1
            while j < end:
                tmp_cols[k], tmp_day[k] = cols[j], day[j]
                j += 1
                k += 1
            start = end
        for k in range(lo, hi):
            cols[k], day[k] = tmp_cols[k], tmp_day[k]
        width *= 2


# arrangements are looked up in a table (:func:`_arrangement_patterns`) up to this many per
# block size; past it (blocks of 17 or more at 1:1) they are decoded place by place
MAX_PATTERNS = 1 << 14


@kernel
def _arrangement_patterns(binom, n_ctrl_of):  # pragma: no cover
    """``pat[s, m]``: the arrangement of rank m of a block of size s, one bit per place (1:
    experimental), decoded as in :func:`_permuted_block_arms`; an empty table where some size
    has more than :data:`MAX_PATTERNS` arrangements."""
    bmax = binom.shape[0] - 1
    most = 1
    for s in range(1, bmax + 1):
        most = max(most, binom[s, n_ctrl_of[s]])
    if most > MAX_PATTERNS or bmax > 62:
        return np.zeros((0, 0), dtype=np.int64)
    pat = np.zeros((bmax + 1, most), dtype=np.int64)
    for s in range(1, bmax + 1):
        for rank in range(binom[s, n_ctrl_of[s]]):
            control_left = n_ctrl_of[s]
            m = rank
            for pos in range(s):
                with_control = binom[s - pos - 1, control_left - 1] if control_left > 0 else 0
                if m < with_control:
                    control_left -= 1
                else:
                    m -= with_control
                    pat[s, rank] |= np.int64(1) << pos
    return pat


@kernel
def _permuted_block_arms(
    rand_day, randomized, first, stratum, male, stratum_weight, male_weight, n_cells,
    sizes, block_u, binom, ratio_control, unit,
):  # fmt: skip
    r, n = randomized.shape
    w = first.shape[1]
    n_blocks = block_u.shape[2]
    n_sizes = sizes.shape[0]
    bmax = binom.shape[0] - 1
    arm = np.full((r, n), -1, dtype=np.int64)
    cell = np.empty(w, dtype=np.int64)
    start = np.empty(n_cells + 1, dtype=np.int64)
    cols = np.empty(w + 1, dtype=np.int64)  # the randomized columns, grouped by cell
    day = np.empty(w + 1, dtype=np.float64)  # and their days
    day_all = np.empty(w, dtype=np.float64)
    tmp_cols = np.empty(w, dtype=np.int64)
    tmp_day = np.empty(w, dtype=np.float64)
    n_ctrl_of = np.empty(bmax + 1, dtype=np.int64)  # control positions by block size
    for s in range(n_ctrl_of.size):
        n_ctrl_of[s] = s * ratio_control // unit
    pat = _arrangement_patterns(binom, n_ctrl_of)
    by_table = pat.shape[0] > 0
    seq = np.empty(w + bmax + 1, dtype=np.int64)  # a cell's treatment sequence
    for i in range(r):
        if n_cells == 1:  # one cell: the randomized patients in order (no levels to read)
            f = 0
            for k in range(w):
                j = first[i, k]
                if randomized[i, j]:
                    cols[f] = j
                    day[f] = rand_day[i, j]
                    f += 1
            start[0], start[1] = 0, f
        else:
            for k in range(w):
                j = first[i, k]
                c = stratum_weight * max(stratum[i, j], 0) + male_weight * np.int64(male[i, j])
                if c >= n_cells:
                    raise ValueError("a patient's cell is beyond the number of cells")
                cell[k] = c if randomized[i, j] else -1
                day_all[k] = rand_day[i, j]
            # each cell's patients in order, by a branch-free pass per cell (the cell is a coin
            # toss per patient: a branch on it, or counters per cell in memory, would stall)
            f = 0
            for c in range(n_cells):
                start[c] = f
                for k in range(w):
                    cols[f] = first[i, k]  # kept when of the cell (so cols has w + 1 places)
                    day[f] = day_all[k]
                    f += np.int64(cell[k] == c)
            start[n_cells] = f
        for c in range(n_cells):
            lo, hi = start[c], start[c + 1]
            out_of_order = 0  # pairs not in order, NaN counted too (then the sort decides)
            for k in range(lo + 1, hi):
                out_of_order += np.int64(not day[k - 1] <= day[k])
            if out_of_order:  # sort the cell by day (stable)
                _merge_sort(cols, day, lo, hi, tmp_cols, tmp_day)
            m_cell = hi - lo  # places of the cell's sequence in use
            offset = 0
            b = 0
            while offset < m_cell:
                if b >= n_blocks:
                    raise ValueError("the drawn blocks do not cover the cell's patients")
                # as block_sizes_and_ranks: v = u S, the size at floor(v), the rank from the
                # fraction v - floor(v)
                v = block_u[i, c, b] * n_sizes
                pick = min(np.int64(v), n_sizes - 1)
                s = sizes[pick]
                if s < 1 or s > bmax:
                    raise ValueError("a drawn block size is not within 1 .. the largest size")
                control_left = n_ctrl_of[s]
                arrangements = binom[s, control_left]
                # the arrangement: its lexicographic rank, control first
                m = min(np.int64((v - pick) * arrangements), arrangements - 1)
                if by_table:
                    # bmax places, a fixed count (no mispredicted loop exit): those past the
                    # block's s are 0 and the next block's overwrite them
                    bits = pat[s, m]
                    for pos in range(bmax):
                        seq[offset + pos] = (bits >> pos) & 1
                else:
                    for pos in range(s):
                        with_control = (
                            binom[s - pos - 1, control_left - 1] if control_left > 0 else 0
                        )
                        if m < with_control:
                            control_left -= 1
                            seq[offset + pos] = 0
                        else:
                            m -= with_control
                            seq[offset + pos] = 1
                offset += s
                b += 1
            for place in range(m_cell):
                arm[i, cols[lo + place]] = seq[place]
    return arm


def permuted_block_arms(
    rand_day: np.ndarray,
    randomized: np.ndarray,
    first: np.ndarray,
    stratum: np.ndarray,
    male: np.ndarray,
    stratum_weight: int,
    male_weight: int,
    n_cells: int,
    sizes,
    block_u: np.ndarray,
    ratio: tuple[int, int],
    binom: np.ndarray,
) -> np.ndarray:
    """Arm per patient (R, N): 0 control, 1 experimental, -1 not randomized.

    ``rand_day`` (R, N) days; ``randomized`` (R, N) bool; ``first`` (R, W) the columns in
    randomization order before the sort by day (``Enrolment.randomized_first``: every randomized
    column, in column order); a randomized patient's cell is ``stratum_weight * max(stratum, 0)
    + male_weight * male``, below ``n_cells``; ``sizes`` the protocol's block sizes;
    ``block_u`` (R, n_cells, B) the blocks' uniforms, one a block
    (:func:`survtrial.trial.randomize.permuted_block_uniforms`), turned into sizes and ranks as
    :func:`survtrial.trial.randomize.block_sizes_and_ranks` does, for the blocks in use only;
    ``ratio`` (control, experimental); ``binom`` the table C(a, b) for a, b up to the largest
    size (:func:`survtrial.trial.randomize.binomials`).
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    return _permuted_block_arms(
        np.ascontiguousarray(rand_day, dtype=np.float64),
        np.ascontiguousarray(randomized, dtype=np.bool_),
        np.asarray(first, dtype=np.int64),  # may be a view of wider rows
        np.ascontiguousarray(stratum, dtype=np.int64),
        np.asarray(male, dtype=np.bool_),  # may be a read-only view of one value
        int(stratum_weight),
        int(male_weight),
        int(n_cells),
        sizes,
        np.ascontiguousarray(block_u, dtype=np.float64),
        np.ascontiguousarray(binom, dtype=np.int64),
        int(ratio[0]),
        int(ratio[0]) + int(ratio[1]),
    )
