"""The analyze report with every journal table and the subgroup forest plot, opened in
headless Chromium as tests/test_reports_browser.py opens the others: no console error, no
request, figures drawn, no sideways scroll at a phone's width, each journal table present with
its rows. Skipped, with the reason, where Chromium or Selenium is not installed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from survtrial.cli import app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
selenium = pytest.importorskip("selenium", reason="selenium is in the test extras")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium "
    "chromium-driver; .ci/run installs them)",
)
SG = Path(__file__).resolve().parent / "reference" / "fixtures" / "subgroups"


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tables_report")
    res = CliRunner().invoke(app, [
        "analyze", str(SG / "adtte.csv"), "--adsl", str(SG / "adsl.csv"), "--adae",
        str(SG / "adae.csv"), "--arms", "Control,Drug X", "--subgroups", "SEX,AGEGR1,REGION1",
        "--report", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out / "report.html"


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--window-size=1200,1600"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    yield driver
    driver.quit()


def test_journal_tables_render_and_fit_a_phone(browser, page):
    browser.get(page.as_uri())
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    assert browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)") == []
    captions = browser.execute_script(
        "return Array.from(document.querySelectorAll('caption')).map(c => c.textContent)")
    for start in ("Baseline characteristics by randomized arm", "Adverse events by worst grade",
                  "Hazard ratio Drug X vs Control by subgroup"):
        assert any(c.startswith(start) for c in captions), (start, captions)
    first = browser.execute_script(
        "const t = document.querySelector('table'); return [t.rows.length, "
        "Array.from(t.rows[1].cells).map(c => c.textContent)]")
    # header + AGE (2), AGEGR1 (3), SEX (2), REGION1 (4), WEIGHTBL (1), STRATUM (2)
    assert first[0] == 1 + 14
    assert first[1][0] == "AGE, median (IQR)"
    sizes = browser.execute_script(
        "return Array.from(document.querySelectorAll('svg'))"
        ".map(s => { const r = s.getBoundingClientRect(); return [r.width, r.height]; })")
    # CONSORT (the page is given --adsl: the flow is drawn since issue 11's last gaps), KM,
    # KM by stratum, forest, adverse events
    assert len(sizes) == 5 and all(w > 100 and h > 100 for w, h in sizes), sizes
    browser.set_window_size(390, 844)
    try:
        browser.get(page.as_uri())
        width = browser.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1] + 1, width
    finally:
        browser.set_window_size(1200, 1600)
