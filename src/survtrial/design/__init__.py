"""Group-sequential design and interim monitoring for time-to-event trials (rpact's numbers).

Design: :func:`group_sequential` (error-spending bounds), :func:`events_required`,
:func:`sample_size_survival`, :func:`power_survival`. Monitoring: :func:`update_bounds`,
:func:`conditional_power`, :func:`repeated_confidence_intervals`, :func:`final_inference`.
"""

from survtrial.design._group_sequential import GroupSequentialDesign, group_sequential

__all__ = ["GroupSequentialDesign", "group_sequential"]
