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
from survtrial.trial import BatchRun, Consort, consort, cut_data, run_trials
from survtrial.trial.cut import OVERALL_SURVIVAL
from survtrial.trial.executor import check_executor


@dataclass(frozen=True, slots=True)
class PublishedCurves:
    """What a publication printed, as the protocol ships it: digitized curves by (endpoint slug,
    arm) (years, proportion) and numbers at risk by (endpoint slug, arm, year)."""

    curves: dict[tuple[str, str], np.ndarray]  # (n, 2): years, survival
    at_risk: dict[tuple[str, str, float], int]


@dataclass(frozen=True, slots=True)
class CurveCheck:
    """The replicate-median curve of one endpoint and arm against the digitized one, on the
    simulation's grid up to the replicates' median follow-up and the digitized curve's end:
    distances in percentage points, and the share of digitized points inside the 2.5-97.5%
    band of the replicate curves."""

    endpoint: str
    arm: str
    role: str
    fitted_parameters: tuple[str, ...]
    max_abs_distance_points: float
    mean_abs_distance_points: float
    share_inside_band: float
    points_compared: int
    up_to_years: float


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
    curve_checks: tuple[CurveCheck, ...]
    consort: Consort  # the first simulated trial's flow at its data cut
    elapsed_seconds: float


def published_curves(p: Protocol) -> PublishedCurves:
    """The digitized curves (``data_files`` ``<endpoint>_<arm>``, for the protocol's endpoint
    and overall survival) and the numbers at risk (``numbers_at_risk``: endpoint, arm, year,
    n_at_risk) of a built-in protocol."""
    curves: dict[tuple[str, str], np.ndarray] = {}
    at_risk: dict[tuple[str, str, float], int] = {}
    for ep in dict.fromkeys([slug(p.analysis.endpoint), slug(OVERALL_SURVIVAL)]):
        for arm in (p.control.name, p.experimental.name):
            rel = p.data_files.get(f"{ep}_{arm}")
            if rel:
                path = builtin_data_path(p.trial.id, rel.split("/", 2)[-1])
                curves[(ep, arm)] = np.loadtxt(str(path), delimiter=",", skiprows=1, ndmin=2)
    rel = p.data_files.get("numbers_at_risk")
    if rel:
        with open(str(builtin_data_path(p.trial.id, rel.split("/", 2)[-1]))) as fh:
            for rec in csv.DictReader(fh):
                key = (slug(rec["endpoint"]), rec["arm"], float(rec["year"]))
                at_risk[key] = int(rec["n_at_risk"])
    return PublishedCurves(curves, at_risk)


def curve_checks(p: Protocol, run: BatchRun, published: PublishedCurves) -> tuple[CurveCheck, ...]:
    """Each digitized curve against the replicate curves of its endpoint and arm."""
    out = []
    for (ep, arm), pts in published.curves.items():
        c = run.curves.get(ep)
        if c is None:
            continue
        upto = min(float(np.nanmedian(c.last_follow_up_years)), float(pts[-1, 0]))
        keep = c.grid_years <= upto + 1e-9
        grid = c.grid_years[keep]
        lo, med, hi = np.nanpercentile(c.survival[arm][:, keep], [2.5, 50, 97.5], axis=0)
        # the digitized step curve on the grid: its last point at or before each time
        at = np.searchsorted(pts[:, 0], grid, side="right") - 1
        published_on_grid = pts[np.maximum(at, 0), 1]
        gap = 100 * np.abs(med - published_on_grid)
        # each digitized point against the band at its time (grid step at or before it)
        use = pts[:, 0] <= upto
        g = np.searchsorted(grid, pts[use, 0], side="right") - 1
        inside = (pts[use, 1] >= lo[g] - 1e-12) & (pts[use, 1] <= hi[g] + 1e-12)
        role, fitted = p.published_role(f"curve:{ep}_{arm}")
        out.append(
            CurveCheck(
                endpoint=ep,
                arm=arm,
                role=role,
                fitted_parameters=fitted,
                max_abs_distance_points=float(gap.max()),
                mean_abs_distance_points=float(gap.mean()),
                share_inside_band=float(inside.mean()) if inside.size else float("nan"),
                points_compared=int(inside.size),
                up_to_years=upto,
            )
        )
    return tuple(out)


def _variant(key: str | None, value: Any, run: BatchRun, shown: list[str]) -> Variant:
    it = run.interim
    return Variant(
        key=key,
        value=value,
        share_stopping_at_first_interim=float(np.mean(it["stopped_at_first"])),
        interim_information=float(np.nanmedian(it["information_fraction"])),
        interim_bound=float(np.nanmedian(it["bound"])),
        interim_z=float(np.nanmedian(it["z"])),
        medians={k: replicate_range(run.summary[k])[0] for k in shown if k in run.summary},
    )


def _shown_in_variants(protocol: Protocol, summary: dict[str, np.ndarray]) -> list[str]:
    """The published quantities (without SEs), else the endpoint's main ones."""
    if protocol.published_values:
        return [k for k in protocol.published_values if "_se_" not in k]
    ep = slug(protocol.analysis.endpoint)
    starts = (ep, "hr_", "rmst_difference", "randomized_")
    return [k for k in summary if k.startswith(starts) and "_se_" not in k]


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
    check_executor(workers, "local", None, prefix="--")
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
    shown = _shown_in_variants(protocol, run.summary)
    rows_v = [_variant(None, None, run, shown)] if variants else []
    for k, v, pv in variants:
        base[0] += replicates
        rv = run_trials(pv, replicates, seed, progress=tick, workers=workers)
        rows_v.append(_variant(k, v, rv, shown))
    elapsed = time.perf_counter() - t0
    first = run.first_headline()
    published = published_curves(protocol)
    return Reproduction(
        protocol=protocol,
        protocol_name=name,
        protocol_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        vary=tuple(f"{k}={','.join(map(str, v))}" for k, v in varies),
        seed=seed,
        replicates=replicates,
        run=run,
        rows=compare(protocol.published_values, first, run.summary, ep, protocol.published_role),
        interim=interim_summary(
            run.interim, protocol.published_decision, protocol.published_role("decision")
        ),
        variants=tuple(rows_v),
        published_curves=published,
        curve_checks=curve_checks(protocol, run, published),
        consort=consort(run.first_batch, cut_data(run.first_batch, run.first_cut_day), 0),
        elapsed_seconds=elapsed,
    )
