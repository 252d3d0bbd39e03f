"""The in-silico trial, one step per module: enrol, randomize, treatment, outcomes,
adverse_events, cut, monitor, summary; :mod:`.engine` strings them together.

Every per-patient array has shape (replicates, patients); a single trial is a batch of one.
"""

from survtrial.trial.batch import TrialBatch
from survtrial.trial.cut import (
    Consort,
    CutData,
    analysis_data,
    consort,
    cut_data,
    protocol_settings,
)
from survtrial.trial.engine import BatchRun, run_trials, simulate_batch
from survtrial.trial.monitor import MonitoringResult, efficacy_bound, monitor

__all__ = [
    "BatchRun",
    "Consort",
    "CutData",
    "MonitoringResult",
    "ReplicateCurves",
    "TrialBatch",
    "analysis_data",
    "consort",
    "cut_data",
    "efficacy_bound",
    "monitor",
    "protocol_settings",
    "run_trials",
    "simulate_batch",
    "summarize",
]


def __getattr__(name: str):
    """``summarize`` and ``ReplicateCurves`` load :mod:`.summary` (and the analysis names it
    needs) on first use: simulate's workers never do."""
    if name in ("summarize", "ReplicateCurves"):
        from survtrial.trial import summary

        return getattr(summary, name)
    raise AttributeError(f"module 'survtrial.trial' has no attribute {name!r}")
