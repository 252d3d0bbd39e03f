"""`survtrial monitor --report`: the DSMB page (issue 11, section 3, first part): open and
closed sections, figures inline and drawn from the monitoring result, user strings escaped."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from survtrial.cli import app

FIX = Path(__file__).resolve().parent / "reference" / "fixtures" / "monitor"
runner = CliRunner()


def _monitor(*args) -> None:
    res = runner.invoke(app, ["monitor", *map(str, args)])
    assert res.exit_code == 0, res.output


def test_dsmb_report_sections_and_inline_figures(tmp_path):
    look1, look2 = tmp_path / "l1", tmp_path / "l2"
    design = FIX / "design.json"
    _monitor(FIX / "adtte_look1.csv", "--design", design, "--arms", "Control,Drug X",
             "--out", look1)
    _monitor(FIX / "adtte_look2.csv", "--design", design, "--arms", "Control,Drug X",
             "--history", look1 / "monitoring.json", "--out", look2, "--report")
    html = (look2 / "report.html").read_text()
    assert "Open session (pooled" in html and "Closed session (by arm)" in html
    assert html.index("Open session") < html.index("Closed session")
    assert html.count("<svg") == 2 and "<img" not in html and "http://" not in html.split(
        "<svg")[0]
    doc = json.loads((look2 / "monitoring.json").read_text())
    assert doc["decision"] in html and "stop for efficacy" in html
    assert not (look1 / "report.html").exists()  # only with --report


def test_the_figure_is_the_monitoring_result(tmp_path):
    from survtrial.io.options import LoadOptions
    from survtrial.monitor import monitor
    from survtrial.monitor.plan import plan_from_design_json
    from survtrial.report.monitoring import boundary_path

    plan = plan_from_design_json((FIX / "design.json").read_text())
    m, _ = monitor(LoadOptions(adtte=FIX / "adtte_look1.csv", arms=("Control", "Drug X")), plan)
    pts = boundary_path(m)
    assert pts["efficacy"] == [-b for b in m.efficacy_bounds]
    assert pts["information"] == list(m.information_rates)
    assert pts["observed"] == [-lk.z for lk in m.looks]
    assert pts["observed_information"][-1] == m.information_fraction


def test_user_strings_are_escaped(tmp_path):
    """An arm named <script>...</script> shows as text in the page."""
    bad = "<script>alert(1)</script>"
    df = pd.read_csv(FIX / "adtte_look1.csv")
    df["TRTP"] = df["TRTP"].replace({"Drug X": bad})
    path = tmp_path / "adtte.csv"
    df.to_csv(path, index=False)
    _monitor(path, "--design", FIX / "design.json", "--arms", f"Control,{bad}", "--out",
             tmp_path / "o", "--report")
    html = (tmp_path / "o" / "report.html").read_text()
    assert bad not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_monitor_on_the_aall1731_interim_is_the_simulated_committee_decision(tmp_path):
    """`survtrial monitor` on the ADTTE that `reproduce` writes (the first simulated trial, cut
    at its interim) gives the interim that reproduce reports: the same events, z and bound."""
    sim = tmp_path / "sim"
    res = runner.invoke(app, ["reproduce", "aall1731", "--replicates", "16", "--seed", "5",
                              "--out", str(sim), "--no-report"])
    assert res.exit_code == 0, res.output
    _monitor(sim / "adtte.csv", "--protocol", "aall1731", "--param", "DFS", "--out",
             tmp_path / "look")
    m = json.loads((tmp_path / "look" / "monitoring.json").read_text())
    interim = json.loads((sim / "results.json").read_text())["interim"]["simulated"]
    assert m["events"] == interim["events"]
    assert abs(m["z"] - interim["z"]) < 1e-5 * abs(interim["z"])
    assert abs(abs(m["efficacy_bound"]) - interim["bound"]) < 1e-5 * interim["bound"]
    assert (m["decision"] == "stop for efficacy") == (interim["decision"] == "stop for efficacy")
