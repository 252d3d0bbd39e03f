"""`survtrial simulate` (issue 10): operating characteristics from whole simulated trials,
identical for any executor and number of workers; type I error at alpha under no effect; the
Monte Carlo SEs; the output files and their keys; bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from survtrial._errors import InputError
from survtrial.cli import app
from survtrial.protocol import builtin_text
from survtrial.simulate import simulate
from survtrial.simulate.characteristics import characteristics, mean, median, proportion
from survtrial.simulate.chunk import EFFICACY, ChunkResult, hazard_ratio_from_z

runner = CliRunner()
TWO_ARM = builtin_text("two_arm_example")
NULL = "outcomes.hazards[1].per_year=[0.25]"  # the experimental hazard equal to the control's


def _flat(sim) -> dict:
    from survtrial.report.simulation import document

    doc = document(sim)
    doc.pop("version")
    return doc


def test_same_results_for_any_executor_and_workers(monkeypatch):
    """Non-negotiable 3: a pure function of (protocol, scenarios, replicates, seed), whatever
    the workers and the chunks (one chunk per scenario, or one stream block per chunk)."""
    import survtrial.simulate.run as run_mod

    args = dict(replicates=300, seed=5, vary=("monitoring.alpha=0.025,0.05",))
    monkeypatch.setattr(run_mod, "cpu_chunk_blocks", lambda *args: 64)  # a chunk a scenario
    one = simulate(TWO_ARM, "two_arm_example.toml", "two_arm_example", workers=1, **args)
    # one block a chunk: 5 per scenario
    monkeypatch.setattr(run_mod, "cpu_chunk_blocks", lambda *args: 1)
    two = simulate(TWO_ARM, "two_arm_example.toml", "two_arm_example", workers=2, **args)
    assert _flat(one) == _flat(two)
    for a, b in zip(one.scenarios, two.scenarios, strict=True):
        for f in ChunkResult.__dataclass_fields__:
            np.testing.assert_array_equal(getattr(a.replicates, f), getattr(b.replicates, f))


def test_the_same_trials_as_the_in_silico_trial():
    """simulate runs the trial's own steps (adverse events left out, which are drawn last):
    its looks equal run_trials' interim block replicate for replicate."""
    from survtrial.protocol import load_builtin
    from survtrial.trial import run_trials

    run = run_trials(load_builtin("aall1731"), 32, seed=8)
    sim = simulate(builtin_text("aall1731"), "a.toml", "aall1731", replicates=32, seed=8)
    r = sim.scenarios[0].replicates
    np.testing.assert_array_equal(r.events[:, 0], run.interim["events"])
    np.testing.assert_array_equal(r.z[:, 0], run.interim["z"])
    np.testing.assert_array_equal(r.stop_look, run.interim["stop_look"])


def test_dask_gives_the_same_results(monkeypatch):
    pytest.importorskip("distributed", reason="dask[distributed] is the optional 'dask' extra")
    import survtrial.simulate.run as run_mod
    from survtrial.trial import executor

    args = dict(replicates=200, seed=9)
    monkeypatch.setattr(run_mod, "cpu_chunk_blocks", lambda *args: 64)  # one chunk
    local = simulate(TWO_ARM, "t.toml", "two_arm_example", workers=1, **args)
    # 4 chunks of one block (64)
    monkeypatch.setattr(run_mod, "cpu_chunk_blocks", lambda *args: 1)
    monkeypatch.setattr(executor, "IN_FLIGHT_PER_WORKER", 1)  # 2 in hand: the rest submitted later
    dask = simulate(TWO_ARM, "t.toml", "two_arm_example", workers=2, executor="dask", **args)
    assert _flat(local) == _flat(dask)


def _memory_kept() -> bool:
    from survtrial._processes import keep_freed_memory

    return keep_freed_memory.cache_info().currsize == 1  # called in this process


def test_dask_workers_keep_freed_memory():
    """As the local workers do. Dask's nanny has glibc return freed memory at once, and each
    chunk's temporaries were then page-faulted anew: twice the CPU a trial."""
    pytest.importorskip("distributed", reason="dask[distributed] is the optional 'dask' extra")
    from survtrial.trial.executor import map_chunks

    assert map_chunks(_memory_kept, [(), ()], [1, 1], workers=2, executor="dask") == [True] * 2


def test_type_one_error_is_alpha_under_no_effect():
    """HR 1: the one-sided O'Brien-Fleming design rejects with probability alpha = 0.025,
    within 3 Monte Carlo SEs (4,000 trials: SE 0.0025). Deterministic (fixed seed)."""
    sim = simulate(TWO_ARM, "t.toml", "two_arm_example", replicates=4000, seed=2024,
                   vary=(NULL,), workers=2)
    c = sim.scenarios[0].characteristics
    p, se = c.rejection_probability.estimate, c.rejection_probability.mc_se
    assert se == pytest.approx(math.sqrt(p * (1 - p) / 4000))
    assert abs(p - 0.025) <= 3 * math.sqrt(0.025 * 0.975 / 4000), p
    assert c.hazard_ratio_at_stop_median.estimate == pytest.approx(1.0, abs=0.03)


