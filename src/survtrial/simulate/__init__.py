"""Operating characteristics of a design at scale (``survtrial simulate``)."""

from survtrial.simulate.characteristics import Estimate, ScenarioCharacteristics
from survtrial.simulate.run import Simulation, simulate

__all__ = ["Estimate", "ScenarioCharacteristics", "Simulation", "simulate"]
