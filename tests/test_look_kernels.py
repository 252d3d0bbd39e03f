"""The compiled look kernels (survtrial.stats.batch_kernels) equal the numpy path bit for bit.

Oracles: :func:`survtrial.trial.cut.endpoint_at` followed by the counted
(:func:`survtrial.stats.batch.logrank_z_by_day`) and the sorted (``build_runs`` +
``logrank_z``) log-rank, themselves tested against R's ``survdiff`` (tests/test_logrank_by_day.py
and the reference tests); ``np.sort`` for the days of the k-th events; and the whole of
:func:`survtrial.trial.monitor` with its kernels off (the numpy path, also the GPU's). Equality
is exact (``np.array_equal``, NaN where NaN): seeded random batches with ties of events and
censorings on a day, 1 to 9 strata (some empty, some with one arm), patients not randomized
between the others, cuts before the first randomization and after the last event.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
from types import SimpleNamespace

import numpy as np
import pytest

from survtrial import _compiled
from survtrial.protocol import builtin_text, load_builtin, parse_protocol, with_overrides
from survtrial.stats import batch as bs
from survtrial.stats import batch_kernels as bk
from survtrial.trial import simulate_batch
from survtrial.trial._rng import BlockStreams
from survtrial.trial.cut import endpoint_at
from tests.helpers import FIXTURES

mon = importlib.import_module("survtrial.trial.monitor")


def _raw(seed: int, r: int = 10, n: int = 160, n_strata: int = 3, days: int = 60):
    """Raw (R, N) columns as a batch has them: whole days, many ties, a third of the patients
    not randomized (stratum and arm -1, rand_day inf) between the others."""
    rng = np.random.default_rng(seed)
    randomized = rng.random((r, n)) < 0.67
    rand_day = np.where(randomized, rng.integers(0, days, (r, n)), np.inf)
    event_time = np.where(rng.random((r, n)) < 0.7, rng.integers(1, days, (r, n)), np.inf)
    ltfu_time = np.where(rng.random((r, n)) < 0.3, rng.integers(0, days, (r, n)), np.inf)
    used = rng.integers(1, n_strata + 1)  # the strata past ``used`` have nobody
    stratum = np.where(randomized, rng.integers(0, used, (r, n)), -1)
    arm = np.where(randomized, rng.integers(0, 2, (r, n)), -1)
    arm[0] = np.where(randomized[0], 1, -1)  # a replicate with one arm only
    arm[1] = np.where(stratum[1] == 0, 0, arm[1])  # stratum 0 with one arm only
    return SimpleNamespace(
        randomized=randomized, rand_day=rand_day, event_time=event_time.astype(float),
        ltfu_time=ltfu_time.astype(float), stratum=stratum, arm=arm, n_strata=n_strata,
    )  # fmt: skip


def _cuts(b, rng) -> np.ndarray:
    """Per replicate: before anyone is randomized, three in between, after every event."""
    r = b.stratum.shape[0]
    ev = np.where(np.isfinite(b.event_time), b.event_time, 0.0)
    last = np.max(np.where(b.randomized, b.rand_day + ev, 0.0), axis=1)
    inner = np.sort(rng.integers(0, int(last.max()) + 1, (r, 3)), axis=1)
    return np.column_stack([np.full(r, -1.0), inner, last + 1.0]).astype(float)


def _numpy_look(b, cut: np.ndarray):
    """(z by counting, z by sorting, events) of the numpy path at one cut per replicate."""
    in_data, _, event, time = endpoint_at(b, cut)
    key = np.where(in_data, b.stratum, -1)
    arm = np.maximum(b.arm, 0)
    by_day = bs.logrank_z_by_day(time, event, key, b.n_strata, arm)
    runs = bs.build_runs(time, event.astype(np.int64), key, b.n_strata, arm=arm)
    return by_day, bs.logrank_z(runs)[0], event.sum(axis=1)


def _kernel(b, cut):
    return bk.look_logrank(
        b.rand_day, b.event_time, b.ltfu_time, b.stratum, b.arm, cut, b.n_strata
    )


@pytest.mark.parametrize("n_strata", [1, 2, 3, 4, 6, 9])
@pytest.mark.parametrize("seed", range(4))
def test_look_logrank_equals_the_numpy_path_bit_for_bit(seed, n_strata):
    b = _raw(seed, n_strata=n_strata)
    cuts = _cuts(b, np.random.default_rng(seed))
    z, events = _kernel(b, cuts)
    assert z.shape == events.shape == cuts.shape and events.dtype == np.int64
    for look in range(cuts.shape[1]):
        by_day, by_sort, n_events = _numpy_look(b, cuts[:, look])
        np.testing.assert_array_equal(z[:, look], by_sort)  # NaN where NaN
        if by_day is not None:
            np.testing.assert_array_equal(z[:, look], by_day)
        np.testing.assert_array_equal(events[:, look], n_events)
        z1, events1 = _kernel(b, cuts[:, look])  # one cut per replicate: (R,)
        np.testing.assert_array_equal(z1, z[:, look])
        np.testing.assert_array_equal(events1, events[:, look])
    assert np.isnan(z[:, 0]).all() and (events[:, 0] == 0).all()  # before anyone
    assert np.isnan(z[0]).all()  # one arm only: no variance
    assert np.isfinite(z[2:, 2:]).any()


def test_a_perturbed_input_changes_the_result():
    """The comparison can fail: one patient's event moved changes z where he is in the data."""
    b = _raw(7, n_strata=2)
    cut = np.full(b.stratum.shape[0], 80.0)
    z, events = _kernel(b, cut)
    row = 3
    j = int(np.flatnonzero(b.randomized[row] & (b.rand_day[row] + b.event_time[row] < 80)
                           & (b.event_time[row] <= b.ltfu_time[row]))[0])  # fmt: skip
    moved = SimpleNamespace(**{**vars(b), "event_time": b.event_time.copy()})
    moved.event_time[row, j] = np.inf  # the event never happens
    z2, events2 = _kernel(moved, cut)
    assert events2[row] == events[row] - 1 and z2[row] != z[row]
    np.testing.assert_array_equal(np.delete(z2, row), np.delete(z, row))
    np.testing.assert_array_equal(z2, _numpy_look(moved, cut)[1])
    assert not np.array_equal(z, _numpy_look(moved, cut)[1], equal_nan=True)


