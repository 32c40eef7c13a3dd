"""The embedded store's index on disk: built once when a version is written, memory-mapped when
it is opened, so that ``info``, ``serve`` and ``detect`` do not each rebuild it (issue 14, "Open
fast, run lean"). Only the pages a query touches are read.

Layout, inside the version folder (written before the version is swapped live)::

    index/meta.json             format, labels and their sizes, relationship sources, type counts, roles
    index/keys/<Label>.arrow    the label's keys in vertex order (and ``kind`` for value labels)
    index/order/<Label>.npy     the permutation that sorts those keys (absent when already sorted)
    index/tables/<table>.arrow  the version's tables as uncompressed Arrow IPC: the only copy of them
                                (a version written before 2026-11-29 also holds tables/<table>.parquet)
    index/tables/<table>.arrow.1, .2, .3   a grown table's further segments (below)
    index/text/                 search's indexes (graph/embedded/textindex.py)
    index/<name>.npy            edges (src, dst, etype, espec, erow), undirected incidence in CSR
                                form (indptr, inc_edge, inc_other) and role_<Role>: int32 ids

Vertices are numbered label by label in the schema's order; an entity label's keys in its
table's row order, a value label's sorted, each value with the kind of its first source.
Relationships are numbered source by source in the schema's order, rows in table order.

A table is kept in up to :data:`SEGMENTS` segment files, read as one table whose columns have a
chunk per segment (:func:`map_table`; memory-mapped, never combined on open). An append whose
table starts with the live table's rows as they are (schema, metadata and values) links the live
segments and writes only the rows after them, as a new last segment: a province's day is a few
megabytes, not the 2.3 GB of every grown table written whole. The last two segments merge
(are written as one) while the one before the last holds fewer than :data:`MERGE_FACTOR` times
the last one's rows, or while there are more than :data:`SEGMENTS`; so segment sizes fall
geometrically, a year of nightly appends keeps 2-4 segments, and an append writes a few days'
rows on most nights (all of them when the segments merge into one). A table whose live rows
changed (an update in place, a deletion) is written whole, as one segment.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bidgraph.errors import NotFound
from bidgraph.graph.embedded.extend import extended_csr, extended_order
from bidgraph.graph.embedded.reuse import Previous, as_text, first_rows_of, first_seen, link_or_copy, value_parts
from bidgraph.graph.embedded.textindex import write_text_indexes
from bidgraph.graph.schema import Endpoint, Schema, schema

__all__ = [
    "FORMAT",
    "INDEX",
    "write_index",
    "ensure_index",
    "load_array",
    "map_table",
    "segment_files",
    "take_rows",
    "current_format",
    "table_files",
    "read_table",
]

FORMAT = 2
INDEX = "index"


def _write_arrow(table: pa.Table, path: Path) -> None:
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table.combine_chunks())  # one chunk per column: take() on many is slow


#: A grown table's segments merge while the one before the last holds fewer than this many
#: times the last one's rows (a province's day: 1/330 of its tables, so most nights add one).
MERGE_FACTOR = 4
#: At most this many segments per table (a column's chunks: each take() on several copies them).
SEGMENTS = 4


def segment_files(path: Path) -> list[Path]:
    """A table's file and its further segments (``<table>.arrow.1``, ``.2``...), in row order."""
    files = [Path(path)]
    while (more := files[0].with_name(f"{files[0].name}.{len(files)}")).exists():
        files.append(more)
    return files


def _map_file(path: Path) -> pa.Table:
    return pa.ipc.open_file(pa.memory_map(str(path), "r")).read_all()


def map_table(path: Path) -> pa.Table:
    """An Arrow IPC file, with its further segments, as a table backed by the memory map
    (nothing read until touched): a chunk per segment, not combined."""
    parts = [_map_file(file) for file in segment_files(path)]
    return parts[0] if len(parts) == 1 else pa.concat_tables(parts)


