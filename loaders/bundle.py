"""The input bundle: a folder with one file per table, or one Excel workbook with one sheet per
table. Reading gives a validated :class:`Bundle`; see docs/bundle.md for the rules.

>>> bundle = read_bundle("data/city")                  # doctest: +SKIP
>>> write_quarantine(bundle, "workspace/load-1")        # doctest: +SKIP
>>> bundle.counts["bids"]                               # doctest: +SKIP
{'read': 1000000, 'taken': 999990, 'quarantined': 10}
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from bidgraph.errors import InputError
from bidgraph.graph.schema import Table, schema
from bidgraph.loaders.files import SUFFIXES, RawTable, read_sheets, read_table_file
from bidgraph.loaders.model import Bundle, issue_frame
from bidgraph.loaders.validate import dependency_order, header_key, validate_tables
from bidgraph.loaders.values import arrow_text, clean_text

__all__ = [
    "Bundle",
    "Increment",
    "read_bundle",
    "read_workbook",
    "validate_tables",
    "validate_with_context",
    "write_quarantine",
    "CONTEXT_ROW",
    "DELETED_HEADERS",
]

Progress = Callable[[str, int], None]
#: Headers (compared as the loader compares headers) of the column that marks a row deleted.
DELETED_HEADERS = ("deleted", "删除", "已删除", "删除标记")
_YES = {"1", "true", "t", "y", "yes", "是", "deleted", "删除", "已删除"}
#: The row number of a context row (a live row that new rows refer to): no spreadsheet shows row 0.
CONTEXT_ROW = 0


@dataclass
class Increment(Bundle):
    """A bundle and the rows its files mark as deleted.

    Attributes
    ----------
    deletions : DataFrame
        One line per row whose ``deleted`` column (删除) says yes: ``table``, ``_file``,
        ``_row`` and the row's required id columns (its key, or for a table without a key the
        ids that name the link: ``person_id, org_id, role``...). Such rows are not validated
        and not loaded; an append removes the rows they name.
    """

    deletions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["table", "_file", "_row"]))


def read_bundle(
    path: str | Path, progress: Progress | None = None, known: dict[str, pd.DataFrame] | None = None
) -> Increment:
    """Read and validate a bundle folder (or a single ``.xlsx`` workbook, see :func:`read_workbook`).

    Parameters
    ----------
    path : str or Path
        A folder holding ``<table>.csv``, ``.csv.gz``, ``.xlsx`` or ``.parquet`` per table.
    progress : callable, optional
        Called as ``progress(table, rows)`` after each table file is read.
    known : dict of str to DataFrame, optional
        The live graph's tables (``{}`` for none yet), when the bundle is to be appended to it:
        a new row may then refer to a live row (a bid of today to a firm loaded last month)
        without being quarantined as an unknown reference (see :func:`validate_with_context`),
        and a required table may be empty or absent (a day without new firms).

    Raises
    ------
    InputError
        The folder does not exist; a required table, or a required column, is missing; a
        required table's file is empty; a file cannot be read at all; a table comes twice.
    """
    path = Path(path)
    if path.is_file() and path.name.lower().endswith(".xlsx"):
        return read_workbook(path, progress, known)
    if not path.exists():
        raise InputError(f"{path}: no such bundle folder")
    if not path.is_dir():
        raise InputError(f"{path}: not a bundle (a folder of table files, or an .xlsx workbook)")
    found: dict[str, list[Path]] = {}
    for file in sorted(path.iterdir()):
        lower = file.name.lower()
        for suffix in SUFFIXES:
            stem = lower[: -len(suffix)]
            if lower.endswith(suffix) and _bundle_table(stem) and file.is_file():
                found.setdefault(stem, []).append(file)
    raw: dict[str, RawTable] = {}
    # Two files at a time: decoding and converting one file leaves the other core to the next.
    with ThreadPoolExecutor(max_workers=2) as pool:
        reads = {name: pool.submit(read_table_file, files[0]) for name, files in found.items() if len(files) == 1}
        for name, files in found.items():
            if len(files) > 1:
                raise InputError(f"{path}: table {name} is given twice ({', '.join(f.name for f in files)}); keep one")
            raw[name] = reads[name].result()
            if progress is not None:
                progress(name, len(raw[name].frame))
    return _validated(raw, {n: f[0].name for n, f in found.items()}, str(path), known)


def read_workbook(
    path: str | Path, progress: Progress | None = None, known: dict[str, pd.DataFrame] | None = None
) -> Increment:
    """Read and validate one ``.xlsx`` workbook whose sheets are named after the tables
    (``bids``, ``organizations``...; case-insensitive). Other sheets are ignored."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such workbook")
    raw: dict[str, RawTable] = {}
    files: dict[str, str] = {}
    for sheet, table in read_sheets(path).items():
        name = str(sheet).strip().lower()
        if _bundle_table(name):
            if name in raw:
                raise InputError(f"{path.name}: table {name} is given twice (sheet {sheet!r}); keep one")
            raw[name], files[name] = table, f"{path.name}[{sheet}]"
            if progress is not None:
                progress(name, len(table.frame))
    return _validated(raw, files, str(path), known)


