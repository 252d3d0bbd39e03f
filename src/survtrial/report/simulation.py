"""The outputs of ``survtrial simulate``: operating_characteristics.json (each estimate with
its Monte Carlo SE), replicates.parquet (one row per replicate, scenario and look), the printed
table and, when one key is varied, a figure of the rejection probability against it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from survtrial import __version__
from survtrial._errors import InputError
from survtrial.report import files
from survtrial.report.jsonify import dumps, jsonable


def _est(e) -> dict[str, Any]:
    return {"estimate": e.estimate, "mc_se": e.mc_se}


def scenario_json(c) -> dict[str, Any]:
    return {
        "scenario": c.scenario,
        "replicates": c.replicates,
        "rejection_probability": _est(c.rejection_probability),
        "rejection_by_look": [{"look": lk.look, **_est(lk.rejection)} for lk in c.by_look],
        "futility_probability": _est(c.futility_probability),
        "futility_by_look": [{"look": lk.look, **_est(lk.futility)} for lk in c.by_look],
        "early_stop_probability": _est(c.early_stop_probability),
        "expected_events": _est(c.expected_events),
        "expected_subjects": _est(c.expected_subjects),
        "expected_duration_years": _est(c.expected_duration_years),
        "hazard_ratio_at_stop": {
            "mean": _est(c.hazard_ratio_at_stop_mean),
            "median": _est(c.hazard_ratio_at_stop_median),
        },
        "analysis_time_years_by_look": [
            {"look": lk.look, **_est(lk.analysis_time_years)} for lk in c.by_look
        ],
        "events_by_look": [{"look": lk.look, **_est(lk.events)} for lk in c.by_look],
        "look_reached": [{"look": lk.look, **_est(lk.reached)} for lk in c.by_look],
    }


def document(sim) -> dict[str, Any]:
    return jsonable(
        {
            "protocol": {"name": sim.protocol_name, "sha256": sim.protocol_sha256,
                         "vary": list(sim.vary)},
            "seed": sim.seed,
            "device": sim.device,
            "device_name": sim.device_name,
            "version": __version__,
            "replicates": sim.replicates,
            "z_convention": "stratified log-rank z; negative favours the experimental arm; "
                            "bounds are on -z",
            "hazard_ratio_estimate": "exp(z (1 + r) / sqrt(r d)), r = allocation, d = events "
                                     "(as rpact's getSimulationSurvival)",
            "scenarios": [scenario_json(s.characteristics) for s in sim.scenarios],
        }
    )


def _arrow(values: np.ndarray, kind):
    """A numpy array as an Arrow array of type ``kind`` (int32, int64, float64, date32),
    from its buffer: ``pyarrow.array`` would import pandas (0.3 s) on its first call."""
    import pyarrow as pa

    dtype = {pa.int32(): np.int32, pa.int64(): np.int64, pa.float64(): np.float64,
             pa.date32(): np.int32}[kind]  # fmt: skip
    data = np.ascontiguousarray(values, dtype=dtype)
    return pa.Array.from_buffers(kind, data.size, [None, pa.py_buffer(data)])


def _text(labels: list[str], codes: np.ndarray):
    """An Arrow string array of ``labels[codes]``, built from buffers with numpy: no pandas,
    and no ``pyarrow.compute`` (``take`` would import it, 0.05 s)."""
    import pyarrow as pa

    encoded = [label.encode("utf-8") for label in labels]
    width = max(map(len, encoded), default=0)
    padded = np.zeros((len(encoded), max(width, 1)), dtype=np.uint8)  # a label a row
    for i, b in enumerate(encoded):
        padded[i, : len(b)] = np.frombuffer(b, dtype=np.uint8)
    lengths = np.array([len(b) for b in encoded], dtype=np.int32)[codes]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    used = np.arange(padded.shape[1])[None, :] < lengths[:, None]
    data = padded[codes][used]  # each row's bytes, in order (row-major)
    return pa.Array.from_buffers(
        pa.string(), len(codes), [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def replicate_rows(scenario: int, protocol, r):
    """The rows of replicates.parquet for a ChunkResult ``r`` of scenario ``scenario``: one
    per replicate and look held (pyarrow table)."""
    import pyarrow as pa

    from survtrial.simulate.chunk import DECISIONS
    from survtrial.units import DAYS_PER_YEAR

    codes = np.array(sorted(DECISIONS))
    names = [DECISIONS[c] for c in codes]
    looks = [lk.name for lk in protocol.monitoring.looks]
    n_looks = r.z.shape[1]
    held = np.arange(n_looks)[None, :] <= r.stop_look[:, None]
    rows, cols = np.nonzero(held)
    epoch_day = (np.datetime64(protocol.accrual.start, "D") - np.datetime64(0, "D")).astype(
        np.int64
    )
    columns = {
        "scenario": _arrow(np.full(rows.size, scenario), pa.int32()),
        "replicate": _arrow(r.replicate[rows], pa.int64()),
        "look": _text(looks, cols),
        "look_index": _arrow(cols, pa.int32()),
        "date": _arrow(epoch_day + r.look_day[rows, cols].astype(np.int64), pa.date32()),
        "years": _arrow(r.look_day[rows, cols] / DAYS_PER_YEAR, pa.float64()),
        "events": _arrow(r.events[rows, cols], pa.int64()),
        "information": _arrow(r.information[rows, cols], pa.float64()),
        "z": _arrow(r.z[rows, cols], pa.float64()),
        "efficacy_bound": _arrow(r.efficacy_bound[rows, cols], pa.float64()),
        "futility_bound": _arrow(r.futility_bound[rows, cols], pa.float64()),
        "decision": _text(names, np.searchsorted(codes, r.decision[rows, cols])),
        "hazard_ratio": _arrow(r.hazard_ratio[rows, cols], pa.float64()),
    }
    return pa.Table.from_arrays(list(columns.values()), names=list(columns))


def replicates_table(sim):
    """One row per scenario, replicate and look held (pyarrow table), from a simulation that
    kept its replicates."""
    import pyarrow as pa

    return pa.concat_tables(
        [replicate_rows(i, s.protocol, s.replicates) for i, s in enumerate(sim.scenarios)]
    )


class ReplicatesWriter:
    """replicates.parquet written chunk by chunk while the simulation runs (a sink for
    :func:`survtrial.simulate.simulate`), in row groups of about 100,000 rows: memory does not
    grow with the replicates. Written to a ``.part`` file that :meth:`close` renames and
    :meth:`abort` removes (an interrupted run leaves no file). The rows are in scenario order:
    scenarios that run side by side (a family sharing its chunks) after the first go to a part
    file each, appended in order by :meth:`close`."""

    ROW_GROUP = 100_000

    def __init__(self, out: Path) -> None:
        self.path = Path(out) / "replicates.parquet"
        self.part = self.path.with_name(self.path.name + ".part")
        self._writers: dict[int, object] = {}  # scenario -> its ParquetWriter (the first: part)
        self._pending: list = []
        self._rows = 0
        self._closing = None  # the future of :meth:`start_close`
        self._closed = False  # the file is in place

    def _part_of(self, scenario: int) -> Path:
        if not self._writers or next(iter(self._writers)) == scenario:
            return self.part
        return self.path.with_name(f"{self.path.name}.part{scenario}")

    def __call__(self, scenario: int, protocol, chunk) -> None:
        self._pending.append((scenario, protocol, chunk))
        self._rows += int((chunk.stop_look + 1).sum())  # the looks held
        if self._rows >= self.ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        """The pending chunks as a row group a scenario: each scenario's chunks joined first, so
        the rows are built by a few array operations, not per chunk."""
        import pyarrow.parquet as pq

        from survtrial.simulate.chunk import concatenate

        by_scenario: dict[int, list] = {}
        for scenario, protocol, chunk in self._pending:
            by_scenario.setdefault(scenario, [protocol]).append(chunk)
        for scenario, (protocol, *chunks) in by_scenario.items():
            table = replicate_rows(scenario, protocol, concatenate(chunks))
            try:
                if scenario not in self._writers:
                    part = self._part_of(scenario)
                    self._writers[scenario] = pq.ParquetWriter(part, table.schema)
                self._writers[scenario].write_table(table)
            except OSError as exc:
                raise InputError(f"--out: cannot write {self.path}: {exc}") from None
        self._pending, self._rows = [], 0

    def close(self) -> None:
        import pyarrow.parquet as pq

        self._flush()
        if not self._writers:
            return
        first, *others = self._writers
        main = self._writers[first]
        for scenario in sorted(others):  # each scenario's part appended in scenario order
            self._writers[scenario].close()
            part = self._part_of(scenario)
            f = pq.ParquetFile(part)
            for g in range(f.num_row_groups):
                main.write_table(f.read_row_group(g))
            part.unlink()
        main.close()
        self.part.replace(self.path)
        self._closed = True

    def start_close(self) -> None:
        """:meth:`close` on a thread of its own, so that the other outputs are written
        meanwhile (pyarrow reads and writes the part files without holding the GIL; a grid's
        figure takes about 0.7 s, the appending 0.2-0.5 s); :meth:`wait_closed` joins it."""
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(1, thread_name_prefix="survtrial-replicates")
        self._closing = pool.submit(self.close)
        pool.shutdown(wait=False)  # its thread ends with the close

    def wait_closed(self) -> None:
        """Wait for :meth:`start_close`'s close and raise its error, if any (once)."""
        closing, self._closing = self._closing, None
        if closing is not None:
            closing.result()

    def abort(self) -> None:
        """Remove what was written (once a closing thread has ended): the part files, and the
        file itself if this writer had put it in place."""
        if self._closing is not None:
            from concurrent.futures import wait

            wait([self._closing])
            self._closing = None
        for scenario, writer in self._writers.items():
            writer.close()
            self._part_of(scenario).unlink(missing_ok=True)
        if self._closed:
            self.path.unlink(missing_ok=True)
        self._writers = {}


