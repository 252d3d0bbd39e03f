"""Treatment: body size from a growth reference and the experimental drug's dose.

Body-surface area by Mosteller's formula, sqrt(height_cm * weight_kg / 3600) m^2 (N Engl J Med
1987;317:1098); dose = the protocol's ug/m^2/day times BSA, on the experimental arm only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from survtrial.protocol import Protocol
from survtrial.trial._rng import BlockStreams
from survtrial.trial.enrol import Enrolment


@dataclass(frozen=True, slots=True)
class Treatment:
    height_cm: np.ndarray  # NaN without a growth reference in the protocol
    weight_kg: np.ndarray
    bsa_m2: np.ndarray
    dose_ug_per_day: np.ndarray  # 0 on the control arm


def treat(p: Protocol, streams: BlockStreams, e: Enrolment, arm: np.ndarray) -> Treatment:
    r, n = e.enrolled.shape
    gr = p.body_size
    z1, z2 = streams.normal(n), streams.normal(n)
    if gr is None:
        height = weight = bsa = np.full((r, n), np.nan)
    else:
        ages = np.asarray(gr.age_years)
        h_med = np.where(
            e.male,
            np.interp(e.age_years, ages, gr.height_cm_male),
            np.interp(e.age_years, ages, gr.height_cm_female),
        )
        w_med = np.where(
            e.male,
            np.interp(e.age_years, ages, gr.weight_kg_male),
            np.interp(e.age_years, ages, gr.weight_kg_female),
        )
        # one shared size deviate (taller children are heavier), plus independent weight noise
        height = h_med * np.exp(gr.height_log_sd * z1)
        weight = w_med * np.exp(gr.weight_log_sd * (0.6 * z1 + 0.8 * z2))
        bsa = np.sqrt(height * weight / 3600.0)
    dose_rate = max(
        (ph.dose_ug_per_m2_per_day for ph in p.experimental.phases if ph.drug), default=0.0
    )
    dose = np.where(arm == 1, np.nan_to_num(dose_rate * bsa), 0.0)
    return Treatment(height, weight, bsa, dose)
