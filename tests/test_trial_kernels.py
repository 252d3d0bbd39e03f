"""The compiled enrolment and outcome kernels (trial/enrol_kernels.py,
trial/outcomes_kernels.py) against the array code
they replace on the CPU (the code the GPU runs): every column equal bit for bit, on protocols
that use every branch (exclusions, risk groups not randomized, delays to randomization, ramp-up
and accrual periods, piecewise hazards, several causes, cure fractions, death after a
non-fatal event, loss to follow-up)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from survtrial import _compiled
from survtrial.protocol import load_builtin, parse_protocol
from survtrial.trial import simulate_batch
from survtrial.trial._rng import BlockStreams
from survtrial.trial.enrol import capacity, enrol
from survtrial.trial.outcomes import outcomes
from survtrial.trial.randomize import randomize

SIM = Path(__file__).resolve().parent / "reference" / "fixtures" / "simulate"


def _fixture(name: str, cure: float | None = None):
    text = (SIM / f"{name}.toml").read_text()
    if cure is not None:  # a cure fraction on the control arm's hazard
        text = text.replace(
            "per_year = [0.5545177444479562]\n",
            f"per_year = [0.5545177444479562]\ncure_fraction = {cure}\n",
            1,
        ).replace('model = "piecewise_exponential"', 'model = "cure_mixture"')
    return parse_protocol(text, f"{name}.toml")


def _protocols():
    return {
        "aall1731": load_builtin("aall1731"),
        "two_arm_example": load_builtin("two_arm_example"),
        "of_hr075": _fixture("of_hr075"),
        "pocock_hr075_dropout": _fixture("pocock_hr075_dropout"),
        "of_hr075_cure": _fixture("of_hr075", cure=0.3),
    }


PROTOCOLS = _protocols()


def _equal(a, b, what):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype.kind == b.dtype.kind, what
    assert a.shape == b.shape, what
    assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), what


def _run(p, compiled: bool, monkeypatch, seed=11, blocks=3, n_rep=40):
    monkeypatch.setattr(_compiled, "ENABLED", compiled)
    streams = BlockStreams(seed, 2, blocks, n_rep)
    e = enrol(p, streams, capacity(p))
    arm = randomize(p, streams, e)
    o = outcomes(p, streams, arm, e.stratum, e.randomized, e.randomized_first)
    return e, arm, o


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
def test_enrolment_and_outcomes_equal_the_array_code(name, monkeypatch):
    p = PROTOCOLS[name]
    e1, arm1, o1 = _run(p, True, monkeypatch)
    e0, arm0, o0 = _run(p, False, monkeypatch)
    for field in ("enrolled", "enrol_day", "randomized", "stratum", "rand_day", "group",
                  "exclusion", "randomized_first"):  # fmt: skip
        _equal(getattr(e1, field), getattr(e0, field), field)
    _equal(arm1, arm0, "arm")
    for field in ("event_time", "event_type", "death_time", "ltfu_time"):
        _equal(getattr(o1, field), getattr(o0, field), field)
    # the data exercise the branches: someone randomized, someone not, events
    assert e1.randomized.any() and not e1.randomized.all()
    assert np.isfinite(o1.event_time).any()


def test_the_branches_are_exercised():
    """The protocols above reach every branch the kernels have."""
    a = PROTOCOLS["aall1731"]
    assert a.population.exclusions and any(not g.randomized for g in a.population.groups)
    assert len(a.outcomes.event_types) > 2 and len(a.outcomes.interval_starts_days) > 1
    assert a.outcomes.death_after_relapse_per_year > 0 and a.accrual.periods
    assert any(e.death for e in a.outcomes.event_types)
    assert any(not e.death for e in a.outcomes.event_types)
    assert PROTOCOLS["pocock_hr075_dropout"].outcomes.loss_to_follow_up_per_year > 0
    assert any(h.cure_fraction > 0 for h in PROTOCOLS["of_hr075_cure"].outcomes.hazards)


def test_cure_fraction_cures(monkeypatch):
    """The cure draw is read: a 30% cure fraction on control leaves about 30% of control
    patients without an event over 20 years (no cure: almost none)."""
    _, arm, o = _run(PROTOCOLS["of_hr075_cure"], True, monkeypatch, n_rep=64, blocks=4)
    ctrl = arm == 0
    free = np.isinf(o.event_time[ctrl]).mean()
    assert 0.27 < free < 0.33
    _, arm, o = _run(PROTOCOLS["of_hr075"], True, monkeypatch, n_rep=64, blocks=4)
    assert np.isinf(o.event_time[arm == 0]).mean() < 0.001


@pytest.mark.parametrize("name", ["aall1731", "pocock_hr075_dropout"])
def test_whole_batches_equal(name, monkeypatch):
    p = PROTOCOLS[name]
    out = []
    for compiled in (True, False):
        monkeypatch.setattr(_compiled, "ENABLED", compiled)
        out.append(simulate_batch(p, BlockStreams(5, 0, 2, 32), np.arange(32)))
    for field in ("enrol_day", "age_years", "male", "arm", "rand_day", "event_time",
                  "event_type", "death_time", "ltfu_time", "ae_occurs", "ae_day"):  # fmt: skip
        _equal(getattr(out[0], field), getattr(out[1], field), field)


@pytest.mark.parametrize("name", ["aall1731", "of_hr075"])
def test_too_few_patients_generated_is_an_error(name, monkeypatch):
    """A replicate that enrols every generated patient before reaching the target would have
    enrolled more: an error, never a silently smaller trial (capacity() makes it a < 1e-15
    event)."""
    p = PROTOCOLS[name]
    for compiled in (True, False):
        monkeypatch.setattr(_compiled, "ENABLED", compiled)
        enrol(p, BlockStreams(3, 0, 1, 16), capacity(p))  # enough
        with pytest.raises(RuntimeError, match="did not suffice"):
            enrol(p, BlockStreams(3, 0, 1, 16), p.accrual.target_randomized // 2)


@pytest.mark.parametrize("name", ["aall1731", "of_hr075_cure", "pocock_hr075_dropout"])
def test_simulate_chunks_equal_with_and_without_kernels(name, monkeypatch):
    """End to end: a chunk of operating characteristics (enrolment, randomization, outcomes,
    the looks and their bounds) is the same with the compiled kernels as with the array code
    that the GPU runs."""
    from survtrial.simulate.chunk import ChunkResult, simulate_chunk

    p = PROTOCOLS[name]
    results = []
    for compiled in (True, False):
        monkeypatch.setattr(_compiled, "ENABLED", compiled)
        results.append(simulate_chunk(p, 21, 3, 2, 30))
    for field in ChunkResult.__dataclass_fields__:
        _equal(getattr(results[0], field), getattr(results[1], field), field)
