"""Read a data table from CSV, Parquet, SAS transport (XPT) or SAS7BDAT, checking the file first.

The format is taken from the file's content (its first and last bytes), not trusted from its
name: a file whose content does not match its extension, an empty file, a header without data
rows and a truncated file are refused with one line naming the file and what to do
(:class:`survtrial.InputError`). A file with an unknown extension is read as what its content
says it is.

* CSV: pyarrow's multithreaded reader. UTF-8 with or without a byte-order mark by default;
  UTF-16 with a byte-order mark is recognized; any other encoding must be declared
  (``encoding="latin-1"``, ``"cp1252"``, ...). The delimiter is read off the header line
  (comma, semicolon, tab or pipe). Empty fields are missing values. A row with the wrong number
  of fields (a truncated or damaged file) is reported by its row number as a spreadsheet shows it
  (header = row 1).
* Parquet: pyarrow (only the requested columns are read).
* XPT and SAS7BDAT: pyreadstat. Blank SAS character values are missing values.

Row numbers: every reader returns a frame whose index is 0, 1, ... in file order, so that
``index + 2`` is the row a spreadsheet shows (row 1 is the header).
"""

from __future__ import annotations

import codecs
import csv
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survtrial._errors import InputError

FORMATS = ("csv", "parquet", "xpt", "sas7bdat")
EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xpt": "xpt",
    ".sas7bdat": "sas7bdat",
}
FORMAT_NAMES = {
    "csv": "CSV text",
    "parquet": "Parquet",
    "xpt": "SAS transport (XPT)",
    "sas7bdat": "SAS7BDAT",
    "zip": "a ZIP archive (an Excel .xlsx workbook?)",
    "xls": "an Excel .xls workbook",
    "gzip": "gzip-compressed data",
    "binary": "binary data",
}

_PARQUET_MAGIC = b"PAR1"
_XPT_MAGIC = (b"HEADER RECORD*******LIBRARY HEADER RECORD", b"HEADER RECORD*******LIBV8 ")
_SAS7BDAT_MAGIC = bytes.fromhex("000000000000000000000000c2ea8160b31411cfbd92080009c7318c181f1011")
_SNIFF_BYTES = 65536


def spreadsheet_row(index: int) -> int:
    """The row a spreadsheet shows for the 0-based data row ``index`` (header = row 1)."""
    return int(index) + 2


@dataclass(frozen=True, slots=True)
class TableFile:
    """A table read from a file: the frame (index = 0-based data row) and what was read."""

    frame: pd.DataFrame
    path: Path
    format: str
    encoding: str | None
    n_rows: int
    columns: tuple[str, ...]  # every column of the file, in file order

    def describe(self, role: str) -> dict:
        """What was read, for results.json: role, path, format, encoding, data rows."""
        return {
            "role": role,
            "path": str(self.path),
            "format": self.format,
            "encoding": self.encoding,
            "rows": self.n_rows,
        }


def _head_tail(path: Path) -> tuple[bytes, bytes, int]:
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
        if size > _SNIFF_BYTES:
            fh.seek(max(size - 8, 0))
        tail = fh.read() if size > _SNIFF_BYTES else head[-8:]
    return head, tail, size


def sniff_format(path: str | os.PathLike) -> str:
    """What the file's bytes say it is: one of FORMATS, or zip/xls/gzip/binary."""
    p = Path(path)
    head, _, _ = _head_tail(p)
    return _content_kind(head)


def _content_kind(head: bytes) -> str:
    if head.startswith(_PARQUET_MAGIC):
        return "parquet"
    if head.startswith(_XPT_MAGIC):
        return "xpt"
    if head[: len(_SAS7BDAT_MAGIC)] == _SAS7BDAT_MAGIC:
        return "sas7bdat"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"
    if b"\x00" in head:
        return "binary"
    return "csv"


