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
from survtrial.trial.summary import ReplicateCurves, summarize

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