def test_rejections_by_look_add_up_and_expectations_are_consistent():
    sim = simulate(TWO_ARM, "t.toml", "two_arm_example", replicates=400, seed=3)
    c = sim.scenarios[0].characteristics
    r = sim.scenarios[0].replicates
    assert sum(lk.rejection.estimate for lk in c.by_look) == pytest.approx(
        c.rejection_probability.estimate
    )
    assert c.by_look[0].reached.estimate == 1.0
    assert c.by_look[1].reached.estimate == pytest.approx(1 - c.early_stop_probability.estimate)
    assert c.expected_events.estimate == pytest.approx(np.mean(r.stop_events))
    # the looks are at their planned events (125 and 250) unless the horizon came first
    assert np.median(r.events[:, 0]) == 125 and np.median(r.events[:, 1]) == 250
    assert 0 < c.expected_duration_years.estimate < 8


def test_futility_stops_are_counted():
    """Beta-spending futility (O'Brien-Fleming, non-binding) under no effect: many trials stop
    for futility at the interim; the counts agree between the summary and the replicates."""
    sim = simulate(TWO_ARM, "t.toml", "two_arm_example", replicates=400, seed=12,
                   vary=(NULL, 'monitoring.beta_spending="OF"'))
    c = sim.scenarios[0].characteristics
    r = sim.scenarios[0].replicates
    assert c.futility_probability.estimate == pytest.approx(np.mean(r.decision[:, 0] == 2))
    assert 0.4 < c.by_look[0].futility.estimate < 0.9
    assert c.by_look[1].futility.estimate == 0.0  # no futility stop at the final look
    assert c.rejection_probability.estimate < 0.05
    assert np.all(np.isnan(r.futility_bound[:, 1]))


def test_monte_carlo_standard_errors_by_hand():
    flags = np.array([True, False, False, True, False])
    assert proportion(flags).mc_se == pytest.approx(math.sqrt(0.4 * 0.6 / 5))
    v = np.array([1.0, 2.0, 4.0, np.nan])
    assert mean(v).estimate == pytest.approx(7 / 3)
    assert mean(v).mc_se == pytest.approx(np.std([1, 2, 4], ddof=1) / math.sqrt(3))
    assert median(v).mc_se == pytest.approx(
        math.sqrt(math.pi / 2) * np.std([1, 2, 4], ddof=1) / math.sqrt(3)
    )


def test_operating_characteristics_from_constructed_replicates():
    """Three replicates, two looks: one stops at look 1 for efficacy, one rejects at the
    final look, one does not reject."""
    nan = np.nan
    res = ChunkResult(
        replicate=np.arange(3),
        look_day=np.array([[365.25, 730.5], [365.25, 730.5], [365.25, 1095.75]]),
        events=np.array([[50.0, 100.0], [50.0, 100.0], [50.0, 100.0]]),
        information=np.full((3, 2), 0.5),
        z=np.array([[-3.5, nan], [-1.0, -2.5], [0.5, -1.0]]),
        efficacy_bound=np.array([[2.96, nan], [2.96, 1.97], [2.96, 1.97]]),
        futility_bound=np.full((3, 2), nan),
        decision=np.array([[EFFICACY, -1], [0, EFFICACY], [0, 0]]),
        hazard_ratio=np.ones((3, 2)),
        stop_look=np.array([0, 1, 1]),
        rejected=np.array([True, True, False]),
        subjects=np.array([300.0, 500.0, 500.0]),
        stop_events=np.array([50.0, 100.0, 100.0]),
    )
    c = characteristics({}, ["Interim", "Final"], res)
    assert c.rejection_probability.estimate == pytest.approx(2 / 3)
    assert [lk.rejection.estimate for lk in c.by_look] == pytest.approx([1 / 3, 1 / 3])
    assert c.expected_events.estimate == pytest.approx(250 / 3)
    assert c.expected_subjects.estimate == pytest.approx(1300 / 3)
    assert c.by_look[1].analysis_time_years.estimate == pytest.approx(2.5)
    assert c.expected_duration_years.estimate == pytest.approx((1 + 2 + 3) / 3)


def test_hazard_ratio_from_z_is_rpacts_estimate():
    """exp(z (1 + r) / sqrt(r d)); with r = 1 and d = 100: exp(-2 * 2 / 10) for z = -2."""
    assert hazard_ratio_from_z(np.array(-2.0), np.array(100.0), 1.0) == pytest.approx(
        math.exp(-0.4)
    )


