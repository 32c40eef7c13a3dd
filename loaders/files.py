"""Reading one table file (CSV, gzipped CSV, Excel, Parquet) into raw text, row numbers kept.

What comes out is a :class:`RawTable`: every cell as text (headers as in the file), a ``_row``
column with the row number a spreadsheet shows (header = row 1), and the rows that could not be
read at all (a truncated gzip, a CSV cut inside a quoted field, a row with too many fields) with
the reason. A CSV cut short anywhere else leaves a last row that looks whole but is not (a price
of ``30`` where the file said ``3,031,429.29``): when the file does not end with a line break,
or its last row has fewer fields than the header, that row is unreadable too. Completely blank rows are not rows: they are skipped (their numbers are not reused).
A file of which nothing at all can be read raises :class:`~bidgraph.errors.InputError`.
"""

from __future__ import annotations

import codecs
import csv
import io
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from bidgraph.errors import InputError
from bidgraph.loaders.values import arrow_text, first_bytes

__all__ = ["RawTable", "SUFFIXES", "read_table_file", "read_sheets"]

SUFFIXES = (".csv", ".csv.gz", ".xlsx", ".parquet")


@dataclass
class RawTable:
    frame: pd.DataFrame
    #: ``(row, reason, text)`` for each row that could not be read.
    unreadable: list[tuple[int, str, str]] = field(default_factory=list)


def read_table_file(path: Path) -> RawTable:
    """Read one table file; the format is chosen by its suffix (see ``SUFFIXES``)."""
    name = path.name.lower()
    if name.endswith(".parquet"):
        return _read_parquet(path)
    if name.endswith(".xlsx"):
        sheets = read_sheets(path)
        return next(iter(sheets.values())) if sheets else RawTable(pd.DataFrame())
    return _read_csv(path)


# --- CSV ------------------------------------------------------------------------------------


def _read_csv(path: Path) -> RawTable:
    data = path.read_bytes()
    lost = None
    if path.name.lower().endswith(".gz"):
        data, lost = _gunzip(data, path)
    if lost is not None:
        # The stream stops somewhere in a row: keep the whole lines, report the rest.
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            raise InputError(f"{path.name}: {lost}; not even the header can be read")
        data, lost_text = data[:cut], data[cut:]
    # Arrow's reader checks UTF-8 as it converts the cells (and every byte between them is a
    # comma, a quote or a line break): a file it reads as UTF-8 needs no check of its own.
    encoding = "utf-8-sig"
    table = _read_csv_fast(data, encoding) if _filled_first_line(data, encoding) else None
    if table is None:
        data, encoding = _decodable(data, path)
    # The first and the last line as text; the whole file is decoded only for the slow reader.
    # (Neither UTF-8 nor GB18030 has a multi-byte character holding the byte of a line break.)
    cut = data.rfind(b"\n") + 1
    tail = data[cut:].decode(encoding if cut == 0 else encoding.removesuffix("-sig"))  # a BOM only starts a file
    if table is None:
        if not _first_line(data, encoding).strip() and not data.decode(encoding).strip():
            return RawTable(pd.DataFrame())
        table = _read_csv_fast(data, encoding) or _read_csv_records(data.decode(encoding), path.name)
    if lost is None and tail.strip():
        _last_row_unreadable(table, "the file does not end with a line break: the last row may be cut short", tail)
    table.frame = _without_blank_rows(table.frame)
    if lost is not None:
        last = max([int(table.frame["_row"].max()) if len(table.frame) else 1] + [r for r, _, _ in table.unreadable])
        table.unreadable.append(
            (last + 1, f"{lost}: this row and any after it are lost", lost_text.decode(encoding, errors="replace"))
        )
    return table


