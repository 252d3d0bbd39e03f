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


# ---- strict types and every problem reported [issue 8, defect 3] ----------------------------


def _problems(text: str) -> list[str]:
    """The lines of a refusal that lists several problems (the first line counts them)."""
    with pytest.raises(InputError) as exc:
        parse_protocol(text, "aall1731.toml")
    lines = str(exc.value).splitlines()
    assert re.fullmatch(r"protocol aall1731\.toml: \d+ problems", lines[0]), lines[0]
    assert int(lines[0].split(": ")[1].split()[0]) == len(lines) - 1 or "more" in lines[-1]
    return lines[1:]


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("alpha = 0.025", 'alpha = "0.025"', "monitoring.alpha"),
        ("male_fraction = 0.526", 'male_fraction = "0.526"', "population.male_fraction"),
        ("target_randomized = 2245", "target_randomized = 2245.5", "accrual.target_randomized"),
        ("start = 2019-06-28", 'start = "2019-06-28"', "accrual.start"),
        ("randomized = true", 'randomized = "true"', "population.groups[1].randomized"),
        ("ratio = 1", "ratio = true", "arms[0].ratio"),
        ("hr_sr_average = 0.33", 'hr_sr_average = "0.33"', "published.hr_sr_average"),
    ],
)
def test_quoted_numbers_bools_and_dates_are_refused(old, new, key):
    assert old in AALL
    msg = _refused(AALL.replace(old, new, 1))
    assert key in msg and "line" in msg
    line = int(re.search(r"line (\d+)", msg).group(1))
    assert new in AALL.replace(old, new, 1).splitlines()[line - 1]


def test_quoted_number_says_what_it_got():
    msg = _refused(AALL.replace("alpha = 0.025", 'alpha = "0.025"', 1))
    assert "'0.025'" in msg and "without quotes" in msg


def test_integer_accepted_where_a_float_is_expected():
    two = builtin_text("two_arm_example")
    assert "rate_per_month = 15.0" in two
    p = parse_protocol(two.replace("rate_per_month = 15.0", "rate_per_month = 15"))
    assert p.accrual.rate_per_month == 15.0 and isinstance(p.accrual.rate_per_month, float)


def test_every_problem_is_reported_one_line_each():
    text = (
        AALL.replace("alpha = 0.025", 'alpha = "0.025"', 1)
        .replace("male_fraction = 0.526", "male_fraction = 1.526", 1)
        .replace("rate_per_month =", "rate_per_mnth =", 1)
    )
    lines = _problems(text)
    assert len(lines) == 3
    keys = ["monitoring.alpha", "population.male_fraction", "accrual.rate_per_mnth"]
    src = text.splitlines()
    for line in lines:
        m = re.fullmatch(r"  line (\d+): ([\w.\[\]]+): (.+)", line)
        assert m, line
        assert m.group(2) in keys
        assert m.group(2).rsplit(".", 1)[-1] in src[int(m.group(1)) - 1]
    # in file order
    assert [int(re.search(r"line (\d+)", x).group(1)) for x in lines] == sorted(
        int(re.search(r"line (\d+)", x).group(1)) for x in lines
    )
    assert {re.search(r": ([\w.\[\]]+):", x).group(1) for x in lines} == set(keys)


def test_many_problems_are_cut_after_twenty():
    text, n_bad = re.subn(r"^(\w+ = )([0-9][0-9.]*)(  #)", r'\1"\2"\3', AALL, flags=re.M)
    assert n_bad > 21
    lines = _problems(text)
    assert len(lines) == 21
    assert lines[-1] == f"  ... and {n_bad - 20} more"


def test_cross_field_problems_are_all_reported():
    text = AALL.replace('cif_event = "marrow_relapse"', 'cif_event = "nothing"', 1).replace(
        "latest_final_date = 2029-06-30", "latest_final_date = 2018-01-01", 1
    )
    lines = _problems(text)
    joined = "\n".join(lines)
    assert "analysis.cif_event" in joined and "monitoring.latest_final_date" in joined


# ---- looks: the final look follows planned_events; events in order [issue 8, defect 2] -------

TWO = builtin_text("two_arm_example")


def test_final_look_defaults_to_planned_events():
    for name in ("aall1731", "two_arm_example"):
        text = builtin_text(name)
        final = text.split("[[monitoring.looks]]")[-1].split("\n[")[0]
        assert "events =" not in final, name  # the redundant final events are gone
        p = load_builtin(name)
        assert p.monitoring.looks[-1].events == p.monitoring.planned_events
    assert load_builtin("two_arm_example").monitoring.looks[0].events == 125


def test_look_beyond_planned_events_is_refused():
    msg = _refused(TWO.replace("planned_events = 250", "planned_events = 100", 1))
    assert "monitoring.looks[0].events" in msg and "planned_events" in msg


def test_looks_out_of_order_are_refused():
    text = TWO.replace('name = "Final"', 'name = "Final"\nevents = 100', 1)
    msg = _refused(text)
    assert "monitoring.looks[1].events" in msg and "order" in msg
    dated = AALL.replace(
        '[[monitoring.looks]]\nname = "Final"',
        '[[monitoring.looks]]\nname = "Interim 2"\ndate = 2024-01-01  # x\n'
        '[[monitoring.looks]]\nname = "Final"',
        1,
    )
    assert "Interim 2" in dated
    msg = _refused(dated)
    assert "monitoring.looks[1].date" in msg and "order" in msg


