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
    order = np.empty((r, n + 1), dtype=np.int64)  # a column to spare: written, never kept
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
            # randomized or not: no branch (where most are excluded it would be a coin toss)
            ok = exclusion[i, j] < 0
            g = group[i, j]
            candidates += ok
            randomized[i, j] = ok
            stratum[i, j] = group_to_stratum[g] if ok else -1
            rand_day[i, j] = day + delay[g] if ok else np.inf
        # randomized patients first, in column order, then the others (a stable partition):
        # each column written at the next place, which moves on only for those it keeps
        k = 0
        for j in range(n):
            order[i, k] = j
            k += randomized[i, j]
        n_rand[i] = k
        for j in range(n):
            order[i, k] = j
            k += not randomized[i, j]
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
    # a view (rows of N + 1, W used): the kernels that read it take it as it is, uncopied
    return enrol_day, enrolled, randomized, stratum, rand_day, order[:, :width]


@kernel
def _groups_and_exclusions(u_group, cut, not_randomized, step_u, step_group, step_code,
                           step_prob):  # fmt: skip  # pragma: no cover
    r, n = u_group.shape
    n_groups = cut.shape[0]
    n_steps = step_code.shape[0]
    group = np.empty((r, n), dtype=np.int64)
    exclusion = np.empty((r, n), dtype=np.int64)
    for i in range(r):
        for j in range(n):
            u = u_group[i, j]
            g = 0
            for k in range(n_groups):  # searchsorted(cut, u, side="right"): the cuts <= u
                g += cut[k] <= u
            g = min(g, n_groups - 1)
            group[i, j] = g
            exclusion[i, j] = not_randomized[g]
        for s in range(n_steps):  # the first step that strikes, in order: a pass a step
            u_s = step_u[s]
            step_g, code, prob = step_group[s], step_code[s], step_prob[s]
            for j in range(n):  # no branch per patient (each test is a coin toss)
                hit = (exclusion[i, j] < 0) & (u_s[i, j] < prob)
                hit &= (step_g < 0) | (group[i, j] == step_g)
                exclusion[i, j] = code if hit else exclusion[i, j]
    return group, exclusion


def groups_and_exclusions(u_group, cut, not_randomized, step_u, steps, shape):
    """Risk group and exclusion code (R, N) of each patient, as the array code of
    :func:`survtrial.trial.enrol.groups_and_exclusions` computes them (per replicate a pass for
    the groups, then one per exclusion step, without a branch per patient): the group
    is the number of the cumulative shares ``cut`` at or below the patient's uniform
    ``u_group`` (at most the last group; ``None``: one group); the code is his group's
    ``not_randomized`` code, else that of the first of ``steps`` ((group or -1 for everyone,
    code, probability) each, with the uniforms ``step_u``) whose uniform is below its
    probability."""
    r, n = shape
    u = np.broadcast_to(0.0, (r, n)) if u_group is None else u_group  # one group: group 0
    draws = tuple(np.ascontiguousarray(a, dtype=np.float64) for a in step_u)
    if not draws:  # the kernel takes a tuple of one kind: a placeholder, never read
        draws = (np.zeros((1, 1)),)
    return _groups_and_exclusions(
        np.asarray(u, dtype=np.float64),
        np.ascontiguousarray(cut, dtype=np.float64),
        np.ascontiguousarray(not_randomized, dtype=np.int64),
        draws,
        np.array([s[0] for s in steps], dtype=np.int64),
        np.array([s[1] for s in steps], dtype=np.int64),
        np.array([s[2] for s in steps], dtype=np.float64),
    )
