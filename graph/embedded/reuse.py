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

from bidgraph.graph.embedded.extend import bisect

__all__ = [
    "Previous",
    "link_or_copy",
    "as_text",
    "one_chunk",
    "first_rows",
    "first_seen",
    "first_rows_of",
    "value_parts",
]

#: More distinct new values than this, and a value label is built whole (each is placed by a
#: binary search of the live keys: a day's few thousand cost milliseconds).
_PLACED_ONE_BY_ONE = 200_000


def one_chunk(column) -> pa.Array:
    """A column as one array: its only chunk as it is (``combine_chunks`` copies even that one:
    a province's memory-mapped keys and names were copied so)."""
    if not isinstance(column, pa.ChunkedArray):
        return column
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def as_text(column) -> pa.Array:
    """A column as one large_string array (how keys are compared everywhere)."""
    values = one_chunk(column)
    return values if pa.types.is_large_string(values.type) else values.cast(pa.large_string())


def first_rows(codes: np.ndarray, size: int) -> np.ndarray:
    """For each code in [0, size), the first position holding it (``len(codes)`` if none)."""
    first = np.full(size, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes), dtype=np.int64))
    return first


def first_seen(codes: np.ndarray) -> np.ndarray:
    """For the codes of ``pc.dictionary_encode`` (which numbers the values in the order they
    first appear), the first position holding each code, as :func:`first_rows` finds it: where
    the running greatest code grows (one pass, not a scatter of every position)."""
    if not len(codes):
        return np.empty(0, dtype=np.int64)
    running = np.maximum.accumulate(codes)
    return np.flatnonzero(np.concatenate([[True], running[1:] > running[:-1]]))


