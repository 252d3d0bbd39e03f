"""Rebuild a trial from its published Kaplan-Meier curves (Guyot et al. 2012).

From the digitized points of each arm's curve (time, survival), the numbers at risk printed
under the figure and, when published, the total number of events, :func:`reconstruct` gives
pseudo individual patient data (time, event) per arm whose Kaplan-Meier curve follows the
published one and reproduces its numbers at risk, together with the accuracy checks that
papers report (reconstructed vs digitized survival at each point: RMSE and largest absolute
difference; numbers at risk reproduced; total events). The IPD can then be analysed with
:mod:`survtrial.stats` as any trial's data.

Reference: Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival
data: reconstructing the data from published Kaplan-Meier survival curves. BMC Med Res
Methodol 2012;12:9. doi:10.1186/1471-2288-12-9. Peers: R packages IPDfromKM (Liu et al. 2021),
reconstructKM, survHE's ``digitise``. See docs/reconstruct.md.
"""

from survtrial.reconstruct._clean import CleanCurve, clean_curve
from survtrial.reconstruct._files import reconstruct_files
from survtrial.reconstruct._guyot import (
    ArmReconstruction,
    AtRiskCheck,
    GuyotFit,
    guyot_fit,
    reconstruct_arm,
)
from survtrial.reconstruct._read import read_at_risk, read_curve
from survtrial.reconstruct._trial import DAYS_PER, UNITS, Reconstruction, reconstruct

__all__ = [
    "DAYS_PER",
    "UNITS",
    "ArmReconstruction",
    "AtRiskCheck",
    "CleanCurve",
    "GuyotFit",
    "Reconstruction",
    "clean_curve",
    "guyot_fit",
    "read_at_risk",
    "read_curve",
    "reconstruct",
    "reconstruct_arm",
    "reconstruct_files",
]
