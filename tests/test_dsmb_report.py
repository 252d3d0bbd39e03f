"""`survtrial monitor --report` with --adsl and --adae (issue 11, section 3): the open session
holds pooled numbers only (accrual, the pooled CONSORT flow), the closed session the CONSORT by
arm and the adverse events by arm, counted by hand here; user strings escaped; bad input one
line."""

from __future__ import annotations

import re
import textwrap

from typer.testing import CliRunner

from survtrial.cli import app
from tests.helpers import FIXTURES
from tests.test_consort_real import ADSL, ADTTE, write

DESIGN = FIXTURES / "monitor" / "design.json"
BAD = "<script>alert(1)</script>"
# S01 twice with the same term counts once; S09 is not analysed (left out by the reader)
ADAE = textwrap.dedent(f"""\
    USUBJID,AEDECOD,AETOXGR
    S01,Nausea,3
    S01,Nausea,4
    S02,Nausea,3
    S04,{BAD},3
    S05,{BAD},3
    S09,{BAD},3
    """)
runner = CliRunner()


def monitor(tmp_path, *extra, adsl=True, adae=True):
    args = [str(write(tmp_path, "adtte.csv", ADTTE)), "--design", str(DESIGN),
            "--arms", "Control,Drug", "--out", str(tmp_path / "out"), "--report", *extra]
    if adsl:
        args += ["--adsl", str(write(tmp_path, "adsl.csv", ADSL))]
    if adae:
        args += ["--adae", str(write(tmp_path, "adae.csv", ADAE))]
    return runner.invoke(app, ["monitor", *args])


def sections(html: str) -> tuple[str, str]:
    return html[html.index('<section id="open">'):html.index('<section id="closed">')], \
        html[html.index('<section id="closed">'):]


def test_open_session_is_pooled_and_closed_has_the_arms(tmp_path):
    res = monitor(tmp_path)
    assert res.exit_code == 0, res.output
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    open_, closed = sections(html)
    assert open_.count("<svg") == 2  # accrual, pooled CONSORT
    assert "Accrual" in open_ and "CONSORT flow (pooled)" in open_
    for arm in ("Control", "Drug"):  # no comparison by arm in the open session
        assert arm not in open_
    assert "Boxes left out" not in open_  # the ADSL has every box's column
    assert closed.count("<svg") == 3  # CONSORT by arm, bounds, KM
    assert "data cut-off: 2021-06-30" in html
    for name in ("accrual.svg", "consort_pooled.svg", "consort.svg"):
        assert name in res.output and (tmp_path / "out" / name).stat().st_size > 0


def test_safety_table_is_the_hand_count(tmp_path):
    """N: Control 2 (S01, S03), Drug 3 (S02, S04, S05). Nausea: S01 | S02; the script term:
    - | S04, S05 (S09 not analysed)."""
    res = monitor(tmp_path)
    assert res.exit_code == 0, res.output
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    table = html[html.index('<table id="safety">'):]
    table = table[:table.index("</table>")]
    cells = [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r) for r in table.split("</tr>")[:-1]]
    assert cells[0] == ["term", "Control (N = 2)", "Drug (N = 3)"]
    assert cells[1] == ["&lt;script&gt;alert(1)&lt;/script&gt;", "0 (0.0%)", "2 (66.7%)"]
    assert cells[2] == ["Nausea", "1 (50.0%)", "1 (33.3%)"]
    assert BAD not in html


def test_without_adsl_or_adae_the_page_says_so(tmp_path):
    res = monitor(tmp_path, adsl=False, adae=False)
    assert res.exit_code == 0, res.output
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    open_, closed = sections(html)
    assert "Accrual over calendar time: not available" in open_ and "--adsl" in open_
    assert "CONSORT flow: not available" in open_ and "<svg" not in open_
    assert "No adverse-event data: give the ADAE with --adae." in closed


def test_adsl_without_dates_or_eligibility_says_so(tmp_path):
    text = "\n".join(",".join(c for i, c in enumerate(line.split(",")) if i not in (2, 6))
                     for line in ADSL.splitlines()) + "\n"  # drop ELIGFL and RANDDT
    adsl = write(tmp_path, "adsl_nodate.csv", text)
    res = monitor(tmp_path, "--adsl", str(adsl), adsl=False, adae=False)
    assert res.exit_code == 0, res.output
    open_, _ = sections((tmp_path / "out" / "report.html").read_text(encoding="utf-8"))
    assert "not available (the ADSL has no RANDDT column)" in open_
    assert open_.count("<svg") == 1  # the pooled CONSORT only
    assert "<li>eligible: adsl_nodate.csv has no ELIGFL column</li>" in open_


def _one_line_error(res) -> str:
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in res.stderr
    return lines[0]


def test_bad_adae_is_one_line(tmp_path):
    bad = write(tmp_path, "adae_bad.csv", "USUBJID,AESEV\nS01,MILD\n")
    line = _one_line_error(monitor(tmp_path, "--adae", str(bad), adae=False))
    assert "adae_bad.csv" in line and "AEDECOD" in line


def test_bad_time_unit_is_one_line(tmp_path):
    line = _one_line_error(monitor(tmp_path, "--time-unit", "days"))
    assert line == "error: --time-unit: 'days' is not one of years, months"
