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


def treat(
    p: Protocol, streams: BlockStreams, e: Enrolment, arm: np.ndarray, describe: bool = True
) -> Treatment:
    """Body size and dose per patient; ``describe=False`` (nothing downstream reads them, as
    in operating characteristics) draws nothing and leaves every column NaN."""
    r, n = e.enrolled.shape
    xp = streams.xp
    gr = p.body_size
    if not describe:
        missing = xp.full((r, n), np.nan)
        return Treatment(missing, missing, missing, missing)
    if gr is None:
        height = weight = bsa = xp.full((r, n), np.nan)
    else:
        z1 = streams.normal("body_size", n, index=0)
        z2 = streams.normal("body_size", n, index=1)
        ages = xp.asarray(gr.age_years, dtype=float)

        def median(values) -> np.ndarray:  # the growth reference at each patient's age
            return xp.interp(e.age_years, ages, xp.asarray(values, dtype=float))

        h_med = xp.where(e.male, median(gr.height_cm_male), median(gr.height_cm_female))
        w_med = xp.where(e.male, median(gr.weight_kg_male), median(gr.weight_kg_female))
        # one shared size deviate (taller children are heavier), plus independent weight noise
        height = h_med * xp.exp(gr.height_log_sd * z1)
        weight = w_med * xp.exp(gr.weight_log_sd * (0.6 * z1 + 0.8 * z2))
        bsa = xp.sqrt(height * weight / 3600.0)
    dose_rate = max(
        (ph.dose_ug_per_m2_per_day for ph in p.experimental.phases if ph.drug), default=0.0
    )
    dose = xp.where(arm == 1, xp.nan_to_num(dose_rate * bsa), 0.0)
    return Treatment(height, weight, bsa, dose)
