"""Validation shared by every reader: raw text tables in, a :class:`Bundle` out.

The rules (docs/bundle.md): a row with a missing required value, a malformed number, date or
yes/no value, an enum value outside its list, a control character (a NUL byte...), a duplicate
key, or a reference to an id that is not among the *taken* rows of the referenced table goes to
quarantine, one line per problem. A header given twice stops the load; an unknown header that
resembles a known one is warned about (it is kept as an extra column, not read as that one).
Tables are checked in dependency order, so a bid of a quarantined lot is itself quarantined,
and the reason says so. Then organizations and persons are resolved (see ``resolve.py``).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from concurrent.futures import Future, ThreadPoolExecutor
from graphlib import TopologicalSorter
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from bidgraph.errors import InputError
from bidgraph.graph.schema import Table, schema
from bidgraph.loaders.model import ISSUE_COLUMNS, Bundle, issue_frame
from bidgraph.loaders.resolve import resolve_entities
from bidgraph.loaders.values import arrow_text, clean_text, holds_any, parse

__all__ = ["validate_tables", "header_key", "dependency_order"]

_TEXT_TYPES = {"id", "text", "enum", "phone", "email", "ip", "mac", "uscc", "idcard"}
# C0 controls but tab and line breaks (which quoted text may hold), and DEL: no export writes
# them; they come from damaged files and would end up inside ids.
_CONTROL = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
# How alike (difflib ratio of header keys) an unknown header must be to a known one to be warned about.
_LOOKALIKE = 0.6
#: Tables whose columns are checked at once: the one whose references are checked and the next ones.
_AHEAD = 3


def header_key(header: str) -> str:
    """How headers are compared: NFKC, case-insensitive, ignoring spaces, ``_`` and ``-``."""
    text = unicodedata.normalize("NFKC", str(header)).lower()
    return "".join(ch for ch in text if not ch.isspace() and ch not in "_-")


def dependency_order() -> list[str]:
    """Table names, each after the tables it refers to (schema order otherwise)."""
    tables = schema().tables
    graph = {t.name: {c.ref for c in t.columns.values() if c.ref} for t in tables.values()}
    sorter = TopologicalSorter(graph)
    sorter.prepare()
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=list(tables).index)
        order += ready
        sorter.done(*ready)
    return order


def validate_tables(
    raw: dict[str, pd.DataFrame], files: dict[str, str], *, unreadable: pd.DataFrame | None = None, source: str = ""
) -> Bundle:
    """Check, normalise and resolve raw tables; the validation every reader goes through.

    Parameters
    ----------
    raw : dict of str to DataFrame
        Table name to a frame of text cells (``None``/NaN or ``""`` for empty). Columns are the
        schema's English names or Chinese aliases (compared case/space-insensitively); other
        columns are kept as text. An optional ``_row`` column gives each row's number as the
        user sees it (several rows may share one, e.g. the bids of one OCDS release line);
        without it rows are numbered 2, 3, ... (header = row 1). A required table
        must be present, with its required columns, even if it has no rows.
    files : dict of str to str
        Table name to the file name shown in ``_file`` and in the quarantine (default: the
        table name).
    unreadable : DataFrame, optional
        Rows a reader could not parse at all, as quarantine lines (``table, file, row, column,
        reason, value``); they join the quarantine and count as read.
    source : str
        Recorded as ``Bundle.source``.

    Returns
    -------
    Bundle

    Raises
    ------
    InputError
        A required table or a required column is missing.
    """
    tables = schema().tables
    missing = [t.name for t in tables.values() if t.required and t.name not in raw]
    if missing:
        raise InputError(
            f"the bundle has no {missing[0]} table (expected a file named {missing[0]}.csv, .csv.gz, .xlsx or .parquet)"
        )
    unreadable = issue_frame() if unreadable is None else unreadable
    out: dict[str, pd.DataFrame] = {}
    quarantined: dict[str, pd.DataFrame] = {}
    issues, warnings, counts = [unreadable], [], {}
    names = [name for name in dependency_order() if name in raw]
    # A table's columns are checked on their own in two threads, a few tables ahead (the work is
    # mostly Arrow's and numpy's, which leave the interpreter free); its references are checked
    # here, in dependency order, once the tables they refer to are done.
    with ThreadPoolExecutor(max_workers=2) as pool:
        ahead: dict[str, Future[_Columns]] = {}
        for i, name in enumerate(names):
            for later in names[i : i + _AHEAD]:
                if later not in ahead:
                    ahead[later] = pool.submit(_columns, tables[later], raw[later], files.get(later, later))
            file = files.get(name, name)
            columns = ahead.pop(name).result()
            frame = columns.frame
            warnings.append(columns.lookalikes)
            taken, bad, warned, rejected = _check(tables[name], columns, file, out, quarantined)
            out[name] = _compact(taken)  # now, not at the end: only a few tables at a time are held as objects
            key = tables[name].key
            if key is not None:
                qrows = frame[rejected]
                quarantined[name] = pd.DataFrame(
                    {"key": clean_text(qrows[key]), "where": f"{file} row " + qrows["_row"].astype(str)}
                )
            issues += bad
            warnings += warned
            lost = unreadable.loc[unreadable["table"] == name, "row"].nunique()
            counts[name] = {"read": len(frame) + lost, "taken": len(taken), "quarantined": int(rejected.sum()) + lost}
    out, merges = resolve_entities(out)
    out = {name: _compact(frame) for name, frame in out.items()}  # merged columns come back as objects
    for kind in ("organizations", "persons"):
        if kind in counts:
            counts[kind]["merged"] = int((merges["kind"] == kind).sum())
    order = {name: i for i, name in enumerate(dependency_order())}
    return Bundle(
        tables=out,
        quarantine=_sorted(issues, order),
        warnings=_sorted(warnings, order),
        merges=merges,
        counts={n: counts[n] for n in tables if n in counts},
        source=source,
    )


def _compact(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as Arrow-backed strings: a province's ten million rows of ids take a few
    hundred bytes less each than as Python objects, and this is what a stored version reads
    back as, so every consumer sees one dtype."""
    text = [c for c in frame.columns if frame[c].dtype == object]
    return frame.astype({c: "str" for c in text}) if text else frame