def take_rows(table: pa.Table, positions) -> pa.Table:
    """``table.take(positions)``, chunk by chunk: Arrow's take concatenates a column's chunks
    first, a copy of a whole table in segments per call (a province's persons: 50 ms for three
    rows, against 0.1 ms in one chunk)."""
    positions = np.asarray(positions, dtype=np.int64)
    batches = table.to_batches()
    if len(batches) <= 1:
        return table.take(pa.array(positions))
    starts = np.cumsum([0, *(batch.num_rows for batch in batches)])
    chunk = np.searchsorted(starts, positions, side="right") - 1
    order = np.argsort(chunk, kind="stable")
    ordered = positions[order]
    parts = [batches[i].take(pa.array(ordered[chunk[order] == i] - starts[i])) for i in np.unique(chunk)]
    return pa.Table.from_batches(parts, schema=table.schema).take(pa.array(np.argsort(order)))


def kept_segments(sizes: list[int], added: int) -> int:
    """How many of a table's live segments (of ``sizes`` rows) a new version links when
    ``added`` rows follow them; the rows after those are written as one more segment."""
    if not added:
        return len(sizes)
    sizes = [*sizes, added]
    while len(sizes) > 1 and (len(sizes) > SEGMENTS or sizes[-2] < MERGE_FACTOR * sizes[-1]):
        sizes[-2:] = [sizes[-2] + sizes[-1]]
    return len(sizes) - 1


def _write_table(table: pa.Table, target: Path, live: Path | None, kept: int) -> None:
    """``table`` as segment files at ``target``: the segments of ``live`` (the live version's
    file of the same table) that its first ``kept`` rows are, linked, and the rows after them."""
    files = segment_files(live) if live is not None and kept else []
    sizes = [_map_file(file).num_rows for file in files]
    keep = kept_segments(sizes, table.num_rows - kept)
    for i, file in enumerate(files[:keep]):
        link_or_copy(file, _segment(target, i))
    if keep < len(files) or table.num_rows > kept or not files:
        _write_arrow(table.slice(sum(sizes[:keep])), _segment(target, keep))


def _segment(target: Path, i: int) -> Path:
    return target.with_name(f"{target.name}.{i}") if i else target


def load_array(path: Path) -> np.ndarray:
    array = np.load(path, mmap_mode="r")  # an empty array cannot be mapped; np.load reads it
    return array if array.size else np.load(path)


#: Per source ``(table, column)`` of a value label: its rows holding a value, and their vertices.
Resolved = dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]


def _value_keys(tables: dict[str, pa.Table], node) -> tuple[pa.Array, pa.Array, Resolved]:
    """A value label's distinct keys, sorted, the kind of each value's first source, and each
    source's rows resolved to their vertices (the encoding that finds the distinct values
    numbers them: their relationships need no second look-up)."""
    parts, kind_ids, kinds, where = value_parts(tables, node)
    if not parts:
        return pa.array([], pa.large_string()), pa.array([], pa.string()), {}
    encoded = pc.dictionary_encode(pa.concat_arrays(parts))
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    first = first_seen(codes)
    order = pc.sort_indices(encoded.dictionary).to_numpy()
    kind = np.concatenate(kind_ids)[first][order]
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    vertices = np.split(rank[codes], np.cumsum([len(part) for part in parts])[:-1])
    resolved = {
        (name, column): (np.flatnonzero(tables[name].column(column).is_valid().to_numpy(zero_copy_only=False)), ids)
        for (name, column), ids in zip(where, vertices)
    }
    return encoded.dictionary.take(pa.array(order)), pa.array(kinds, pa.string()).take(pa.array(kind)), resolved


def _endpoint_ids(keys: pa.Array, ends: list[pa.Array], label: str) -> list[np.ndarray]:
    """Positions of endpoint keys among ``keys`` (a repeated key: its first row). A load looks
    all of a label's endpoints up in one hash of its keys; an append's few endpoints are hashed
    instead, and a province's keys looked up among them (a few milliseconds, not seconds)."""
    if not ends:
        return []
    together = pa.concat_arrays(ends)
    if len(together) * _FEW < len(keys):
        found = first_rows_of(together, keys)
    else:
        found = pc.fill_null(pc.index_in(together, value_set=keys), -1).to_numpy(zero_copy_only=False)
    out, at = [], 0
    for end in ends:
        pos = found[at : at + len(end)]
        at += len(end)
        if (pos < 0).any():  # a reference the loader let through would be a bug: fail loudly
            missing = end.filter(pa.array(pos < 0)).to_pylist()[:3]
            raise NotFound(f"relationship endpoint(s) {missing} have no {label} node")
        out.append(pos)
    return out


