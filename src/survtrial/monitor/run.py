"""`survtrial monitor` as a library call: read the data (:mod:`survtrial.io`), match its arms
to the design, take the stratified log-rank z, and monitor the look (:mod:`.look`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from survtrial._errors import InputError
from survtrial.analysis import AnalysisData
from survtrial.io.analysis_input import load_analysis_data
from survtrial.io.options import LoadOptions
from survtrial.monitor.history import read_history
from survtrial.monitor.look import Look, MonitoringLook, monitor_look
from survtrial.monitor.plan import MonitoringPlan
from survtrial.stats import logrank


def logrank_look(data: AnalysisData) -> tuple[int, float]:
    """(events, z): the stratified log-rank z of the experimental arm, as R's
    ``survdiff(Surv(time, event) ~ arm + strata(...))`` (negative favours experimental)."""
    strata = data.stratum if data.strata_columns else None
    lr = logrank(data.time_days, data.event, data.arm, strata=strata, levels=(0, 1))
    events = int(data.event.sum())
    if not np.isfinite(lr.z):
        raise InputError(f"{data.files[0].get('file', 'data') if data.files else 'data'}: the "
                         f"log-rank z is not defined ({events} events); nothing to monitor")
    return events, float(lr.z)


def _aliases(names: Sequence[str]) -> set[str]:
    return {n.casefold() for n in names}


def match_arms(plan: MonitoringPlan, labels: tuple[str, str]) -> bool:
    """Whether the data's (control, experimental) ``labels`` are the design's arms in order;
    False when they are the design's arms swapped. A data set with other arms is an error."""
    control, experimental = (_aliases(a) for a in plan.arm_aliases)
    if not control:
        return True
    a, b = (x.casefold() for x in labels)
    if a in control and b in experimental:
        return True
    if a in experimental and b in control:
        return False
    raise InputError(
        f"arms: the data's arms {labels[0]!r} and {labels[1]!r} do not match the design's "
        f"control arm ({' / '.join(plan.arm_aliases[0])}) and experimental arm "
        f"({' / '.join(plan.arm_aliases[1])}); give --arms CONTROL,EXPERIMENTAL"
    )


def load_look_data(opts: LoadOptions, plan: MonitoringPlan) -> AnalysisData:
    """The analysis data with the control arm first, as the design names it."""
    if opts.arms is None and plan.arms is None:
        raise InputError(
            "--arms: give CONTROL,EXPERIMENTAL: a design file does not name the arms, and the "
            "sign of z depends on which arm is the control"
        )
    data = load_analysis_data(opts)
    if match_arms(plan, data.arm_labels):
        return data
    if opts.arms is not None:
        raise InputError(
            f"--arms: {opts.arms[0]!r} is the design's experimental arm and {opts.arms[1]!r} its "
            "control; give --arms CONTROL,EXPERIMENTAL"
        )
    swapped = (data.arm_labels[1], data.arm_labels[0])
    return load_analysis_data(dataclasses.replace(opts, arms=swapped))


def _look_name(plan: MonitoringPlan, name: str | None, number: int, history) -> str:
    if name is not None:
        if plan.look_names and name not in plan.look_names:
            raise InputError(
                f"--look: {name!r} is not a look of {plan.source} "
                f"({', '.join(plan.look_names)})"
            )
        if any(lk.name == name for lk in history):
            raise InputError(f"--look: {name!r} is already in the history; name this look")
        return name
    if plan.look_names:
        if number > len(plan.look_names):
            raise InputError(
                f"--look: {plan.source} plans {len(plan.look_names)} looks and the history "
                f"has {number - 1}; name this look with --look"
            )
        return plan.look_names[number - 1]
    return f"look {number}"


def monitor(
    opts: LoadOptions,
    plan: MonitoringPlan,
    look: str | None = None,
    history: Sequence[Path] = (),
) -> tuple[MonitoringLook, AnalysisData]:
    """Monitor the look whose data ``opts`` reads, after the looks in the ``history`` files."""
    data = load_look_data(opts, plan)
    arms = (data.arm_labels[0], data.arm_labels[1])
    past = read_history(history, plan, arms)
    events, z = logrank_look(data)
    name = _look_name(plan, look, len(past) + 1, past)
    if past and events <= past[-1].events:
        raise InputError(
            f"events: this look has {events} events, not more than the {past[-1].events} of "
            f"look {past[-1].name!r} in the history"
        )
    return monitor_look(plan, [*past, Look(name=name, events=events, z=z)], arms), data


__all__ = ["load_look_data", "logrank_look", "match_arms", "monitor"]
