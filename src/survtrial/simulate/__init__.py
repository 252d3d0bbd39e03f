"""Operating characteristics of a design at scale (``survtrial simulate``)."""

from survtrial.simulate.characteristics import Estimate, ScenarioCharacteristics
from survtrial.simulate.run import Simulation, check_run, simulate

__all__ = ["Estimate", "ScenarioCharacteristics", "Simulation", "check_run", "simulate"]