def check_file(path: str | os.PathLike, label: str | None = None) -> tuple[Path, str]:
    """The file's format, after checking it exists, is not empty and is what its name says."""
    p = Path(path)
    name = label or p.name
    if not p.exists():
        raise InputError(f"{name}: no such file")
    if p.is_dir():
        raise InputError(f"{name}: is a folder, not a data file")
    head, tail, size = _head_tail(p)
    if size == 0:
        raise InputError(f"{name}: the file is empty (0 bytes); export the data set again")
    kind = _content_kind(head)
    ext = "".join(p.suffixes[-1:]).lower()
    claimed = EXTENSIONS.get(ext)
    if claimed is not None and kind != claimed:
        raise InputError(
            f"{name}: not a {FORMAT_NAMES[claimed]} file although named {ext}: its content is "
            f"{FORMAT_NAMES[kind]}; rename it with the right extension or export it again"
        )
    if kind not in FORMATS:
        raise InputError(
            f"{name}: its content is {FORMAT_NAMES[kind]}, not a data table this command reads; "
            "give CSV, Parquet, XPT or SAS7BDAT"
        )
    if kind == "parquet" and (size < 12 or not tail.endswith(_PARQUET_MAGIC)):
        raise InputError(
            f"{name}: truncated Parquet file (no footer at the end of its {size} bytes); "
            "copy or export it again"
        )
    return p, kind


# ------------------------------------------------------------------------------------------
# CSV


def _csv_encoding(head: bytes, encoding: str | None) -> str:
    if encoding:
        try:
            return codecs.lookup(encoding).name
        except LookupError:
            raise InputError(f"--encoding: unknown encoding {encoding!r}") from None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8"


def _header_line(path: Path, encoding: str) -> str:
    enc = "utf-8-sig" if encoding == "utf-8" else encoding
    with open(path, encoding=enc, errors="replace", newline="") as fh:
        return fh.readline()


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _csv_header(path: Path, encoding: str, name: str) -> tuple[list[str], str]:
    line = _header_line(path, encoding)
    if not line.strip():
        raise InputError(f"{name}: row 1 (the header) is blank; the first row must name columns")
    delim = _delimiter(line)
    cols = next(csv.reader([line], delimiter=delim))
    cols = [c.strip() for c in cols]
    seen: set[str] = set()
    for j, c in enumerate(cols):
        if not c:
            raise InputError(f"{name}: row 1, column {j + 1}: blank column name in the header")
        if c in seen:
            raise InputError(f"{name}: row 1: column name {c!r} appears twice in the header")
        seen.add(c)
    return cols, delim


def _find_bad_csv_row(path: Path, encoding: str, delim: str, n_cols: int) -> tuple[int, str]:
    """(spreadsheet row, text) of the first record whose field count differs from the header."""
    enc = "utf-8-sig" if encoding == "utf-8" else encoding
    with open(path, encoding=enc, errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=delim)
        next(reader, None)
        row = 1
        try:
            for rec in reader:
                row += 1
                if rec and len(rec) != n_cols:
                    return row, delim.join(rec)
        except csv.Error as exc:  # e.g. a quoted field that never ends
            return row + 1, str(exc)
    return row + 1, "(unterminated quoted field at the end of the file)"


def _find_undecodable(path: Path, enc: str, delim: str, columns: list[str], name: str) -> None:
    """Raise naming the first row and column whose bytes are not ``enc`` text (error path)."""
    with open(path, "rb") as fh:
        for i, raw in enumerate(fh):
            try:
                raw.decode("utf-8-sig" if i == 0 and enc == "utf-8" else enc)
            except UnicodeDecodeError:
                text = raw.decode(enc, errors="replace").rstrip("\r\n")
                fields = next(csv.reader([text], delimiter=delim), [])
                for j, v in enumerate(fields):
                    if "\ufffd" in v:
                        col = columns[j] if j < len(columns) else f"field {j + 1}"
                        raise InputError(
                            f"{name}: row {i + 1}, column {col}: value {v!r} is not {enc} text; "
                            "declare the file's encoding with --encoding (e.g. --encoding "
                            "latin-1 or cp1252)"
                        ) from None
                raise InputError(
                    f"{name}: row {i + 1}: not {enc} text; declare the file's encoding with "
                    "--encoding (e.g. --encoding latin-1)"
                ) from None


