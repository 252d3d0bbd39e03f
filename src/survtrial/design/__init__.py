"""Group-sequential design and interim monitoring for time-to-event trials (rpact's numbers).

Design: :func:`group_sequential` (error-spending bounds), :func:`events_required`,
:func:`sample_size_survival`, :func:`power_survival`. Monitoring: :func:`update_bounds`,
:func:`conditional_power`, :func:`repeated_confidence_intervals`, :func:`final_inference`.

Time is in months in this package, as in rpact: months are the design's unit at its edge
(the engine inside works in days; :mod:`survtrial.units` converts). z statistics are oriented
so that large values favour the experimental arm in the design, while the monitoring
functions take survtrial's signed log-rank z (negative favours the experimental arm).
"""

from survtrial.design._accrual import dropout_hazard
from survtrial.design._events import EventsRequired, events_required
from survtrial.design._group_sequential import GroupSequentialDesign, group_sequential
from survtrial.design._monitoring import (
    ConditionalPower,
    FinalInference,
    MonitoringBounds,
    RepeatedConfidenceIntervals,
    conditional_power,
    final_inference,
    repeated_confidence_intervals,
    spending_bounds,
    update_bounds,
)
from survtrial.design._survival import (
    SurvivalPlan,
    power_curve,
    power_survival,
    sample_size_survival,
)

__all__ = [
    "ConditionalPower",
    "EventsRequired",
    "FinalInference",
    "GroupSequentialDesign",
    "MonitoringBounds",
    "RepeatedConfidenceIntervals",
    "SurvivalPlan",
    "conditional_power",
    "dropout_hazard",
    "events_required",
    "final_inference",
    "group_sequential",
    "power_curve",
    "power_survival",
    "repeated_confidence_intervals",
    "sample_size_survival",
    "spending_bounds",
    "update_bounds",
]
