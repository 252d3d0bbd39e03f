"""The trial engine: simulate batches of trials from a protocol, cut, monitor and analyse them.

Every per-patient array has shape (replicates, patients); a single trial is a batch of one.
"""

from survtrial.trial._analysis import (
    CutData,
    MonitoringResult,
    cut_data,
    full_analysis,
    monitor,
    summarize,
)
from survtrial.trial._engine import BatchRun, run_trials
from survtrial.trial._simulate import TrialBatch, simulate_batch

__all__ = [
    "BatchRun",
    "CutData",
    "MonitoringResult",
    "TrialBatch",
    "cut_data",
    "full_analysis",
    "monitor",
    "run_trials",
    "simulate_batch",
    "summarize",
]