def test_look_logrank_declines_where_it_must():
    b = _raw(1)
    cut = np.full(b.stratum.shape[0], 50.0)
    half = SimpleNamespace(**{**vars(b), "event_time": b.event_time + 0.5})
    assert _kernel(half, cut) is None  # not whole days
    assert _kernel(b, cut + 0.25) is None  # censored at a cut that is not a whole day
    assert _kernel(b, np.full_like(cut, 1e9)) is None  # a day grid over MAX_GRID cells
    wrong = SimpleNamespace(**{**vars(b), "n_strata": 1})
    assert int(b.stratum.max()) >= 1 and _kernel(wrong, cut) is None  # stratum out of range


def _sorted_event_days(b) -> np.ndarray:
    ok = b.randomized & (b.event_time <= b.ltfu_time)
    return np.sort(np.where(ok, b.rand_day + b.event_time, np.inf), axis=1)


@pytest.mark.parametrize("seed", range(4))
def test_kth_event_days_equal_the_sorted_rows(seed):
    b = _raw(seed, n=120)
    cal = _sorted_event_days(b)
    ks = [40, 0, 3, 3, 79, 200, 119, 1000]  # unsorted, repeated, past the events
    out = bk.kth_event_days(b.rand_day, b.event_time, b.ltfu_time, b.stratum, ks)
    want = np.column_stack([cal[:, k] if k < cal.shape[1] else np.inf + cal[:, 0] for k in ks])
    np.testing.assert_array_equal(out, want)
    assert np.isinf(out[:, -3:]).all() and np.isfinite(out[:, 1]).all()  # fewer events


@pytest.mark.parametrize("kind", ["late", "not whole", "negative"])
def test_kth_event_days_by_selection(kind):
    """Days past the counted range, not whole or before 0 are selected, not counted."""
    b = _raw(5, n=120)
    rng = np.random.default_rng(5)
    et = b.event_time.copy()
    some = rng.random(et.shape) < 0.3
    if kind == "late":
        et[some] = rng.integers(10_000, 50_000, some.sum())
    elif kind == "not whole":
        et[some] += 0.5
    else:
        et[some] = -rng.integers(1, 500, some.sum()).astype(float)
    b = SimpleNamespace(**{**vars(b), "event_time": et})
    cal = _sorted_event_days(b)
    ks = list(range(0, 120, 7))
    out = bk.kth_event_days(b.rand_day, b.event_time, b.ltfu_time, b.stratum, ks)
    np.testing.assert_array_equal(out, cal[:, ks])
    assert (out >= 10_000).any() if kind == "late" else True


# ---------------------------------------------------------------------------------------------
# monitor() on simulated batches: the kernel path equals the numpy path in every output


def _equal(a, b) -> None:
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, list):
            assert x == y, f.name
            continue
        assert x.dtype == y.dtype and x.shape == y.shape, f.name
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), f.name


def _batch(p, seed: int, blocks: int = 2):
    n = blocks * 16
    return simulate_batch(p, BlockStreams(seed, 0, blocks, n), np.arange(n))


def _cured(text: str) -> str:
    """A cure fraction of 0.3 on the control arm's hazard."""
    text = text.replace("per_year = [0.5545177444479562]\n",
                        "per_year = [0.5545177444479562]\ncure_fraction = 0.3\n", 1)
    return text.replace('model = "piecewise_exponential"', 'model = "cure_mixture"')


