"""Compiled (numba) kernel for outcomes on the CPU: one pass over each replicate's randomized
patients, with the same arithmetic as the array code in :mod:`.outcomes` (which runs on the GPU,
and on the CPU when :data:`survtrial._compiled.ENABLED` is False), so the results are equal bit
for bit (tests/test_trial_kernels.py)."""

from __future__ import annotations

import numpy as np

from survtrial._compiled import kernel


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


@kernel
def _outcomes_simple(e, cure_u, arm, stratum, randomized, order, n_strata, starts, rates, cum,
                     cure, is_death, post, post_e, lf, lf_e):  # fmt: skip  # pragma: no cover
    """:func:`_outcomes` (the same arguments) for one cause, one interval and no cure: the same
    arithmetic without the loops over causes and intervals (their mere presence slows the
    patients' loop by a third on the rpact-comparable scenario; hence the second copy of the
    loop, not a shared helper, which numba would call per patient)."""
    r, n = arm.shape
    event_time = np.full((r, n), np.inf)
    event_type = np.full((r, n), -1, dtype=np.int64)
    death_time = np.full((r, n), np.inf)
    ltfu = np.full((r, n), np.inf)
    for i in range(r):
        for pos in range(order.shape[1]):
            j = order[i, pos]
            if not randomized[i, j]:
                break
            g = max(arm[i, j], 0) * n_strata + max(stratum[i, j], 0)
            rate = rates[0, g, 0]
            best = starts[0] + (e[0, i, pos] - cum[0, g, 0]) / rate if rate > 0 else np.inf
            if best < np.inf:
                t_ev = max(np.ceil(best), 1.0)
                event_time[i, j] = t_ev
                event_type[i, j] = 0
                if is_death[0]:
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
    simple = e.shape[0] == 1 and starts.shape[0] == 1 and not (np.asarray(cure) > 0).any()
    return (_outcomes_simple if simple else _outcomes)(
        np.ascontiguousarray(e, dtype=np.float64),
        np.ascontiguousarray(cure_u if cure_u is not None else dummy[None], dtype=np.float64),
        np.ascontiguousarray(arm, dtype=np.int64),
        np.ascontiguousarray(stratum, dtype=np.int64),
        np.ascontiguousarray(randomized, dtype=np.bool_),
        np.asarray(order, dtype=np.int64),  # may be a view of wider rows
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