def _known_headers(table: Table) -> dict[str, tuple[str, str]]:
    """Header key of every name and alias of the table's columns → (the column, the header)."""
    lookup: dict[str, tuple[str, str]] = {}
    for col in table.columns.values():
        for name in (col.name, *col.aliases):
            lookup.setdefault(header_key(name), (col.name, name))
    return lookup


def _english_columns(table: Table, frame: pd.DataFrame, file: str) -> pd.DataFrame:
    headers = [str(h).strip() for h in frame.columns]
    twice = next((h for i, h in enumerate(headers) if h in headers[:i]), None)
    if twice is not None:
        raise InputError(f"{file}: the column {twice} appears twice in the header; rename or remove one")
    lookup = _known_headers(table)
    renamed, seen = {}, set()
    for header in frame.columns:
        if header == "_row":
            continue
        english = lookup.get(header_key(header), (None, ""))[0]
        if english is None or english in seen:  # extra column (or a second synonym): kept as is
            renamed[header] = str(header).strip()
        else:
            renamed[header] = english
            seen.add(english)
    for col in table.columns.values():
        if col.required and col.name not in seen:
            aliases = f" (or {' / '.join(col.aliases)})" if col.aliases else ""
            raise InputError(f"{file}: table {table.name} has no column {col.name}{aliases}")
    frame = frame.rename(columns=renamed)
    if "_row" not in frame.columns:
        frame = frame.assign(_row=np.arange(2, len(frame) + 2))
    return frame.reset_index(drop=True)


def _lookalike_headers(table: Table, headers: pd.Index, english: pd.Index, file: str) -> pd.DataFrame | None:
    """A warning (row 1, the header) for each unknown header that resembles a name or alias of
    a column the file does not have: it may be that column under another name."""
    lookup = _known_headers(table)
    absent = {key: known for key, known in lookup.items() if known[0] not in english}
    lines = []
    for header in headers:
        key = header_key(header)
        if header == "_row" or key in lookup:
            continue
        close = difflib.get_close_matches(key, list(absent), n=1, cutoff=_LOOKALIKE)
        if close:
            column, alias = absent[close[0]]
            reason = (
                f"unknown column {header}: kept as an extra column, so {column} stays empty; "
                f"the closest known header is {alias} ({column}): rename it if that is what it holds"
            )
            lines.append((table.name, file, 1, str(header), reason, str(header)))
    return issue_frame(lines) if lines else None


