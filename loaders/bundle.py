"""The input bundle: a folder with one file per table, or one Excel workbook with one sheet per
table. Reading gives a validated :class:`Bundle`; see docs/bundle.md for the rules.

>>> bundle = read_bundle("data/city")                  # doctest: +SKIP
>>> write_quarantine(bundle, "workspace/load-1")        # doctest: +SKIP
>>> bundle.counts["bids"]                               # doctest: +SKIP
{'read': 1000000, 'taken': 999990, 'quarantined': 10}
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from bidgraph.errors import InputError
from bidgraph.graph.schema import schema
from bidgraph.loaders.files import SUFFIXES, RawTable, read_sheets, read_table_file
from bidgraph.loaders.model import Bundle, issue_frame
from bidgraph.loaders.validate import validate_tables

__all__ = ["Bundle", "read_bundle", "read_workbook", "validate_tables", "write_quarantine"]

Progress = Callable[[str, int], None]


def read_bundle(path: str | Path, progress: Progress | None = None) -> Bundle:
    """Read and validate a bundle folder (or a single ``.xlsx`` workbook, see :func:`read_workbook`).

    Parameters
    ----------
    path : str or Path
        A folder holding ``<table>.csv``, ``.csv.gz``, ``.xlsx`` or ``.parquet`` per table.
    progress : callable, optional
        Called as ``progress(table, rows)`` after each table file is read.

    Raises
    ------
    InputError
        The folder does not exist; a required table, or a required column, is missing; a
        required table's file is empty; a file cannot be read at all; a table comes twice.
    """
    path = Path(path)
    if path.is_file() and path.name.lower().endswith(".xlsx"):
        return read_workbook(path, progress)
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
    for name, files in found.items():
        if len(files) > 1:
            raise InputError(f"{path}: table {name} is given twice ({', '.join(f.name for f in files)}); keep one")
        raw[name] = read_table_file(files[0])
        if progress is not None:
            progress(name, len(raw[name].frame))
    return _validated(raw, {n: f[0].name for n, f in found.items()}, str(path))


def read_workbook(path: str | Path, progress: Progress | None = None) -> Bundle:
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
    return _validated(raw, files, str(path))


def _validated(raw: dict[str, RawTable], files: dict[str, str], source: str) -> Bundle:
    frames, lost = {}, []
    for name, table in raw.items():
        if len(table.frame) == 0 and table.unreadable:
            row, reason, _ = table.unreadable[0]
            raise InputError(f"{files[name]}: no row can be read (row {row}: {reason})")
        if len(table.frame) == 0:
            if schema().tables[name].required:
                raise InputError(f"{files[name]}: the file is empty, but table {name} is required")
            if table.frame.shape[1] == 0:  # an empty optional table, not even a header
                table.frame = pd.DataFrame(columns=list(schema().tables[name].columns), dtype="str")
        frames[name] = table.frame
        lost += [(name, files[name], row, None, reason, text) for row, reason, text in table.unreadable]
    return validate_tables(frames, files, unreadable=issue_frame(lost), source=source)


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