def test_interim_look_needs_date_or_events():
    text = TWO.replace("events = 125  # half the information (assumption)\n", "", 1)
    msg = _refused(text)
    assert "monitoring.looks[0]" in msg and "date or events" in msg


# ---- published values and decision ------------------------------------------------------------


def test_published_values_and_decision():
    p = load_builtin("aall1731")
    assert p.published_values["dfs3_blinatumomab"] == 96.0
    assert all(isinstance(v, float) for v in p.published_values.values())
    assert "decision" not in p.published_values
    assert p.published_decision is not None and "early termination" in p.published_decision
    # the mapping of numeric values still works as before
    assert list(p.published) == list(p.published_values)
    assert p.published["hr_sr_high"] == 0.45 and p.published.get("nothing") is None
    two = load_builtin("two_arm_example")
    assert two.published_decision is None and two.published_values == {}


def test_published_decision_must_be_text():
    text = AALL.replace("[published]\n", "[published]\ndecision = 1  # x\n", 1)
    text = re.sub(r'\ndecision = "[^"]*"[^\n]*', "", text, count=1)
    assert _refused(text).count("published.decision") == 1


# ---- sources: cited in the repository, never outside it [issue 8, defect 8] -----------------


@pytest.mark.parametrize("name", ["aall1731", "two_arm_example"])
def test_sources_are_cited_inside_the_package(name):
    from survtrial.protocol import builtin_data_path

    text = builtin_text(name)
    assert "shared/" not in text and "[facts]" not in text
    header, body = text.split("\n# ---- calibration record")[0].split("\nschema_version", 1)
    comments = [ln.split("#", 1)[1] for ln in body.splitlines() if "#" in ln]
    used = {t for c in comments for t in re.findall(r"\[([A-Za-z][^\]]*)\]", c)}
    for tag in used:
        assert f"[{tag}]" in header, f"source tag [{tag}] is not defined in the header"
    for rel in re.findall(r"(data/[\w/.-]+\.md)", header):
        assert builtin_data_path(name, rel.removeprefix(f"data/{name}/")).is_file(), rel


# ---- overrides: a varied key changes that key only [issue 8, defect 2] ------------------------


def test_varying_planned_events_moves_only_the_final_look():
    from survtrial.protocol import with_override

    base = load_builtin("two_arm_example")
    assert [lk.events for lk in base.monitoring.looks] == [125, 250]
    for planned in (200, 300):
        p = with_override(TWO, "monitoring.planned_events", planned)
        assert p.monitoring.planned_events == planned
        assert [lk.events for lk in p.monitoring.looks] == [125, planned]
    aall = with_override(AALL, "monitoring.planned_events", 180)
    assert str(aall.monitoring.looks[0].date) == "2024-06-30"
    assert aall.monitoring.looks[-1].events == 180


def test_override_changes_that_key_only():
    from survtrial.protocol import with_override

    p = with_override(TWO, "outcomes.hazards[1].per_year", [0.2])
    base = load_builtin("two_arm_example")
    assert p.outcomes.hazards[1].per_year == [0.2]
    assert p.model_dump(exclude={"outcomes"}) == base.model_dump(exclude={"outcomes"})
    assert [h.per_year for h in p.outcomes.hazards] == [[0.25], [0.2], [0.03]]
    # the parsed TOML works as well as the text, and is not changed
    import tomllib

    data = tomllib.loads(TWO)
    q = with_override(data, "monitoring.alpha", 0.01)
    assert q.monitoring.alpha == 0.01 and data["monitoring"]["alpha"] == 0.025


def test_override_below_an_interim_look_is_refused_by_key():
    from survtrial.protocol import with_override

    with pytest.raises(InputError) as exc:
        with_override(TWO, "monitoring.planned_events", 100, "two_arm_example.toml")
    msg = str(exc.value)
    assert msg.startswith("override monitoring.planned_events = 100: two_arm_example.toml line")
    assert "monitoring.looks[0].events" in msg and "125" in msg


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("monitoring.planed_events", 200, "monitoring.planed_events"),
        ("monitor.planned_events", 200, "'monitor'"),
        ("outcomes.hazards[9].per_year", [0.1], "outcomes.hazards"),
        ("monitoring.alpha", "0.01", "monitoring.alpha"),
        ("monitoring.alpha..x", 1, "monitoring.alpha..x"),
    ],
)
def test_override_errors_name_the_key(key, value, named):
    from survtrial.protocol import with_override

    with pytest.raises(InputError) as exc:
        with_override(TWO, key, value, "two_arm_example.toml")
    assert named in str(exc.value)


def test_parse_vary():
    from survtrial.protocol import parse_vary

    assert parse_vary("monitoring.planned_events=200,300") == (
        "monitoring.planned_events",
        [200, 300],
    )
    assert parse_vary(" monitoring.alpha = 0.01 ") == ("monitoring.alpha", [0.01])
    assert parse_vary("monitoring.alpha_spending=OF,Pocock") == (
        "monitoring.alpha_spending",
        ["OF", "Pocock"],
    )
    key, vals = parse_vary("outcomes.hazards[0].per_year=[0.1],[0.2]")
    assert key == "outcomes.hazards[0].per_year" and vals == [[0.1], [0.2]]
    import datetime as dt

    assert parse_vary("accrual.start=2020-01-01")[1] == [dt.date(2020, 1, 1)]
    for bad in ("x", "=1", "monitoring.alpha=", "a b=1"):
        with pytest.raises(InputError, match="--vary"):
            parse_vary(bad)