def _plotted(value) -> float | None:
    """A varied value as a number on the x axis: a number, or the one number of a
    one-element list (a hazard ``per_year = [0.2]`` of a one-interval model); else None."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _power_key(sim) -> str | None:
    """The one varied key, when its values are numbers (or one-number lists); else None."""
    keys = {k for s in sim.scenarios for k in s.characteristics.scenario}
    if len(keys) != 1:
        return None
    (key,) = keys
    if any(_plotted(s.characteristics.scenario[key]) is None for s in sim.scenarios):
        return None
    return key


def power_figure(sim, out_stem: Path) -> list[Path] | None:
    """Rejection probability (with 95% MC intervals) against the one varied key, when its
    values are numbers (or one-number lists, such as a hazard per year of one interval)."""
    key = _power_key(sim)
    if key is None:
        return None
    xs = [_plotted(s.characteristics.scenario[key]) for s in sim.scenarios]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from survtrial.report.figures import save_figure  # with matplotlib: only for a figure

    p = np.array([s.characteristics.rejection_probability.estimate for s in sim.scenarios])
    se = np.array([s.characteristics.rejection_probability.mc_se for s in sim.scenarios])
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    ax.errorbar(xs, 100 * p, yerr=196 * se, marker="o", capsize=3, color="#1f5fa8")
    ax.set_xlabel(key)
    ax.set_ylabel("Rejection probability (%)")
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3, lw=0.5)
    ax.set_title(f"{sim.protocol_name}: {sim.replicates} trials per point (95% MC intervals)",
                 fontsize=9)
    return save_figure(fig, out_stem)


def write_simulation(sim, out: Path) -> list[str]:
    """operating_characteristics.json, replicates.parquet (unless a :class:`ReplicatesWriter`
    wrote it during the run: the scenarios then hold no replicates) and the power figure;
    returns their names."""
    import pyarrow.parquet as pq

    out = files.output_dir(out)
    files.write_text(out / "operating_characteristics.json", dumps(document(sim)), "--out")
    if all(s.replicates is not None for s in sim.scenarios):
        try:
            pq.write_table(replicates_table(sim), out / "replicates.parquet")
        except OSError as exc:
            raise InputError(f"--out: cannot write {out / 'replicates.parquet'}: {exc}") from None
    written = ["operating_characteristics.json", "replicates.parquet"]
    if power_figure(sim, out / "power") is not None:
        written += ["power.png", "power.svg"]
    return written


def _cell(e, scale: float = 1.0, digits: int = 1) -> str:
    if e.estimate is None:
        return "-"
    se = "" if e.mc_se is None else f" ({scale * e.mc_se:.{digits}f})"
    return f"{scale * e.estimate:.{digits}f}{se}"


def print_simulation(con, sim) -> None:
    """The operating characteristics table (MC SEs in brackets), one row per scenario and a
    column per varied key (its values only: the numbers keep the width)."""
    from rich.table import Table

    looks = [lk.look for lk in sim.scenarios[0].characteristics.by_look]
    t = Table(title=f"{sim.protocol_name}: operating characteristics, {sim.replicates} "
                    f"replicates per scenario, seed {sim.seed} (Monte Carlo SE)")
    varied = list(sim.scenarios[0].characteristics.scenario)  # one column a varied key
    for key in varied or ["scenario"]:
        t.add_column(key, overflow="fold")  # a long key wraps in its header, not the numbers
    t.add_column("reject %", justify="right")
    for lk in looks:
        t.add_column(f"at {lk} %", justify="right")
    t.add_column("futility %", justify="right")
    t.add_column("exp. events", justify="right")
    t.add_column("exp. subjects", justify="right")
    t.add_column("exp. years", justify="right")
    t.add_column("HR at stop", justify="right")
    for s in sim.scenarios:
        c = s.characteristics
        setting = [str(c.scenario[k]) for k in varied] or ["as in the protocol"]
        t.add_row(
            *setting,
            _cell(c.rejection_probability, 100),
            *[_cell(lk.rejection, 100) for lk in c.by_look],
            _cell(c.futility_probability, 100),
            _cell(c.expected_events),
            _cell(c.expected_subjects),
            _cell(c.expected_duration_years, digits=2),
            _cell(c.hazard_ratio_at_stop_median, digits=3),
        )
    con.print(t)
