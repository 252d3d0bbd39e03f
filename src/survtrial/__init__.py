"""survtrial: randomized time-to-event clinical trials, designed, simulated and analysed."""

from survtrial._errors import InputError

__version__ = "0.1.0"

__all__ = ["InputError", "__version__"]
