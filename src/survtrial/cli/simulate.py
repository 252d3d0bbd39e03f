"""`survtrial simulate`: parse, call :func:`survtrial.simulate.simulate`, write
(:mod:`survtrial.report.simulation`) and print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from survtrial.cli._common import console, progress_bar, protocol_text, user_errors
from survtrial.cli._start import DEFAULT_WORKERS, WORKER_MODULES
from survtrial.cli.reproduce import WorkersOption

ScenarioOption = Annotated[
    list[str] | None,
    typer.Option(
        "--vary",
        metavar="KEY=V1,V2",
        help="A scenario per value of a protocol key; repeatable (a grid). Scenarios share the "
        "steps they have in common (the same numbers as alone).",
    ),
]


@user_errors
def simulate_command(
    protocol: Annotated[
        str, typer.Argument(metavar="PROTOCOL", help="A protocol TOML file or a built-in name.")
    ],
    replicates: Annotated[
        int, typer.Option("--replicates", metavar="N", help="Trials per scenario.")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", metavar="S", help="Random seed.")] = 1,
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="DIR", help="Output folder [default: <protocol id>-oc]."),
    ] = None,
    vary: ScenarioOption = None,
    workers: WorkersOption = DEFAULT_WORKERS,
    executor: Annotated[
        str, typer.Option("--executor", metavar="local|dask", help="Where chunks run.")
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="Dask scheduler (tcp://host:8786); without it, a local Dask cluster.",
        ),
    ] = None,
    device: Annotated[
        str,
        typer.Option(
            "--device",
            metavar="cpu|gpu",
            help="Where the trials run: CPU processes, or one NVIDIA GPU (pip install "
            "'survtrial[gpu]'); results are a pure function of the seed per device kind.",
        ),
    ] = "cpu",
) -> None:
    """Operating characteristics of a protocol's design: power, stops by look, expectations."""
    from survtrial._processes import prestart_workers, release_prestarted

    if executor == "local" and device == "cpu":  # the workers start beside this process's own
        prestart_workers(workers, WORKER_MODULES)
    try:
        _simulate(protocol, replicates, seed, out, vary, workers, executor, scheduler, device)
    finally:
        release_prestarted()  # a pool that an error before the run left unused


def _simulate(protocol, replicates, seed, out, vary, workers, executor, scheduler, device):
    from survtrial._processes import keep_freed_memory
    from survtrial.arrays import backend
    from survtrial.protocol import parse_protocol
    from survtrial.report.files import output_folder
    from survtrial.report.simulation import ReplicatesWriter, print_simulation, write_simulation
    from survtrial.simulate import check_run, simulate

    check_run(replicates, seed, workers, executor, scheduler, device)
    backend(device)  # no GPU, or no CuPy: say so before anything starts
    keep_freed_memory()
    text, source, name = protocol_text(protocol)
    trial_id = parse_protocol(text, source).trial.id
    with output_folder(out if out is not None else Path(f"{trial_id}-oc")) as folder:
        rows = ReplicatesWriter(folder)  # replicates.parquet as the chunks come
        try:
            with progress_bar() as progress:
                sim = simulate(
                    text, source, name, replicates=replicates, seed=seed,
                    vary=tuple(vary or ()), workers=workers, executor=executor,
                    scheduler=scheduler, progress=progress, device=device, sink=rows,
                )  # fmt: skip
            rows.start_close()  # the part files appended while the JSON and figure are written
            written = write_simulation(sim, folder)
            rows.wait_closed()
        except BaseException:  # Ctrl-C, an error: output_folder removes the files it added
            rows.abort()
            raise
    print_simulation(console(min_width=120), sim)
    typer.echo(f"{run_summary(sim, executor, workers)}. Wrote {', '.join(written)} to {folder}/")


def run_summary(sim, executor: str, workers: int) -> str:
    """'N trials in T s (R per second, where)': the rate to 3 significant figures below 100."""
    n = sim.replicates * len(sim.scenarios)
    rate = n / max(sim.elapsed_seconds, 1e-9)
    where = f"{executor} executor, {workers} worker{'s' * (workers != 1)}"
    if sim.device == "gpu":
        where = f"on {sim.device_name}"
    return (
        f"{n:,} trial{'s' * (n != 1)} in {sim.elapsed_seconds:.1f} s "
        f"({f'{rate:,.0f}' if rate >= 100 else f'{rate:.3g}'} per second, {where})"
    )