def _read_csv(path: Path, name: str, columns: list[str] | None, encoding: str | None):
    import pyarrow as pa
    import pyarrow.csv as pcsv

    head, _, _ = _head_tail(path)
    enc = _csv_encoding(head, encoding)
    all_cols, delim = _csv_header(path, enc, name)
    want = list(all_cols) if columns is None else [c for c in columns if c in all_cols]
    read_opts = pcsv.ReadOptions(
        encoding=enc, block_size=1 << 24, column_names=all_cols, skip_rows=1
    )
    parse_opts = pcsv.ParseOptions(delimiter=delim, newlines_in_values=False)
    conv = pcsv.ConvertOptions(
        include_columns=want,
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        timestamp_parsers=[],  # dates stay text: nothing is guessed
        column_types={c: pa.string() for c in want if c.upper() in _TEXT_COLUMNS},
    )
    try:
        try:
            table = pcsv.read_csv(
                path, read_options=read_opts, parse_options=parse_opts, convert_options=conv
            )
        except pa.ArrowInvalid:
            # quoted values with line breaks need the slower parser; a damaged file fails again
            parse_opts = pcsv.ParseOptions(delimiter=delim, newlines_in_values=True)
            table = pcsv.read_csv(
                path, read_options=read_opts, parse_options=parse_opts, convert_options=conv
            )
    except pa.ArrowInvalid as exc:
        msg = str(exc)
        if ("Expected" in msg and "columns" in msg) or "quote" in msg.lower():
            row, text = _find_bad_csv_row(path, enc, delim, len(all_cols))
            short = text if len(text) <= 60 else text[:57] + "..."
            raise InputError(
                f"{name}: row {row}: expected {len(all_cols)} fields as in the header, found "
                f"a different number ({short!r}); the file is truncated or damaged"
            ) from None
        if "conver" in msg.lower() and "utf" in msg.lower():
            _find_undecodable(path, enc, delim, all_cols, name)
            raise InputError(
                f"{name}: not valid {enc} text; declare the file's encoding with --encoding "
                "(e.g. --encoding latin-1)"
            ) from None
        raise InputError(f"{name}: cannot be read as CSV: {msg.splitlines()[0]}") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}: not valid {enc} text ({exc.reason}); declare the right --encoding"
        ) from None
    # bytes that are not UTF-8 come back as binary columns: say which row and column
    for field in table.schema:
        if pa.types.is_binary(field.type) or pa.types.is_large_binary(field.type):
            col = table.column(field.name).to_pylist()
            for i, v in enumerate(col):
                if v is None:
                    continue
                try:
                    v.decode(enc)
                except UnicodeDecodeError:
                    raise InputError(
                        f"{name}: row {spreadsheet_row(i)}, column {field.name}: value {v!r} is "
                        f"not {enc} text; declare the file's encoding with --encoding "
                        "(e.g. --encoding latin-1 or cp1252)"
                    ) from None
    frame = table.to_pandas(split_blocks=True, self_destruct=True)
    return frame, all_cols, enc


# columns that are identifiers or labels: never converted to numbers
_TEXT_COLUMNS = {
    "USUBJID",
    "SUBJID",
    "STUDYID",
    "PARAMCD",
    "PARAM",
    "AVALU",
    "TRT01P",
    "TRTP",
    "TRT01A",
    "TRTA",
    "ARM",
    "ARMCD",
    "AEDECOD",
    "AETERM",
    "EVNTDESC",
    "CNSDTDSC",
}


# ------------------------------------------------------------------------------------------
# Parquet, XPT, SAS7BDAT


def _read_parquet(path: Path, name: str, columns: list[str] | None):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        all_cols = list(pf.schema_arrow.names)
        want = None if columns is None else [c for c in columns if c in all_cols]
        table = pf.read(columns=want, use_threads=True)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(
            f"{name}: cannot be read as Parquet ({str(exc).splitlines()[0]}); the file is "
            "truncated or damaged: copy or export it again"
        ) from None
    frame = table.to_pandas(split_blocks=True, self_destruct=True)
    return frame, all_cols