def test_command_writes_the_named_outputs(tmp_path):
    res = runner.invoke(
        app,
        ["simulate", "two_arm_example", "--replicates", "64", "--seed", "4", "--out",
         str(tmp_path), "--vary", "monitoring.planned_events=250,300", "--workers", "1"],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "operating_characteristics.json").read_text())
    assert {"protocol", "seed", "version", "scenarios"} <= set(doc)
    assert [s["scenario"] for s in doc["scenarios"]] == [
        {"monitoring.planned_events": 250},
        {"monitoring.planned_events": 300},
    ]
    s = doc["scenarios"][0]
    for key in ("rejection_probability", "expected_events", "expected_subjects",
                "expected_duration_years"):
        assert set(s[key]) == {"estimate", "mc_se"}, key
    assert [x["look"] for x in s["rejection_by_look"]] == ["Interim", "Final"]
    assert [x["look"] for x in s["futility_by_look"]] == ["Interim", "Final"]
    assert set(s["hazard_ratio_at_stop"]) == {"mean", "median"}
    assert len(s["analysis_time_years_by_look"]) == 2
    table = pq.read_table(tmp_path / "replicates.parquet").to_pandas()
    assert set(table["scenario"]) == {0, 1}
    assert {"replicate", "look", "date", "events", "z", "efficacy_bound", "decision",
            "hazard_ratio"} <= set(table.columns)
    per_replicate = table.groupby(["scenario", "replicate"]).size()
    assert per_replicate.between(1, 2).all() and len(per_replicate) == 128
    assert (tmp_path / "power.png").stat().st_size > 0  # one numeric key varied


@pytest.mark.parametrize(
    ("replicates", "scenarios", "seconds", "workers", "expected"),
    [
        (1, 1, 5.3, 2, "1 trial in 5.3 s (0.189 per second, local executor, 2 workers)"),
        (50_000, 2, 4.0, 1,
         "100,000 trials in 4.0 s (25,000 per second, local executor, 1 worker)"),
    ],
)
def test_the_summary_line_reads_right(replicates, scenarios, seconds, workers, expected):
    from types import SimpleNamespace

    from survtrial.cli.simulate import run_summary

    sim = SimpleNamespace(replicates=replicates, scenarios=[None] * scenarios,
                          elapsed_seconds=seconds, device="cpu")  # fmt: skip
    assert run_summary(sim, "local", workers) == expected


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--replicates", "0"], "--replicates"),
        (["--vary", "nope.x=1"], "nope"),
        (["--vary", 'monitoring.alpha="x"'], "monitoring.alpha"),
        (["--executor", "spark"], "--executor"),
        (["--scheduler", "tcp://127.0.0.1:9"], "--executor dask"),
        (["--workers", "0"], "--workers"),
        (["--seed", "-1"], "--seed"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, needle):
    """One line on stderr, nothing on stdout, and no output folder left behind (the settings
    are checked before the folder is made; one made for a run that then fails is removed)."""
    out = tmp_path / "new" / "oc"
    res = runner.invoke(app, ["simulate", "two_arm_example", "--out", str(out), *args])
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0]
    assert res.stdout == "" and not (tmp_path / "new").exists()


def test_a_failed_run_leaves_an_existing_folder_as_it_was(tmp_path):
    kept = tmp_path / "kept.txt"
    kept.write_text("mine")
    res = runner.invoke(app, ["simulate", "two_arm_example", "--out", str(tmp_path),
                              "--vary", "nope.x=1"])  # fmt: skip
    assert res.exit_code == 2 and sorted(tmp_path.iterdir()) == [kept]


def test_a_varied_key_twice_is_refused():
    with pytest.raises(InputError, match="varied twice"):
        simulate(TWO_ARM, "t.toml", "t", replicates=10, seed=1,
                 vary=("monitoring.alpha=0.025", "monitoring.alpha=0.05"))


def test_ctrl_c_stops_cleanly(tmp_path):
    """SIGINT during a long run: one line, exit status 130, no traceback, no worker left."""
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "oc"
    proc = subprocess.Popen(
        [sys.executable, "-m", "survtrial", "simulate", "two_arm_example", "--replicates",
         "200000", "--workers", "2", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "COLUMNS": "120"},
    )
    deadline = time.monotonic() + 120
    while not out.exists() and time.monotonic() < deadline:  # the folder precedes the run
        time.sleep(0.1)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == ["error: interrupted: stopped cleanly, nothing written"]
    assert not out.exists()  # the folder this run made, left empty, is removed
    assert not (out / "replicates.parquet").exists()  # streamed to a .part file, removed
    assert not (out / "replicates.parquet.part").exists()