#: Fewer endpoints than a label's keys over this, and the endpoints are hashed, not the keys.
_FEW = 8


class Kept(NamedTuple):
    """A relationship source whose live relationships are kept: their live numbers ``[lo, hi)``
    and the first table row after the live ones."""

    lo: int
    hi: int
    first: int


class Source(NamedTuple):
    """A relationship source present: its number in the schema, the first row of its table to
    resolve (a source with kept relationships: the first after the live rows) and the rows from
    there on that have both ends (and its ``when``)."""

    i: int
    first: int
    rows: np.ndarray


def _edge_sources(tables: dict[str, pa.Table], sch: Schema, kept: dict[int, Kept]) -> list[Source]:
    out = []
    for i, rel in enumerate(sch.relationships):
        table = tables.get(rel.table)
        if table is None or rel.start.column not in table.column_names or rel.end.column not in table.column_names:
            continue
        first = kept[i].first if i in kept else 0
        tail = table.slice(first)
        mask = pc.and_(pc.is_valid(tail.column(rel.start.column)), pc.is_valid(tail.column(rel.end.column)))
        if rel.when:
            mask = pc.and_(mask, pc.fill_null(tail.column(rel.when).cast(pa.bool_()), False))
        out.append(Source(i, first, np.flatnonzero(mask.to_numpy()) + first))
    return out


def _ends(sch: Schema, source: Source) -> tuple[Endpoint, Endpoint]:
    return sch.relationships[source.i].start, sch.relationships[source.i].end


def _end_keys(tables: dict[str, pa.Table], sch: Schema, source: Source, end: Endpoint) -> pa.Array:
    """The keys a source's end holds on its rows, as text."""
    values = as_text(tables[sch.relationships[source.i].table].column(end.column).slice(source.first))
    if len(source.rows) == len(values):  # most sources have both ends on every row: no copy then
        return values
    return values.take(pa.array(source.rows - source.first, pa.int64()))


def _kept_edges(
    previous: Previous | None, tables: dict[str, pa.Table], keys: dict[str, pa.Array], moved: dict, offsets: dict, sch
) -> tuple[dict[int, Kept], np.ndarray]:
    """The relationship sources whose live relationships stay as they are (their table's live
    rows are its first rows, with the same endpoints; see graph/embedded/reuse.py), and the new
    number of each live vertex (-1: gone, or not looked up)."""
    if previous is None:
        return {}, np.empty(0, np.int32)
    vertex_at = np.full(sum(entry["size"] for entry in previous.labels.values()), -1, dtype=np.int32)
    whole: dict[str, bool] = {}  # per label looked up: whether every live vertex is still there

    def look_up(label: str) -> None:
        remap = moved.get(label)
        if remap is None:
            remap = previous.remap(label, keys[label])
        if remap is None:
            whole[label] = False
            return
        held = vertex_at[previous.offset(label) :][: len(remap)]
        np.add(remap, offsets[label], out=held)  # in place: a province's are 9 million
        gone = remap < 0
        held[gone] = -1
        whole[label] = not gone.any()

    for label in moved:
        if label in previous.labels:
            look_up(label)
    kept = {}
    for i, rel in enumerate(sch.relationships):
        table, live = tables.get(rel.table), previous.table(rel.table)
        columns = [rel.start.column, rel.end.column, *([rel.when] if rel.when else [])]
        edges = previous.edge_range(i)
        if table is None or live is None or edges is None or not previous.prefix(rel.table, table, columns):
            continue
        ends = ((rel.start.label, "src.npy"), (rel.end.label, "dst.npy"))
        for label, _ in ends:
            if label not in whole and label in previous.labels:
                look_up(label)
        if all(whole.get(label) or (vertex_at[previous.read(name)[slice(*edges)]] >= 0).all() for label, name in ends):
            kept[i] = Kept(edges[0], edges[1], live.num_rows)
    return kept, vertex_at


class Label(NamedTuple):
    """One label's part of the index: its keys (written to ``keys/``), where each live vertex
    went when that is known without hashing its keys (``moved``: an entity label whose table's
    live rows are its first rows, a value label extended from the live one), its sources'
    vertices when they were found with the keys (``resolved``: a value label built whole),
    whether its keys are in order (no ``order/`` file) and whether they ascend strictly (an
    entity label's: then a row of its table is the vertex of the same number)."""

    keys: pa.Array
    moved: np.ndarray | None
    resolved: Resolved
    sorted: bool
    ascending: bool