def _read_sas(path: Path, name: str, kind: str, columns: list[str] | None, encoding):
    import pyreadstat

    reader = pyreadstat.read_xport if kind == "xpt" else pyreadstat.read_sas7bdat
    kw: dict[str, Any] = {}
    if encoding:
        kw["encoding"] = encoding
    try:
        _, meta = reader(str(path), metadataonly=True, **kw)
        all_cols = list(meta.column_names)
        want = None if columns is None else [c for c in columns if c in all_cols]
        frame, _ = reader(str(path), usecols=want, **kw)
    except Exception as exc:  # pyreadstat raises its own error types (ReadstatError, ...)
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(
            f"{name}: cannot be read as {FORMAT_NAMES[kind]} ({msg}); the file is truncated or "
            "damaged, or needs --encoding"
        ) from None
    # SAS has no missing character value: blanks are missing
    for c in frame.columns:
        if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c]):
            s = frame[c].astype("str")
            frame[c] = s.where(s.str.strip() != "", None)
    return frame, all_cols


# ------------------------------------------------------------------------------------------


def read_columns(path: str | os.PathLike, encoding: str | None = None, label=None) -> list[str]:
    """The column names of a table file (reads the header or metadata only)."""
    p, kind = check_file(path, label)
    name = label or p.name
    if kind == "csv":
        head, _, _ = _head_tail(p)
        return _csv_header(p, _csv_encoding(head, encoding), name)[0]
    if kind == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            return list(pq.ParquetFile(p).schema_arrow.names)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(
                f"{name}: cannot be read as Parquet ({str(exc).splitlines()[0]}); copy or "
                "export it again"
            ) from None
    import pyreadstat

    reader = pyreadstat.read_xport if kind == "xpt" else pyreadstat.read_sas7bdat
    try:
        _, meta = reader(str(p), metadataonly=True, **({"encoding": encoding} if encoding else {}))
    except Exception as exc:
        raise InputError(
            f"{name}: cannot be read as {FORMAT_NAMES[kind]} ({str(exc).splitlines()[0]}); "
            "the file is truncated or damaged"
        ) from None
    return list(meta.column_names)


def read_table(
    path: str | os.PathLike,
    columns: list[str] | None = None,
    encoding: str | None = None,
    label: str | None = None,
) -> TableFile:
    """Read the columns ``columns`` (all when None) of a table file, checking it first.

    Raises :class:`survtrial.InputError` for a missing, empty, mislabelled, truncated or
    undecodable file, and for a file with a header but no data rows.
    """
    p, kind = check_file(path, label)
    name = label or p.name
    enc = None
    if kind == "csv":
        frame, all_cols, enc = _read_csv(p, name, columns, encoding)
    elif kind == "parquet":
        frame, all_cols = _read_parquet(p, name, columns)
    else:
        frame, all_cols = _read_sas(p, name, kind, columns, encoding)
    if len(frame) == 0:
        raise InputError(f"{name}: has a header but no data rows")
    frame.index = pd.RangeIndex(len(frame))
    return TableFile(frame, p, kind, enc, len(frame), tuple(all_cols))


def as_text(series: pd.Series) -> pd.Series:
    """A column as text (missing stays missing): numbers that are whole print without '.0'."""
    if pd.api.types.is_string_dtype(series):
        # pandas < 3 turns a missing value into the text 'None'/'nan': keep it missing
        return series.astype("str").where(series.notna(), None)
    if pd.api.types.is_float_dtype(series):
        v = series.to_numpy(dtype=float, na_value=np.nan)
        whole = np.isfinite(v) & (v == np.round(v))
        if whole.all():
            out = pd.Series(v.astype(np.int64).astype(str), index=series.index)
        else:
            out = series.astype("str")
        return out.where(series.notna(), None)
    return series.astype("str").where(series.notna(), None)
