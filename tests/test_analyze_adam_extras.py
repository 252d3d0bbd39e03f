"""ADaM extras of `survtrial analyze`: AVAL derived from ADT and STARTDT, several milestones,
ADAE by actual treatment and by toxicity grade."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from survtrial.cli import app

runner = CliRunner()
STAT_KEYS = ("kaplan_meier", "logrank", "cox", "rmst", "milestone", "headline")


def adtte(n: int = 60, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    aval = rng.integers(1, 1500, n)
    return pd.DataFrame(
        {
            "USUBJID": [f"S-{i + 1:03d}" for i in range(n)],
            "TRTP": np.where(np.arange(n) % 2, "Drug", "Placebo"),
            "PARAMCD": "DFS",
            "CNSR": rng.integers(0, 2, n),
            "STARTDT": start.strftime("%Y-%m-%d"),
            "ADT": (start + pd.to_timedelta(aval - 1, unit="D")).strftime("%Y-%m-%d"),
            "AVAL": aval,
        }
    )


def run(*args) -> tuple[int, str, str]:
    res = runner.invoke(app, ["analyze", *map(str, args)])
    return res.exit_code, res.stdout, res.stderr


def analyze(out, *args) -> dict:
    code, stdout, err = run(*args, "--out", out)
    assert code == 0, stdout + err
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def one_line_error(tmp_path, *args) -> str:
    code, out, err = run(*args, "--out", tmp_path / "out")
    assert code == 2, (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err and out == ""
    return lines[0]


def same_numbers(a: dict, b: dict) -> None:
    for k in STAT_KEYS:
        assert a[k] == b[k], k


# --- 1. AVAL from ADT and STARTDT -----------------------------------------------------------


def test_aval_derived_from_iso_dates_equals_aval_given(tmp_path):
    df = adtte()
    df.to_csv(tmp_path / "given.csv", index=False)
    df.drop(columns="AVAL").to_csv(tmp_path / "dates.csv", index=False)
    a = analyze(tmp_path / "a", tmp_path / "given.csv", "--milestone", "2")
    b = analyze(tmp_path / "b", tmp_path / "dates.csv", "--milestone", "2")
    same_numbers(a, b)
    assert b["input"]["aval_derived_rows"] == 60
    assert a["input"]["aval_derived_rows"] == 0
    assert "ADT - STARTDT + 1" in b["input"]["sources"]["time"]
    assert any("ADT - STARTDT + 1" in n and "60 rows" in n for n in b["notes"])
    assert any("AVAL is used where given" in n for n in a["notes"])


def test_blank_aval_rows_are_derived_and_counted(tmp_path):
    df = adtte()
    df.to_csv(tmp_path / "given.csv", index=False)
    part = df.astype({"AVAL": "object"})
    part.loc[[3, 10, 11], "AVAL"] = None
    part.to_csv(tmp_path / "part.csv", index=False)
    a = analyze(tmp_path / "a", tmp_path / "given.csv")
    b = analyze(tmp_path / "b", tmp_path / "part.csv")
    same_numbers(a, b)
    assert b["input"]["aval_derived_rows"] == 3
    note = [n for n in b["notes"] if "AVAL is used where given" in n]
    assert len(note) == 1 and "57 rows" in note[0] and "3 rows with AVAL blank" in note[0]


def test_blank_aval_in_months_derived_rows_converted(tmp_path):
    df = adtte()
    df["AVALU"] = "MONTHS"
    given = df.assign(AVAL=df["AVAL"] / (365.25 / 12))
    given.to_csv(tmp_path / "given.csv", index=False)
    part = given.astype({"AVAL": "object"})
    part.loc[[0, 5], "AVAL"] = None
    part.to_csv(tmp_path / "part.csv", index=False)
    a = analyze(tmp_path / "a", tmp_path / "given.csv")
    b = analyze(tmp_path / "b", tmp_path / "part.csv")
    assert b["input"]["aval_derived_rows"] == 2
    assert b["logrank"]["chisq"] == pytest.approx(a["logrank"]["chisq"], rel=1e-12)
    assert b["rmst"]["difference_days"] == pytest.approx(a["rmst"]["difference_days"], rel=1e-9)


def test_aval_derived_from_sas_dates_in_xpt(tmp_path):
    import pyreadstat

    df = adtte()
    df.to_csv(tmp_path / "given.csv", index=False)
    x = df.drop(columns="AVAL")
    for c in ("STARTDT", "ADT"):  # datetime.date objects: written as SAS dates
        x[c] = pd.Series(pd.to_datetime(x[c]).dt.date, dtype=object)
    pyreadstat.write_xport(
        x, str(tmp_path / "dates.xpt"), variable_format={"STARTDT": "DATE9.", "ADT": "DATE9."}
    )
    # the same dates as SAS date numbers (days since 1960-01-01)
    n = df.drop(columns="AVAL")
    for c in ("STARTDT", "ADT"):
        n[c] = (pd.to_datetime(n[c]) - pd.Timestamp("1960-01-01")).dt.days
    n.to_csv(tmp_path / "numbers.csv", index=False)
    a = analyze(tmp_path / "a", tmp_path / "given.csv")
    b = analyze(tmp_path / "b", tmp_path / "dates.xpt")
    c = analyze(tmp_path / "c", tmp_path / "numbers.csv")
    same_numbers(a, b)
    same_numbers(a, c)
    assert b["input"]["aval_derived_rows"] == c["input"]["aval_derived_rows"] == 60


def test_adt_before_startdt_is_an_error_naming_the_row(tmp_path):
    df = adtte().drop(columns="AVAL")
    df.loc[4, "ADT"] = "2019-12-01"
    df.to_csv(tmp_path / "d.csv", index=False)
    line = one_line_error(tmp_path, tmp_path / "d.csv")
    assert "d.csv: row 6, column ADT: value '2019-12-01' is before STARTDT" in line


def test_missing_or_bad_date_is_an_error(tmp_path):
    df = adtte().drop(columns="AVAL")
    df.loc[2, "STARTDT"] = None
    df.to_csv(tmp_path / "d.csv", index=False)
    line = one_line_error(tmp_path, tmp_path / "d.csv")
    assert "row 4, column STARTDT: value missing (blank)" in line
    df = adtte().drop(columns="AVAL")
    df.loc[7, "ADT"] = "2020-13-45"
    df.to_csv(tmp_path / "e.csv", index=False)
    line = one_line_error(tmp_path, tmp_path / "e.csv")
    assert "row 9, column ADT: value '2020-13-45' is not a date" in line


def test_dates_not_needed_when_aval_given(tmp_path):
    df = adtte()
    df.loc[4, "ADT"] = "2019-12-01"  # AVAL is given: the dates are not used
    df.to_csv(tmp_path / "d.csv", index=False)
    r = analyze(tmp_path / "o", tmp_path / "d.csv")
    assert r["input"]["aval_derived_rows"] == 0


# --- 2. several milestones -------------------------------------------------------------------


def test_several_milestones_each_equal_a_single_run(tmp_path):
    from survtrial.stats import kaplan_meier, milestone_difference

    df = adtte()
    df.to_csv(tmp_path / "d.csv", index=False)
    r = analyze(tmp_path / "m", tmp_path / "d.csv", "--milestone", "2", "--milestone", "1,36m")
    assert [m["given"] for m in r["settings"]["milestones"]] == ["2 years", "1 years", "36 months"]
    assert len(r["milestones"]) == 3
    t = df["AVAL"].to_numpy(float)
    e = 1 - df["CNSR"].to_numpy(int)
    arm = (df["TRTP"] == "Drug").to_numpy().astype(int)
    for m in r["milestones"]:
        one = analyze(
            tmp_path / m["given"].replace(" ", ""),
            tmp_path / "d.csv",
            "--milestone",
            f"{m['time_days']}d",
        )
        assert one["milestone"] == {
            k: v for k, v in m.items() if k not in ("given", "kaplan_meier_by_arm")
        }
        ref = milestone_difference(t, e, arm, m["time_days"])
        assert m["difference"] == ref.difference
        assert m["ci"] == list(ref.confidence_interval(0.95))
        for i, a in enumerate(("Placebo", "Drug")):
            f = kaplan_meier(t[arm == i], e[arm == i])
            km = m["kaplan_meier_by_arm"][a]
            assert km["survival"] == float(f.survival_at(m["time_days"])[0])
            assert km["std_err"] == float(f.std_err_at(m["time_days"])[0])
            assert km["ci"] == one["kaplan_meier"]["by_arm"][a]["ci"]
    # the first milestone keeps the single-value keys
    assert r["milestone"]["time_years"] == 2.0
    assert r["kaplan_meier"]["milestone_years"] == 2.0
    assert (
        r["headline"]["dfs1_Drug"]
        == 100 * r["milestones"][1]["kaplan_meier_by_arm"]["Drug"]["survival"]
    )
    cols = pd.read_csv(tmp_path / "m" / "km_by_arm.csv").columns
    assert {"survival_2y", "survival_1y", "survival_3y", "ci_high_3y"} <= set(cols)
    te = pd.read_csv(tmp_path / "m" / "treatment_effects.csv")
    assert (te["quantity"] == "milestone survival difference").sum() == 3
    assert r["command"].endswith("--milestone 2 --milestone 1,36m")


def test_bad_milestone_among_several_is_one_line(tmp_path):
    df = adtte()
    df.to_csv(tmp_path / "d.csv", index=False)
    line = one_line_error(tmp_path, tmp_path / "d.csv", "--milestone", "2,soon")
    assert "--milestone: 'soon' is not a time" in line


# --- 3. ADAE: actual treatment and grades ---------------------------------------------------


def adae_with(tmp_path, **cols) -> tuple:
    df = adtte()
    df.to_csv(tmp_path / "d.csv", index=False)
    ae = pd.DataFrame(
        {
            "USUBJID": ["S-001", "S-002", "S-003", "S-004", "S-004", "S-006"],
            "AEDECOD": ["Fever", "Fever", "Rash", "Fever", "Rash", "Fever"],
            **cols,
        }
    )
    ae.to_csv(tmp_path / "ae.csv", index=False)
    return tmp_path / "d.csv", tmp_path / "ae.csv"


def test_adae_by_planned_arm_without_trta(tmp_path):
    d, ae = adae_with(tmp_path)
    r = analyze(tmp_path / "o", d, "--adae", ae)
    fever = r["adverse_events"]["terms"]["Fever"]
    assert (fever["Placebo"], fever["Drug"]) == (1, 3)  # S-001 Placebo; S-002, 4, 6 Drug
    assert "planned arm" in r["input"]["sources"]["ae_arm"]
    assert any("by planned arm" in n for n in r["notes"])
    assert r["input"]["sources"]["ae_grades"] == "all grades (default)"


def test_adae_by_actual_treatment(tmp_path):
    trta = ["Placebo", "Placebo", "Drug", "Drug", "Drug", "Other"]  # S-002 got Placebo
    d, ae = adae_with(tmp_path, TRTA=trta)
    r = analyze(tmp_path / "o", d, "--adae", ae)
    fever = r["adverse_events"]["terms"]["Fever"]
    assert (fever["Placebo"], fever["Drug"]) == (2, 1)
    assert "actual treatment" in r["input"]["sources"]["ae_arm"]
    assert any("by actual treatment" in n for n in r["notes"])
    left = [e for e in r["input"]["excluded"] if "TRTA" in e["reason"]]
    assert left[0]["rows"] == 1  # 'Other' is counted, not dropped silently


def test_adsl_trt01a_gives_actual_arms_and_safety_denominators(tmp_path):
    """Without TRTA, ADSL's TRT01A assigns each subject's events and makes the denominators
    (the safety population); a subject treated with neither arm is left out and counted."""
    d, ae = adae_with(tmp_path)
    df = adtte()
    actual = df["TRTP"].to_numpy(dtype=object).copy()
    actual[1] = "Placebo"  # S-002 planned Drug, received Placebo
    actual[5] = "Not treated"  # S-006 planned Drug, never treated
    pd.DataFrame({"USUBJID": df["USUBJID"], "TRT01P": df["TRTP"], "TRT01A": actual}).to_csv(
        tmp_path / "adsl.csv", index=False
    )
    r = analyze(tmp_path / "o", d, "--adsl", tmp_path / "adsl.csv", "--adae", ae)
    aes = r["adverse_events"]
    planned = df["TRTP"].value_counts()
    assert aes["n"] == {"Placebo": planned["Placebo"] + 1, "Drug": planned["Drug"] - 2}
    fever = aes["terms"]["Fever"]
    assert (fever["Placebo"], fever["Drug"]) == (2, 1)  # S-001, S-002 | S-004; S-006 left out
    assert "TRT01A" in r["input"]["sources"]["ae_arm"]
    left = [e for e in r["input"]["excluded"] if "TRT01A" in e["reason"]]
    assert left[0]["rows"] == 1
    # the time-to-event analysis stays by randomized (planned) arm
    assert r["kaplan_meier"] == analyze(tmp_path / "p", d)["kaplan_meier"]


def test_ae_grade_min_filters_and_counts(tmp_path):
    d, ae = adae_with(tmp_path, AETOXGR=[1, 3, 2, 4, None, 3])
    r = analyze(tmp_path / "o", d, "--adae", ae, "--ae-grade-min", "3")
    terms = r["adverse_events"]["terms"]
    assert (terms["Fever"]["Placebo"], terms["Fever"]["Drug"]) == (0, 3)
    assert "Rash" not in terms
    left = [e for e in r["input"]["excluded"] if "--ae-grade-min" in e["reason"]]
    assert left[0]["rows"] == 3 and "AETOXGR below 3" in left[0]["reason"]
    assert r["command"].endswith("--ae-grade-min 3")
    all_grades = analyze(tmp_path / "all", d, "--adae", ae)
    assert all_grades["adverse_events"]["terms"]["Rash"]["Drug"] == 1


def test_ae_grade_min_atoxgr_and_errors(tmp_path):
    d, ae = adae_with(tmp_path, ATOXGR=["1", "3", "2", "4", "5", "3"])
    r = analyze(tmp_path / "o", d, "--adae", ae, "--ae-grade-min", "4")
    assert r["adverse_events"]["terms"]["Fever"]["Drug"] == 1
    assert r["adverse_events"]["terms"]["Rash"]["Drug"] == 1
    d, ae = adae_with(tmp_path)
    line = one_line_error(tmp_path, d, "--adae", ae, "--ae-grade-min", "3")
    assert "ae.csv: row 1 (header): missing column AETOXGR (or ATOXGR)" in line
    d, ae = adae_with(tmp_path, AETOXGR=["1", "3", "severe", "4", "5", "3"])
    line = one_line_error(tmp_path, d, "--adae", ae, "--ae-grade-min", "3")
    assert "ae.csv: row 4, column AETOXGR: value 'severe' is not a numeric grade" in line


# ---- the ADaM data sets a simulated trial writes (survtrial.io.adam) -------------------------

# columns only a protocol with the matching sections gets (AALL1731: several risk groups,
# body_size, a blinatumomab phase dosed per m2)
PROTOCOL_SPECIFIC = ("RISKGRP", "WBC_PER_UL", "HEIGHT_CM", "WEIGHT_KG", "BSA_M2", "DOSE_UG_PER_DAY")
EVERY_PROTOCOL = (
    "STUDYID", "USUBJID", "AGE", "AGEU", "SEX", "ENRLDT", "RANDFL", "ITTFL", "NRANDRS",
    "RANDDT", "ARMCD", "ARM", "STRATUM", "CUTDT",
)  # fmt: skip


def simulated_adam(name: str, folder) -> dict[str, pd.DataFrame]:
    from survtrial.io.adam import write_adam
    from survtrial.protocol import load_builtin
    from survtrial.trial import cut_data, simulate_batch
    from survtrial.trial._rng import BlockStreams

    p = load_builtin(name)
    b = simulate_batch(p, BlockStreams(5, 0, 1, 2), np.arange(2))
    write_adam(b, cut_data(b, np.full(2, 1500.0)), folder)
    return {k: pd.read_csv(folder / f"{k}.csv", keep_default_na=False) for k in ("adsl", "adtte")}


def test_adsl_of_a_generic_protocol_has_only_generic_columns(tmp_path):
    """two_arm_example has one risk group, no body_size and no dosed drug: its ADSL has none of
    AALL1731's columns (it had empty HEIGHT/WEIGHT/BSA, all-zero doses and RISKGRP 'All')."""
    sl = simulated_adam("two_arm_example", tmp_path)["adsl"]
    assert set(EVERY_PROTOCOL) <= set(sl.columns)
    assert not set(PROTOCOL_SPECIFIC) & set(sl.columns)
    assert (sl["STRATUM"][sl["RANDFL"] == "Y"] == "All").all()