def _validated(
    raw: dict[str, RawTable], files: dict[str, str], source: str, known: dict[str, pd.DataFrame] | None
) -> Increment:
    frames, lost, deleted = {}, [], []
    for name, table in raw.items():
        if len(table.frame) == 0 and table.unreadable:
            row, reason, _ = table.unreadable[0]
            raise InputError(f"{files[name]}: no row can be read (row {row}: {reason})")
        if len(table.frame) == 0:
            if schema().tables[name].required and known is None:  # an appended day may bring no new lots
                raise InputError(f"{files[name]}: the file is empty, but table {name} is required")
            if table.frame.shape[1] == 0:  # an empty optional table, not even a header
                table.frame = pd.DataFrame(columns=list(schema().tables[name].columns), dtype="str")
        frames[name], gone = _split_deleted(schema().tables[name], table.frame, files[name])
        deleted.append(gone)
        lost += [(name, files[name], row, None, reason, text) for row, reason, text in table.unreadable]
    if known is not None:  # an append's export holds what changed: a required table may be absent
        for spec in schema().tables.values():
            if spec.required and spec.name not in frames:
                frames[spec.name] = pd.DataFrame(columns=list(spec.columns), dtype="str")
    bundle = validate_with_context(frames, files, known or {}, unreadable=issue_frame(lost), source=source)
    return Increment(**{f.name: getattr(bundle, f.name) for f in fields(Bundle)}, deletions=_concat(deleted))


def validate_with_context(
    raw: dict[str, pd.DataFrame], files: dict[str, str], known: dict[str, pd.DataFrame], **options
) -> Bundle:
    """:func:`validate_tables` for rows that may refer to live rows (``known``, the live graph's
    tables).

    The live rows that the new rows refer to, and those these refer to in turn, are validated
    beside the new rows as *context rows* (row ``CONTEXT_ROW``, after the new rows, so a new
    row with a live key is taken and its live twin is the duplicate), holding only their key
    and required columns, their text replaced so that they merge with no new entity; then they
    are taken out again, with their lines in the quarantine and warnings and their counts. An
    id merged into another before counts as known.
    """
    context = _context_rows(raw, known)
    if not context:
        return validate_tables(raw, files, **options)
    together = dict(raw)
    for name, rows in context.items():
        together[name] = pd.concat([raw[name], rows], ignore_index=True) if name in raw else rows
    bundle = validate_tables(together, files, **options)
    for name, rows in context.items():
        table = bundle.tables[name]
        of_context = table["_row"].eq(CONTEXT_ROW)
        bundle.tables[name] = table[~of_context].reset_index(drop=True)
        counts = bundle.counts[name]
        counts["read"] -= len(rows)
        counts["taken"] -= int(of_context.sum())
        counts["quarantined"] -= len(rows) - int(of_context.sum())
    bundle.quarantine = bundle.quarantine[bundle.quarantine["row"].ne(CONTEXT_ROW)].reset_index(drop=True)
    bundle.warnings = bundle.warnings[bundle.warnings["row"].ne(CONTEXT_ROW)].reset_index(drop=True)
    return bundle


def _english_headers(table: Table, headers: pd.Index) -> dict[str, str]:
    """English column name to the first raw header that means it (as validation reads headers)."""
    names = {header_key(a): c.name for c in table.columns.values() for a in (c.name, *c.aliases)}
    found: dict[str, str] = {}
    for header in headers:
        english = names.get(header_key(header))
        if english is not None:
            found.setdefault(english, header)
    return found


