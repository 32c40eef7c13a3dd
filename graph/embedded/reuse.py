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

import bisect
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Previous", "link_or_copy", "as_text", "first_rows", "value_parts"]

#: More distinct new values than this, and a value label is built whole (each is placed by a
#: binary search in Python: a day's few thousand cost milliseconds).
_PLACED_ONE_BY_ONE = 200_000


def as_text(column) -> pa.Array:
    """A column as one large_string array (how keys are compared everywhere)."""
    values = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return values if pa.types.is_large_string(values.type) else values.cast(pa.large_string())


def first_rows(codes: np.ndarray, size: int) -> np.ndarray:
    """For each code in [0, size), the first position holding it (``len(codes)`` if none)."""
    first = np.full(size, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes), dtype=np.int64))
    return first


def value_parts(tables: dict[str, pa.Table], node, start=lambda table: 0) -> tuple[list, list, list[str], list]:
    """A value label's values per present source (from row ``start(table)`` on, nulls
    dropped), the number of each one's source among the present ones, their kinds, and the
    ``(table, column)`` of each."""
    parts: list[pa.Array] = []
    kind_ids: list[np.ndarray] = []
    kinds: list[str] = []
    where: list[tuple[str, str]] = []
    for src in node.sources:
        table = tables.get(src.table)
        if table is None or src.column not in table.column_names:
            continue
        values = as_text(table.column(src.column).slice(start(src.table))).drop_null()
        parts.append(values)
        kind_ids.append(np.full(len(values), len(kinds), dtype=np.int32))
        kinds.append(src.kind or src.column)
        where.append((src.table, src.column))
    return parts, kind_ids, kinds, where


class _Sorted:
    """Sorted Arrow strings as a sequence of Python strings, for ``bisect`` (UTF-8 byte order,
    Arrow's sort order, is code point order, Python's)."""

    def __init__(self, values: pa.Array):
        self.values = values

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, i: int) -> str:
        return self.values[i].as_py()


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
        self._bounds: np.ndarray | None = None

    def table(self, name: str) -> pa.Table | None:
        if name not in self._tables:
            path = self.folder / "tables" / f"{name}.arrow"
            self._tables[name] = self._map(path) if path.exists() else None
        return self._tables[name]

    def rows(self, name: str) -> int:
        """The live table's number of rows (0 without it)."""
        table = self.table(name)
        return 0 if table is None else table.num_rows

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

    def remap(self, label: str, keys: pa.Array) -> np.ndarray | None:
        """Each live vertex of ``label`` (its position among the label's keys) → its position
        among ``keys`` (the new version's), -1 where its key is gone; None without the label."""
        old = self.keys(label)
        if old is None:
            return None
        found = pc.index_in(old, value_set=keys)  # the first row holding the key, as a build resolves it
        return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)

    def value_keys(self, label: str, node, tables: dict[str, pa.Table]) -> tuple | None:
        """A value label's keys and kinds as a whole build makes them (sorted; each value with
        the kind of its first source), from the live ones and the values of the new rows, and
        where each live key went; None unless every source's live rows are its first rows with
        the same values (or the new values are too many to place one by one)."""
        path = self.folder / "keys" / f"{label}.arrow"
        for src in node.sources:
            table, live = tables.get(src.table), self.table(src.table)
            now = table is not None and src.column in table.column_names
            if now != (live is not None and src.column in live.column_names) or not path.exists():
                return None
            if now and not self.prefix(src.table, table, [src.column]):
                return None
        held = self._map(path)
        old, old_kinds = held.column("key").combine_chunks(), held.column("kind").combine_chunks()
        parts, kind_ids, kinds, _ = value_parts(tables, node, self.rows)
        tail = pa.concat_arrays(parts) if parts else pa.array([], pa.large_string())
        encoded = pc.dictionary_encode(tail)
        if len(encoded.dictionary) > _PLACED_ONE_BY_ONE:
            return None
        first = first_rows(encoded.indices.to_numpy(zero_copy_only=False), len(encoded.dictionary))
        tail_kind = np.concatenate([np.empty(0, np.int64), *kind_ids])[first]
        # A kind's rank is its first source's; a live value a new row of an earlier source holds takes its kind.
        rank = pc.index_in(old_kinds, value_set=pa.array(kinds, pa.string())).to_numpy(zero_copy_only=False)
        rank = np.asarray(rank, dtype=np.int64)
        # The new values the live keys hold, by one probe of the live keys (distinct) among them;
        # only the others are placed, each by a binary search.
        hit = pc.index_in(old, value_set=encoded.dictionary)
        live_at = np.full(len(encoded.dictionary), -1, dtype=np.int64)
        live_at[hit.drop_null().to_numpy(zero_copy_only=False)] = np.flatnonzero(
            hit.is_valid().to_numpy(zero_copy_only=False)
        )
        held_now = live_at >= 0
        rank[live_at[held_now]] = np.minimum(rank[live_at[held_now]], tail_kind[held_now])
        keys = _Sorted(old)
        absent = np.flatnonzero(~held_now)
        added = encoded.dictionary.take(pa.array(absent, pa.int64())).to_pylist()
        added_at = [bisect.bisect_left(keys, value) for value in added]
        added_kind = tail_kind[absent].tolist()
        order = sorted(range(len(added)), key=added.__getitem__)
        at = np.asarray([added_at[i] for i in order], dtype=np.int64)
        new = pa.array([added[i] for i in order], pa.large_string())
        new_kinds = np.insert(rank, at, np.asarray([added_kind[i] for i in order], dtype=np.int64))
        # a live key moves down by the number of values placed before or at it
        moved = np.arange(len(old), dtype=np.int64) + np.cumsum(np.bincount(at, minlength=len(old) + 1))[: len(old)]
        names = pa.array(kinds, pa.string())
        placed = np.insert(np.arange(len(old)), at, len(old) + np.arange(len(order)))
        return pa.concat_arrays([old, new]).take(pa.array(placed)), names.take(pa.array(new_kinds)), moved

    def source_edges(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Start and end vertices (live numbering) and table rows of relationship source ``i``
        (its number in the schema), as the live index holds them; None if it has none."""
        if i not in self.meta["sources"]:
            return None
        spec = self.meta["sources"].index(i)
        if self._bounds is None:  # sources are numbered in edge order: one count gives every range
            counts = np.bincount(np.asarray(self._load(self.folder / "espec.npy")), minlength=len(self.meta["sources"]))
            self._bounds = np.concatenate([[0], np.cumsum(counts)])
        lo, hi = int(self._bounds[spec]), int(self._bounds[spec + 1])
        arrays = (self._load(self.folder / f"{name}.npy")[lo:hi] for name in ("src", "dst", "erow"))
        src, dst, rows = (np.asarray(a, dtype=np.int64) for a in arrays)
        return src, dst, rows

    def offset(self, label: str) -> int:
        return int(self.labels[label]["offset"])
