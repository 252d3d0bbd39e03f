"""Run a protocol's trial in silico and set its published results beside the simulated ones.

:func:`reproduce` runs R replicate trials of the protocol (and of each ``--vary`` variant),
compares every published quantity with one simulated trial and with the replicates, and loads
the published digitized curves and numbers at risk that the protocol ships (for the figure).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from survtrial._errors import InputError
from survtrial.analysis import slug
from survtrial.protocol import Protocol, builtin_data_path, parse_protocol
from survtrial.reproduce.compare import (
    ComparisonRow,
    InterimSummary,
    compare,
    interim_summary,
    replicate_range,
)
from survtrial.trial import BatchRun, run_trials


@dataclass(frozen=True, slots=True)
class PublishedCurves:
    """What a publication printed, as the protocol ships it: digitized curves by arm (years,
    proportion) and numbers at risk by (arm, year)."""

    curves: dict[str, np.ndarray]  # arm -> (n, 2): years, survival
    at_risk: dict[tuple[str, float], int]


@dataclass(frozen=True, slots=True)
class Variant:
    """One ``--vary`` setting and the replicate medians it gives."""

    key: str | None  # None: the protocol as written
    value: Any
    share_stopping_at_first_interim: float
    interim_information: float
    interim_bound: float
    interim_z: float
    medians: dict[str, float | None]

    @property
    def setting(self) -> str:
        return "as in the protocol" if self.key is None else f"{self.key} = {self.value}"


@dataclass(frozen=True, slots=True)
class Reproduction:
    protocol: Protocol
    protocol_name: str
    protocol_sha256: str
    vary: tuple[str, ...]
    seed: int
    replicates: int
    run: BatchRun
    rows: tuple[ComparisonRow, ...]
    interim: InterimSummary
    variants: tuple[Variant, ...]
    published_curves: PublishedCurves
    elapsed_seconds: float


def published_curves(p: Protocol) -> PublishedCurves:
    """The digitized curves (``data_files`` ``<endpoint>_<arm>``) and numbers at risk
    (``numbers_at_risk``: endpoint, arm, year, n_at_risk) of a built-in protocol."""
    ep = slug(p.analysis.endpoint)
    curves: dict[str, np.ndarray] = {}
    at_risk: dict[tuple[str, float], int] = {}
    for arm in (p.control.name, p.experimental.name):
        rel = p.data_files.get(f"{ep}_{arm}")
        if rel:
            path = builtin_data_path(p.trial.id, rel.split("/", 2)[-1])
            curves[arm] = np.loadtxt(str(path), delimiter=",", skiprows=1, ndmin=2)
    rel = p.data_files.get("numbers_at_risk")
    if rel:
        with open(str(builtin_data_path(p.trial.id, rel.split("/", 2)[-1]))) as fh:
            for rec in csv.DictReader(fh):
                if slug(rec["endpoint"]) == ep:
                    at_risk[(rec["arm"], float(rec["year"]))] = int(rec["n_at_risk"])
    return PublishedCurves(curves, at_risk)


def _variant(key: str | None, value: Any, run: BatchRun, endpoint: str) -> Variant:
    it = run.interim
    medians = {}
    for k, v in run.summary.items():
        if k.startswith((endpoint, "hr_", "rmst_difference", "randomized_")) and "_se_" not in k:
            medians[k] = replicate_range(v)[0]
    return Variant(
        key=key,
        value=value,
        share_stopping_at_first_interim=float(np.mean(it["stopped_at_first"])),
        interim_information=float(np.nanmedian(it["information_fraction"])),
        interim_bound=float(np.nanmedian(it["bound"])),
        interim_z=float(np.nanmedian(it["z"])),
        medians=medians,
    )


def reproduce(
    text: str,
    source: str,
    name: str,
    *,
    seed: int,
    replicates: int,
    vary: tuple[str, ...] = (),
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> Reproduction:
    """Run protocol ``text`` (and each ``vary`` variant, ``KEY=V1,V2``) ``replicates`` times.

    ``progress(done, total)`` is called with replicates finished over all runs. Every number is
    a pure function of (protocol, vary, seed, replicates), whatever ``workers``.
    """
    import time

    from survtrial.protocol import parse_vary, with_override

    if replicates < 2:
        raise InputError(f"--replicates: need at least 2, got {replicates}")
    if seed < 0:
        raise InputError(f"--seed: must be >= 0, got {seed}")
    if workers < 1:
        raise InputError(f"--workers: need at least 1, got {workers}")
    protocol = parse_protocol(text, source)
    varies = [parse_vary(v) for v in vary]
    variants = [(k, v, with_override(text, k, v, source)) for k, vals in varies for v in vals]
    total = replicates * (1 + len(variants))
    t0 = time.perf_counter()
    base = [0]

    def tick(n: int) -> None:
        if progress is not None:
            progress(base[0] + n, total)

    ep = slug(protocol.analysis.endpoint)
    run = run_trials(protocol, replicates, seed, progress=tick, workers=workers)
    rows_v = [_variant(None, None, run, ep)] if variants else []
    for k, v, pv in variants:
        base[0] += replicates
        rv = run_trials(pv, replicates, seed, progress=tick, workers=workers)
        rows_v.append(_variant(k, v, rv, slug(pv.analysis.endpoint)))
    elapsed = time.perf_counter() - t0
    first = run.first_headline()
    return Reproduction(
        protocol=protocol,
        protocol_name=name,
        protocol_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        vary=tuple(f"{k}={','.join(map(str, v))}" for k, v in varies),
        seed=seed,
        replicates=replicates,
        run=run,
        rows=compare(protocol.published_values, first, run.summary, ep),
        interim=interim_summary(run.interim, protocol.published_decision),
        variants=tuple(rows_v),
        published_curves=published_curves(protocol),
        elapsed_seconds=elapsed,
    )
