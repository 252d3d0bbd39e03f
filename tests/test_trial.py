"""The batch engine: randomization balance, data cut, interim decision, reproducibility."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy.special import ndtri

from survtrial.analysis import headline
from survtrial.protocol import builtin_text, load_builtin, parse_protocol
from survtrial.trial import cut_data, monitor, run_trials, simulate_batch
from survtrial.trial._rng import BLOCK, BlockStreams
from survtrial.trial.monitor import efficacy_bound

AALL = load_builtin("aall1731")


@pytest.fixture(scope="module")
def batch():
    return simulate_batch(AALL, BlockStreams(7, 0, 2, 32), np.arange(32))


def test_shapes_are_replicates_by_patients(batch):
    r, n = batch.shape
    assert r == 32
    for name in ("enrol_day", "arm", "stratum", "event_time", "bsa_m2", "dose_ug_per_day"):
        assert getattr(batch, name).shape == (r, n)


def test_randomization_balanced_within_strata(batch):
    """Permuted blocks of at most 6: arms differ by at most 3 in every stratum, at every time."""
    order = np.argsort(batch.rand_day, axis=1, kind="stable")
    rows = np.arange(batch.shape[0])[:, None]
    arm = batch.arm[rows, order]
    stratum = batch.stratum[rows, order]
    for s in range(len(AALL.population.strata)):
        sel = stratum == s
        diff = np.cumsum(np.where(sel, np.where(arm == 1, 1, -1), 0), axis=1)
        assert np.abs(diff).max() <= 3
    # nobody outside a randomized stratum gets an arm
    assert ((batch.arm >= 0) == batch.randomized).all()


def test_minimization_balances_its_factor():
    p = load_builtin("two_arm_example")
    b = simulate_batch(p, BlockStreams(3, 0, 1, 16), np.arange(16))
    for sex in (False, True):
        sel = b.randomized & (b.male == sex)
        diff = (sel & (b.arm == 1)).sum(axis=1) - (sel & (b.arm == 0)).sum(axis=1)
        assert np.abs(diff).max() <= 6


def test_data_cut(batch):
    cut = float(batch.days(dt.date(2024, 6, 30)))
    cd = cut_data(batch, np.full(batch.shape[0], cut))
    # nobody enrolled or randomized after the cutoff is in the data
    assert (batch.enrol_day[cd.enrolled] <= cut).all()
    assert (batch.rand_day[cd.in_data] <= cut).all()
    assert not (cd.in_data & (batch.rand_day > cut)).any()
    # follow-up never passes the cutoff; events happen within it
    fu = cd.event_time[cd.in_data]
    assert (fu <= cut - batch.rand_day[cd.in_data]).all()
    assert (fu >= 0).all()
    ev = cd.event.astype(bool)
    assert (batch.event_time[ev] == cd.event_time[ev]).all()
    assert (cd.os_time[cd.in_data] <= cut - batch.rand_day[cd.in_data]).all()
    # an event after the cutoff is censored at the cutoff
    late = cd.in_data & (batch.rand_day + batch.event_time > cut) & (batch.ltfu_time > cut)
    assert (cd.event[late] == 0).all()


def test_dose_is_mosteller_bsa_times_15(batch):
    bsa = np.sqrt(batch.height_cm * batch.weight_kg / 3600)
    exp = batch.arm == 1
    np.testing.assert_allclose(batch.dose_ug_per_day[exp], 15 * bsa[exp])
    assert (batch.dose_ug_per_day[batch.arm == 0] == 0).all()
    assert 0.4 < np.median(bsa) < 1.1  # children aged 1-10


def test_interim_bound_matches_spending_function():
    """A first look's OF bound is Phi^-1(1 - alpha(t)), alpha(t) = 2 - 2 Phi(z_{a/2} / sqrt t)."""
    from scipy.special import ndtr

    m = AALL.monitoring
    for t in (0.3, 0.5, 0.77):
        spent = 2 - 2 * ndtr(ndtri(1 - m.alpha / 2) / np.sqrt(t))
        assert efficacy_bound([t], m) == pytest.approx(float(ndtri(1 - spent)), abs=1e-6)


