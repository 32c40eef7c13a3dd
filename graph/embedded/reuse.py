"""What a new version's index can keep of the live version's (issue 14, daily append).

An append changes a few thousand rows of a province: the rest of the tables, and so most of the
index, is what the live version already holds. ``Previous`` opens the live version's index
(memory-mapped) and answers, per table and column, whether the new version holds the same
values, or the same values followed by new rows; the index build (graph/embedded/persist.py)
then links the files that would come out byte for byte the same (tables, keys, search indexes)
and resolves only the new rows' relationship endpoints. What it builds is exactly what a build
from nothing builds (tests/test_load_append.py compares the index files).

A link is a hard link: the live version's files are only ever read, never written again, so
sharing them leaves the live version intact whatever happens to the new one.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Previous", "link_or_copy"]


def link_or_copy(source: Path, target: Path) -> None:
    """``target`` as the same file as ``source`` (a hard link; a copy where links fail)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


class Previous:
    """The live version's index folder, as an append's build reads it (``None`` parts: absent)."""

    def __init__(self, folder: Path, map_table, load_array):
        self.folder = Path(folder)
        self.meta = json.loads((self.folder / "meta.json").read_text(encoding="utf-8"))
        self._map, self._load = map_table, load_array
        self._tables: dict[str, pa.Table | None] = {}
        self.labels = {entry["label"]: entry for entry in self.meta["labels"]}

    def table(self, name: str) -> pa.Table | None:
        if name not in self._tables:
            path = self.folder / "tables" / f"{name}.arrow"
            self._tables[name] = self._map(path) if path.exists() else None
        return self._tables[name]

    def same_table(self, name: str, table: pa.Table) -> bool:
        old = self.table(name)
        return old is not None and old.schema.equals(table.schema) and old.equals(table)

    def same_column(self, name: str, table: pa.Table | None, column: str) -> bool:
        """Whether ``table[column]`` holds exactly the live version's values (no row more)."""
        old = self.table(name)
        return (
            old is not None
            and table is not None
            and old.num_rows == table.num_rows
            and self.prefix(name, table, [column])
        )

    def prefix(self, name: str, table: pa.Table, columns: list[str]) -> bool:
        """Whether the live ``name``'s rows are the first rows of ``table``, equal in ``columns``."""
        old = self.table(name)
        if old is None or old.num_rows > table.num_rows:
            return False
        for column in columns:
            if column not in old.column_names or column not in table.column_names:
                return False
            before, now = old.column(column), table.column(column).slice(0, old.num_rows)
            if before.type != now.type or not before.equals(now):
                return False
        return True

    def keys(self, label: str) -> pa.Array | None:
        path = self.folder / "keys" / f"{label}.arrow"
        if label not in self.labels or not path.exists():
            return None
        return self._map(path).column("key").combine_chunks()

    def remap(self, label: str, keys: pa.Array, entity_prefix: bool) -> np.ndarray | None:
        """Each live vertex of ``label`` (its position among the label's keys) → its position
        among ``keys`` (the new version's), -1 where its key is gone; None without the label."""
        old = self.keys(label)
        if old is None:
            return None
        if entity_prefix:  # the live rows are the first rows: every key keeps its place
            return np.arange(len(old), dtype=np.int64)
        found = pc.index_in(old, value_set=keys)  # the first row holding the key, as a build resolves it
        return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)

    def source_edges(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Start and end vertices (live numbering) and table rows of relationship source ``i``
        (its number in the schema), as the live index holds them; None if it has none."""
        if i not in self.meta["sources"]:
            return None
        spec = self.meta["sources"].index(i)
        espec = self._load(self.folder / "espec.npy")
        lo, hi = np.searchsorted(espec, [spec, spec + 1])  # sources are numbered in edge order
        arrays = (self._load(self.folder / f"{name}.npy")[lo:hi] for name in ("src", "dst", "erow"))
        src, dst, rows = (np.asarray(a, dtype=np.int64) for a in arrays)
        return src, dst, rows

    def offset(self, label: str) -> int:
        return int(self.labels[label]["offset"])
