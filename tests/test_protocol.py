"""Protocol files: the built-ins load, every number is sourced, bad protocols are refused by key."""

from __future__ import annotations

import re

import pytest

from survtrial import InputError
from survtrial.protocol import builtin_protocols, builtin_text, load_builtin, parse_protocol

AALL = builtin_text("aall1731")


def test_builtins_listed_and_valid():
    names = builtin_protocols()
    assert {"aall1731", "two_arm_example"} <= set(names)
    for name in names:
        p = load_builtin(name)
        assert len(p.arms) == 2


def test_aall1731_contents():
    p = load_builtin("aall1731")
    assert str(p.accrual.start) == "2019-06-28"
    assert p.population.strata == ["SR-Average", "SR-High"]
    blin = p.experimental
    cycles = [ph for ph in blin.phases if ph.drug == "blinatumomab"]
    assert [c.duration_days for c in cycles] == [28, 28]
    assert all(c.dose_ug_per_m2_per_day == 15.0 for c in cycles)
    assert str(p.monitoring.looks[0].date) == "2024-06-30"


@pytest.mark.parametrize("name", ["aall1731", "two_arm_example"])
def test_every_number_has_a_comment(name):
    """Each line that sets a number carries a comment (its source, or 'assumption')."""
    text = builtin_text(name).split("\n# ---- calibration record")[0]
    bare = []
    for no, line in enumerate(text.splitlines(), 1):
        if re.match(r"^\s*[A-Za-z_]+\s*=\s*[\[{]?\s*-?\d", line) and "#" not in line:
            if not line.startswith("schema_version"):
                bare.append((no, line))
    assert bare == []


def _refused(text: str) -> str:
    with pytest.raises(InputError) as exc:
        parse_protocol(text, "aall1731.toml")
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


def test_probabilities_must_sum_to_one():
    msg = _refused(
        AALL.replace("probability = 0.4332", "probability = 0.5", 1).replace(
            "probability = 0.4", "probability = 0.5", 1
        )
    )
    assert "population.groups" in msg and "sum" in msg and "line" in msg


def test_stratum_without_patients():
    text = re.sub(r'(name = "SR-High"\nprobability = )[0-9.]+', r"\g<1>0.0", AALL)
    text = re.sub(r'(name = "SR-Favorable"\nprobability = )[0-9.]+', r"\g<1>0.63", text)
    msg = _refused(text)
    assert "population.groups[2].probability" in msg and "no patients" in msg


def test_analysis_before_first_enrolment():
    msg = _refused(AALL.replace("date = 2024-06-30", "date = 2019-01-01"))
    assert "monitoring.looks[0].date" in msg
    line = int(re.search(r"line (\d+)", msg).group(1))
    assert (
        "2019-01-01"
        in AALL.replace("date = 2024-06-30", "date = 2019-01-01").splitlines()[line - 1]
    )


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("rate_per_month =", "rate_per_mnth =", "accrual.rate_per_mnth"),
        ("block_sizes = [2, 4, 6]", "block_sizes = [3]", "randomization.block_sizes[0]"),
        ('cif_event = "marrow_relapse"', 'cif_event = "nothing"', "analysis.cif_event"),
        ("male_fraction = 0.526", "male_fraction = 1.526", "population.male_fraction"),
        ('method = "permuted_blocks"', 'method = "coin"', "randomization.method"),
    ],
)
def test_bad_values_name_the_key(old, new, key):
    assert old in AALL
    msg = _refused(AALL.replace(old, new, 1))
    assert key in msg


def test_hazard_length_and_duplicates():
    text = re.sub(r"per_year = \[[^\]]*\]", "per_year = [0.1]", AALL, count=1)
    assert "outcomes.hazards[0].per_year" in _refused(text)
    dup = AALL + '\n[[outcomes.hazards]]\nevent = "cns_relapse"\narm = "*"\nstratum = "SR-High"\n'
    dup += "per_year = [0, 0, 0, 0, 0]\n"
    # appended after [published]/[data_files]: still an outcomes.hazards element
    assert "duplicates" in _refused(dup)


def test_not_toml():
    msg = _refused(AALL.replace("[analysis]", "[analysis"))
    assert "not valid TOML" in msg and "line" in msg
