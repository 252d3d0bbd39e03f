"""The monitoring plan: what a look needs from the design, read from a protocol's ``[monitoring]``
section or from the JSON that ``survtrial design --json`` writes.

Information is counted in events: the information fraction at a look is its events divided by
``planned_events``, the events the final analysis waits for (``ceil(max_events)`` of a design
file; one cannot observe a fraction of an event).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from survtrial._errors import InputError
from survtrial.design import group_sequential

SPENDING = ("OF", "Pocock", "HSD", "KD")


@dataclass(frozen=True)
class MonitoringPlan:
    """The planned design of a log-rank monitored trial.

    Attributes
    ----------
    planned_events : int
        Events at the final analysis (information 1).
    information_rates : tuple of float
        Planned information fractions of the looks whose events are planned, the last 1.
        A protocol look planned at a calendar date has no planned fraction and is left out.
    look_names : tuple of str
        Names of the planned looks (a protocol's, all of them), or ``()`` for a design file.
    alpha, beta, sided, alpha_spending, alpha_gamma, beta_spending, beta_gamma,
    binding_futility
        As :func:`survtrial.design.group_sequential`.
    hazard_ratio : float
        The design's effect (experimental / control) for conditional power: the design file's
        ``hazard_ratio``; for a protocol, the effect the planned looks detect with power
        ``1 - beta`` at ``planned_events``, ``exp(-drift (1 + r) / sqrt(r D))``.
    allocation_ratio : float
        Experimental : control allocation ``r``.
    arms : tuple of (str, str) or None
        The (control, experimental) arm names a data set must match; for a protocol each arm
        is known by its ``name`` or its ``label``. None for a design file.
    arm_aliases : tuple of tuple of str
        Every accepted spelling of the control and of the experimental arm.
    source : str
        Where the plan came from (file name or protocol id).
    """

    planned_events: int
    information_rates: tuple[float, ...]
    look_names: tuple[str, ...]
    alpha: float
    beta: float
    sided: int
    alpha_spending: str
    alpha_gamma: float | None
    beta_spending: str | None
    beta_gamma: float | None
    binding_futility: bool
    hazard_ratio: float
    allocation_ratio: float
    arms: tuple[str, str] | None
    arm_aliases: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    source: str = ""

    def design_key(self) -> dict[str, Any]:
        """What identifies the design: earlier looks must come from a plan with the same key."""
        return {
            "planned_events": self.planned_events,
            "information_rates": [round(t, 12) for t in self.information_rates],
            "alpha": self.alpha,
            "beta": self.beta,
            "sided": self.sided,
            "alpha_spending": self.alpha_spending,
            "alpha_gamma": self.alpha_gamma,
            "beta_spending": self.beta_spending,
            "beta_gamma": self.beta_gamma,
            "binding_futility": self.binding_futility,
            "hazard_ratio": round(self.hazard_ratio, 12),
            "allocation_ratio": self.allocation_ratio,
        }


def plan_from_protocol(protocol: Any, source: str = "") -> MonitoringPlan:
    """The plan of a validated :class:`survtrial.protocol.Protocol` (its ``[monitoring]``)."""
    m = protocol.monitoring
    if m.information != "events":  # pragma: no cover - the schema allows "events" only
        raise InputError("monitoring.information: only 'events' is supported")
    control = next(a for a in protocol.arms if a.role == "control")
    experimental = next(a for a in protocol.arms if a.role == "experimental")
    ratio = experimental.ratio / control.ratio
    rates = [lk.events / m.planned_events for lk in m.looks if lk.events is not None]
    rates = sorted({min(t, 1.0) for t in rates} | {1.0})
    design = group_sequential(
        rates,
        alpha=m.alpha,
        beta=m.beta,
        alpha_spending=m.alpha_spending,
        alpha_gamma=m.alpha_gamma,
        beta_spending=m.beta_spending if m.sided == 1 else None,
        beta_gamma=m.beta_gamma,
        binding_futility=m.binding_futility,
        sided=m.sided,
    )
    hr = math.exp(-design.drift * (1 + ratio) / math.sqrt(ratio * m.planned_events))
    return MonitoringPlan(
        planned_events=m.planned_events,
        information_rates=tuple(rates),
        look_names=tuple(lk.name for lk in m.looks),
        alpha=m.alpha,
        beta=m.beta,
        sided=m.sided,
        alpha_spending=m.alpha_spending,
        alpha_gamma=m.alpha_gamma,
        beta_spending=m.beta_spending if m.sided == 1 else None,
        beta_gamma=m.beta_gamma,
        binding_futility=m.binding_futility,
        hazard_ratio=hr,
        allocation_ratio=ratio,
        arms=(control.name, experimental.name),
        arm_aliases=((control.name, control.label), (experimental.name, experimental.label)),
        source=source or protocol.trial.id,
    )


def _field(d: dict, key: str, source: str, kind: type | tuple[type, ...], optional=False):
    if key not in d or d[key] is None:
        if optional:
            return None
        raise InputError(f"{source}: design.{key}: missing; write the file with "
                         "`survtrial design --json`")
    value = d[key]
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        raise InputError(f"{source}: design.{key}: {value!r} is not a valid value")
    return value


def plan_from_design_json(text: str, source: str = "design.json") -> MonitoringPlan:
    """The plan of a design file written by ``survtrial design --json``."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not JSON (line {exc.lineno}: {exc.msg})") from None
    d = data.get("design") if isinstance(data, dict) else None
    if not isinstance(d, dict):
        raise InputError(f"{source}: no 'design' object; write it with `survtrial design --json`")
    num = (int, float)
    rates = _field(d, "information_rates", source, list)
    if not rates or not all(isinstance(t, num) and not isinstance(t, bool) for t in rates):
        raise InputError(f"{source}: design.information_rates: must be a list of numbers")
    spend = _field(d, "alpha_spending", source, str)
    beta_spend = _field(d, "beta_spending", source, str, optional=True)
    for key, value in (("alpha_spending", spend), ("beta_spending", beta_spend)):
        if value is not None and value not in SPENDING:
            raise InputError(
                f"{source}: design.{key}: {value!r}: monitoring re-spends one of "
                f"{', '.join(SPENDING)} at the observed information (not a user vector)"
            )
    max_events = float(_field(d, "max_events", source, num))
    if not (np.isfinite(max_events) and max_events > 0):
        raise InputError(f"{source}: design.max_events: must be a positive number")
    sided = _field(d, "sided", source, int)
    if sided not in (1, 2):
        raise InputError(f"{source}: design.sided: must be 1 or 2, got {sided!r}")
    gamma_a = _field(d, "alpha_gamma", source, num, optional=True)
    gamma_b = _field(d, "beta_gamma", source, num, optional=True)
    return MonitoringPlan(
        planned_events=math.ceil(max_events - 1e-9),
        information_rates=tuple(float(t) for t in rates),
        look_names=(),
        alpha=float(_field(d, "alpha", source, num)),
        beta=float(_field(d, "beta", source, num)),
        sided=sided,
        alpha_spending=spend,
        alpha_gamma=None if gamma_a is None else float(gamma_a),
        beta_spending=beta_spend,
        beta_gamma=None if gamma_b is None else float(gamma_b),
        binding_futility=bool(_field(d, "binding_futility", source, bool)),
        hazard_ratio=float(_field(d, "hazard_ratio", source, num)),
        allocation_ratio=float(_field(d, "allocation_ratio", source, num)),
        arms=None,
        source=source,
    )


__all__ = ["MonitoringPlan", "plan_from_design_json", "plan_from_protocol"]
