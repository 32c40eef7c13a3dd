"""Search's indexes, written with the graph index (graph/embedded/persist.py) and memory-mapped:
for each name field of the schema's ``[search]`` the names holding each character pair
(bigram postings), for each exact field the permutation that sorts its values. Search then
reads a few postings lists and binary-searches instead of scanning every name of a province
once per character pair of the query (graph/embedded/search.py).

Layout, in ``index/text/``: ``<Label>.<property>.grams.arrow`` (the distinct pairs, sorted),
``.indptr.npy`` and ``.rows.npy`` (the rows holding pair i: ``rows[indptr[i]:indptr[i+1]]``,
ascending) for a name field; ``<Label>.<property>.order.npy`` for an exact one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bidgraph.graph.embedded.extend import extended_order, extended_postings
from bidgraph.graph.embedded.reuse import link_or_copy, one_chunk

__all__ = ["write_text_indexes", "TextIndex", "search_column", "first_at_least"]

NAME_MATCHES = ("name", "fuzzy_name")


def search_column(table: pa.Table | None, column: str) -> pa.Array | None:
    """A column as search compares it: one large_string array, '' for missing."""
    if table is None or column not in table.column_names:
        return None
    values = one_chunk(table.column(column))
    if not pa.types.is_large_string(values.type):
        values = values.cast(pa.large_string())
    return pc.fill_null(values, "")


def _bigram_postings(values: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    lengths = pc.utf8_length(values).to_numpy(zero_copy_only=False)
    grams, owners = [], []
    for i in range(int(lengths.max(initial=0)) - 1):
        rows = np.flatnonzero(lengths >= i + 2)
        grams.append(pc.utf8_slice_codeunits(values.take(pa.array(rows)), i, i + 2))
        owners.append(rows)
    if not grams:
        return pa.array([], pa.large_string()), np.zeros(1, np.int64), np.empty(0, np.int32)
    encoded = pc.dictionary_encode(pa.concat_arrays(grams))
    order = pc.sort_indices(encoded.dictionary).to_numpy()
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    pairs = np.sort(rank[encoded.indices.to_numpy(zero_copy_only=False)] * len(values) + np.concatenate(owners))
    pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])]  # a pair twice in one name: once
    gram_of, rows = np.divmod(pairs, len(values))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(gram_of, minlength=len(order)))]).astype(np.int64)
    return encoded.dictionary.take(pa.array(order)), indptr, rows.astype(np.int32)


def write_text_indexes(tables: dict[str, pa.Table], folder: Path, sch, previous=None) -> None:
    """Write each search field's index; one whose column holds the live version's values
    (``previous``, graph/embedded/reuse.py) is linked from the live version's index, one whose
    column holds them followed by new rows is the live one extended (graph/embedded/extend.py)."""
    folder.mkdir()
    for field in sch.search_fields:
        node = sch.nodes.get(field.label)
        table_name = None if node is None else node.entity_table
        table = None if table_name is None else tables.get(table_name)
        values = search_column(table, field.property)
        if values is None:
            continue
        name = f"{field.label}.{field.property}"
        suffixes = ("grams.arrow", "indptr.npy", "rows.npy") if field.match in NAME_MATCHES else ("order.npy",)
        live = None if previous is None else previous.folder / "text"
        if live is not None and all((live / f"{name}.{suffix}").exists() for suffix in suffixes):
            if previous.same_column(table_name, table, field.property):
                for suffix in suffixes:
                    link_or_copy(live / f"{name}.{suffix}", folder / f"{name}.{suffix}")
                continue
            if not previous.prefix(table_name, table, [field.property]):
                live = None
        rows = 0 if live is None else previous.rows(table_name)
        if field.match in NAME_MATCHES:
            grams, indptr, postings = _bigram_postings(values.slice(rows))
            if live is not None:
                held_grams, held_indptr, held_rows = (previous.read(f"text/{name}.{suffix}") for suffix in suffixes)
                grams, indptr, postings = extended_postings(
                    held_grams, held_indptr, held_rows, (grams, indptr, postings), rows
                )
            with pa.OSFile(str(folder / f"{name}.grams.arrow"), "wb") as sink:
                with pa.ipc.new_file(sink, pa.schema([("gram", pa.large_string())])) as writer:
                    writer.write_table(pa.table({"gram": grams}))
            np.save(folder / f"{name}.indptr.npy", indptr)
            np.save(folder / f"{name}.rows.npy", postings)
        else:
            order = None if live is None else extended_order(values, rows, previous.read(f"text/{name}.order.npy"))
            if order is None:
                order = pc.sort_indices(values).to_numpy()
            np.save(folder / f"{name}.order.npy", order.astype(np.int32))


def first_at_least(n: int, at, key: str) -> int:
    """The first i in [0, n) with ``at(i) >= key`` (``at`` ascending), n if none."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if at(mid) < key:
            lo = mid + 1
        else:
            hi = mid
    return lo


class TextIndex:
    """The search indexes of one version (memory-mapped, each opened when first used)."""

    def __init__(self, folder: Path, load_array, map_table):
        self.folder = folder
        self._load, self._map = load_array, map_table
        self._open: dict[str, object] = {}

    def _get(self, name: str, suffix: str):
        path = self.folder / f"{name}.{suffix}"
        if path.name not in self._open:
            self._open[path.name] = (
                None if not path.exists() else self._map(path) if suffix.endswith("arrow") else self._load(path)
            )
        return self._open[path.name]

    def has_postings(self, label: str, prop: str) -> bool:
        return self._get(f"{label}.{prop}", "grams.arrow") is not None

    def postings(self, label: str, prop: str, gram: str) -> np.ndarray:
        """The rows (ascending) whose ``prop`` holds the two characters ``gram``."""
        name = f"{label}.{prop}"
        grams = self._get(name, "grams.arrow").column("gram")
        at = lambda i: grams[i].as_py()  # noqa: E731
        i = first_at_least(len(grams), at, gram)
        if i == len(grams) or at(i) != gram:
            return np.empty(0, np.int64)
        indptr = self._get(name, "indptr.npy")
        return np.asarray(self._get(name, "rows.npy")[indptr[i] : indptr[i + 1]], dtype=np.int64)

    def equal(self, label: str, prop: str, values: pa.Array, texts: list[str]) -> np.ndarray | None:
        """The rows (ascending) whose ``prop`` equals one of ``texts``; None without an index."""
        order = self._get(f"{label}.{prop}", "order.npy")
        if order is None:
            return None
        at = lambda i: values[int(order[i])].as_py()  # noqa: E731
        found: list[int] = []
        for text in texts:
            i = first_at_least(len(order), at, text)
            while i < len(order) and at(i) == text:
                found.append(int(order[i]))
                i += 1
        return np.array(sorted(set(found)), dtype=np.int64)
