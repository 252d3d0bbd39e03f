"""Bad input to `survtrial analyze`: one line on stderr naming file, row, column and value; exit 2.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from survtrial.cli import app

runner = CliRunner()
N = 12


def adtte(n: int = N) -> pd.DataFrame:
    rows = []
    for i in range(n):
        for param, t in (("DFS", 100 + 37 * i), ("OS", 200 + 41 * i)):
            rows.append(
                {
                    "USUBJID": f"S-{i + 1:03d}",
                    "TRTP": "Placebo" if i % 2 == 0 else "Drug",
                    "STRATUM": "A" if i % 3 else "B",
                    "PARAMCD": param,
                    "AVAL": t,
                    "AVALU": "DAYS",
                    "CNSR": i % 3 == 0,
                    "EVNTDESC": "" if i % 3 == 0 else "Relapse",
                }
            )
    df = pd.DataFrame(rows)
    df["CNSR"] = df["CNSR"].astype(int)
    return df


def write(tmp_path, df: pd.DataFrame, name: str = "adtte.csv"):
    p = tmp_path / name
    df.to_csv(p, index=False)
    return p


def run(*args) -> tuple[int, str, str]:
    res = runner.invoke(app, ["analyze", *map(str, args)])
    return res.exit_code, res.stdout, res.stderr


def one_line_error(tmp_path, *args) -> str:
    code, out, err = run(*args, "--out", tmp_path / "out")
    assert code == 2, (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err and out == ""
    assert not (tmp_path / "out" / "results.json").exists()
    return lines[0]


def test_valid_file_runs(tmp_path):
    p = write(tmp_path, adtte())
    code, _out, err = run(p, "--param", "DFS", "--milestone", "180d", "--out", tmp_path / "o")
    assert code == 0, err
    assert (tmp_path / "o" / "results.json").exists()


def test_missing_required_column(tmp_path):
    p = write(tmp_path, adtte().drop(columns=["CNSR"]))
    msg = one_line_error(tmp_path, p, "--param", "DFS")
    assert "adtte.csv: row 1 (header)" in msg and "CNSR" in msg


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abc", "row 6, column AVAL: value 'abc' is not a number"),
        ("-3", "row 6, column AVAL: value -3.0 is negative"),
        ("", "row 6, column AVAL: value missing (blank)"),
    ],
)
def test_bad_aval(tmp_path, value, expected):
    df = adtte().astype({"AVAL": object})
    df.loc[4, "AVAL"] = value  # data row 4 -> spreadsheet row 6
    p = write(tmp_path, df)
    msg = one_line_error(tmp_path, p, "--param", "DFS")
    assert msg.startswith("error: adtte.csv: ") and expected in msg


def test_bad_aval_counts_rows_like_it(tmp_path):
    df = adtte().astype({"AVAL": object})
    df.loc[[4, 6, 8], "AVAL"] = "n/a"
    msg = one_line_error(tmp_path, write(tmp_path, df), "--param", "DFS")
    assert "row 6, column AVAL" in msg and "3 rows like this" in msg


def test_cnsr_not_0_or_1(tmp_path):
    df = adtte()
    df.loc[10, "CNSR"] = 2
    msg = one_line_error(tmp_path, write(tmp_path, df), "--param", "DFS")
    assert "row 12, column CNSR: value 2 is not 0 (event) or 1 (censored)" in msg


def test_duplicate_subject_within_parameter(tmp_path):
    df = adtte()
    df.loc[2, "USUBJID"] = df.loc[0, "USUBJID"]  # both DFS rows: rows 2 and 4
    msg = one_line_error(tmp_path, write(tmp_path, df), "--param", "DFS")
    assert "rows 2, 4, column USUBJID: value 'S-001' appears 2 times within PARAMCD DFS" in msg


def test_arm_listed_in_arms_has_no_subjects(tmp_path):
    p = write(tmp_path, adtte())
    msg = one_line_error(tmp_path, p, "--param", "DFS", "--arms", "Placebo,Active")
    assert "--arms: arm 'Active' has no subjects in adtte.csv" in msg and "TRTP" in msg


def test_only_one_arm(tmp_path):
    df = adtte()
    df["TRTP"] = "Drug"
    msg = one_line_error(tmp_path, write(tmp_path, df), "--param", "DFS")
    assert "column TRTP: only one arm has subjects ('Drug'" in msg


def test_missing_arm_value(tmp_path):
    df = adtte()
    df.loc[6, "TRTP"] = None
    msg = one_line_error(tmp_path, write(tmp_path, df), "--param", "DFS")
    assert "row 8, column TRTP: value missing (blank)" in msg


def test_unknown_stratification_column(tmp_path):
    p = write(tmp_path, adtte())
    msg = one_line_error(tmp_path, p, "--param", "DFS", "--strata", "REGION")
    assert "--strata: unknown stratification column 'REGION'" in msg and "row 1" in msg


def test_unknown_param(tmp_path):
    msg = one_line_error(tmp_path, write(tmp_path, adtte()), "--param", "PFS")
    assert "--param: 'PFS' is not a value of PARAMCD" in msg and "DFS, OS" in msg


def test_several_params_need_param(tmp_path):
    msg = one_line_error(tmp_path, write(tmp_path, adtte()))
    assert "PARAMCD has 2 parameters (DFS, OS)" in msg and "--param" in msg


def test_empty_file(tmp_path):
    p = tmp_path / "adtte.csv"
    p.write_bytes(b"")
    assert "adtte.csv: the file is empty" in one_line_error(tmp_path, p)


def test_header_only(tmp_path):
    p = write(tmp_path, adtte().iloc[:0])
    assert "adtte.csv: has a header but no data rows" in one_line_error(tmp_path, p)


def test_truncated_csv(tmp_path):
    p = write(tmp_path, adtte())
    data = p.read_bytes()
    p.write_bytes(data[: len(data) - 25])  # cut inside the last row
    msg = one_line_error(tmp_path, p, "--param", "DFS")
    assert f"adtte.csv: row {2 * N + 1}: expected 8 fields" in msg and "truncated" in msg


def test_truncated_parquet(tmp_path):
    p = tmp_path / "adtte.parquet"
    adtte().to_parquet(p)
    p.write_bytes(p.read_bytes()[:-100])
    assert "adtte.parquet: truncated Parquet file" in one_line_error(tmp_path, p)


def test_csv_named_parquet(tmp_path):
    p = write(tmp_path, adtte(), "adtte.parquet")
    msg = one_line_error(tmp_path, p, "--param", "DFS")
    assert "adtte.parquet: not a Parquet file although named .parquet" in msg
    assert "CSV text" in msg


def test_parquet_named_csv(tmp_path):
    p = tmp_path / "adtte.csv"
    adtte().to_parquet(p)
    assert "not a CSV text file although named .csv: its content is Parquet" in one_line_error(
        tmp_path, p
    )


def test_excel_named_csv(tmp_path):
    p = tmp_path / "adtte.csv"
    p.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    assert "ZIP archive" in one_line_error(tmp_path, p)


def test_truncated_xpt(tmp_path):
    import pyreadstat

    p = tmp_path / "adtte.xpt"
    pyreadstat.write_xport(adtte(), str(p), table_name="ADTTE")
    p.write_bytes(p.read_bytes()[:900])
    msg = one_line_error(tmp_path, p, "--param", "DFS")
    assert "adtte.xpt: cannot be read as SAS transport (XPT)" in msg


def test_undeclared_encoding_names_row_and_column(tmp_path):
    df = adtte()
    df.loc[5, "TRTP"] = "Drug"
    df["TRTP"] = df["TRTP"].str.replace("Placebo", "Placébo")
    p = tmp_path / "adtte.csv"
    df.to_csv(p, index=False, encoding="latin-1")
    msg = one_line_error(tmp_path, p, "--param", "DFS")
    assert "row 2, column TRTP" in msg and "--encoding" in msg
    code, _out, err = run(p, "--param", "DFS", "--encoding", "latin-1", "--out", tmp_path / "o")
    assert code == 0, err
    assert "Placébo" in (tmp_path / "o" / "results.json").read_text(encoding="utf-8")


def test_adsl_subject_missing_and_duplicated(tmp_path):
    df = adtte().drop(columns=["TRTP"])
    p = write(tmp_path, df)
    sl = pd.DataFrame(
        {"USUBJID": [f"S-{i + 1:03d}" for i in range(N)], "TRT01P": ["Placebo", "Drug"] * (N // 2)}
    )
    sl_path = tmp_path / "adsl.csv"
    sl.iloc[1:].to_csv(sl_path, index=False)
    msg = one_line_error(tmp_path, p, "--param", "DFS", "--adsl", sl_path)
    assert "adtte.csv: row 2, column USUBJID: value 'S-001' is not in adsl.csv" in msg
    pd.concat([sl, sl.iloc[[3]]]).to_csv(sl_path, index=False)
    msg = one_line_error(tmp_path, p, "--param", "DFS", "--adsl", sl_path)
    assert "adsl.csv: rows 5, 14, column USUBJID: value 'S-004' appears 2 times" in msg


def test_plain_table_event_not_0_1(tmp_path):
    df = pd.DataFrame({"time": [5.0, 6, 7, 8], "event": [1, 0, 3, 1], "arm": list("ABAB")})
    msg = one_line_error(tmp_path, write(tmp_path, df, "ipd.csv"), "--unit", "years")
    assert "ipd.csv: row 4, column event: value 3 is not 1 (event) or 0 (censored)" in msg


def test_plain_table_unit_not_stated(tmp_path):
    df = pd.DataFrame({"time": [0.5, 1.2, 2.0, 3.1], "event": [1, 0, 1, 1], "arm": list("ABAB")})
    msg = one_line_error(tmp_path, write(tmp_path, df, "ipd.csv"))
    assert "column time: the time unit is not stated" in msg and "--unit" in msg


def test_cause_missing_for_an_event(tmp_path):
    df = adtte()
    df.loc[2, "EVNTDESC"] = ""  # subject 2 (i = 1) has an event
    msg = one_line_error(tmp_path, write(tmp_path, df), "--param", "DFS", "--cause", "EVNTDESC")
    assert "row 4, column EVNTDESC: value missing (blank) for an event" in msg


def test_bad_options(tmp_path):
    p = write(tmp_path, adtte())
    assert "--milestone" in one_line_error(tmp_path, p, "--param", "DFS", "--milestone", "3x")
    assert "--arms" in one_line_error(tmp_path, p, "--param", "DFS", "--arms", "Placebo")
    assert "--unit" in one_line_error(tmp_path, p, "--param", "DFS", "--unit", "fortnights")
    assert "no such file" in one_line_error(tmp_path, tmp_path / "nope.csv")
