"""Scenarios that share steps run them once a chunk, with the numbers each has alone.

``survtrial simulate --vary`` groups scenarios with the same cohort settings (enrolment,
randomization) into a family whose chunks run together
(:func:`survtrial.simulate.chunk.scenario_looks`): the cohort is made once, the patients'
outcomes once per distinct outcome settings, the looks once per distinct look settings, and
each random draw once. The oracle is each scenario run alone (a one-scenario grid, the path
without sharing): every replicate's looks and the operating characteristics are equal bit for
bit. The counting test shows the sharing happens (so the equality is not that of two copies of
the same unshared run).
"""

from __future__ import annotations

import importlib
import itertools

import numpy as np
import pytest

import survtrial.simulate.run as run_mod
from survtrial.protocol import builtin_text
from survtrial.simulate import simulate
from survtrial.simulate.chunk import ChunkResult, scenario_looks, sharing
from survtrial.trial._rng import BlockStreams

chunk_mod = importlib.import_module("survtrial.simulate.chunk")
monitor_mod = importlib.import_module("survtrial.trial.monitor")
TWO_ARM = builtin_text("two_arm_example")
# outcome settings (hazard, loss to follow-up), a look setting (planned events: the final
# look moves) and a decision setting (alpha spending): 16 scenarios, one family
GRID = {
    "outcomes.hazards[1].per_year": ["[0.175]", "[0.25]"],
    "monitoring.planned_events": ["250", "200"],
    "outcomes.loss_to_follow_up_per_year": ["0.02", "0.1"],
    "monitoring.alpha_spending": ["OF", "Pocock"],
}


def _vary(grid: dict[str, list[str]]) -> tuple[str, ...]:
    return tuple(f"{k}={','.join(v)}" for k, v in grid.items())


def _equal_results(a: ChunkResult, b: ChunkResult) -> None:
    for name in ChunkResult.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@pytest.mark.parametrize("chunk_blocks", [1, 64])
def test_shared_scenarios_equal_their_runs_alone(monkeypatch, chunk_blocks):
    """Every scenario of the grid, run in one family, equals its run alone: replicate by
    replicate and in its operating characteristics (3 chunks of one block, the last part of a
    block; or one chunk)."""
    monkeypatch.setattr(run_mod, "cpu_chunk_blocks", lambda *args: chunk_blocks)
    together = simulate(TWO_ARM, "t.toml", "t", replicates=150, seed=11, vary=_vary(GRID))
    assert len(together.scenarios) == 16
    for run, values in zip(together.scenarios, itertools.product(*GRID.values()), strict=True):
        setting = tuple(f"{k}={v}" for k, v in zip(GRID, values, strict=True))
        alone = simulate(TWO_ARM, "t.toml", "t", replicates=150, seed=11, vary=setting)
        _equal_results(run.replicates, alone.scenarios[0].replicates)
        a, b = run.characteristics, alone.scenarios[0].characteristics
        assert a.by_look == b.by_look and a.rejection_probability == b.rejection_probability
    # the settings matter (the comparison can fail): the hazards and the looks change the
    # looks' numbers, the spending only the decisions
    first, by_hazard, by_events, by_spending = (together.scenarios[i].replicates
                                                for i in (0, 8, 4, 1))  # fmt: skip
    assert not np.array_equal(first.z, by_hazard.z, equal_nan=True)
    assert not np.array_equal(first.look_day, by_events.look_day)
    np.testing.assert_array_equal(first.z, by_spending.z)
    assert not np.array_equal(first.efficacy_bound, by_spending.efficacy_bound, equal_nan=True)


