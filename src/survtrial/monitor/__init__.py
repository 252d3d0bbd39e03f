"""Interim monitoring on real data (``survtrial monitor``): the stratified log-rank z of a data
cut, the bounds re-spent at the observed information, the decision, repeated CI and p-value,
conditional power, and the inference after stopping (rpact's numbers; see :mod:`.look`)."""

from survtrial.monitor.history import history_looks, read_history
from survtrial.monitor.look import (
    CONTINUE,
    EFFICACY,
    FUTILITY,
    SIGN_CONVENTION,
    Look,
    MonitoringLook,
    monitor_look,
    monitoring_design,
)
from survtrial.monitor.plan import MonitoringPlan, plan_from_design_json, plan_from_protocol
from survtrial.monitor.run import load_look_data, logrank_look, match_arms, monitor

__all__ = [
    "CONTINUE",
    "EFFICACY",
    "FUTILITY",
    "SIGN_CONVENTION",
    "Look",
    "MonitoringLook",
    "MonitoringPlan",
    "history_looks",
    "load_look_data",
    "logrank_look",
    "match_arms",
    "monitor",
    "monitor_look",
    "monitoring_design",
    "plan_from_design_json",
    "plan_from_protocol",
    "read_history",
]
