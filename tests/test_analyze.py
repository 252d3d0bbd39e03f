"""`survtrial analyze` on the ADaM data that `survtrial reproduce` writes, and on plain tables.

Independent recomputation: the numbers in results.json equal survtrial.stats called directly on
the arrays read from the same ADTTE with pandas (exact equality of the same computation; the
stats functions themselves are validated against R in test_reference_survival.py and friends,
and the whole analysis against R in test_analyze_reference.py). Metamorphic checks: the same
data as Parquet, XPT, with shuffled rows, with times in years instead of days, and with treatment
and strata merged from ADSL give the same results.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from survtrial.cli import app
from survtrial.stats import (
    cox,
    cumulative_incidence,
    gray_test,
    kaplan_meier,
    logrank,
    milestone_difference,
    risk_difference,
    rmst,
)
from tests.helpers import assert_tree_close

runner = CliRunner()
MS_DAYS = 3 * 365.25
STAT_KEYS = ("n", "kaplan_meier", "logrank", "cox", "rmst", "milestone")


# reproduce's ADaM: which arm a file names first depends on the simulated trial, so the
# control arm is named (without --arms, analyze takes the first-named arm as control)
ARMS = ("--arms", "chemotherapy,blinatumomab")


@pytest.fixture(scope="module")
def adam(tmp_path_factory):
    out = tmp_path_factory.mktemp("reproduce")
    res = runner.invoke(app, ["reproduce", "aall1731", "--replicates", "2", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


def assert_close(a, b, rel: float, path: str = "") -> None:
    """Nested dicts/lists equal, numbers within ``rel`` (relative; absolute 1e-12)."""
    assert_tree_close(a, b, rtol=rel, atol=1e-12, what=path)


def analyze(out, *args) -> dict:
    res = runner.invoke(app, ["analyze", *map(str, args), "--out", str(out)])
    assert res.exit_code == 0, res.output + res.stderr
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def base(adam, tmp_path_factory):
    out = tmp_path_factory.mktemp("analyze")
    args = [adam / "adtte.csv", "--param", "DFS", *ARMS, "--cause", "EVNTDESC", "--adae"]
    return out, analyze(out, *args, adam / "adae.csv", "--report")


def dfs_arrays(adam):
    d = pd.read_csv(adam / "adtte.csv", keep_default_na=False)
    d = d[d["PARAMCD"] == "DFS"]
    arm = (d["TRTP"] == "blinatumomab").to_numpy().astype(int)  # control: ARMS[1]'s first
    return d, d["AVAL"].to_numpy(float), 1 - d["CNSR"].to_numpy(int), arm


def test_outputs_written(base):
    out, r = base
    for name in (
        "results.json",
        "km_by_arm.csv",
        "km_by_stratum_and_arm.csv",
        "at_risk.csv",
        "logrank.csv",
        "treatment_effects.csv",
        "cumulative_incidence.csv",
        "adverse_events.csv",
        "excluded_rows.csv",
        "km_curves.csv",
        "report.html",
        "km.png",
        "km.svg",
    ):
        assert (out / name).stat().st_size > 0, name
    assert "survtrial analyze" in r["command"] and "--param DFS" in r["command"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Kaplan-Meier by arm" in html and "km.svg" in html


def test_same_analysis_as_the_simulated_trial(adam, tmp_path):
    """analyze on reproduce's ADTTE gives full_analysis's headline numbers of that trial.

    analysis_trial1.json is full_analysis on the simulated arrays, written to 6 significant
    digits; the ADTTE holds the same times as whole days."""
    r = analyze(tmp_path, adam / "adtte.csv", "--param", "DFS", *ARMS, "--tau", "1607d")
    sim = json.loads((adam / "analysis_trial1.json").read_text())["headline"]
    ours = r["headline"]
    # "dfs3_se_<arm>" is the SE of the kind each analysis reports: Peto's in the protocol,
    # Greenwood's (R's) in analyze; both kinds are compared under their own names
    reported_kind = {f"dfs3_se_{a}" for a in ("chemotherapy", "blinatumomab")}
    common = [k for k in sim if k in ours and k not in reported_kind]
    assert len(common) >= 20
    for k in common:
        assert ours[k] == pytest.approx(sim[k], rel=1e-5), k
    for a in ("chemotherapy", "blinatumomab"):  # the protocol's milestone SE is Peto's
        assert ours[f"dfs3_se_peto_{a}"] == pytest.approx(sim[f"dfs3_se_{a}"], rel=1e-5)


def test_excluded_rows_are_counted(adam, base):
    _, r = base
    d = pd.read_csv(adam / "adtte.csv")
    n_os = int((d["PARAMCD"] == "OS").sum())
    assert r["input"]["excluded"][0] == {
        "file": "adtte.csv",
        "reason": "PARAMCD is not DFS (--param)",
        "rows": n_os,
    }
    assert r["input"]["excluded_rows_total"] == n_os
    assert r["input"]["n_subjects"] + n_os == len(d)
    table = pd.read_csv(base[0] / "excluded_rows.csv")
    assert table["rows"].tolist() == [n_os]


def test_numbers_equal_stats_on_the_same_arrays(adam, base):
    _, r = base
    d, t, e, arm = dfs_arrays(adam)
    stratum = pd.factorize(d["STRATUM"], sort=True)[0]
    arms = r["input"]["arms"]
    assert (arms["control"], arms["experimental"]) == ("chemotherapy", "blinatumomab")
    assert arms["reference"] == r["reference_arm"] == "chemotherapy"
    assert arms["chosen_by"] == "user (--arms CONTROL,EXPERIMENTAL)"
    assert r["input"]["strata"]["levels"] == ["SR-Average", "SR-High"]
    for i, a in enumerate(("chemotherapy", "blinatumomab")):
        f = kaplan_meier(t[arm == i], e[arm == i])
        km = r["kaplan_meier"]["by_arm"][a]
        assert km["survival"] == float(f.survival_at(MS_DAYS)[0])
        assert km["std_err"] == float(f.std_err_at(MS_DAYS)[0])
        lo, hi = f.confidence_interval(0.95, "log", times=[MS_DAYS])  # R's default
        assert km["ci"] == [float(lo[0]), float(hi[0])]
        assert km["n_at_risk"]["3"] == int(f.n_risk_at(MS_DAYS)[0])
        for j, st in enumerate(("SR-Average", "SR-High")):
            sel = (arm == i) & (stratum == j)
            fs = kaplan_meier(t[sel], e[sel])
            got = r["kaplan_meier"]["by_stratum_and_arm"][st][a]
            assert got["survival"] == float(fs.survival_at(MS_DAYS)[0])
            assert got["n"] == int(sel.sum())
    lr = logrank(t, e, arm, strata=stratum)
    assert r["logrank"]["chisq"] == lr.statistic and r["logrank"]["z"] == lr.z
    assert r["logrank"]["z"] < 0  # fewer events than expected on blinatumomab
    c = cox(t, e, arm.astype(float), strata=stratum)
    assert r["cox"]["overall"]["hazard_ratio"] == float(c.hazard_ratio[0])
    for j, st in enumerate(("SR-Average", "SR-High")):
        sel = stratum == j
        cs = cox(t[sel], e[sel], arm[sel].astype(float))
        assert r["cox"]["by_stratum"][st]["hazard_ratio"] == float(cs.hazard_ratio[0])
    tau = min(t[arm == 0].max(), t[arm == 1].max())
    rm = rmst(t, e, arm, tau)
    assert r["rmst"]["tau_days"] == tau and r["rmst"]["difference_days"] == rm.difference
    ms = milestone_difference(t, e, arm, MS_DAYS)
    assert r["milestone"]["difference"] == ms.difference
    assert r["milestone"]["ci"] == list(ms.confidence_interval(0.95))


def test_competing_risks_equal_stats(adam, base):
    _, r = base
    d, t, e, arm = dfs_arrays(adam)
    labels = sorted(set(d.loc[e == 1, "EVNTDESC"]))
    cause = np.where(e == 1, [labels.index(x) + 1 if x in labels else 0 for x in d["EVNTDESC"]], 0)
    stratum = pd.factorize(d["STRATUM"], sort=True)[0]
    ci = cumulative_incidence(t, cause, group=arm)
    g = gray_test(t, cause, arm, strata=stratum)
    for k, lab in enumerate(labels, start=1):
        got = r["cumulative_incidence"]["causes"][lab]
        assert got["gray_pvalue"] == pytest.approx(g.pvalue[k], rel=1e-15)
        for i, a in enumerate(("chemotherapy", "blinatumomab")):
            if any(key == (k, i) for key in ci.curves):
                want = float(ci.estimate_at([MS_DAYS], cause=k, group=i)[0])
                assert got[a]["incidence"] == want


def test_adverse_events_equal_stats(adam, base):
    _, r = base
    d, _, _, arm = dfs_arrays(adam)
    ae = pd.read_csv(adam / "adae.csv").drop_duplicates(["USUBJID", "AEDECOD"])
    arm_of = dict(zip(d["USUBJID"], arm, strict=True))
    n = [int((arm == 0).sum()), int((arm == 1).sum())]
    for term, rows in ae.groupby("AEDECOD"):
        a = np.array([arm_of[s] for s in rows["USUBJID"]])
        e0, e1 = int((a == 0).sum()), int((a == 1).sum())
        got = r["adverse_events"]["terms"][term]
        assert (got["chemotherapy"], got["blinatumomab"]) == (e0, e1)
        rd = risk_difference(e0, n[0], e1, n[1])
        assert got["risk_difference"] == rd.estimate and got["ci"] == [rd.low, rd.high]


def test_parquet_xpt_and_shuffled_rows_give_the_same_results(adam, base, tmp_path):
    import pyreadstat

    _, r = base
    p = analyze(tmp_path / "pq", adam / "adtte.parquet", "--param", "DFS", *ARMS)
    d = pd.read_csv(adam / "adtte.csv", keep_default_na=False)
    xpt = tmp_path / "adtte.xpt"
    pyreadstat.write_xport(d, str(xpt), table_name="ADTTE", file_format_version=5)
    x = analyze(tmp_path / "xpt", xpt, "--param", "DFS", *ARMS)
    # shuffled rows, control arm still named first with --arms
    sh = tmp_path / "shuffled.csv"
    d.sample(frac=1.0, random_state=3).to_csv(sh, index=False)
    s = analyze(tmp_path / "sh", sh, "--param", "DFS", "--arms", "chemotherapy,blinatumomab")
    for key in STAT_KEYS:
        assert p[key] == r[key], key
        assert x[key] == r[key], key
    for key in ("n", "logrank", "rmst", "milestone"):
        assert_close(s[key], r[key], 1e-12, key)
    assert s["cox"]["overall"]["hazard_ratio"] == pytest.approx(
        r["cox"]["overall"]["hazard_ratio"], rel=1e-12
    )


def test_treatment_and_strata_from_adsl(adam, base, tmp_path):
    _, r = base
    d = pd.read_csv(adam / "adtte.csv", keep_default_na=False).drop(columns=["TRTP", "STRATUM"])
    sl = pd.read_csv(adam / "adsl.csv", keep_default_na=False)
    sl["TRT01P"] = sl["ARMCD"]
    sl = sl.drop(columns=["ARM"])
    d.to_csv(tmp_path / "adtte.csv", index=False)
    sl.to_csv(tmp_path / "adsl.csv", index=False)
    m = analyze(
        tmp_path / "o",
        tmp_path / "adtte.csv",
        "--param",
        "DFS",
        "--adsl",
        tmp_path / "adsl.csv",
        "--strata",
        "STRATUM",
        "--arms",
        "chemotherapy,blinatumomab",
    )
    assert m["input"]["columns"]["arm"] == "TRT01P"
    for key in STAT_KEYS:
        assert m[key] == r[key], key
    files = m["input"]["files"]
    assert files[1]["role"] == "subject level (ADSL)"
    assert files[1]["subjects_without_tte_rows"] == len(sl) - m["input"]["n_subjects"]


def test_arms_option_excludes_and_counts(tmp_path):
    rng = np.random.default_rng(5)
    n = 90
    df = pd.DataFrame(
        {
            "USUBJID": [f"P{i}" for i in range(n)],
            "ARM": np.array(["A", "B", "C"])[np.arange(n) % 3],
            "AVAL": rng.integers(10, 900, n),
            "AVALU": "DAYS",
            "CNSR": rng.integers(0, 2, n),
        }
    )
    df.to_csv(tmp_path / "three.csv", index=False)
    res = runner.invoke(app, ["analyze", str(tmp_path / "three.csv"), "--out", str(tmp_path)])
    assert res.exit_code == 2 and "--arms CONTROL,EXPERIMENTAL" in res.stderr
    r = analyze(tmp_path / "o", tmp_path / "three.csv", "--arms", "C,A")
    arms = r["input"]["arms"]
    assert (arms["control"], arms["experimental"], arms["reference"]) == ("C", "A", "C")
    assert arms["chosen_by"] == "user (--arms CONTROL,EXPERIMENTAL)"
    assert r["reference_arm"] == "C"
    assert r["input"]["excluded"] == [
        {"file": "three.csv", "reason": "ARM is not one of --arms (B)", "rows": 30}
    ]
    assert r["n"] == {"C": 30, "A": 30}


def ipd(unit: str, factor: float) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 200
    days = rng.integers(5, 1500, n).astype(float)
    return pd.DataFrame(
        {
            "usubjid": [f"arm{i % 2}-{i:04d}" for i in range(n)],
            "arm": np.where(np.arange(n) % 2 == 0, "control", "experimental"),
            "time": days / factor,
            "event": rng.integers(0, 2, n),
            "unit": unit,
        }
    )


def test_plain_table_like_reconstruct_output(tmp_path):
    """usubjid, arm, time, event, unit: works with no options; years and days agree."""
    ipd("days", 1.0).to_csv(tmp_path / "days.csv", index=False)
    ipd("years", 365.25).to_csv(tmp_path / "ipd.csv", index=False)
    a = analyze(tmp_path / "a", tmp_path / "days.csv", "--tau", "3")
    b = analyze(tmp_path / "b", tmp_path / "ipd.csv", "--tau", "3")
    assert a["input"]["layout"] == b["input"]["layout"] == "plain table"
    assert (
        b["input"]["time_unit_input"] == "years" and b["input"]["sources"]["unit"] == "column unit"
    )
    assert b["input"]["columns"]["time"] == "time" and b["input"]["columns"]["event"] == "event"
    assert b["input"]["strata"]["columns"] == []
    for key in ("logrank", "milestone"):
        assert_close(b[key], a[key], 1e-9, key)
    assert_close(b["rmst"]["difference_days"], a["rmst"]["difference_days"], 1e-9)
    assert b["rmst"]["tau_days"] == pytest.approx(3 * 365.25)
    assert (
        b["kaplan_meier"]["by_arm"]["control"]["n_at_risk"]
        == (a["kaplan_meier"]["by_arm"]["control"]["n_at_risk"])
    )


def test_plain_table_named_columns_and_unit_option(tmp_path):
    df = ipd("months", 365.25 / 12).drop(columns=["unit"])
    df = df.rename(columns={"time": "months_fu", "event": "died", "arm": "group_name"})
    df.to_csv(tmp_path / "t.csv", index=False)
    r = analyze(
        tmp_path / "o",
        tmp_path / "t.csv",
        "--time",
        "months_fu",
        "--event",
        "died",
        "--arm",
        "group_name",
        "--unit",
        "months",
        "--milestone",
        "24m",
    )
    ipd("days", 1.0).to_csv(tmp_path / "days.csv", index=False)
    a = analyze(tmp_path / "a", tmp_path / "days.csv", "--milestone", "730.5d")
    assert r["settings"]["milestone"]["days"] == pytest.approx(730.5)
    assert_close(r["milestone"], a["milestone"], 1e-9)


def test_horizon_beyond_follow_up_is_capped_and_said(adam, tmp_path):
    r = analyze(tmp_path / "o", adam / "adtte.csv", "--param", "DFS", "--tau", "20")
    assert r["rmst"]["tau_capped"] and r["rmst"]["tau_days"] < 20 * 365.25
    assert any("RMST is computed at tau" in n for n in r["notes"])


def test_without_arms_the_first_named_arm_is_control(adam, tmp_path):
    d = pd.read_csv(adam / "adtte.csv", keep_default_na=False)
    first = d.loc[d["PARAMCD"] == "DFS", "TRTP"].iloc[0]
    other = ({"chemotherapy", "blinatumomab"} - {first}).pop()
    r = analyze(tmp_path, adam / "adtte.csv", "--param", "DFS")
    arms = r["input"]["arms"]
    assert (arms["control"], arms["experimental"]) == (first, other)
    assert arms["chosen_by"].startswith("order of first appearance")