def test_shared_steps_run_once_a_chunk(monkeypatch):
    """Per chunk call of 16 scenarios: one cohort; the patients of the 4 outcome settings
    (made again for the second look setting, the batch kept being the last one made: 8); the
    looks of the 4 x 2 outcome and look settings; the 2 spending choices share their looks."""
    counts = {"cohort": 0, "simulate_batch": 0, "look_statistics": 0}
    for name in counts:
        real = getattr(chunk_mod, name)

        def counting(*args, _real=real, _name=name, **kwargs):
            counts[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(chunk_mod, name, counting)
    grid = run_mod.scenarios(TWO_ARM, "t.toml", _vary(GRID))
    protocols = tuple(p for _, p in grid)
    share = sharing(protocols)
    assert share.cohort == (0,) * 16
    assert len(set(share.patients)) == 4 and len(set(share.looks)) == 8
    raws = scenario_looks(protocols, share, 5, 0, 1, 64)
    assert counts == {"cohort": 1, "simulate_batch": 8, "look_statistics": 8}
    assert raws[0].looks is raws[1].looks  # OF and Pocock: the same looks
    assert raws[0].looks is not raws[2].looks


def test_cohort_settings_split_the_families():
    """Scenarios that differ in what the cohort reads (the accrual, the randomization, the
    latest final date) are families of their own; those that differ in outcomes or
    monitoring share one."""
    def families(vary: str) -> list[tuple[int, ...]]:
        return run_mod.families([p for _, p in run_mod.scenarios(TWO_ARM, "t.toml", (vary,))])

    assert families("accrual.rate_per_month=15.0,20.0") == [(0,), (1,)]
    assert families("randomization.minimization_p_best=0.8,0.9") == [(0,), (1,)]
    assert families("monitoring.latest_final_date=2027-12-31,2029-12-31") == [(0,), (1,)]
    assert families("outcomes.death_after_relapse_per_year=0.3,0.5") == [(0, 1)]
    assert families("monitoring.alpha=0.025,0.05,0.01") == [(0, 1, 2)]


def test_a_cohort_setting_keeps_each_scenario_its_own_numbers():
    """Families run one after the other: a grid over accrual and hazard equals its scenarios
    alone too (the accrual's families, each sharing across the hazards)."""
    vary = ("accrual.rate_per_month=15.0,25.0", "outcomes.hazards[1].per_year=[0.175],[0.25]")
    together = simulate(TWO_ARM, "t.toml", "t", replicates=70, seed=4, vary=vary)
    settings = itertools.product(["15.0", "25.0"], ["[0.175]", "[0.25]"])
    for run, (rate, hazard) in zip(together.scenarios, settings, strict=True):
        setting = (f"accrual.rate_per_month={rate}", f"outcomes.hazards[1].per_year={hazard}")
        alone = simulate(TWO_ARM, "t.toml", "t", replicates=70, seed=4, vary=setting)
        _equal_results(run.replicates, alone.scenarios[0].replicates)


def test_shared_streams_hand_out_copies():
    """Streams of one chunk with a shared store draw each purpose once; the others get a copy
    (changing it changes nothing kept), equal to their own generators' numbers; a purpose
    drawn twice on one stream is still an error."""
    store: dict = {}
    first = BlockStreams(3, 2, 2, 100, shared=store)
    drawn = first.exponential("event", 7, index=0)
    kept = drawn.copy()
    drawn[:] = -1.0
    second = BlockStreams(3, 2, 2, 100, shared=store)
    out = np.empty((100, 7))
    assert second.exponential("event", 7, index=0, out=out) is out
    np.testing.assert_array_equal(out, kept)
    np.testing.assert_array_equal(out, BlockStreams(3, 2, 2, 100).exponential("event", 7, index=0))
    with pytest.raises(RuntimeError, match="drawn twice"):
        second.exponential("event", 7, index=0)
    assert len(store) == 1
    assert not np.array_equal(BlockStreams(3, 2, 2, 100, shared=store).random("age", 7), kept)


def test_distinct_rows_as_tuple_keys():
    """The information paths grouped by sorting equal those grouped as dict keys (ties, NaN
    rows each on their own, one column and several)."""
    rng = np.random.default_rng(8)
    for k in (1, 3):
        rows = rng.integers(0, 4, (300, k)) / 4.0
        rows[rng.random(300) < 0.05, 0] = np.nan
        paths, inverse = monitor_mod._distinct_rows(rows)
        keyed: dict = {}
        expected = [keyed.setdefault(t, len(keyed)) for t in map(tuple, rows.tolist())]
        assert len(paths) == len(keyed)
        for i in range(len(rows)):  # the same partition of the rows, each row its own path
            same = inverse == inverse[i]
            np.testing.assert_array_equal(same, np.array(expected) == expected[i])
            np.testing.assert_array_equal(np.array(paths[inverse[i]]), rows[i])
    paths, inverse = monitor_mod._distinct_rows(np.zeros((0, 2)))  # no replicate active
    assert paths == [] and inverse.shape == (0,)


def test_replicates_file_in_scenario_order_and_abort_leaves_nothing(tmp_path):
    """A family's chunks come scenario after scenario, chunk by chunk; the file still lists
    scenario 0's rows, then 1's, each in replicate order (the later scenarios' part files
    appended at the close); an interrupted run leaves no part file."""
    from survtrial.report.simulation import ReplicatesWriter, replicates_table

    kept = simulate(TWO_ARM, "t.toml", "t", replicates=150, seed=2,
                    vary=("monitoring.alpha=0.025,0.05",))  # fmt: skip
    writer = ReplicatesWriter(tmp_path)
    writer.ROW_GROUP = 1  # a row group a chunk
    for lo in (0, 64, 128):  # as a family arrives: each chunk's scenarios in turn
        for s, run in enumerate(kept.scenarios):
            part = ChunkResult(**{name: getattr(run.replicates, name)[lo : lo + 64]
                                  for name in ChunkResult.__dataclass_fields__})  # fmt: skip
            writer(s, run.protocol, part)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "replicates.parquet.part", "replicates.parquet.part1"]  # fmt: skip
    writer.close()
    import pyarrow.parquet as pq

    assert [p.name for p in tmp_path.iterdir()] == ["replicates.parquet"]
    table = pq.read_table(tmp_path / "replicates.parquet")
    assert table.to_pandas().equals(replicates_table(kept).to_pandas())  # NaN where NaN
    assert table["scenario"].to_pylist() == sorted(table["scenario"].to_pylist())
    aborted = tmp_path / "aborted"
    aborted.mkdir()
    writer = ReplicatesWriter(aborted)
    writer.ROW_GROUP = 1
    for s, run in enumerate(kept.scenarios):
        writer(s, run.protocol, run.replicates)
    assert len(list(aborted.iterdir())) == 2
    writer.abort()
    assert not list(aborted.iterdir())


