"""The DSMB page with its open-session accrual and CONSORT figures and its closed-session
CONSORT by arm and safety table, opened in headless Chromium (as tests/test_reports_browser.py
does for every report): no console error, no request, no link, every figure drawn at a
non-empty size, no sideways scroll on a phone. Data: the ADaM sets of a simulated AALL1731
trial cut at its interim (ADSL with RISKGRP, ENRLDT, RANDFL, NRANDRS, RANDDT; ADAE)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from survtrial.cli import app
from tests.test_reports_browser import CHROMIUM, DRIVER, browser  # noqa: F401 (fixture)

pytest.importorskip("selenium", reason="selenium is in the test extras")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium "
    "chromium-driver; .ci/run installs them)",
)
runner = CliRunner()


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("dsmb")
    res = runner.invoke(app, ["reproduce", "aall1731", "--replicates", "16", "--seed", "5",
                              "--out", str(out / "sim"), "--no-report"])
    assert res.exit_code == 0, res.output
    sim = out / "sim"
    res = runner.invoke(app, ["monitor", str(sim / "adtte.csv"), "--protocol", "aall1731",
                              "--param", "DFS", "--adsl", str(sim / "adsl.csv"), "--adae",
                              str(sim / "adae.csv"), "--report", "--time-unit", "months",
                              "--out", str(out / "dsmb")])
    assert res.exit_code == 0, res.output
    return out / "dsmb" / "report.html"


def test_dsmb_page_renders_with_its_new_figures(browser, page, tmp_path):  # noqa: F811
    browser.set_window_size(1200, 1600)
    browser.get(page.as_uri())
    assert browser.title
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    assert browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)") == []
    assert browser.execute_script(
        "return document.querySelectorAll('[href],[src]').length") == 0
    sizes = browser.execute_script("""
        const size = s => { const r = s.getBoundingClientRect(); return [r.width, r.height]; };
        return ['open', 'closed'].map(id =>
            Array.from(document.querySelectorAll('#' + id + ' svg')).map(size));
    """)
    open_sizes, closed_sizes = sizes
    assert len(open_sizes) == 2 and len(closed_sizes) == 3, sizes  # accrual, CONSORT x2, ...
    assert all(w > 100 and h > 100 for w, h in open_sizes + closed_sizes), sizes
    rows = browser.execute_script("return document.querySelectorAll('#safety tr').length")
    assert rows >= 2  # the header and at least one adverse event
    shot = tmp_path / "dsmb.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000


def test_dsmb_page_fits_a_phone(browser, page):  # noqa: F811
    browser.set_window_size(390, 844)
    try:
        browser.get(page.as_uri())
        width = browser.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1] + 1, width
    finally:
        browser.set_window_size(1200, 1600)