def _protocols():
    of, dropout = (FIXTURES / "simulate" / f"{n}.toml" for n in ("of_hr075", "of_hr075_dropout"))
    futility = {"monitoring.beta_spending": "OF", "monitoring.binding_futility": True}
    return {
        "of_hr075": parse_protocol(of.read_text(), str(of)),
        "dropout": parse_protocol(dropout.read_text(), str(dropout)),  # loss to follow-up
        "aall1731": load_builtin("aall1731"),  # a look at a date, then one at events
        "futility": with_overrides(builtin_text("two_arm_example"), futility),
        "nonbinding": with_overrides(
            builtin_text("two_arm_example"), {"monitoring.beta_spending": "Pocock"}
        ),
        # the last two looks' events come after the latest date: looks capped at it
        "capped": with_overrides(
            of.read_text(), {"monitoring.latest_final_date": dt.date(2021, 10, 1)}
        ),
        # a third of control patients cured: event days at infinity among the counted
        "cured": parse_protocol(_cured(of.read_text()), str(of)),
    }


PROTOCOLS = _protocols()


@pytest.mark.parametrize("name", list(PROTOCOLS))
@pytest.mark.parametrize("seed", [1, 2])
def test_monitor_by_kernels_equals_numpy(name, seed):
    p = PROTOCOLS[name]
    b = _batch(p, seed)
    n_strata = len(p.population.strata)
    latest = float(b.days(p.monitoring.latest_final_date))
    days = {k: float(b.days(lk.date)) for k, lk in enumerate(p.monitoring.looks) if lk.date}
    assert mon._looks_by_kernels(b, n_strata, latest, days) is not None  # the kernel ran
    fast, slow = mon.monitor(b, kernels=True), mon.monitor(b, kernels=False)
    _equal(fast, slow)
    assert _compiled.ENABLED
    _equal(mon.monitor(b), fast)
    assert np.isfinite(fast.z[:, 0]).all()
    # the patients in each look's data: randomized on or before its day
    on_day = b.randomized[:, :, None] & (b.rand_day[:, :, None] <= fast.look_day[:, None, :])
    np.testing.assert_array_equal(fast.randomized, on_day.sum(axis=1))
    if name in ("futility", "nonbinding"):
        assert np.isfinite(fast.futility_bound[:, 0]).any()


def test_monitor_falls_back_where_the_kernel_declines():
    p = PROTOCOLS["of_hr075"]
    b = _batch(p, 3, blocks=1)
    every_7th = np.arange(b.shape[1]) % 7 == 0
    half = dataclasses.replace(b, ltfu_time=np.where(every_7th, 200.5, b.ltfu_time))
    n_strata = len(p.population.strata)
    latest = float(b.days(p.monitoring.latest_final_date))
    assert mon._looks_by_kernels(half, n_strata, latest, {}) is None  # censored at half days
    _equal(mon.monitor(half, kernels=True), mon.monitor(half, kernels=False))


def test_a_changed_batch_changes_the_monitoring():
    """The monitor comparison can fail: one replicate's events moved later change its looks."""
    p = PROTOCOLS["of_hr075"]
    b = _batch(p, 4, blocks=1)
    later = b.event_time.copy()
    later[5] += 30.0
    moved = dataclasses.replace(b, event_time=later)
    a, c = mon.monitor(b, kernels=True), mon.monitor(moved, kernels=True)
    assert not np.array_equal(a.look_day[5], c.look_day[5])
    np.testing.assert_array_equal(np.delete(a.z, 5, 0), np.delete(c.z, 5, 0))
    _equal(c, mon.monitor(moved, kernels=False))


def test_kernels_compile_where_no_cache_directory_is_writable():
    """numba refuses cache=True with a RuntimeError where it finds no writable cache directory
    (a read-only install and home); the kernels then compile uncached instead of failing.
    A function with no source file stands in for that: numba finds no locator for it."""
    source = "def plus_one(x):\n    return x + 1\n"
    ns: dict = {}
    exec(compile(source, "<no file>", "exec"), ns)
    with pytest.raises(RuntimeError, match="no locator"):
        __import__("numba").njit(cache=True)(ns["plus_one"])
    compiled = _compiled.kernel(ns["plus_one"])
    assert compiled(2) == 3



def test_the_capped_and_cured_batches_reach_their_branches():
    """"capped": looks held at the latest date (their events come later); "cured": patients
    who never have the event, counted among the event days at infinity (the kernel counts
    event days by day up to the latest date and puts later ones together)."""
    p = PROTOCOLS["capped"]
    b = _batch(p, 1)
    latest = float(b.days(p.monitoring.latest_final_date))
    looks = mon.monitor(b, kernels=True)
    assert (looks.look_day[:, -1] == latest).all() and (looks.look_day[:, 0] < latest).all()
    cured = _batch(PROTOCOLS["cured"], 1)
    assert np.isinf(cured.event_time[cured.randomized]).any()
