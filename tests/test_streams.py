"""Random streams per block and purpose (trial/_rng.py): a protocol draws only what it uses, so
scenarios that differ in one setting share every other draw (common random numbers), and the
streams are a pure function of (seed, block, purpose)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from survtrial.protocol import parse_protocol
from survtrial.trial import simulate_batch
from survtrial.trial._rng import BLOCK, PURPOSES, BlockStreams

SIM = Path(__file__).resolve().parent / "reference" / "fixtures" / "simulate"
TEXT = (SIM / "of_hr075.toml").read_text()


def _batch(text: str):
    return simulate_batch(parse_protocol(text, "t.toml"), BlockStreams(4, 1, 2, 32), np.arange(32))


def test_loss_to_follow_up_changes_only_its_own_draws():
    """Adding loss to follow-up draws one more stream: arrivals, arms and event times of every
    patient stay as they were; only the dropout times appear."""
    text = TEXT.replace("loss_to_follow_up_per_year = 0.0", "loss_to_follow_up_per_year = 0.3")
    assert text != TEXT
    a, b = _batch(TEXT), _batch(text)
    for field in ("enrol_day", "rand_day", "arm", "stratum", "event_time", "event_type"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    assert np.isinf(a.ltfu_time).all()
    assert np.isfinite(b.ltfu_time[b.randomized]).all()


def test_the_hazard_ratio_changes_only_the_experimental_arm_times():
    """A different hazard ratio: the same patients and arms, the same unit exponentials, so the
    control arm's event times are identical and the experimental arm's scale with 1 / HR."""
    text = TEXT.replace("per_year = [0.4158883083359671]", "per_year = [0.2772588722239781]")
    a, b = _batch(TEXT), _batch(text)
    np.testing.assert_array_equal(a.arm, b.arm)
    control = a.arm == 0
    np.testing.assert_array_equal(a.event_time[control], b.event_time[control])
    exp = a.arm == 1
    assert (b.event_time[exp] >= a.event_time[exp]).all()
    assert (b.event_time[exp] > a.event_time[exp]).mean() > 0.9


def test_a_purpose_is_drawn_once_and_must_be_known():
    s = BlockStreams(1, 0, 1, 4)
    s.random("sex", 3)
    with pytest.raises(RuntimeError, match="drawn twice"):
        s.random("sex", 3)
    s.random("exclusion", 3, index=0)
    s.random("exclusion", 3, index=1)  # another index: another stream
    with pytest.raises(ValueError, match="unknown random stream purpose"):
        s.random("mood", 3)


def test_streams_are_a_function_of_seed_block_and_purpose():
    one = BlockStreams(9, 2, 1, BLOCK).exponential("event", 5, index=0)
    again = BlockStreams(9, 2, 1, BLOCK).exponential("event", 5, index=0)
    np.testing.assert_array_equal(one, again)
    # block 2 inside a chunk of blocks 1-3 draws the same numbers
    chunk = BlockStreams(9, 1, 3, 3 * BLOCK).exponential("event", 5, index=0)
    np.testing.assert_array_equal(chunk[BLOCK : 2 * BLOCK], one)
    for other in (
        BlockStreams(9, 2, 1, BLOCK).exponential("event", 5, index=1),
        BlockStreams(9, 2, 1, BLOCK).exponential("arrival", 5),
        BlockStreams(8, 2, 1, BLOCK).exponential("event", 5, index=0),
    ):
        assert not np.array_equal(other, one)
    assert len(set(PURPOSES.values())) == len(PURPOSES)  # every purpose its own spawn key


@pytest.mark.parametrize("n_rep", [2 * BLOCK, 2 * BLOCK - 5])  # whole blocks; the last trimmed
def test_draws_into_a_given_array_are_the_same_numbers(n_rep):
    """``out=`` (the outcomes' causes drawn into one (K, R, N) array, no stacking copy) fills
    it with the very numbers a plain draw returns, directly or through a copy."""
    for kind in ("exponential", "random"):
        plain = getattr(BlockStreams(4, 3, 2, n_rep), kind)("event", 7, index=1)
        out = np.full((2, n_rep, 7), -1.0)
        got = getattr(BlockStreams(4, 3, 2, n_rep), kind)("event", 7, index=1, out=out[1])
        assert got is out[1] or np.shares_memory(got, out)
        np.testing.assert_array_equal(out[1], plain)
        assert (out[0] == -1.0).all()  # nothing written elsewhere
