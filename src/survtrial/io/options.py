"""What the user asks of a load: the files and the options of ``survtrial analyze``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """What the user asked for (None = not given)."""

    adtte: Path
    adsl: Path | None = None
    adae: Path | None = None
    param: str | None = None
    time: str | None = None
    event: str | None = None
    arm: str | None = None
    id: str | None = None
    strata: tuple[str, ...] | None = None  # () = none; None = detect
    cause: str | None = None
    unit: str | None = None
    encoding: str | None = None
    arms: tuple[str, str] | None = None
    ae_grade_min: int | None = None  # ADAE: keep rows with AETOXGR/ATOXGR >= this
    baseline: tuple[str, ...] | None = None  # Table 1 columns; None = detect, () = none
    subgroups: tuple[str, ...] = ()  # forest-plot subgroup factors (ADSL or the TTE file)
