"""Adverse events per treatment phase, for patients still on study at the phase start: each
protocol entry occurs with its probability, its onset uniform over the phase (calendar days)."""

from __future__ import annotations

import numpy as np

from survtrial.protocol import Protocol
from survtrial.trial._rng import BlockStreams


def adverse_events(
    p: Protocol,
    streams: BlockStreams,
    arm: np.ndarray,
    stratum: np.ndarray,
    rand_day: np.ndarray,
    off_study_day: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(occurs, onset calendar day), each (R, N, n_ae); ``off_study_day`` is relative to
    randomization (first event or loss to follow-up)."""
    r, n = arm.shape
    n_ae = len(p.adverse_events)
    ae_occurs = np.zeros((r, n, n_ae), dtype=bool)
    ae_day = np.full((r, n, n_ae), np.inf)
    arm_names = [p.control.name, p.experimental.name]
    strata = p.population.strata
    for j, ae in enumerate(p.adverse_events):
        u = streams.random("adverse_event", n, index=2 * j)
        v = streams.random("adverse_event", n, index=2 * j + 1)
        for a, arm_def in enumerate((p.control, p.experimental)):
            if ae.arm not in ("*", arm_names[a]):
                continue
            phase = next((ph for ph in arm_def.phases if ph.name == ae.phase), None)
            if phase is None:
                continue
            ok = (arm == a) & (off_study_day > phase.start_day)
            if ae.stratum != "*":
                ok &= stratum == strata.index(ae.stratum)
            occ = ok & (u < ae.probability)
            onset = phase.start_day + np.floor(v * phase.duration_days)
            ae_occurs[..., j] |= occ
            ae_day[..., j] = np.where(occ, rand_day + onset, ae_day[..., j])
    return ae_occurs, ae_day