def test_interim_decision_logic(batch):
    mon = monitor(batch)
    first = mon.bound[:, 0]
    crossed = -mon.z[:, 0] >= first
    assert ((mon.stop_look == 0) == crossed).all()
    assert (mon.stopped_early == crossed).all()
    np.testing.assert_allclose(mon.information[:, 0], mon.events[:, 0] / 110)
    # those that continue are decided at the final look
    assert (mon.stop_look[~crossed] == len(AALL.monitoring.looks) - 1).all()


def _null(text: str) -> str:
    """Same protocol with the blinatumomab arm given the chemotherapy arm's hazards."""
    p = parse_protocol(text)
    data = p.model_dump(mode="python")
    chemo = {
        (h["event"], h["stratum"]): h["per_year"]
        for h in data["outcomes"]["hazards"]
        if h["arm"] in ("chemotherapy", "*")
    }
    for h in data["outcomes"]["hazards"]:
        if h["arm"] == "blinatumomab":
            h["per_year"] = chemo[(h["event"], h["stratum"])]
    return data


def test_no_effect_rarely_stops():
    from survtrial.protocol import Protocol

    p = Protocol.model_validate(_null(builtin_text("aall1731")))
    run = run_trials(p, 64, seed=11)
    assert run.interim["stopped_at_first"].mean() <= 0.1
    assert abs(np.median(run.summary["hr_sr_average"]) - 1) < 0.3


def test_chunking_and_replicate_count_do_not_change_results():
    a = run_trials(AALL, 40, seed=5, chunk_blocks=1)
    b = run_trials(AALL, 40, seed=5, chunk_blocks=4)
    c = run_trials(AALL, 16, seed=5)
    for k in a.summary:
        np.testing.assert_array_equal(a.summary[k], b.summary[k])
        np.testing.assert_array_equal(a.summary[k][:16], c.summary[k])
    d = run_trials(AALL, 16, seed=6)
    assert not np.array_equal(c.summary["dfs3_chemotherapy"], d.summary["dfs3_chemotherapy"])


def test_worker_processes_do_not_change_results():
    """Non-negotiable 3: identical whatever the number of workers (chunks finish in any order)."""
    ticks = []
    one = run_trials(AALL, 40, seed=5, chunk_blocks=1)
    three = run_trials(AALL, 40, seed=5, chunk_blocks=1, workers=3, progress=ticks.append)
    for k in one.summary:
        np.testing.assert_array_equal(one.summary[k], three.summary[k])
    for k in one.interim:
        np.testing.assert_array_equal(one.interim[k], three.interim[k])
    assert one.first_analysis == three.first_analysis
    assert one.first_os_analysis == three.first_os_analysis
    assert sorted(ticks) == ticks and ticks[-1] == 40


def test_full_analysis_agrees_with_batch_kernels():
    """Every replicate quantity of trial 0 (batch kernels) equals the headline of its full
    analysis (survtrial.stats), under the same name: the names come from one module."""
    run = run_trials(AALL, 16, seed=3)
    head = run.first_headline()  # DFS, and OS as a secondary endpoint
    assert head == {
        **headline(run.first_analysis, "DFS"),
        **headline(run.first_os_analysis, "OS", secondary=True),
    }
    assert len(run.summary) >= 60 and "os3_blinatumomab" in run.summary
    for k, v in run.summary.items():
        assert k in head, k
        assert v[0] == pytest.approx(head[k], rel=1e-6, abs=1e-6), k


def test_without_worker_processes_the_run_falls_back_to_this_process(monkeypatch):
    import concurrent.futures

    def unavailable(*args, **kwargs):
        raise OSError("no semaphores here")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", unavailable)
    with pytest.warns(RuntimeWarning, match="worker processes failed"):
        two = run_trials(AALL, BLOCK + 8, seed=5, chunk_blocks=1, workers=2)  # two chunks
    one = run_trials(AALL, BLOCK + 8, seed=5, chunk_blocks=1)
    for k in one.summary:
        np.testing.assert_array_equal(one.summary[k], two.summary[k])
