"""`survtrial reproduce`, `survtrial run` and `survtrial protocols`: parse, call
:func:`survtrial.reproduce.reproduce`, write (:mod:`survtrial.report.reproduction` and
:mod:`survtrial.io.adam`) and print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from survtrial.cli._common import console, progress_bar, protocol_text, user_errors
from survtrial.cli._start import DEFAULT_WORKERS

VaryOption = Annotated[
    list[str] | None,
    typer.Option(
        "--vary",
        metavar="KEY=V1,V2",
        help="Rerun with one protocol key set to each value (sensitivity); repeatable.",
    ),
]
WorkersOption = Annotated[
    int,
    typer.Option(
        "--workers", metavar="N", help="Processes running replicates side by side (same results)."
    ),
]
OutOption = Annotated[
    Path | None,
    typer.Option("--out", metavar="DIR", help="Output folder [default: <protocol id>-out]."),
]
SeedOption = Annotated[int, typer.Option("--seed", metavar="N", help="Random seed.")]
ReplicatesOption = Annotated[
    int, typer.Option("--replicates", metavar="R", help="Replicate trials.")
]
ReportOption = Annotated[
    bool, typer.Option("--report/--no-report", help="Write report.html and the figures.")
]


def _run(
    protocol: str,
    builtin_only: bool,
    out: Path | None,
    seed: int,
    replicates: int,
    vary: list[str] | None,
    workers: int,
    report: bool = True,
) -> None:
    from survtrial._processes import keep_freed_memory
    from survtrial.io.adam import write_adam
    from survtrial.protocol import parse_protocol
    from survtrial.report.files import output_folder
    from survtrial.report.reproduction import print_reproduction, write_reproduction
    from survtrial.reproduce import reproduce
    from survtrial.trial import cut_data

    keep_freed_memory()
    text, source, name = protocol_text(protocol, builtin_only)
    # the folder is checked before the simulation, so that a bad --out fails at once (and
    # removed again if the simulation fails)
    trial_id = parse_protocol(text, source).trial.id
    with output_folder(out if out is not None else Path(f"{trial_id}-out")) as folder:
        with progress_bar() as progress:
            rep = reproduce(
                text, source, name, seed=seed, replicates=replicates, vary=tuple(vary or ()),
                workers=workers, progress=progress,
            )
        # inside the folder's block: a Ctrl-C or an error while writing leaves none of them
        written = write_reproduction(rep, folder, report=report)
        run = rep.run
        adam = write_adam(run.first_batch, cut_data(run.first_batch, run.first_cut_day),
                          folder, 0)  # fmt: skip
    print_reproduction(console(min_width=120), rep)
    typer.echo(f"{replicates} replicate trials in {rep.elapsed_seconds:.1f} s.")
    typer.echo(
        f"Wrote {', '.join(written)} and the ADaM data sets "
        f"({', '.join(p.name for p in adam)}) to {folder}/"
    )


@user_errors
def reproduce_command(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Built-in protocol (see `survtrial protocols`).")
    ],
    out: OutOption = None,
    seed: SeedOption = 20241207,
    replicates: ReplicatesOption = 400,
    vary: VaryOption = None,
    workers: WorkersOption = DEFAULT_WORKERS,
    report: ReportOption = True,
) -> None:
    """Run a built-in trial in silico and set its published results beside the simulated ones."""
    _run(name, True, out, seed, replicates, vary, workers, report)


@user_errors
def run_command(
    protocol: Annotated[
        str, typer.Argument(metavar="PROTOCOL", help="A protocol TOML file or a built-in name.")
    ],
    out: OutOption = None,
    seed: SeedOption = 1,
    replicates: ReplicatesOption = 200,
    vary: VaryOption = None,
    workers: WorkersOption = DEFAULT_WORKERS,
    report: ReportOption = True,
) -> None:
    """Simulate and analyse any valid protocol file."""
    _run(protocol, False, out, seed, replicates, vary, workers, report)


def protocols_command() -> None:
    """List the built-in protocols."""
    from survtrial.protocol import builtin_protocols

    for name, title in builtin_protocols().items():
        typer.echo(f"{name:20s} {title}")