#: The bytes that are control characters in UTF-8 (no byte of a multi-byte character is below 0x80).
_CONTROL_BYTES = np.zeros(256, dtype=bool)
_CONTROL_BYTES[[b for b in range(256) if re.fullmatch(_CONTROL, chr(b))]] = True


def _control_characters(text: pd.Series) -> pd.Series:
    """The reason for each cell holding a control character (naming the first)."""
    if not holds_any(text, _CONTROL_BYTES):
        return pd.Series([], index=text.index[:0], dtype=object)
    hit = text.str.contains(_CONTROL, regex=True).fillna(False).astype(bool)
    found = text[hit].map(lambda cell: next(ch for ch in cell if re.fullmatch(_CONTROL, ch)))
    return (
        "contains the control character U+" + found.map(lambda ch: f"{ord(ch):04X}") + ": the file may be damaged"
    ).astype(object)


def _issue_rows(table: str, file: str, frame: pd.DataFrame, column: str, reasons: pd.Series) -> pd.DataFrame | None:
    if reasons.empty:
        return None
    rows = frame.loc[reasons.index]
    values = rows[column] if column in frame.columns else pd.Series("", index=rows.index)
    return pd.DataFrame(
        {
            "table": table,
            "file": file,
            "row": rows["_row"].astype("Int64"),
            "column": column,
            "reason": reasons.astype(object),
            "value": values.astype(object).where(values.notna(), ""),
        }
    )


class _Columns(NamedTuple):
    """A table's columns checked on their own: the frame with English headers, the warnings
    about its headers, the parsed values, and the problems (``(column, reasons)``, in the order
    the quarantine lists them; ``None`` reasons: a reference, checked once its table is done)
    and warnings of its cells."""

    frame: pd.DataFrame
    lookalikes: pd.DataFrame | None
    values: dict[str, pd.Series]
    errors: list[tuple[str, pd.Series | None]]
    warnings: list[tuple[str, pd.Series]]


def _columns(table: Table, raw: pd.DataFrame, file: str) -> _Columns:
    """Parse every column of one table, and check all that needs no other table."""
    frame = _english_columns(table, raw, file)
    values: dict[str, pd.Series] = {}
    errors: list[tuple[str, pd.Series | None]] = []
    warnings = []
    for col in table.columns.values():
        text = (
            clean_text(frame[col.name])
            if col.name in frame.columns
            else pd.Series(np.nan, index=frame.index, dtype="str")
        )
        if text.isna().all():  # an absent or empty column: typed missing values, nothing to check
            parsed = parse(text.iloc[:0], col)
            parsed = parsed._replace(value=parsed.value.reindex(frame.index))
        else:
            parsed = parse(text, col)
        values[col.name] = parsed.value
        errors.append((col.name, parsed.errors))
        errors.append((col.name, _control_characters(text)))
        warnings.append((col.name, parsed.warnings))
        if col.required:
            missing = parsed.value.isna() & ~parsed.value.index.isin(parsed.errors.index)
            errors.append((col.name, _reasons(missing, "required value is missing")))
        if col.ref:
            errors.append((col.name, None))
    if table.key is not None:
        errors.append((table.key, _duplicates(table.key, values[table.key], frame["_row"])))
    for extra in frame.columns.difference(list(table.columns) + ["_row"]):
        values[extra] = clean_text(frame[extra])
        errors.append((extra, _control_characters(values[extra])))
    return _Columns(frame, _lookalike_headers(table, raw.columns, frame.columns, file), values, errors, warnings)


def _check(
    table: Table, columns: _Columns, file: str, done: dict[str, pd.DataFrame], quarantined: dict[str, pd.DataFrame]
) -> tuple[pd.DataFrame, list, list, pd.Series]:
    """Check the references of a table's parsed columns; returns the taken rows, the problems
    that quarantine rows and the warnings (lists of frames or ``None``), and which rows are
    quarantined."""
    frame, values = columns.frame, columns.values
    errors = [
        (
            name,
            _unknown_refs(name, str(table.columns[name].ref), values[name], done, quarantined)
            if found is None
            else found,
        )
        for name, found in columns.errors
    ]
    bad = pd.Series(frame.index.isin(np.concatenate([r.index.to_numpy() for _, r in errors])), index=frame.index)
    taken = pd.DataFrame({c: _final(table, c, v[~bad]) for c, v in values.items()})
    taken["_file"] = pd.Series(file, index=taken.index, dtype="str")
    taken["_row"] = frame.loc[~bad, "_row"].astype("int64")

    def lines(found: list[tuple[str, pd.Series]]) -> list[pd.DataFrame | None]:
        return [_issue_rows(table.name, file, frame, column, r) for column, r in found]

    return taken.reset_index(drop=True), lines(errors), lines(columns.warnings), bad