def first_rows_of(values: pa.Array, among: pa.Array) -> np.ndarray:
    """The first position in ``among`` holding each of ``values`` (-1: none), as
    ``pc.index_in(values, value_set=among)`` finds it, for few values among many: the values are
    hashed and ``among`` looked up among them (a probe of a province's keys, not a hash of them)."""
    codes = pc.dictionary_encode(values, null_encoding="encode")
    hit = pc.index_in(among, value_set=codes.dictionary)
    rows = np.flatnonzero(hit.is_valid().to_numpy(zero_copy_only=False))
    first = first_rows(hit.drop_null().to_numpy(zero_copy_only=False), len(codes.dictionary))
    return np.append(rows, -1)[first][codes.indices.to_numpy(zero_copy_only=False)]


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
        self._compared: dict[tuple[str, str], tuple[pa.Table, bool]] = {}

    def table(self, name: str) -> pa.Table | None:
        if name not in self._tables:
            path = self.folder / "tables" / f"{name}.arrow"
            self._tables[name] = self._map(path) if path.exists() else None
        return self._tables[name]

    def read(self, name: str):
        """A file of the live index (``text/Lot.name.rows.npy``): an array, memory-mapped; of an
        Arrow file its first column."""
        path = self.folder / name
        return one_chunk(self._map(path).column(0)) if path.suffix == ".arrow" else self._load(path)

    def rows(self, name: str) -> int:
        """The live table's number of rows (0 without it)."""
        table = self.table(name)
        return 0 if table is None else table.num_rows

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
        return all(self._starts_with(name, old, table, column) for column in columns)

    def _starts_with(self, name: str, old: pa.Table, table: pa.Table, column: str) -> bool:
        # Asked of the same column by the keys, the relationships and search: compared once.
        held = self._compared.get((name, column))
        if held is None or held[0] is not table:
            same = column in old.column_names and column in table.column_names
            if same:
                before, now = old.column(column), table.column(column).slice(0, old.num_rows)
                same = before.type == now.type and before.equals(now)
            held = self._compared[(name, column)] = (table, same)
        return held[1]

    def keys(self, label: str) -> pa.Array | None:
        path = self.folder / "keys" / f"{label}.arrow"
        if label not in self.labels or not path.exists():
            return None
        return one_chunk(self._map(path).column("key"))

    def remap(self, label: str, keys: pa.Array) -> np.ndarray | None:
        """Each live vertex of ``label`` (its position among the label's keys) → its position
        among ``keys`` (the new version's), -1 where its key is gone; None without the label."""
        old = self.keys(label)
        if old is None:
            return None
        found = pc.index_in(old, value_set=keys)  # the first row holding the key, as a build resolves it
        return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int32)

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
        old, old_kinds = one_chunk(held.column("key")), one_chunk(held.column("kind"))
        parts, kind_ids, kinds, _ = value_parts(tables, node, self.rows)
        tail = pa.concat_arrays(parts) if parts else pa.array([], pa.large_string())
        encoded = pc.dictionary_encode(tail)
        if len(encoded.dictionary) > _PLACED_ONE_BY_ONE:
            return None
        first = first_seen(encoded.indices.to_numpy(zero_copy_only=False))
        tail_kind = np.concatenate([np.empty(0, np.int64), *kind_ids])[first]
        # A kind's rank is its first source's; a live value a new row of an earlier source holds takes its kind.
        rank = pc.index_in(old_kinds, value_set=pa.array(kinds, pa.string())).to_numpy(zero_copy_only=False)
        rank = np.asarray(rank, dtype=np.int64)
        # Each new value's place among the sorted live keys, by one binary search of them all:
        # the live keys holding one keep it, the others are inserted there.
        values = encoded.dictionary
        place = bisect(lambda i: old.take(pa.array(i)), len(old), values)
        held_now = place < len(old)
        held_now[held_now] = pc.equal(old.take(pa.array(place[held_now])), values.filter(pa.array(held_now))).to_numpy(
            zero_copy_only=False
        )
        rank[place[held_now]] = np.minimum(rank[place[held_now]], tail_kind[held_now])
        absent = np.flatnonzero(~held_now)
        added = values.take(pa.array(absent, pa.int64())).to_pylist()
        added_at = place[absent].tolist()
        added_kind = tail_kind[absent].tolist()
        order = sorted(range(len(added)), key=added.__getitem__)
        at = np.asarray([added_at[i] for i in order], dtype=np.int64)
        new = pa.array([added[i] for i in order], pa.large_string())
        new_kinds = np.insert(rank, at, np.asarray([added_kind[i] for i in order], dtype=np.int64))
        names = pa.array(kinds, pa.string())
        # the live runs between the new values, and those, in one concatenation (a gather of every
        # key took ten times as long: a province's documents are 2 million keys)
        bounds = [0, *at.tolist(), len(old)]
        runs = [old.slice(lo, hi - lo) for lo, hi in zip(bounds[:-1], bounds[1:])]
        # a live key moves down by the number of values placed before it: run by run, in place
        # (a count and running sum of every key were 1 CPU s of fresh memory at province)
        moved = np.arange(len(old), dtype=np.int32)
        for j, (lo, hi) in enumerate(zip(bounds[1:-1], bounds[2:]), start=1):
            moved[lo:hi] += j
        pieces = [piece for j, run in enumerate(runs) for piece in (run, new.slice(j, 1))][:-1]
        return pa.concat_arrays(pieces), names.take(pa.array(new_kinds)), moved

    def edge_range(self, i: int) -> tuple[int, int] | None:
        """The live numbers ``[lo, hi)`` of relationship source ``i``'s relationships (``i``: its
        number in the schema); None if it has none."""
        if i not in self.meta["sources"]:
            return None
        spec = self.meta["sources"].index(i)
        if self._bounds is None:  # sources are numbered in edge order: each range's ends by binary search
            spec_of = self.read("espec.npy")  # (of the same type: another would copy all of them)
            self._bounds = np.searchsorted(spec_of, np.arange(len(self.meta["sources"]) + 1, dtype=spec_of.dtype))
        return int(self._bounds[spec]), int(self._bounds[spec + 1])

    def offset(self, label: str) -> int:
        return int(self.labels[label]["offset"])