def _label_keys(tables, sch, previous: Previous | None, folder: Path, pool: Executor) -> dict[str, Label]:
    """Each label's :class:`Label`, in the schema's order, built in ``pool``: value labels first
    (a province's documents and phones take seconds each, its entity labels' keys are mostly
    in order already)."""
    first = sorted(sch.nodes, key=lambda label: sch.nodes[label].all_properties)
    built = {label: pool.submit(_label, label, sch.nodes[label], tables, previous, folder) for label in first}
    return {label: built[label].result() for label in sch.nodes}


def _label(label: str, node, tables, previous: Previous | None, folder: Path) -> Label:
    """A label's keys written, and its key order where they are not in order (sorted again only
    when the keys changed)."""
    live = None if previous is None else previous.labels.get(label)
    if not node.all_properties:
        kept = None if previous is None or live is None else previous.value_keys(label, node, tables)
        keys, kinds, resolved = _value_keys(tables, node) if kept is None else (*kept[:2], {})
        _write_arrow(pa.table({"key": keys, "kind": kinds}), folder / "keys" / f"{label}.arrow")
        return Label(keys, None if kept is None else kept[2], resolved, True, False)  # sorted as they are made
    name, key = node.sources[0].table, node.sources[0].column
    table = tables.get(name)
    keys = pa.array([], pa.large_string()) if table is None else as_text(table.column(key))
    _write_arrow(pa.table({"key": keys}), folder / "keys" / f"{label}.arrow")
    # (None: fewer than two keys)
    ascending = keys.null_count == 0 and pc.all(pc.less(keys[:-1], keys[1:])).as_py() is not False
    moved = None
    if previous is not None and live is not None and table is not None and previous.prefix(name, table, [key]):
        moved = np.arange(live["size"], dtype=np.int32)
    if ascending:
        return Label(keys, moved, {}, True, True)
    path, order = folder / "order" / f"{label}.npy", None
    if previous is not None and live is not None and moved is not None:
        if live["size"] == len(keys):  # the same keys: the same order
            if not live["sorted"]:
                link_or_copy(previous.folder / "order" / path.name, path)
            return Label(keys, moved, {}, bool(live["sorted"]), False)
        # the live keys first: the new ones placed among them
        order = extended_order(keys, live["size"], None if live["sorted"] else previous.read(f"order/{path.name}"))
    if order is None:
        order = pc.sort_indices(keys).to_numpy()
    order = order.astype(np.int32)
    is_sorted = bool((order == np.arange(len(order))).all())
    if not is_sorted:
        np.save(path, order)
    return Label(keys, moved, {}, is_sorted, False)


def _write_tables_and_search(
    tables: dict[str, pa.Table], folder: Path, sch: Schema, previous: Previous | None, kept: Mapping[str, int]
) -> None:
    (folder / "tables").mkdir()
    for name, table in tables.items():
        live = None if previous is None or name not in kept else previous.folder / "tables" / f"{name}.arrow"
        _write_table(table, folder / "tables" / f"{name}.arrow", live, kept.get(name, 0))
    write_text_indexes(tables, folder / "text", sch, previous)


def _build(
    tables: dict[str, pa.Table], folder: Path, sch: Schema, previous: Previous | None, kept: Mapping[str, int]
) -> None:
    # The tables and search's indexes need nothing else of the index: they are written in a
    # second thread (Arrow and numpy leave the interpreter free) meanwhile.
    with ThreadPoolExecutor(max_workers=1) as pool:
        beside = pool.submit(_write_tables_and_search, tables, folder, sch, previous, kept)
        _write_graph(tables, folder, sch, previous)
        beside.result()


