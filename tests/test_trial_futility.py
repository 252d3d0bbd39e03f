"""Futility monitoring in protocols: beta-spending bounds at the observed information, the
decision, its operating characteristics and the protocol's checks.

Oracles: :func:`survtrial.design.group_sequential` for the same information path (exact: the
monitor calls it), rpact 3.3.4 through the design fixtures (1e-6 on z where the fixture's
information rates have at most 6 digits, the rounding the monitor applies to a path; 2e-6
where rounding 1/3 to 0.333333 moves the bound), and the normal distribution for how often a
trial under H0 stops for futility at the first look (4 binomial standard errors).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.special import ndtr

from survtrial import InputError
from survtrial.design import group_sequential
from survtrial.protocol import builtin_text, load_builtin, with_overrides
from survtrial.trial import run_trials, simulate_batch
from survtrial.trial._rng import BLOCK, BlockStreams
from survtrial.trial.monitor import decide, efficacy_bound, look_bounds, monitor
from tests.helpers import FIXTURES

TWO = builtin_text("two_arm_example")
_FAMILY = {"asOF": "OF", "asP": "Pocock", "asHSD": "HSD", "asKD": "KD"}
_BETA = {"bsOF": "OF", "bsP": "Pocock", "bsHSD": "HSD", "bsKD": "KD"}


def _with(keys: dict | None = None, **futility):
    """two_arm_example with futility settings under monitoring and any other keys changed."""
    changes = {f"monitoring.{k}": v for k, v in futility.items()}
    return with_overrides(TWO, {**changes, **(keys or {})})


def _monitoring(**futility):
    return _with(**futility).monitoring


def _batch(p, seed=3, blocks=2, first_block=0):
    n = blocks * BLOCK
    first = first_block * BLOCK
    streams = BlockStreams(seed, first_block, blocks, n)
    return simulate_batch(p, streams, np.arange(first, first + n))


# ---------------------------------------------------------------------------------------------
# bounds at the observed information


@pytest.mark.parametrize("binding", [False, True])
@pytest.mark.parametrize(
    ("spending", "beta_spending", "gamma"),
    [("OF", "OF", None), ("Pocock", "Pocock", None), ("HSD", "HSD", -2.0), ("KD", "KD", 2.0)],
)
@pytest.mark.parametrize(
    "path", [[0.5], [0.23], [0.3, 0.6], [0.2, 0.2, 0.55], [0.4, 0.7, 1.0], [0.6, 1.3], [1e-7]]
)
def test_bounds_equal_group_sequential_for_the_path(binding, spending, beta_spending, gamma, path):
    """The futility and efficacy bounds at a look are group_sequential's for the design whose
    looks are the observed path (repeats dropped, capped at 1) and one more at 1 (unless final)."""
    gammas = {} if gamma is None else {"alpha_gamma": gamma, "beta_gamma": gamma}
    m = _monitoring(
        alpha_spending=spending, beta_spending=beta_spending, binding_futility=binding, **gammas
    )
    rates = [max(r, 1e-6) for r in path]
    final = rates[-1] >= 1.0
    plan = sorted({min(r, 1.0) for r in rates} | {1.0})
    d = group_sequential(
        plan,
        alpha=m.alpha,
        beta=m.beta,
        alpha_spending=spending,
        alpha_gamma=gamma,
        beta_spending=beta_spending,
        beta_gamma=gamma,
        binding_futility=binding,
    )
    c, f = look_bounds(path, m)
    if final:
        assert c == d.efficacy_bounds[-1] and f == -np.inf
    else:
        assert c == d.efficacy_bounds[-2]
        assert f == d.futility_bounds[-1]
    if not binding:  # non-binding: efficacy bounds ignore futility (rpact)
        plain = group_sequential(plan, alpha=m.alpha, alpha_spending=spending, alpha_gamma=gamma)
        assert c == plain.efficacy_bounds[-1 if final else -2]
    assert efficacy_bound(path, m) == c


def _rpact_designs():
    with open(FIXTURES / "design" / "designs.json") as fh:
        cases = json.load(fh)["cases"]
    out = []
    for case in cases:
        inp = case["input"]
        if inp["type_of_design"] in _FAMILY and inp["type_beta_spending"] in _BETA:
            out.append(case)
    return out


RPACT = _rpact_designs()


def test_rpact_fixtures_cover_both_kinds_of_futility():
    assert len(RPACT) >= 6
    assert {c["input"]["binding_futility"] for c in RPACT} == {False, True}


@pytest.mark.parametrize("case", RPACT, ids=lambda c: str(c["id"]))
def test_bounds_at_the_planned_looks_equal_rpact(case):
    """Observed exactly as planned, the bounds at each look are rpact's design bounds at the
    last interim (where the path's design is the planned one) and at the final look."""
    inp = case["input"]
    gamma_a = None if inp["gamma_a"] == "NA" else float(inp["gamma_a"])
    gamma_b = None if inp["gamma_b"] == "NA" else float(inp["gamma_b"])
    settings = {
        "alpha": inp["alpha"],
        "beta": inp["beta"],
        "alpha_spending": _FAMILY[inp["type_of_design"]],
        "beta_spending": _BETA[inp["type_beta_spending"]],
        "binding_futility": inp["binding_futility"],
    }
    if gamma_a is not None:
        settings["alpha_gamma"] = gamma_a
    if gamma_b is not None:
        settings["beta_gamma"] = gamma_b
    m = _monitoring(**settings)
    rates = [float(t) for t in inp["information_rates"]]
    exact = all(round(t, 6) == t for t in rates)
    tol = 1e-6 if exact else 2e-6
    crit = np.atleast_1d(np.asarray(case["critical_values"], dtype=float))
    fut = np.atleast_1d(np.asarray(case["futility_bounds"], dtype=float))
    c, f = look_bounds(rates[:-1], m)
    assert c == pytest.approx(crit[-2], abs=tol)
    assert f == pytest.approx(fut[-1], abs=tol)
    c_final, f_final = look_bounds(rates, m)
    assert c_final == pytest.approx(crit[-1], abs=tol)
    assert f_final == -np.inf


def test_binding_efficacy_bounds_differ_as_rpacts_do():
    """rpact's OF + beta-spending OF design at 1/3, 2/3, 1 (alpha 0.025, beta 0.2): binding
    lowers the efficacy bound at look 2 by 3.2e-4 and at the final look by 0.062, and moves the
    futility bounds; the monitor reproduces both designs' numbers and their difference."""
    pair = [
        c
        for c in RPACT
        if c["input"]["type_of_design"] == "asOF"
        and c["input"]["type_beta_spending"] == "bsOF"
        and len(c["input"]["information_rates"]) == 3
        and c["input"]["alpha"] == 0.025
    ]
    by_binding = {c["input"]["binding_futility"]: c for c in pair}
    assert set(by_binding) == {False, True}
    path = [1 / 3, 2 / 3]
    got = {}
    for binding, case in by_binding.items():
        m = _monitoring(beta_spending="OF", binding_futility=binding)
        got[binding] = (look_bounds(path, m), look_bounds([*path, 1.0], m)[0])
        crit = np.asarray(case["critical_values"], dtype=float)
        fut = np.asarray(case["futility_bounds"], dtype=float)
        (c2, f2), c3 = got[binding]
        np.testing.assert_allclose([c2, f2, c3], [crit[1], fut[1], crit[2]], atol=2e-6)
    rp = {b: np.asarray(c["critical_values"], dtype=float) for b, c in by_binding.items()}
    ours_diff = [got[False][0][0] - got[True][0][0], got[False][1] - got[True][1]]
    np.testing.assert_allclose(ours_diff, (rp[False] - rp[True])[1:], atol=2e-6)
    assert got[True][1] < got[False][1] - 0.05


# ---------------------------------------------------------------------------------------------
# the decision


def test_decision_on_constructed_statistics():
    neg_z = np.array([3.0, 2.0, 1.999, 0.5, 0.4, 0.2, np.nan, -1.0, 0.5])
    eff = np.array([2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, np.nan])
    fut = np.array([0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, -np.inf, np.nan])
    cross, futile = decide(neg_z, eff, fut)
    # ties: -z at the efficacy bound rejects; -z at the futility bound continues
    np.testing.assert_array_equal(cross, [1, 1, 0, 0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(futile, [0, 0, 0, 0, 0, 1, 0, 0, 0])
    # two-sided (no futility there): |z| beyond the bound in either direction
    cross2, futile2 = decide(np.array([-2.5, 2.5, 1.0]), np.full(3, 2.0), np.full(3, np.nan), 2)
    np.testing.assert_array_equal(cross2, [1, 1, 0])
    assert not futile2.any()


def test_efficacy_wins_where_the_bounds_meet():
    """If the futility bound reaches the efficacy bound, every trial is decided there."""
    neg_z = np.array([1.9, 1.96, 2.1])
    cross, futile = decide(neg_z, np.full(3, 1.96), np.full(3, 1.96))
    np.testing.assert_array_equal(cross, [0, 1, 1])
    np.testing.assert_array_equal(futile, [1, 0, 0])


@pytest.fixture(scope="module")
def null_and_strong():
    """two_arm_example with OF alpha and beta spending, under HR 1 and under a strong effect."""
    out = {}
    for label, hazard in (("null", [0.25]), ("strong", [0.08])):
        p = _with({"outcomes.hazards[1].per_year": hazard}, beta_spending="OF")
        out[label] = monitor(_batch(p, seed=11, blocks=4))
    return out


def test_monitor_applies_its_bounds(null_and_strong):
    for mon in null_and_strong.values():
        last = len(mon.look_names) - 1
        rows = np.arange(mon.z.shape[0])
        stop = mon.stop_look
        neg_z = -mon.z[rows, stop]
        # the recorded decision is the one the recorded bounds give
        np.testing.assert_array_equal(mon.rejected, neg_z >= mon.bound[rows, stop])
        np.testing.assert_array_equal(
            mon.stopped_for_futility, (stop < last) & (neg_z < mon.futility_bound[rows, stop])
        )
        np.testing.assert_array_equal(mon.stopped_early, mon.rejected & (stop < last))
        assert not (mon.rejected & mon.stopped_for_futility).any()
        # those that go on crossed neither bound; no futility at the last look; NaN once decided
        go_on = stop > 0
        assert (-mon.z[go_on, 0] < mon.bound[go_on, 0]).all()
        assert (-mon.z[go_on, 0] >= mon.futility_bound[go_on, 0]).all()
        assert np.isnan(mon.futility_bound[:, last]).all()
        assert np.isnan(mon.futility_bound[stop == 0, 1:]).all()
        assert np.isnan(mon.bound[stop == 0, 1:]).all()
        # each replicate's bounds are the path's
        for i in (0, 5, 17):
            c, f = look_bounds(list(mon.information[i, :1]), _monitoring(beta_spending="OF"))
            assert (mon.bound[i, 0], mon.futility_bound[i, 0]) == (c, f)


def test_futility_stops_often_under_h0_and_rarely_under_a_strong_effect(null_and_strong):
    null, strong = null_and_strong["null"], null_and_strong["strong"]
    n = null.z.shape[0]
    # under H0 -z at the first look is N(0, 1): it stops for futility with probability
    # Phi(f_1) (about 0.71 for OF beta spending at half the information)
    f1 = null.futility_bound[:, 0]
    expected = float(np.mean(ndtr(f1)))
    observed = float(np.mean(null.stopped_for_futility & (null.stop_look == 0)))
    assert expected > 0.6
    assert abs(observed - expected) < 4 * np.sqrt(expected * (1 - expected) / n)
    assert null.rejected.mean() < 0.1
    assert strong.stopped_for_futility.mean() < 0.02
    assert strong.rejected.mean() > 0.9


def test_without_futility_nothing_changes():
    p = load_builtin("two_arm_example")
    assert p.monitoring.beta_spending is None and not p.monitoring.binding_futility
    mon = monitor(_batch(p, blocks=1))
    assert np.isnan(mon.futility_bound).all()
    assert not mon.stopped_for_futility.any()
    with_fut = monitor(_batch(_with(beta_spending="OF"), blocks=1))
    # non-binding futility: same statistics and efficacy bounds at the first look
    np.testing.assert_array_equal(mon.z[:, 0], with_fut.z[:, 0])
    np.testing.assert_array_equal(mon.bound[:, 0], with_fut.bound[:, 0])
    kept = ~with_fut.stopped_for_futility
    np.testing.assert_array_equal(mon.stop_look[kept], with_fut.stop_look[kept])
    np.testing.assert_array_equal(mon.rejected[kept], with_fut.rejected[kept])


# ---------------------------------------------------------------------------------------------
# chunking


def test_results_do_not_depend_on_chunking():
    p = _with(beta_spending="Pocock", binding_futility=True)
    whole = monitor(_batch(p, seed=5, blocks=3))
    parts = [monitor(_batch(p, seed=5, blocks=1, first_block=i)) for i in range(3)]
    for name in ("z", "bound", "futility_bound", "stop_look", "stopped_for_futility", "rejected"):
        joined = np.concatenate([getattr(q, name) for q in parts])
        np.testing.assert_array_equal(getattr(whole, name), joined, err_msg=name)
    a = run_trials(p, 2 * BLOCK + 8, seed=5, chunk_blocks=1)  # three chunks
    b = run_trials(p, 2 * BLOCK + 8, seed=5, chunk_blocks=4)  # one
    for key in a.interim:
        np.testing.assert_array_equal(a.interim[key], b.interim[key], err_msg=key)
    for key in a.summary:
        np.testing.assert_array_equal(a.summary[key], b.summary[key], err_msg=key)
    assert (a.interim["stop_look"] == 0).any()


# ---------------------------------------------------------------------------------------------
# the protocol's [monitoring] futility keys


def test_defaults_mean_no_futility():
    for name in ("two_arm_example", "aall1731"):
        m = load_builtin(name).monitoring
        assert (m.beta_spending, m.beta_gamma, m.beta, m.binding_futility) == (
            None,
            None,
            0.2,
            False,
        )


@pytest.mark.parametrize(
    ("changes", "key", "words"),
    [
        ({"beta_spending": "HSD"}, "monitoring.beta_gamma", "needs beta_gamma"),
        ({"beta_spending": "KD"}, "monitoring.beta_gamma", "needs beta_gamma"),
        ({"beta_spending": "KD", "beta_gamma": -1.0}, "monitoring.beta_gamma", "positive"),
        ({"beta_spending": "HSD", "beta_gamma": 7.0}, "monitoring.beta_gamma", "[-10, 5]"),
        ({"beta_spending": "OF", "sided": 2}, "monitoring.beta_spending", "one-sided"),
        ({"beta_spending": "OF", "beta": 0.98}, "monitoring.beta", "1 - alpha"),
        ({"beta_spending": "OF", "beta": 0.0}, "monitoring.beta", "greater than 0"),
        ({"binding_futility": True}, "monitoring.binding_futility", "needs beta_spending"),
        ({"beta_gamma": 1.0}, "monitoring.beta_gamma", "set beta_spending"),
        ({"beta_spending": "obf"}, "monitoring.beta_spending", "'OF'"),
        ({"binding_futility": "yes"}, "monitoring.binding_futility", "quoted string"),
        ({"beta": "0.1", "beta_spending": "OF"}, "monitoring.beta", "quoted string"),
    ],
)
def test_bad_futility_settings_name_the_key(changes, key, words):
    with pytest.raises(InputError) as err:
        _with(**changes)
    msg = str(err.value)
    assert key in msg and words in msg, msg


def test_good_futility_settings_load():
    m = _monitoring(beta_spending="KD", beta_gamma=2, beta=0.1, binding_futility=True)
    assert (m.beta_spending, m.beta_gamma, m.beta, m.binding_futility) == ("KD", 2.0, 0.1, True)
