"""Compiled (numba) kernel for enrolment on the CPU: one pass per replicate over its patients,
with the same arithmetic as the array code in :mod:`.enrol` (which runs on the GPU, and on the
CPU when :data:`survtrial._compiled.ENABLED` is False), so the results are equal bit for bit
(tests/test_trial_kernels.py)."""

from __future__ import annotations

import numpy as np

from survtrial._compiled import kernel

# the day table's most buckets (:func:`_day_table`)
MAX_BUCKETS = 1 << 16


@kernel
def _day_table(cum):  # pragma: no cover
    """A first guess of the enrolment day by bucket of the arrival: ``table[b]`` is the day d
    with cum[d] <= b w < cum[d + 1], for buckets of width w = total / n_b no wider than the
    smallest positive daily increment of ``cum`` (at most :data:`MAX_BUCKETS` buckets). An
    arrival x is then on day table[int(x / w)] or, but for rounding and the days of smaller
    increments, the next. Returns (table, 1 / w)."""
    n_days = cum.shape[0] - 1
    total = cum[n_days - 1]
    inc = np.inf
    for d in range(n_days - 1):
        step = cum[d + 1] - cum[d]
        if step > 0.0 and step < inc:
            inc = step
    if not (total > 0.0 and inc < np.inf):
        return np.zeros(2, dtype=np.int64), 0.0
    n_b = np.int64(min(total / inc, MAX_BUCKETS)) + 1
    inv_w = n_b / total
    table = np.empty(n_b + 2, dtype=np.int64)
    d = 0
    for b in range(n_b + 2):
        x = b / inv_w
        while cum[d + 1] <= x:
            d += 1
        table[b] = d
    return table, inv_w


@kernel
def _enrol_flow(draws, cum, group, exclusion, target, group_to_stratum, delay):  # pragma: no cover
    r, n = draws.shape
    n_days = cum.shape[0] - 1  # cum ends with +inf: cum[day + 1] exists for every day
    total = cum[n_days - 1]
    table, inv_w = _day_table(cum)
    last_bucket = table.shape[0] - 1
    enrol_day = np.empty((r, n))
    enrolled = np.zeros((r, n), dtype=np.bool_)
    randomized = np.zeros((r, n), dtype=np.bool_)
    stratum = np.full((r, n), -1, dtype=np.int64)
    rand_day = np.full((r, n), np.inf)
    order = np.empty((r, n), dtype=np.int64)
    n_rand = np.zeros(r, dtype=np.int64)
    for i in range(r):
        arrival = 0.0
        candidates = 0
        for j in range(n):
            arrival += draws[i, j]
            if arrival > total:
                enrol_day[i, j] = np.inf
                continue
            # the day d with cum[d] <= arrival < cum[d + 1]: guessed from the bucket (not from
            # the patient before: a chain of dependent loads), then corrected; the step to the
            # next day without a branch (taken about half the time, it would be mispredicted)
            day = table[min(np.int64(arrival * inv_w), last_bucket)]
            while cum[day] > arrival:
                day -= 1
            day += cum[day + 1] <= arrival
            while cum[day + 1] <= arrival:
                day += 1
            if candidates >= target:  # accrual has stopped: the target was reached
                enrol_day[i, j] = np.inf
                continue
            enrolled[i, j] = True
            enrol_day[i, j] = day
            if exclusion[i, j] < 0:
                candidates += 1
                g = group[i, j]
                randomized[i, j] = True
                stratum[i, j] = group_to_stratum[g]
                rand_day[i, j] = day + delay[g]
        # randomized patients first, in column order, then the others (a stable partition)
        k = 0
        for j in range(n):
            if randomized[i, j]:
                order[i, k] = j
                k += 1
        n_rand[i] = k
        for j in range(n):
            if not randomized[i, j]:
                order[i, k] = j
                k += 1
    return enrol_day, enrolled, randomized, stratum, rand_day, order, n_rand


def enrol_flow(draws, cum, group, exclusion, target, group_to_stratum, delay):
    """Accrual and the CONSORT flow of each replicate, in one pass over its patients.

    ``draws`` (R, N) unit exponentials: the arrivals are their running sums on the scale of
    the cumulative accrual intensity ``cum`` (per day, ``cum[0] = 0``), and a patient enrols on
    the day d with ``cum[d] <= arrival < cum[d + 1]`` (not enrolled past ``cum[-1]``, or once
    ``target`` patients free of ``exclusion`` have enrolled). Returns (enrol_day, enrolled,
    randomized, stratum, rand_day, randomized_first) as :func:`survtrial.trial.enrol.enrol`.
    """
    out = _enrol_flow(
        np.ascontiguousarray(draws, dtype=np.float64),
        np.append(np.asarray(cum, dtype=np.float64), np.inf),
        np.asarray(group, dtype=np.int64),  # may be a read-only view of one value
        np.asarray(exclusion, dtype=np.int64),
        int(target),
        np.ascontiguousarray(group_to_stratum, dtype=np.int64),
        np.ascontiguousarray(delay, dtype=np.float64),
    )
    enrol_day, enrolled, randomized, stratum, rand_day, order, n_rand = out
    width = max(int(n_rand.max()), 1) if n_rand.size else 1
    # a view (rows of N, W used): the kernels that read it take it as it is, uncopied
    return enrol_day, enrolled, randomized, stratum, rand_day, order[:, :width]