def test_adsl_of_aall1731_keeps_its_columns(tmp_path):
    sl = simulated_adam("aall1731", tmp_path)["adsl"]
    assert set(EVERY_PROTOCOL) | set(PROTOCOL_SPECIFIC) <= set(sl.columns)
    assert sl["BSA_M2"].notna().all() and (sl["BSA_M2"] > 0).all()
    blin = (sl["ARMCD"] == "blinatumomab").to_numpy()
    np.testing.assert_allclose(sl["DOSE_UG_PER_DAY"][blin], 15 * sl["BSA_M2"][blin], atol=0.02)
    assert (sl["DOSE_UG_PER_DAY"][~blin] == 0).all()
    assert set(sl["RISKGRP"]) <= {"SR-Favorable", "SR-Average", "SR-High"}


def test_generic_adam_analyses_with_adsl(tmp_path):
    """A generic protocol's ADSL merges on USUBJID: treatment (ARMCD, --arm) and stratum."""
    from survtrial.io.analysis_input import LoadOptions, load_analysis_data

    sets = simulated_adam("two_arm_example", tmp_path)
    tte = sets["adtte"].drop(columns=["TRTP", "STRATUM"])
    tte.to_csv(tmp_path / "tte.csv", index=False)
    d = load_analysis_data(
        LoadOptions(adtte=tmp_path / "tte.csv", adsl=tmp_path / "adsl.csv", param="DFS",
                    arm="ARMCD", arms=("control", "experimental"))
    )  # fmt: skip
    dfs = sets["adtte"][sets["adtte"]["PARAMCD"] == "DFS"]
    assert d.n == len(dfs)
    np.testing.assert_array_equal(d.arm, (dfs["TRTP"] == "experimental").to_numpy(dtype=int))
    assert d.stratum_labels == ("All",)
    assert [f["role"] for f in d.files] == ["time-to-event data", "subject level (ADSL)"]


def test_analysis_data_is_frozen(tmp_path):
    """The loader builds AnalysisData once; nobody appends to it afterwards."""
    import dataclasses

    from survtrial.io.analysis_input import LoadOptions, load_analysis_data

    adtte().to_csv(tmp_path / "d.csv", index=False)
    d = load_analysis_data(LoadOptions(adtte=tmp_path / "d.csv"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.actual_arm = d.arm  # type: ignore[misc]
    assert isinstance(d.files, tuple) and isinstance(d.excluded, tuple)
    assert isinstance(d.notes, tuple) and d.notes  # AVAL beside ADT/STARTDT is noted