def _gunzip(data: bytes, path: Path) -> tuple[bytes, str | None]:
    """Decompress as much as there is; the second value says why the rest is missing."""
    out, rest = [], data
    try:
        while rest:
            inflater = zlib.decompressobj(wbits=31)
            out.append(inflater.decompress(rest))
            if not inflater.eof:
                return b"".join(out), "the gzip file is truncated"
            rest = inflater.unused_data
    except zlib.error as err:
        if not out:
            raise InputError(f"{path.name}: not a readable gzip file ({err})") from None
        return b"".join(out), f"the gzip file is damaged ({err})"
    return b"".join(out), None


def _last_row_unreadable(table: RawTable, reason: str, last_line: str) -> None:
    """Move the file's last record from the frame to the unreadable rows (unless it is there)."""
    frame = table.frame
    if len(frame) == 0 or any(row > frame["_row"].iat[-1] for row, _, _ in table.unreadable):
        return
    table.unreadable.append((int(frame["_row"].iat[-1]), reason, last_line))
    table.frame = frame.iloc[:-1]


def _decodable(data: bytes, path: Path) -> tuple[bytes, str]:
    """The bytes and their encoding: UTF-8 (a BOM is dropped) or GB18030 (a superset of GBK,
    what Chinese systems export).

    A file cut short may end inside a character: those last bytes are dropped, so that a cut
    UTF-8 file is not mistaken for GB18030."""
    if _utf8(data):
        return data, "utf-8-sig"
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            data.decode(encoding)
            return data, encoding
        except UnicodeDecodeError as err:
            if err.reason == "unexpected end of data" and err.end == len(data):
                return data[: err.start], encoding
    raise InputError(f"{path.name}: the text is neither UTF-8 nor GB18030/GBK; save it as CSV UTF-8")