def _final(table: Table, column: str, s: pd.Series) -> pd.Series:
    """Text columns as Arrow-backed strings (missing: NaN); typed columns as parsed."""
    col = table.columns.get(column)
    if (col is None or col.type in _TEXT_TYPES) and s.dtype != "str":
        return s.astype("str")
    return s


def _reasons(mask: pd.Series, reason: str) -> pd.Series:
    return pd.Series(reason, index=mask.index[mask], dtype=object)


def _duplicates(key: str, value: pd.Series, rows: pd.Series) -> pd.Series:
    keys = arrow_text(value)
    # Mostly none: exports often list rows by key (then each key is less than the next: one
    # comparison each), else one hash in Arrow says so.
    ascending = keys.null_count == 0 and not pc.any(pc.less_equal(keys[1:], keys[:-1])).as_py()
    if ascending or pc.count_distinct(keys).as_py() == len(keys) - keys.null_count:
        return pd.Series([], index=value.index[:0], dtype=object)
    dup = value.notna() & value.duplicated(keep="first")
    if not dup.any():
        return _reasons(dup, "")
    first = pd.Series(rows.to_numpy(), index=value.to_numpy())
    first = first[~first.index.duplicated(keep="first")]
    return f"duplicate {key} " + value[dup] + ": first at row " + value[dup].map(first).astype(str)


def _unknown_refs(
    column: str, ref: str, value: pd.Series, done: dict[str, pd.DataFrame], quarantined: dict[str, pd.DataFrame]
) -> pd.Series:
    target = done.get(ref)
    key = schema().tables[ref].key
    known = target[key] if target is not None else pd.Series([], dtype=object)
    unknown = value.notna() & ~_isin(value, known)
    if not unknown.any():
        return _reasons(unknown, "")
    if target is None:
        return _reasons(unknown, f"{column} refers to {ref}, but the bundle has no {ref} table")
    ids = value[unknown]
    reasons = f"unknown {column} " + ids + f": no such {key} in {ref}"
    q = quarantined.get(ref)
    if q is not None and len(q):
        where = ids.map(q.drop_duplicates("key").set_index("key")["where"])
        hit = where.notna()
        reasons[hit] = f"{column} " + ids[hit] + f" refers to a quarantined row of {ref} (" + where[hit] + ")"
    return reasons.astype(object)


def _isin(values: pd.Series, known: pd.Series) -> pd.Series:
    """``values.isin(known)`` for text columns, by Arrow (several times faster at a million rows).

    Each look-up hashes the set it looks in, and a province's persons or bids are referred to
    by five tables each: values equal to the keys row for row (a table with one row per bid,
    in the bids' order) need no set, and fewer values than keys are looked up among the keys
    that equal one of them, found by hashing the values instead of the keys."""
    text, keys = arrow_text(values), arrow_text(known).drop_null()
    if len(text) == len(keys) and text.null_count == 0 and pc.all(pc.equal(text, keys)).as_py():
        return pd.Series(True, index=values.index)
    if 2 * len(text) < len(keys):
        keys = keys.filter(pc.is_in(keys, value_set=pc.unique(text)))
    found = pc.is_in(text, value_set=keys)
    return pd.Series(found.to_numpy(zero_copy_only=False), index=values.index).fillna(False).astype(bool)


def _sorted(parts: list[pd.DataFrame | None], order: dict[str, int]) -> pd.DataFrame:
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return issue_frame()
    frame = pd.concat(parts, ignore_index=True)[list(ISSUE_COLUMNS)]
    frame = frame.astype({c: object for c in ISSUE_COLUMNS if c != "row"})
    rank = frame["table"].map(order).fillna(len(order))
    return (
        frame.assign(_rank=rank)
        .sort_values(["_rank", "row"], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )
