"""Hazard ratios by subgroup and the arm x subgroup interaction test equal R's.

Fixture: tests/reference/make_subgroups_reference.R (survival::coxph, Efron ties; per level
``coxph(Surv ~ drug + strata(STRATUM))`` on the level's subjects; interaction
``2 (loglik(drug * F) - loglik(drug + F))``, df = non-NA coefficients added, as
``anova(fit0, fit1)``). Tolerance: relative 1e-6 (absolute 1e-9) on every Cox quantity and on
the interaction statistic and p; counts and df exact. The forest plot draws exactly these rows.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from survtrial.analysis import AnalysisSettings, analyse
from survtrial.analysis.subgroups import estimable_columns
from survtrial.cli import app
from survtrial.io.analysis_input import load_analysis_data
from survtrial.io.options import LoadOptions
from survtrial.report.figures import forest_rows
from survtrial.report.forest import draw_forest
from tests.helpers import FIXTURES, assert_close, reference_fixture

SG = FIXTURES / "subgroups"
ARMS = ("Control", "Drug X")
RTOL, ATOL = 1e-6, 1e-9
FACTORS = ("SEX", "AGEGR1", "REGION1", "STRATUM")
runner = CliRunner()


def _analyse(strata=None, subgroups=FACTORS):
    opts = LoadOptions(adtte=SG / "adtte.csv", adsl=SG / "adsl.csv", arms=ARMS,
                       strata=strata, subgroups=subgroups)
    return analyse(load_analysis_data(opts),
                   AnalysisSettings(milestone_days=365.25, milestone_text="1 year"))


@pytest.fixture(scope="module")
def ref() -> dict:
    return reference_fixture("subgroups", "reference")


@pytest.fixture(scope="module")
def stratified():
    return _analyse()


def _check(sg, r: dict) -> None:
    assert [lv.level for lv in sg.levels] == list(r["levels"])  # R's sorted factor levels
    assert sg.missing == r["missing"]
    for lv in sg.levels:
        e = r["levels"][lv.level]
        c = lv.cox
        what = f"{sg.column} = {lv.level}"
        assert (c.n, c.events) == (e["n"], e["events"]), what
        assert (sum(lv.n.values()), sum(lv.events.values())) == (e["n"], e["events"]), what
        for ours, theirs in ((c.coef, "coef"), (c.std_err, "std_err"),
                             (c.hazard_ratio, "hazard_ratio"), (list(c.ci), "ci"),
                             (c.pvalue, "pvalue")):
            assert_close(ours, e[theirs], RTOL, ATOL, f"{what}: {theirs}")
    it = r["interaction"]
    assert sg.interaction.df == it["df"] == it["anova_df"]
    assert_close(sg.interaction.statistic, it["statistic"], RTOL, ATOL, f"{sg.column}: LR")
    assert_close(sg.interaction.statistic, it["anova_chisq"], RTOL, ATOL, f"{sg.column}: anova")
    assert_close(sg.interaction.pvalue, it["pvalue"], RTOL, ATOL, f"{sg.column}: LR p")
    assert sg.interaction.method == "likelihood ratio"


@pytest.mark.parametrize("column", FACTORS)
def test_stratified_subgroups_equal_r(stratified, ref, column):
    sg = {s.column: s for s in stratified.subgroups}[column]
    assert sg.stratified
    _check(sg, ref["stratified"][column])


def test_stratification_factor_as_subgroup_has_its_main_effect_absorbed(stratified, ref):
    """F = STRATUM: F's own terms are NA in R (absorbed by strata); one interaction df."""
    sg = {s.column: s for s in stratified.subgroups}["STRATUM"]
    assert sg.interaction.df == ref["stratified"]["STRATUM"]["interaction"]["df"] == 1


@pytest.mark.parametrize("column", ["SEX", "REGION1"])
def test_unstratified_subgroups_equal_r(ref, column):
    res = _analyse(strata=(), subgroups=(column,))
    (sg,) = res.subgroups
    assert not sg.stratified
    _check(sg, ref["unstratified"][column])


def test_estimable_columns_drop_what_strata_absorb():
    rng = np.random.default_rng(3)
    stratum = rng.integers(0, 3, 50)
    x = np.column_stack([rng.integers(0, 2, 50), stratum == 1, rng.normal(size=50)])
    assert estimable_columns(x.astype(float), stratum) == [0, 2]
    assert estimable_columns(x.astype(float), None) == [0, 1, 2]
    dup = np.column_stack([x, 2 * x[:, 0] - x[:, 2]])  # a combination of earlier columns
    assert estimable_columns(dup.astype(float), None) == [0, 1, 2]


def test_cli_writes_subgroups_to_results_and_csv(tmp_path, ref):
    res = runner.invoke(app, ["analyze", str(SG / "adtte.csv"), "--adsl", str(SG / "adsl.csv"),
                              "--arms", "Control,Drug X", "--subgroups", "SEX,AGEGR1",
                              "--subgroups", "REGION1", "--out", str(tmp_path), "--report"])
    assert res.exit_code == 0, res.stdout + res.stderr
    doc = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert [s["column"] for s in doc["subgroups"]] == ["SEX", "AGEGR1", "REGION1"]
    sex = doc["subgroups"][0]
    r = ref["stratified"]["SEX"]
    assert_close(sex["interaction"]["pvalue"], r["interaction"]["pvalue"], RTOL, ATOL, "json p")
    assert_close([lv["cox"]["hazard_ratio"] for lv in sex["levels"]],
                 [e["hazard_ratio"] for e in r["levels"].values()], RTOL, ATOL, "json HR")
    lines = (tmp_path / "hazard_ratios_by_subgroup.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("subgroup,level,n,events,hazard_ratio,ci_low,ci_high,pvalue,")
    f_row = next(line.split(",") for line in lines if line.startswith("SEX,F,"))
    assert float(f_row[4]) == pytest.approx(r["levels"]["F"]["hazard_ratio"], rel=RTOL)
    assert float(f_row[10]) == pytest.approx(r["interaction"]["pvalue"], rel=RTOL)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Hazard ratios by stratum and subgroup" in html
    assert "SEX: interaction p = 0.00025 (LR, 1 df)" in html  # the forest's header row


def test_forest_draws_the_subgroup_rows(stratified):
    """Each drawn marker sits at its row's hazard ratio, each CI line spans its interval, and
    the y labels are the rows' (a header per factor, with its interaction p)."""
    rows = forest_rows(stratified)
    kinds = [r.kind for r in rows]
    assert kinds[0] == "overall" and kinds.count("header") == len(FACTORS)
    expected = [stratified.cox.overall, *stratified.cox.by_stratum.values()]
    for sg in stratified.subgroups:
        expected += [None, *(lv.cox for lv in sg.levels)]
    assert len(rows) == len(expected)
    for r, c in zip(rows, expected, strict=True):
        if c is None:
            assert r.hazard_ratio is None
        else:
            assert (r.hazard_ratio, r.low, r.high, r.n, r.events) == (
                c.hazard_ratio, *c.ci, c.n, c.events)
    fig = draw_forest(rows, "HR", "t")
    ax = fig.axes[0]
    markers = [ln for ln in ax.lines if ln.get_marker() in ("o", "s")]
    segments = [ln for ln in ax.lines if ln.get_marker() in ("None", None, "")
                and len(ln.get_xdata()) == 2 and ln.get_ydata()[0] == ln.get_ydata()[1]]
    drawn = [r for r in rows if r.hazard_ratio is not None]
    ys = {len(rows) - 1 - i: r for i, r in enumerate(rows)}
    assert len(markers) == len(drawn)
    for m in markers:
        r = ys[int(m.get_ydata()[0])]
        assert m.get_xdata()[0] == r.hazard_ratio
    for s in segments:
        r = ys[int(s.get_ydata()[0])]
        assert tuple(s.get_xdata()) == (r.low, r.high)
    labels = {int(y): t.get_text() for y, t in zip(ax.get_yticks(), ax.get_yticklabels(),
                                                     strict=True)}
    assert labels == {
        y: (r.label if r.kind == "header" else f"{r.label} (n = {r.n}, {r.events} events)")
        for y, r in ys.items()
    }
    sex = next(r for r in rows if r.label.startswith("SEX:"))
    assert sex.label == "SEX: interaction p = 0.00025 (LR, 1 df)"
    import matplotlib.pyplot as plt

    plt.close(fig)


def _error(tmp_path, *args) -> str:
    res = runner.invoke(app, ["analyze", str(SG / "adtte.csv"), "--adsl", str(SG / "adsl.csv"),
                              "--arms", "Control,Drug X", *args, "--out", str(tmp_path / "o")])
    assert res.exit_code == 2, res.stdout + res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in res.stderr
    return lines[0]


def test_bad_subgroups_give_one_line_errors(tmp_path):
    line = _error(tmp_path, "--subgroups", "SEX,COUNTRY")
    assert "--subgroups: unknown column 'COUNTRY': not a column of adtte.csv or adsl.csv" in line
    line = _error(tmp_path, "--subgroups", "AGE")
    assert "--subgroups: adsl.csv column AGE has" in line and "at most 12" in line
    line = _error(tmp_path, "--subgroups", "STUDYID")
    assert "--subgroups: adsl.csv column STUDYID has one value" in line
