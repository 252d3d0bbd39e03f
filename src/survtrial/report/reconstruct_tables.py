"""Tables and files of a Kaplan-Meier reconstruction (a :class:`Reconstruction`).

The accuracy and numbers-at-risk tables are Rich tables (the command line prints them on its
console); the IPD is CSV text and the accuracy report JSON text, ready to write. Times are in
the unit of the reconstruction (that of the published figure).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from survtrial.reconstruct import Reconstruction

if TYPE_CHECKING:  # Rich is imported when a table is built (it is slow to import)
    from rich.table import Table

ACCURACY_CAPTION = "survival RMSE and max |diff|: reconstructed KM vs digitized points, 0-1 scale"


def accuracy_title(example: str | None = None, endpoint: str | None = None) -> str:
    """``AALL1731 DFS: reconstruction accuracy (Guyot et al. 2012)`` for a shipped example."""
    if example is None:
        return "Reconstruction accuracy (Guyot et al. 2012)"
    what = example.strip().upper() + (f" {endpoint.strip().upper()}" if endpoint else "")
    return f"{what}: reconstruction accuracy (Guyot et al. 2012)"


def accuracy_table(rec: Reconstruction, title: str) -> Table:
    """One row per arm: size, events (and the published total), digitized points, points
    altered and added by the cleaning, survival RMSE and largest difference, and the largest
    difference in the numbers at risk."""
    from rich.table import Table

    t = Table(title=title, title_justify="left", caption=ACCURACY_CAPTION, caption_justify="left")
    for col in ("arm", "N", "events", "points", "altered", "added", "RMSE", "max |diff|"):
        t.add_column(col, justify="left" if col == "arm" else "right")
    t.add_column("at risk |diff|", justify="right")
    for a in rec.arms:
        pub = "" if a.events_published is None else f" (published {a.events_published})"
        t.add_row(
            a.arm,
            str(a.n),
            f"{a.n_events}{pub}",
            str(a.curve.n_input),
            str(a.curve.n_altered),
            str(a.curve.n_added + a.n_points_added),
            f"{a.rmse:.4f}",
            f"{a.max_abs_difference:.4f}",
            str(a.at_risk.max_abs_difference),
        )
    return t


def at_risk_table(rec: Reconstruction) -> Table:
    """Numbers at risk, published / reconstructed, one row per time of any arm's table."""
    from rich.table import Table

    nar = Table(title=f"Numbers at risk: published / reconstructed (time in {rec.unit})")
    nar.add_column(f"time ({rec.unit})", justify="right")
    for a in rec.arms:
        nar.add_column(a.arm, justify="right")
    times = sorted({float(x) for a in rec.arms for x in a.at_risk.time})
    for tm in times:
        cells = []
        for a in rec.arms:
            hit = [i for i, x in enumerate(a.at_risk.time) if float(x) == tm]
            if hit:
                i = hit[0]
                cells.append(f"{a.at_risk.published[i]} / {a.at_risk.reconstructed[i]}")
            else:
                cells.append("")
        nar.add_row(f"{tm:g}", *cells)
    return nar


def note_lines(rec: Reconstruction) -> list[str]:
    """``note (arm): ...`` for each place where the published numbers were not reproduced."""
    return [f"note ({a.arm}): {note}" for a in rec.arms for note in a.notes]


def ipd_csv(rec: Reconstruction) -> str:
    """The pseudo-IPD table as CSV text (``usubjid, arm, time, event, unit``)."""
    return rec.to_frame().to_csv(index=False)


def accuracy_dict(rec: Reconstruction) -> dict[str, Any]:
    """The accuracy report as plain JSON-ready values (what ``accuracy.json`` holds): per arm,
    size and events, what the cleaning changed, survival RMSE and largest difference, the
    numbers at risk published and reconstructed, iterations and notes."""
    arms = {}
    for a in rec.arms:
        arms[a.arm] = {
            "n": a.n,
            "events_reconstructed": a.n_events,
            "events_published": a.events_published,
            "points_input": a.curve.n_input,
            "points_altered_by_cleaning": a.curve.n_altered,
            "max_alteration": a.curve.max_alteration,
            "points_duplicate_dropped": a.curve.n_duplicates,
            "points_added": a.curve.n_added + a.n_points_added,
            "points_compared": int(a.check_time.shape[0]),
            "survival_rmse": a.rmse,
            "survival_max_abs_difference": a.max_abs_difference,
            "at_risk": [
                {"time": float(t), "published": int(p), "reconstructed": int(r)}
                for t, p, r in zip(
                    a.at_risk.time, a.at_risk.published, a.at_risk.reconstructed, strict=True
                )
            ],
            "at_risk_max_abs_difference": a.at_risk.max_abs_difference,
            "iterations_per_interval": [int(i) for i in a.iterations],
            "notes": list(a.notes),
        }
    return {
        "method": "Guyot et al. 2012 (BMC Med Res Methodol 12:9), survtrial.reconstruct",
        "unit": rec.unit,
        "last_interval": rec.last_interval,
        "survival_scale": "probability 0-1",
        "arms": arms,
    }


def accuracy_json(rec: Reconstruction) -> str:
    """:func:`accuracy_dict` as indented JSON text, ending with a newline."""
    return json.dumps(accuracy_dict(rec), indent=2) + "\n"


def written_lines(rec: Reconstruction, ipd_path: Path, accuracy_path: Path) -> list[str]:
    """What the command line says after writing the two files."""
    rows = sum(a.n for a in rec.arms)
    return [
        f"wrote {ipd_path} ({rows} rows, time in {rec.unit})",
        f"wrote {accuracy_path}",
    ]


__all__ = [
    "ACCURACY_CAPTION",
    "accuracy_dict",
    "accuracy_json",
    "accuracy_table",
    "accuracy_title",
    "at_risk_table",
    "ipd_csv",
    "note_lines",
    "written_lines",
]
