"""Write the held-out comparisons of `survtrial reproduce aall1731` into docs/reproduction.md.

Usage: python scripts/reproduction_held_out.py [--replicates 400] [--seed 20241207]

Runs the default reproduction (the same numbers `survtrial reproduce aall1731` prints) and, for
the model change that a held-out figure prompted, the same run with the old value
(death after relapse 0.10 a year), and replaces the text between ``<!-- held-out:begin -->``
and ``<!-- held-out:end -->`` in docs/reproduction.md with the tables. Nothing is fitted here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reproduction.md"
BEGIN, END = "<!-- held-out:begin -->", "<!-- held-out:end -->"
sys.path.insert(0, str(ROOT / "src"))


def _fmt(v, key: str = "") -> str:
    from survtrial.report.reproduction import fmt

    return fmt(v, key)


def held_out_markdown(rep, old) -> str:
    """The held-out rows, the whole-curve checks and the interim decision, as markdown."""
    lines = [
        f"`survtrial reproduce aall1731`: seed {rep.seed}, {rep.replicates} replicates "
        "(regenerate with `python scripts/reproduction_held_out.py`).",
        "",
        "| quantity | published | replicate median | 2.5-97.5% | published value's percentile"
        " | inside the range | with death after relapse 0.10 (before) |",
        "|---|---|---|---|---|---|---|",
    ]
    before = {r.key: r for r in old.rows}
    for r in rep.rows:
        if r.role != "held_out":
            continue
        b = before[r.key]
        lines.append(
            f"| `{r.key}` | {_fmt(r.published, r.key)} | {_fmt(r.replicate_median, r.key)} | "
            f"{_fmt(r.replicate_low, r.key)} - {_fmt(r.replicate_high, r.key)} | "
            f"{100 * r.published_percentile:.0f}% | {'yes' if r.within_range else 'NO'} | "
            f"{_fmt(b.replicate_median, r.key)} ({'inside' if b.within_range else 'OUTSIDE'}) |"
        )
    p_rows = [r for r in rep.rows if r.share_below_0_05 is not None]
    if p_rows:
        lines += ["", "Simulated p-values: share of replicates with p < 0.05 (the power of the"
                  " comparison, or its type I error where there is no effect):", ""]
        for r in p_rows:
            lines.append(f"- `{r.key}`: {100 * r.share_below_0_05:.0f}% "
                         f"(published p = {_fmt(r.published, r.key)})")
    lines += [
        "",
        "Whole curves, replicate median against the digitized published curve (points are "
        "percentage points; the band is the 2.5-97.5% range of the replicate curves):",
        "",
        "| endpoint | arm | role | up to (years) | max distance | mean distance |"
        " digitized points inside the band |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in rep.curve_checks:
        role = "held out" if c.role == "held_out" else "calibration target"
        lines.append(
            f"| {c.endpoint.upper()} | {c.arm} | {role} | {c.up_to_years:.1f} | "
            f"{c.max_abs_distance_points:.1f} | {c.mean_abs_distance_points:.1f} | "
            f"{100 * c.share_inside_band:.0f}% of {c.points_compared} |"
        )
    it = rep.interim
    lines += [
        "",
        f"Stopping at the first interim: {100 * it.share_stopping_at_first_interim:.1f}% of "
        "replicates stop there, as the trial did; this is *not* held out: 110 planned events "
        "(`monitoring.planned_events`) were chosen so that a stop there is plausible.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from survtrial.protocol import builtin_text
    from survtrial.reproduce import reproduce

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=400)
    ap.add_argument("--seed", type=int, default=20241207)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    text = builtin_text("aall1731")
    run = dict(seed=args.seed, replicates=args.replicates, workers=args.workers)
    rep = reproduce(text, "aall1731.toml", "aall1731", **run)
    old_text = text.replace(
        "death_after_relapse_per_year = 0.21", "death_after_relapse_per_year = 0.10", 1
    )
    old = reproduce(old_text, "aall1731.toml", "aall1731", **run)
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Reproducing AALL1731\n"
    block = f"{BEGIN}\n{held_out_markdown(rep, old)}\n{END}"
    if BEGIN in doc:
        head, rest = doc.split(BEGIN, 1)
        doc = head + block + rest.split(END, 1)[1]
    else:
        doc = doc.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(doc, encoding="utf-8")
    print(f"wrote the held-out tables into {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
