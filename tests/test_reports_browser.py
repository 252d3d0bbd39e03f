"""The HTML reports as a person sees them: each opened in headless Chromium (Debian's
`chromium` and `chromium-driver`, which `.ci/run` installs), with a screenshot, no console
error, no network or file request (figures are inline), and every figure drawn at a non-empty
size (issue 11). Skipped, with the reason, where Chromium or Selenium is not installed.
"""

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
FIX = Path(__file__).resolve().parent / "reference" / "fixtures"
runner = CliRunner()


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1200,1600"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("reports")
    mon = FIX / "monitor"
    runs = {
        "analyze": ["analyze", str(FIX / "analyze" / "adtte_small.csv"), "--param", "DFS",
                    "--cause", "EVNTDESC", "--report", "--out", str(out / "analyze")],
        "reproduce": ["reproduce", "aall1731", "--replicates", "16", "--out",
                      str(out / "reproduce")],
        "monitor": ["monitor", str(mon / "adtte_look1.csv"), "--design",
                    str(mon / "design.json"), "--arms", "Control,Drug X", "--report",
                    "--out", str(out / "monitor")],
        "design": ["design", "--hr", "0.5", "--control-survival", "0.88", "--survival-time",
                   "36", "--accrual", "36", "--follow-up", "36", "--report",
                   str(out / "design")],
    }  # fmt: skip
    for name, args in runs.items():
        res = runner.invoke(app, args)
        assert res.exit_code == 0, (name, res.output)
    return {name: out / name / "report.html" for name in runs}


@pytest.mark.parametrize("name", ["analyze", "reproduce", "monitor", "design"])
def test_report_renders_alone(browser, reports, name, tmp_path):
    page = reports[name]
    browser.get(page.as_uri())
    assert browser.title  # the page loaded and has its title
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors
    requests = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert requests == [], requests  # nothing fetched: figures and styles are in the page
    sizes = browser.execute_script(
        "return Array.from(document.querySelectorAll('svg'))"
        ".map(s => { const r = s.getBoundingClientRect(); return [r.width, r.height]; })"
    )
    assert sizes and all(w > 100 and h > 100 for w, h in sizes), sizes
    links = browser.execute_script(
        "return Array.from(document.querySelectorAll('[href],[src]'))"
        ".map(e => e.getAttribute('href') || e.getAttribute('src'))"
    )
    assert links == [], links  # one self-contained file: no link to anything beside it
    shot = tmp_path / f"{name}.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000


@pytest.mark.parametrize("name", ["analyze", "reproduce", "monitor", "design"])
def test_report_fits_a_phone(browser, reports, name):
    """At a phone's width (390 px) the page does not scroll sideways (wide tables scroll
    inside themselves, figures shrink)."""
    browser.set_window_size(390, 844)
    try:
        browser.get(reports[name].as_uri())
        width = browser.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert width[0] <= width[1] + 1, width
    finally:
        browser.set_window_size(1200, 1600)
