"""`survtrial analyze` against R: survival 3.5-3 (survfit, survdiff, coxph), cmprsk 2.2-11.

Oracle: tests/reference/make_analyze_reference.R, run on the committed ADaM-style data
tests/reference/fixtures/analyze/adtte_small.csv (240 subjects x DFS/OS, two strata, tied
integer days, three causes) and adae_small.csv; its output is reference.json. The R script
writes 15 significant digits (jsonlite), so closed-form quantities are compared at 1e-10
relative and the iterative Cox fit at 1e-7 (STYLE.md: tolerances by the oracle's precision).
The same data as XPT and SAS7BDAT (written by haven, i.e. ReadStat) give the same results.
"""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pytest
from typer.testing import CliRunner

from survtrial.cli import app
from tests.helpers import FIXTURES

HERE = FIXTURES / "analyze"
ARMS = ("Control", "Drug X")
CLOSED = 1e-10
ITERATIVE = 1e-7
runner = CliRunner()


@cache
def reference() -> dict:
    return json.loads((HERE / "reference.json").read_text())


def _run(tmp_path_factory, name: str) -> dict:
    out = tmp_path_factory.mktemp("ref")
    args = [
        "analyze",
        str(HERE / name),
        "--param",
        "DFS",
        "--adae",
        str(HERE / "adae_small.csv"),
        "--cause",
        "EVNTDESC",
        "--milestone",
        "365.25d",
        "--tau",
        "600d",
        "--conf-type",  # the fixture's survfit(conf.type = "log-log"); the default is R's "log"
        "log-log",
        "--out",
        str(out),
    ]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return json.loads((out / "results.json").read_text())


@pytest.fixture(scope="module")
def ours(tmp_path_factory) -> dict:
    return _run(tmp_path_factory, "adtte_small.csv")


def close(a, b, rel=CLOSED):
    if b is None:
        assert a is None
        return
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rel)


def _km(ours_e: dict, r: dict) -> None:
    assert ours_e["n"] == r["n"]
    assert ours_e["events"] == r["events"]
    close(ours_e["survival"], r["survival"])
    close(ours_e["std_err"], r["std_err"])
    close(ours_e["ci"], r["ci"])
    close(ours_e["median_days"], r["median"])
    for a, b in zip(ours_e["median_ci_days"], r["median_ci"], strict=True):
        close(a, b)
    assert list(ours_e["n_at_risk"].values()) == r["n_at_risk"]


def test_input_counts(ours):
    r = reference()
    assert ours["n"] == r["n"]
    assert ours["input"]["excluded_rows_total"] == r["excluded_rows"] == 240
    assert ours["input"]["excluded"][0]["reason"].startswith("PARAMCD is not DFS")
    arms = ours["input"]["arms"]
    assert (arms["control"], arms["experimental"]) == ("Control", "Drug X")
    assert arms["reference"] == ours["reference_arm"] == "Control"
    assert ours["input"]["time_unit_input"] == "days"


@pytest.mark.parametrize("arm", ARMS)
def test_kaplan_meier_by_arm(ours, arm):
    _km(ours["kaplan_meier"]["by_arm"][arm], reference()["kaplan_meier"]["by_arm"][arm])


@pytest.mark.parametrize("stratum", ["High risk", "Low risk"])
@pytest.mark.parametrize("arm", ARMS)
def test_kaplan_meier_by_stratum_and_arm(ours, stratum, arm):
    r = reference()["kaplan_meier"]["by_stratum_and_arm"][stratum][arm]
    _km(ours["kaplan_meier"]["by_stratum_and_arm"][stratum][arm], r)


def test_stratified_logrank(ours):
    r = reference()["logrank"]
    lr = ours["logrank"]
    close(lr["chisq"], r["chisq"])
    close(lr["pvalue"], r["pvalue"])
    close(lr["z"], r["z"])
    close([lr["observed"][a] for a in ARMS], r["observed"])
    close([lr["expected"][a] for a in ARMS], r["expected"])


@pytest.mark.parametrize("which", ["overall", "High risk", "Low risk"])
def test_cox(ours, which):
    r = reference()["cox"]
    c = ours["cox"]["overall"] if which == "overall" else ours["cox"]["by_stratum"][which]
    rc = r["overall"] if which == "overall" else r["by_stratum"][which]
    for key in ("coef", "std_err", "hazard_ratio", "ci", "pvalue"):
        close(c[key], rc[key], ITERATIVE)


def test_rmst_and_milestone(ours):
    r = reference()
    km = r["kaplan_meier"]["by_arm"]
    rm = ours["rmst"]
    assert rm["tau_days"] == r["tau_days"] and not rm["tau_capped"]
    close([rm["by_arm_days"][a] for a in ARMS], [km[a]["rmean"] for a in ARMS])
    close([rm["std_err_days"][a] for a in ARMS], [km[a]["se_rmean"] for a in ARMS])
    close(rm["difference_days"], r["rmst"]["difference"])
    close(rm["ci_days"], r["rmst"]["ci"])
    close(rm["pvalue"], r["rmst"]["pvalue"])
    ms = ours["milestone"]
    close(ms["difference"], r["milestone"]["difference"])
    close(ms["difference_std_err"], r["milestone"]["std_err"])
    close(ms["ci"], r["milestone"]["ci"])
    close(ms["pvalue"], r["milestone"]["pvalue"])


@pytest.mark.parametrize("cause", ["Death in remission", "Relapse", "Second cancer"])
def test_cumulative_incidence_and_gray(ours, cause):
    r = reference()["cumulative_incidence"][cause]
    e = ours["cumulative_incidence"]["causes"][cause]
    close(e["gray_statistic"], r["gray_statistic"])
    close(e["gray_pvalue"], r["gray_pvalue"])
    for a in ARMS:
        close(e[a]["incidence"], r[a]["incidence"])
        close(e[a]["std_err"] ** 2, r[a]["variance"])


@pytest.mark.parametrize("term", ["Infection", "Neutropenia", "Rash"])
def test_adverse_events(ours, term):
    r = reference()["adverse_events"][term]
    e = ours["adverse_events"]["terms"][term]
    assert (e["Control"], e["Drug X"]) == (r["Control"], r["Drug X"])
    close(e["risk_difference"], r["risk_difference"])
    close(e["ci"], r["ci"])


@pytest.mark.parametrize("name", ["adtte_small.xpt", "adtte_small.sas7bdat"])
def test_sas_files_give_the_same_results(ours, tmp_path_factory, name):
    theirs = _run(tmp_path_factory, name)
    for key in ("kaplan_meier", "logrank", "cox", "rmst", "milestone", "cumulative_incidence"):
        assert theirs[key] == ours[key], key
    assert theirs["input"]["files"][0]["format"] == name.rsplit(".", 1)[1]
