"""Compiled (numba) kernels for enrolment and outcomes on the CPU: one pass per replicate over
its patients, with the same arithmetic as the array code in :mod:`.enrol` and :mod:`.outcomes`
(which runs on the GPU, and on the CPU when :data:`survtrial._compiled.ENABLED` is False), so the
results are equal bit for bit (tests/test_trial_kernels.py)."""

from __future__ import annotations

import numpy as np

from survtrial._compiled import kernel


@kernel
def _enrol_flow(draws, cum, group, exclusion, target, group_to_stratum, delay):  # pragma: no cover
    r, n = draws.shape
    n_days = cum.shape[0] - 1  # cum ends with +inf: cum[day + 1] exists for every day
    total = cum[n_days - 1]
    enrol_day = np.empty((r, n))
    enrolled = np.zeros((r, n), dtype=np.bool_)
    randomized = np.zeros((r, n), dtype=np.bool_)
    stratum = np.full((r, n), -1, dtype=np.int64)
    rand_day = np.full((r, n), np.inf)
    order = np.empty((r, n), dtype=np.int64)
    n_rand = np.zeros(r, dtype=np.int64)
    for i in range(r):
        arrival = 0.0
        day = 0  # cum[day] <= arrival < cum[day + 1]: arrivals increase, so the day only grows
        candidates = 0
        for j in range(n):
            arrival += draws[i, j]
            if arrival > total:
                enrol_day[i, j] = np.inf
                continue
            # two steps without a branch (the next day is reached about every other patient,
            # a branch on it would be mispredicted half the time), then any further days
            day += cum[day + 1] <= arrival
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
        np.ascontiguousarray(group, dtype=np.int64),
        np.ascontiguousarray(exclusion, dtype=np.int64),
        int(target),
        np.ascontiguousarray(group_to_stratum, dtype=np.int64),
        np.ascontiguousarray(delay, dtype=np.float64),
    )
    enrol_day, enrolled, randomized, stratum, rand_day, order, n_rand = out
    width = max(int(n_rand.max()), 1) if n_rand.size else 1
    return enrol_day, enrolled, randomized, stratum, rand_day, order[:, :width]


@kernel
def _outcomes(e, cure_u, arm, stratum, randomized, order, n_strata, starts, rates, cum, cure,
              is_death, post, post_e, lf, lf_e):  # fmt: skip  # pragma: no cover
    n_ev = e.shape[0]
    r, n = arm.shape
    n_int = starts.shape[0]
    event_time = np.full((r, n), np.inf)
    event_type = np.full((r, n), -1, dtype=np.int64)
    death_time = np.full((r, n), np.inf)
    ltfu = np.full((r, n), np.inf)
    for i in range(r):
        for pos in range(order.shape[1]):  # the k-th randomized takes the k-th draws
            j = order[i, pos]
            if not randomized[i, j]:
                break  # the randomized come first
            g = max(arm[i, j], 0) * n_strata + max(stratum[i, j], 0)  # arm x stratum
            best = np.inf
            best_k = 0
            for k in range(n_ev):
                x = e[k, i, pos]
                m = 0  # the interval: how many later starts x has reached
                for q in range(1, n_int):
                    if x >= cum[k, g, q]:
                        m += 1
                rate = rates[k, g, m]
                t = starts[m] + (x - cum[k, g, m]) / rate if rate > 0 else np.inf
                if cure[k, g] > 0 and cure_u[k, i, pos] < cure[k, g]:
                    t = np.inf
                if t < best:  # the first smallest, as argmin
                    best = t
                    best_k = k
            if best < np.inf:
                t_ev = max(np.ceil(best), 1.0)
                event_time[i, j] = t_ev
                event_type[i, j] = best_k
                if is_death[best_k]:
                    death_time[i, j] = t_ev
                else:
                    after = np.ceil(post_e[i, pos] / post) if post > 0 else np.inf
                    death_time[i, j] = t_ev + max(after, 1.0)
            ltfu[i, j] = max(np.ceil(lf_e[i, pos] / lf), 1.0) if lf > 0 else np.inf
    return event_time, event_type, death_time, ltfu


def outcomes_by_patient(e, cure_u, arm, stratum, randomized, order, starts, rates, cum, cure,
                        is_death, post, post_e, lf, lf_e):  # fmt: skip
    """First event (time in whole days, at least 1, and cause), death and loss to follow-up of
    each randomized patient, as :func:`survtrial.trial.outcomes.outcomes` computes them.

    ``order`` (R, W) the columns of the randomized patients first (in enrolment order): the
    k-th of them takes the k-th draws; ``e`` (K, R, >= W) unit exponentials per cause;
    ``rates`` and ``cum`` (K, G, J) the hazard and the cumulative hazard at each interval start
    per cause and arm x stratum group (G = 2 x strata); ``cure`` (K, G) cure fractions,
    ``cure_u`` (K, R, >= W) their uniforms (read only where a fraction is positive); ``post``,
    ``lf`` hazards per day of death after a non-fatal first event and of loss to follow-up,
    with their unit exponentials.
    """
    dummy = np.zeros((1, 1))
    return _outcomes(
        np.ascontiguousarray(e, dtype=np.float64),
        np.ascontiguousarray(cure_u if cure_u is not None else dummy[None], dtype=np.float64),
        np.ascontiguousarray(arm, dtype=np.int64),
        np.ascontiguousarray(stratum, dtype=np.int64),
        np.ascontiguousarray(randomized, dtype=np.bool_),
        np.ascontiguousarray(order, dtype=np.int64),
        int(rates.shape[1] // 2),
        np.ascontiguousarray(starts, dtype=np.float64),
        np.ascontiguousarray(rates, dtype=np.float64),
        np.ascontiguousarray(cum, dtype=np.float64),
        np.ascontiguousarray(cure, dtype=np.float64),
        np.ascontiguousarray(is_death, dtype=np.bool_),
        float(post),
        np.ascontiguousarray(post_e if post_e is not None else dummy, dtype=np.float64),
        float(lf),
        np.ascontiguousarray(lf_e if lf_e is not None else dummy, dtype=np.float64),
    )