def _write_graph(tables: dict[str, pa.Table], folder: Path, sch: Schema, previous: Previous | None) -> None:
    """Keys, orders, relationships, the incidence CSR, roles and meta.json. Labels, and the
    relationships' ends, are done two at a time (Arrow's hashing and sorting leave the
    interpreter free)."""
    (folder / "keys").mkdir()
    (folder / "order").mkdir()
    with ThreadPoolExecutor(max_workers=2) as pool:
        arrays, labels, sources = _write_relationships(tables, folder, sch, previous, pool)
    roles = _write_roles(folder, sch, arrays[0], arrays[2], sum(entry["size"] for entry in labels))
    types = sch.relationship_types
    counts = np.bincount(arrays[2], minlength=len(types))
    meta = {
        "format": FORMAT,
        "labels": labels,
        "sources": [i for i, *_ in sources],
        "relationships": {t: int(c) for t, c in zip(types, counts)},
        "roles": roles,
    }
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")


def _write_relationships(tables, folder: Path, sch: Schema, previous: Previous | None, pool: Executor):
    """The labels' keys and the relationships written, with the incidence CSR; returns the
    relationship arrays, the labels' entries of meta.json and the relationship sources."""
    built = _label_keys(tables, sch, previous, folder, pool)
    labels, n = [], 0
    for label, part in built.items():
        labels.append({"label": label, "size": len(part.keys), "offset": n, "sorted": part.sorted})
        n += len(part.keys)
    offsets = {entry["label"]: entry["offset"] for entry in labels}
    keys = {label: part.keys for label, part in built.items()}
    moved = {label: part.moved for label, part in built.items() if part.moved is not None}
    kept, vertex_at = _kept_edges(previous, tables, keys, moved, offsets, sch)
    sources = _edge_sources(tables, sch, kept)

    def known(source: Source, end: Endpoint) -> np.ndarray | None:
        """The vertices of a source's end when they need no look-up: the rows themselves where
        the end is its label's own key column, in ascending order (each key its row's vertex),
        or those a value label's keys were found with."""
        table, label, own = sch.relationships[source.i].table, built[end.label], sch.nodes[end.label].sources[0]
        if label.ascending and (own.table, own.column) == (table, end.column):
            return source.rows
        found = label.resolved.get((table, end.column))
        if found is None:
            return None
        return found[1] if len(found[0]) == len(source.rows) else found[1][np.searchsorted(found[0], source.rows)]

    vertices = [[known(source, end) for end in _ends(sch, source)] for source in sources]
    wanted = [  # the ends looked up, in source order
        (source, end)
        for source, pair in zip(sources, vertices)
        for end, found in zip(_ends(sch, source), pair)
        if found is None
    ]
    ends: dict[str, list[pa.Array]] = {}
    for (_, end), held in zip(wanted, pool.map(lambda want: _end_keys(tables, sch, *want), wanted)):
        ends.setdefault(end.label, []).append(held)
    looked_up = dict(zip(ends, pool.map(lambda label: iter(_endpoint_ids(keys[label], ends[label], label)), ends)))
    resolved_ends = []
    for source, pair in zip(sources, vertices):
        start_ids, end_ids = (
            (next(looked_up[end.label]) if found is None else found) + offsets[end.label]
            for end, found in zip(_ends(sch, source), pair)
        )
        resolved_ends.append((start_ids, end_ids, source.rows))
    arrays, added, starts = _relationships(sources, resolved_ends, kept, vertex_at, previous, sch)
    saved = [
        pool.submit(np.save, folder / f"{name}.npy", a)
        for name, a in zip(("src", "dst", "etype", "espec", "erow"), arrays)
    ]
    csr = None if previous is None else _extended_csr(previous, kept, vertex_at, arrays, added, starts, n)
    if csr is None:
        _write_csr(folder, arrays[0], arrays[1], n)
    else:
        indptr, *incidence = csr
        np.save(folder / "indptr.npy", indptr)
        for name, blocks in zip(("inc_edge", "inc_other"), incidence):
            _save_blocks(folder / f"{name}.npy", blocks, 2 * len(arrays[0]), np.int32)
    for future in saved:
        future.result()
    return arrays, labels, sources


