"""survtrial.io.readers: encodings, delimiters, formats by content, row numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from survtrial import InputError
from survtrial.io.readers import read_columns, read_table, sniff_format, spreadsheet_row

FRAME = pd.DataFrame(
    {
        "USUBJID": ["S-1", "S-2", "S-3"],
        "TRTP": ["Placébo", "Drug", "Drug"],
        "AVAL": [10, 20, 30],
        "CNSR": [0, 1, 0],
    }
)


@pytest.mark.parametrize(
    ("kwargs", "encoding", "declared"),
    [
        ({}, "utf-8", None),
        ({"encoding": "utf-8-sig"}, "utf-8", None),  # byte-order mark
        ({"encoding": "utf-16"}, "utf-16", None),  # recognized by its BOM
        ({"sep": ";"}, "utf-8", None),
        ({"sep": "\t"}, "utf-8", None),
        ({"encoding": "latin-1"}, "iso8859-1", "latin-1"),
        ({"encoding": "cp1252", "sep": ";"}, "cp1252", "cp1252"),
    ],
)
def test_csv_variants(tmp_path, kwargs, encoding, declared):
    p = tmp_path / "t.csv"
    FRAME.to_csv(p, index=False, **kwargs)
    t = read_table(p, encoding=declared)
    assert t.format == "csv" and t.encoding == encoding and t.n_rows == 3
    assert list(t.frame.columns) == list(FRAME.columns)
    assert t.frame["TRTP"].tolist() == FRAME["TRTP"].tolist()
    assert t.frame["AVAL"].tolist() == [10, 20, 30]


def test_only_requested_columns_are_read(tmp_path):
    p = tmp_path / "t.parquet"
    FRAME.to_parquet(p)
    t = read_table(p, ["AVAL", "CNSR", "NOT_THERE"])
    assert list(t.frame.columns) == ["AVAL", "CNSR"]
    assert t.columns == tuple(FRAME.columns)
    assert read_columns(p) == list(FRAME.columns)


def test_format_from_content_for_an_unknown_extension(tmp_path):
    p = tmp_path / "t.dat"
    FRAME.to_parquet(p)
    assert sniff_format(p) == "parquet"
    assert read_table(p).format == "parquet"


def test_xpt_round_trip(tmp_path):
    import pyreadstat

    p = tmp_path / "t.xpt"
    df = FRAME.assign(TRTP=["Placebo", "Drug", ""])  # a blank SAS character value
    pyreadstat.write_xport(df, str(p), table_name="ADTTE")
    t = read_table(p)
    assert t.format == "xpt"
    assert t.frame["AVAL"].tolist() == [10.0, 20.0, 30.0]
    assert t.frame["TRTP"].tolist()[:2] == ["Placebo", "Drug"]
    assert pd.isna(t.frame["TRTP"].iloc[2])


def test_row_numbers_are_spreadsheet_rows():
    assert spreadsheet_row(0) == 2


def test_blank_header_name(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("A,,C\n1,2,3\n")
    with pytest.raises(InputError, match=r"row 1, column 2: blank column name"):
        read_table(p)