def test_replicates_file_closed_on_a_thread_is_the_same_and_its_errors_come_back(
    tmp_path, monkeypatch
):
    """``start_close`` (the CLI writes the JSON and the figure meanwhile) gives the file that
    ``close`` gives; ``wait_closed`` raises the thread's error in the caller; an abort after
    the close removes the finished file too (an interrupted run leaves nothing)."""
    import pyarrow.parquet as pq

    from survtrial.report.simulation import ReplicatesWriter, replicates_table

    kept = simulate(TWO_ARM, "t.toml", "t", replicates=150, seed=2,
                    vary=("monitoring.alpha=0.025,0.05",))  # fmt: skip

    def written(folder):
        folder.mkdir()
        writer = ReplicatesWriter(folder)
        writer.ROW_GROUP = 1
        for s, run in enumerate(kept.scenarios):
            writer(s, run.protocol, run.replicates)
        return writer

    writer = written(tmp_path / "threaded")
    writer.start_close()
    writer.wait_closed()
    assert [p.name for p in (tmp_path / "threaded").iterdir()] == ["replicates.parquet"]
    table = pq.read_table(tmp_path / "threaded" / "replicates.parquet")
    assert table.to_pandas().equals(replicates_table(kept).to_pandas())  # NaN where NaN
    writer.abort()  # e.g. Ctrl-C while the figure is drawn
    assert not list((tmp_path / "threaded").iterdir())

    def full_disk(self):
        raise OSError("No space left on device")

    writer = written(tmp_path / "failing")
    monkeypatch.setattr(ReplicatesWriter, "close", full_disk)
    writer.start_close()
    with pytest.raises(OSError, match="No space left"):
        writer.wait_closed()
    writer.wait_closed()  # raised once
    writer.abort()
    assert not list((tmp_path / "failing").iterdir())


def _attribute_chains(path) -> set[str]:
    """Every dotted attribute chain read in a module's source (``p.monitoring.looks``...)."""
    import ast

    chains = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute):
            parts, cur = [], node
            while isinstance(cur, ast.Attribute):
                parts.append(cur.attr)
                cur = cur.value
            chains.add(".".join(reversed(parts)))
    return chains