def _utf8(data: bytes) -> bool:
    """Whether ``data`` is UTF-8, as Python's decoder says, by Arrow's validation (several
    times faster, and no copy of the file as text)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _first_line(data: bytes, encoding: str) -> str:
    return data[: data.find(b"\n") + 1 or None].decode(encoding)


def _filled_first_line(data: bytes, encoding: str) -> bool:
    try:
        return bool(_first_line(data, encoding).strip())
    except UnicodeDecodeError:
        return False


def _read_csv_fast(data: bytes, encoding: str) -> RawTable | None:
    """Arrow's CSV reader (several times faster than pandas' on a million rows), for files
    without a flaw; ``None`` sends the file to the record-by-record reader, which says what is
    wrong with each bad row (blank lines, rows longer or shorter than the header, a quote left
    open, repeated header names), or for a file not in ``encoding``, to the check of its
    encoding."""
    try:
        head = _first_line(data, encoding)
        header = next(csv.reader(io.StringIO(head)), [])
    except (UnicodeDecodeError, csv.Error):  # another encoding; a header with a line break or a stray quote
        return None
    if len(set(header)) < len(header) or "" in header:
        return None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        table = pa_csv.read_csv(
            io.BytesIO(data),
            read_options=pa_csv.ReadOptions(
                encoding="utf8" if encoding == "utf-8-sig" else encoding, use_threads=len(data) > 1 << 20
            ),
            # Only a quoted value can hold a line break: without a quote in the file, Arrow may
            # split it at line breaks and parse the parts in parallel (twice as fast).
            parse_options=pa_csv.ParseOptions(newlines_in_values=b'"' in data, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types={h: pa.large_string() for h in header}, strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid:
        return None
    if table.column_names != header:
        return None
    # large_string, as pandas' str dtype holds it: converting needs no copy
    frame = table.to_pandas(types_mapper={pa.large_string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get)
    frame["_row"] = np.arange(2, len(frame) + 2)
    return RawTable(frame)


def _read_csv_records(text: str, name: str) -> RawTable:
    """The slow path, for files the fast parser rejects: read record by record, keep the good
    ones and say what is wrong with the others."""
    lines = text.splitlines()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as err:
        raise InputError(f"{name}: the header row cannot be read ({err})") from None
    rows, numbers, unreadable = [], [], []
    row, line = 1, reader.line_num
    short_last = None  # the last record, when it has fewer fields than the header
    while True:
        row += 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            what = str(err)
            if what == "unexpected end of data":
                what = "the file ends inside a quoted field (the file is cut short)"
            unreadable.append((row, f"cannot read the row: {what}", "\n".join(lines[line : reader.line_num])))
            line, short_last = reader.line_num, None
            continue
        raw, line = "\n".join(lines[line : reader.line_num]), reader.line_num
        blank = not any(cell.strip() for cell in record)
        if not blank:  # blank lines after a short row do not make it whole
            short_last = None
        if len(record) > len(header):
            unreadable.append((row, f"the row has {len(record)} fields but the header has {len(header)}", raw))
            continue
        if not blank and len(record) < len(header):
            short_last = (
                row,
                f"the last row has {len(record)} fields but the header has {len(header)}: the file may be cut short",
                raw,
            )
        rows.append(record + [""] * (len(header) - len(record)))
        numbers.append(row)
    if short_last is not None:
        unreadable.append(short_last)
        i = numbers.index(short_last[0])
        del rows[i], numbers[i]
    frame = pd.DataFrame(rows, columns=pd.Index(header), dtype="str")
    frame["_row"] = np.array(numbers, dtype="int64")
    return RawTable(frame, unreadable)


def _without_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    data = frame.drop(columns="_row")
    if data.shape[1] == 0 or len(frame) == 0:
        return frame
    if _none_blank(data.iloc[:, 0]):
        return frame
    first = data.iloc[:, 0].fillna("").astype(str).str.strip().eq("")
    if not first.any():
        return frame
    cells = data[first].fillna("").astype(str)
    blank = cells.apply(lambda c: c.str.strip().eq("")).all(axis=1)
    return frame.drop(index=blank.index[blank]).reset_index(drop=True)


def _none_blank(column: pd.Series) -> bool:
    """Whether every cell of an Arrow-backed text column is filled and starts with a printable
    ASCII character (then none is blank), read from its buffers; False when unsure."""
    if not isinstance(column.dtype, pd.StringDtype) or column.dtype.storage != "pyarrow":
        return False
    for chunk in arrow_text(column).chunks:
        first = first_bytes(chunk)  # 0 for an empty or missing cell
        if not ((first > 0x20) & (first < 0x7F)).all():
            return False
    return True


# --- Excel and Parquet ----------------------------------------------------------------------


def read_sheets(path: Path) -> dict[str, RawTable]:
    """Every sheet of an ``.xlsx`` workbook, by sheet name, as raw text."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl")
    except Exception as err:  # not a zip, damaged XML...: openpyxl raises many types
        raise InputError(f"{path.name}: not a readable .xlsx workbook ({err})") from None
    out = {}
    for name, frame in sheets.items():
        frame = frame.loc[:, [not str(c).startswith("Unnamed: ") or frame[c].notna().any() for c in frame.columns]]
        out[name] = RawTable(_numbered(frame))
    return out


def _read_parquet(path: Path) -> RawTable:
    try:
        frame = pd.read_parquet(path)
    except Exception as err:  # pyarrow raises several types for a damaged file
        raise InputError(f"{path.name}: not a readable Parquet file ({err})") from None
    return RawTable(_numbered(frame))


def _numbered(frame: pd.DataFrame) -> pd.DataFrame:
    """Typed cells (numbers, dates, booleans from Excel or Parquet) as text; rows numbered."""
    frame = frame.reset_index(drop=True)
    text = pd.DataFrame({c: _as_text(frame[c]) for c in frame.columns}, index=frame.index)
    text["_row"] = np.arange(2, len(frame) + 2)
    return _without_blank_rows(text)


def _as_text(s: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(s) and s.dropna().eq(s.dropna().round()).all():
        s = s.astype("Int64")  # 12.0 → "12": whole numbers stored as float are ids or counts
    return s.astype("str").fillna("")