def _relationships(sources, resolved_ends, kept: dict[int, Kept], vertex_at, previous: Previous | None, sch):
    """The relationship arrays (src, dst, etype, espec, erow), source after source: a source's
    kept live relationships (renumbered) then its resolved rows'; and the numbers of those
    resolved (the relationships a kept source's live ones do not hold) and of each source's first."""
    sizes = [
        (kept[i].hi - kept[i].lo if i in kept else 0) + len(rows) for (i, *_), (*_, rows) in zip(sources, resolved_ends)
    ]
    m = sum(sizes)
    src, dst, erow = (np.empty(m, np.int32) for _ in range(3))
    etype, espec = np.empty(m, np.int16), np.empty(m, np.int16)
    live = {name: previous.read(f"{name}.npy") for name in ("src", "dst", "erow")} if kept and previous else {}
    added, starts, at = [], {}, 0
    for spec, ((i, *_), (start, end, rows), size) in enumerate(zip(sources, resolved_ends, sizes)):
        first = starts[i] = at
        if i in kept:  # written straight into place: a province's relationships are 16 million
            lo, hi = kept[i].lo, kept[i].hi
            first += hi - lo
            np.take(vertex_at, live["src"][lo:hi], out=src[at:first])
            np.take(vertex_at, live["dst"][lo:hi], out=dst[at:first])
            erow[at:first] = live["erow"][lo:hi]
        src[first : at + size], dst[first : at + size], erow[first : at + size] = start, end, rows
        etype[at : at + size] = sch.relationship_types.index(sch.relationships[i].type)
        espec[at : at + size] = spec
        added.append(np.arange(first, at + size))
        at += size
    return (src, dst, etype, espec, erow), np.concatenate([np.empty(0, np.int64), *added]), starts


def _extended_csr(previous: Previous, kept: dict[int, Kept], vertex_at, arrays, added, starts: dict[int, int], n: int):
    """The live incidence CSR extended with the ``added`` relationships (graph/embedded/extend.py),
    when every live relationship is kept and every live vertex is still there in the same order;
    else None (built whole)."""
    live_sources = previous.meta["sources"]
    if not len(vertex_at) or any(i not in kept for i in live_sources):
        return None
    if vertex_at[0] < 0 or not (np.diff(vertex_at) > 0).all():
        return None
    edge_at = np.empty(sum(kept[i].hi - kept[i].lo for i in live_sources), dtype=np.int32)
    for i in live_sources:
        lo, hi = kept[i].lo, kept[i].hi
        edge_at[lo:hi] = np.arange(starts[i], starts[i] + hi - lo, dtype=np.int32)
    live = tuple(previous.read(f"{name}.npy") for name in ("indptr", "inc_edge", "inc_other"))
    out_degree = np.bincount(previous.read("src.npy"), minlength=len(vertex_at))
    return extended_csr(live, vertex_at, edge_at, out_degree, (added, arrays[0][added], arrays[1][added]), n)


def _save_blocks(path: Path, blocks: Iterator[np.ndarray], length: int, dtype) -> None:
    """What ``np.save`` writes of the concatenation of ``blocks`` (``length`` values of ``dtype``),
    written block by block: the whole array is never in memory."""
    with open(path, "wb") as out:
        header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False, "shape": (length,)}
        np.lib.format.write_array_header_1_0(out, header)
        for block in blocks:
            out.write(block.astype(dtype, copy=False).data)


def _write_csr(folder: Path, src: np.ndarray, dst: np.ndarray, n: int) -> None:
    """For vertex v, inc_edge[indptr[v]:indptr[v+1]] are the edges touching v (each edge once
    from each end, in edge order) and inc_other the vertex at their other end. The degrees are
    counted beside the sort, and the other ends gathered beside the edges' numbers."""
    m = len(src)
    with ThreadPoolExecutor(max_workers=1) as beside:
        degrees = beside.submit(lambda: np.bincount(src, minlength=n) + np.bincount(dst, minlength=n))
        positions = _incident_positions(src, dst)
        other = beside.submit(lambda: np.save(folder / "inc_other.npy", np.concatenate([dst, src])[positions]))
        edges = positions.astype(np.int32)
        np.subtract(edges, m, out=edges, where=edges >= m)
        np.save(folder / "inc_edge.npy", edges)
        np.save(folder / "indptr.npy", np.concatenate([[0], np.cumsum(degrees.result())]))
        other.result()