def test_the_steps_read_only_the_settings_in_their_sharing_keys():
    """The keys of the sharing leave out settings the steps never read: the cohort's modules
    (enrolment, randomization, treatment, their kernels) read no outcomes, adverse events,
    analysis, nor monitoring but its latest final date; the looks read no decision setting. A
    step that starts reading one must move it into its key (this test then fails)."""
    from pathlib import Path

    trial = Path(chunk_mod.__file__).parents[1] / "trial"
    for name in ("enrol", "enrol_kernels", "randomize", "randomize_kernels", "treatment"):
        chains = _attribute_chains(trial / f"{name}.py")
        unread = ("outcomes", "adverse_events", "analysis")
        assert not {c for c in chains if c.split(".")[0] in unread}, name
        assert {c for c in chains if c.startswith("monitoring")} <= {
            "monitoring", "monitoring.latest_final_date"}, name  # fmt: skip
    src = (trial / "monitor.py").read_text(encoding="utf-8")
    import ast

    tree = ast.parse(src)
    names = ("look_statistics", "_looks_by_kernels", "_looks_by_arrays")
    looks_code = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in names]
    assert len(looks_code) == 3
    read = {n.attr for f in looks_code for n in ast.walk(f) if isinstance(n, ast.Attribute)}
    assert not read & monitor_mod.DECISION_SETTINGS
    assert "looks" in read  # the check sees the monitoring the looks do read


def test_aall1731_scenarios_equal_their_runs_alone():
    """The AALL1731 protocol (strata, exclusions, a look at a date, five competing causes,
    death after relapse, loss to follow-up): a grid over loss to follow-up, the interim's date
    and the spending, one family, equals its scenarios run alone."""
    text = builtin_text("aall1731")
    grid = {
        "outcomes.loss_to_follow_up_per_year": ["0.005", "0.03"],
        "monitoring.looks[0].date": ["2024-06-30", "2023-06-30"],
        "monitoring.alpha_spending": ["OF", "Pocock"],
    }
    together = simulate(text, "a.toml", "a", replicates=64, seed=9, vary=_vary(grid))
    assert run_mod.families([s.protocol for s in together.scenarios]) == [tuple(range(8))]
    for run, values in zip(together.scenarios, itertools.product(*grid.values()), strict=True):
        setting = tuple(f"{k}={v}" for k, v in zip(grid, values, strict=True))
        alone = simulate(text, "a.toml", "a", replicates=64, seed=9, vary=setting)
        _equal_results(run.replicates, alone.scenarios[0].replicates)
    days = [together.scenarios[i].replicates.look_day[:, 0] for i in (0, 2)]
    assert not np.array_equal(*days)  # the interim's date moved the first look


def test_the_table_gives_each_varied_key_a_column_of_its_values(tmp_path):
    """Two long varied keys: a column each, holding only the values, so the numbers keep
    their width in a 120-column console (none cut to an ellipsis)."""
    from typer.testing import CliRunner

    from survtrial.cli import app

    res = CliRunner().invoke(app, [
        "simulate", "two_arm_example", "--replicates", "64", "--seed", "4", "--out",
        str(tmp_path), "--workers", "1", "--vary", "outcomes.hazards[1].per_year=[0.175],[0.25]",
        "--vary", "monitoring.alpha_spending=OF,Pocock"])  # fmt: skip
    assert res.exit_code == 0, res.output
    rows = [line for line in res.output.splitlines() if line.startswith("│ [")]
    assert len(rows) == 4
    assert [[cell.strip() for cell in r.split("│")[1:3]] for r in rows] == [
        ["[0.175]", "OF"], ["[0.175]", "Pocock"], ["[0.25]", "OF"], ["[0.25]", "Pocock"]]
    assert not any("…" in r for r in rows)


def test_a_power_curve_over_a_one_interval_hazard_gets_its_figure(tmp_path):
    """The usual power curve varies a hazard of a one-interval model (``per_year = [x]``):
    the figure plots x; two-interval lists and two keys get none."""
    from survtrial.report.simulation import power_figure

    def figure(vary: tuple[str, ...], name: str):
        sim = simulate(TWO_ARM, "t.toml", "t", replicates=64, seed=1, vary=vary)
        return power_figure(sim, tmp_path / name)

    made = figure(("outcomes.hazards[1].per_year=[0.175],[0.25]",), "curve")
    assert made and all(p.stat().st_size > 0 for p in made)
    two_keys = ("outcomes.hazards[1].per_year=[0.175],[0.25]", "monitoring.alpha=0.025,0.05")
    assert figure(two_keys, "two") is None
    from survtrial.report.simulation import _plotted

    assert _plotted([0.2]) == 0.2 and _plotted(3) == 3.0
    assert _plotted([0.1, 0.2]) is None and _plotted(True) is None and _plotted("OF") is None