def _context_rows(raw: dict[str, pd.DataFrame], known: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The live rows new rows refer to, transitively, as raw rows (see validate_with_context)."""
    if not known:  # a first load: no live row to refer to, so no reference need be collected
        return {}
    tables = schema().tables
    wanted: dict[str, set] = {}
    context: dict[str, pd.DataFrame] = {}
    for name in reversed(dependency_order()):  # children first: their references decide the parents' rows
        spec = tables[name]
        if spec.key is not None and wanted.get(name) and name in known:
            rows = _live_rows(spec, known[name], wanted[name] - _keys_in(spec, raw.get(name)))
            if len(rows):
                context[name] = rows.rename(columns=_english_headers(spec, raw[name].columns) if name in raw else {})
        for frame in (raw.get(name), context.get(name)):
            if frame is None:
                continue
            headers = _english_headers(spec, frame.columns)
            for col in spec.columns.values():
                if col.ref and col.name in headers:
                    wanted.setdefault(col.ref, set()).update(clean_text(frame[headers[col.name]]).dropna())
    return context


def _keys_in(spec: Table, frame: pd.DataFrame | None) -> set:
    headers = _english_headers(spec, frame.columns) if frame is not None else {}
    return set(clean_text(frame[headers[spec.key]]).dropna()) if frame is not None and spec.key in headers else set()


def _live_rows(spec: Table, live: pd.DataFrame, ids: set) -> pd.DataFrame:
    """Context rows for ``ids`` of a live table: key, required references, a placeholder text
    for the other required columns; an id merged before (``merged_ids``) takes its kept row."""
    key = spec.key
    assert key is not None
    # The first live row holding each wanted id: the live keys probed among the few wanted ids
    # (hashing a province's million keys for a few thousand ids took a tenth of a second a
    # table); then ids merged before.
    wanted = sorted(ids)
    keys = arrow_text(live[key])
    among = pc.fill_null(pc.index_in(keys, value_set=pa.array(wanted, pa.large_string())), -1)
    at = among.to_numpy(zero_copy_only=False)
    rows_holding = np.flatnonzero(at >= 0)
    held, first = np.unique(at[rows_holding], return_index=True)
    found = np.full(len(wanted), -1, dtype=np.int64)
    found[held] = rows_holding[first]
    row_of = pd.Series(found, index=pd.Index(wanted, dtype=object))
    if "merged_ids" in live.columns and (row_of < 0).any():
        listed = live.loc[live["merged_ids"].notna(), [key, "merged_ids"]]
        listed = listed.assign(merged_ids=listed["merged_ids"].astype("str").str.split(";")).explode("merged_ids")
        kept = pc.index_in(arrow_text(listed[key]), value_set=keys).to_numpy(zero_copy_only=False)
        merged = pd.Series(kept, index=listed["merged_ids"].to_numpy())
        merged = merged[~merged.index.duplicated()]
        lost = row_of.index[row_of < 0]
        row_of[lost] = merged.reindex(lost).fillna(-1).to_numpy()
    hits = row_of[row_of >= 0].astype(np.int64)
    rows = pd.DataFrame({key: hits.index.astype(object)})
    for col in spec.columns.values():
        if col.required and col.name != key:
            if col.ref:
                rows[col.name] = live[col.name].astype("str").to_numpy()[hits.to_numpy()]
            else:  # text no new row may share, so that resolution never merges a new entity into it
                rows[col.name] = "(context row " + rows[key] + ")"
    rows["_row"] = CONTEXT_ROW
    return rows.astype({c: object for c in rows.columns if c != "_row"})


def _split_deleted(spec: Table, frame: pd.DataFrame, file: str) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The rows of ``frame`` not marked deleted, and the marked ones as deletion lines."""
    if "_row" not in frame.columns:  # number the rows before some leave, as validation would have
        frame = frame.assign(_row=range(2, len(frame) + 2))
    marker = next((h for h in frame.columns if header_key(h) in {header_key(d) for d in DELETED_HEADERS}), None)
    if marker is None:
        return frame, None
    gone = clean_text(frame[marker]).str.lower().isin(_YES).fillna(False).astype(bool)
    headers = _english_headers(spec, frame.columns)
    ids = [c.name for c in spec.columns.values() if c.required and c.type in ("id", "enum") and c.name in headers]
    lines = pd.DataFrame({c: clean_text(frame.loc[gone, headers[c]]) for c in ids})
    lines.insert(0, "table", spec.name)
    lines.insert(1, "_file", file)
    lines.insert(2, "_row", frame.loc[gone, "_row"].astype("int64"))
    kept = frame[~gone].drop(columns=marker)
    if len(kept) == 0:  # a file of deletions only names keys: it is no table without its other columns
        kept = pd.DataFrame(columns=[*spec.columns, "_row"], dtype="str")
    return kept, lines.reset_index(drop=True)


def _concat(parts: list[pd.DataFrame | None]) -> pd.DataFrame:
    found = [p for p in parts if p is not None and len(p)]
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=["table", "_file", "_row"])


def write_quarantine(bundle: Bundle, folder: str | Path) -> Path:
    """Write ``quarantine.csv``, ``warnings.csv`` and ``merges.csv`` into ``folder``.

    UTF-8 with a BOM, so that Excel shows the Chinese text. Returns the quarantine file's path.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in (("warnings", bundle.warnings), ("merges", bundle.merges), ("quarantine", bundle.quarantine)):
        frame.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8-sig")
    return folder / "quarantine.csv"


def _bundle_table(name: str) -> bool:
    """A table a platform export may carry (not one only a reader fills, such as OCDS releases)."""
    table = schema().tables.get(name)
    return table is not None and table.in_bundle