def _incident_positions(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The positions in ``src`` then ``dst`` (an edge's two ends) sorted by the vertex there,
    stably: the edges touching each vertex, vertex after vertex, each in edge order."""
    m = len(src)
    width = max(2 * m, 1)
    # A stable argsort of the ends, as one plain sort of (end, position) packed in an int64:
    # numpy's vectorised sort of integers, several times faster than its stable argsort. Done
    # in place: a province's temporaries were 2 GB of fresh memory, each page zeroed by the kernel.
    packed = np.empty(2 * m, dtype=np.int64)
    packed[:m], packed[m:] = src, dst
    packed *= width
    for start in range(0, 2 * m, _BLOCK):
        packed[start : start + _BLOCK] += np.arange(start, min(start + _BLOCK, 2 * m), dtype=np.int64)
    packed.sort()
    return np.remainder(packed, width, out=packed)


#: Positions added to the packed ends this many at a time (a whole arange would be one more copy).
_BLOCK = 1 << 20


def _write_roles(folder: Path, sch: Schema, src: np.ndarray, etype: np.ndarray, n: int) -> list[str]:
    """An organization's role labels (Bidder...): the sorted vertices that start their type
    (marked among the ``n`` vertices: a sort of a province's starts took 0.5 s)."""
    org = sch.nodes.get("Organization")
    roles = [] if org is None else list(org.role_labels.items())
    starts = np.zeros(n, dtype=bool)
    for role, rel_type in roles:
        starts[:] = False
        starts[src[etype == sch.relationship_types.index(rel_type)]] = True
        np.save(folder / f"role_{role}.npy", np.flatnonzero(starts).astype(src.dtype))
    return [role for role, _ in roles]


def write_index(
    version: Path, tables: dict[str, pa.Table], previous: Path | None = None, kept: Mapping[str, int] | None = None
) -> Path:
    """Build the index of ``version``'s ``tables`` (with the tables themselves) into
    ``version/index`` and return it. Written into a temporary folder and renamed into place: a
    reader sees all or nothing. ``previous``: the live version's index folder, whose unchanged
    parts are kept (graph/embedded/reuse.py); ``kept``: per table whose first rows are its live
    rows as they are (schema, metadata and values), their number: its live segments are linked."""
    target = Path(version) / INDEX
    tmp = Path(version) / f".{INDEX}-{os.getpid()}-{threading.get_ident()}"
    older = tmp.with_name(tmp.name + "-older")
    for folder in (tmp, older):
        shutil.rmtree(folder, ignore_errors=True)
    tmp.mkdir()
    try:
        live = Previous(previous, map_table, load_array) if previous is not None and current_format(previous) else None
        _build(tables, tmp, schema(), live, kept or {})
        if target.exists() and not current_format(target):
            os.replace(target, older)  # an older format's index, its tables read already
        os.replace(tmp, target)
    except OSError:
        if not current_format(target):  # not just another process that built it first
            raise
    finally:
        for folder in (tmp, older):
            shutil.rmtree(folder, ignore_errors=True)
    return target


def current_format(folder: Path) -> bool:
    """Whether ``folder`` holds an index of this format."""
    meta = folder / "meta.json"
    return meta.exists() and json.loads(meta.read_text(encoding="utf-8")).get("format") == FORMAT


def table_files(version: Path) -> dict[str, Path]:
    """Where each table of ``version`` is kept: its index's Arrow file; for a version written
    before tables were kept once, its Parquet file unless its index is of this format (the
    Arrow copy of the same table, read without decoding)."""
    parquet = {p.stem: p for p in sorted((Path(version) / "tables").glob("*.parquet"))}
    if parquet and not current_format(Path(version) / INDEX):
        return parquet
    return {p.stem: p for p in sorted((Path(version) / INDEX / "tables").glob("*.arrow"))} or parquet


def read_table(path: Path) -> pa.Table:
    """A table file of :func:`table_files` (Arrow: memory-mapped)."""
    return map_table(path) if path.suffix == ".arrow" else pq.read_table(path)


def ensure_index(version: Path) -> Path:
    """The index folder of ``version``, built first for a version written before indexes were
    kept or with an older format (into the version folder, or a temporary one where the
    workspace is read-only). An index that holds the version's only copy of its tables is
    replaced only once the new one, built from those tables, is in place."""
    folder = Path(version) / INDEX
    if current_format(folder):
        return folder
    tables = {name: read_table(path) for name, path in table_files(version).items()}
    try:
        return write_index(version, tables)
    except PermissionError:
        return write_index(Path(tempfile.mkdtemp(prefix="bidgraph-index-")), tables)
