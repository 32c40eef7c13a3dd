"""The embedded store's graph index: every node numbered, adjacency in CSR arrays, built when a
version is written and memory-mapped when it is opened (graph/embedded/persist.py).

It answers the query API's traversals: neighbours of a node by relationship type with paging, shortest paths up to
N hops (bidirectional breadth-first search that expands the smaller side first), and the
relationships among a set of nodes.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from bidgraph.errors import NotFound
from bidgraph.graph.build import split_uid
from bidgraph.graph.embedded.persist import load_array, map_table, take_rows
from bidgraph.graph.embedded.reuse import one_chunk
from bidgraph.graph.embedded.textindex import TextIndex, first_at_least, search_column
from bidgraph.graph.schema import schema

__all__ = ["GraphIndex", "HUB_DEGREE"]

HUB_DEGREE = 1000  # path search does not expand nodes with more relationships than this


def _clean(value):
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


class GraphIndex:
    """The index of one version, opened from its folder (graph/embedded/persist.py): arrays
    and tables are memory-mapped, so opening reads a few kilobytes and a query only the pages
    it touches. ``tables`` gives the version's tables as pandas, each read when first asked for."""

    def __init__(self, folder: Path, tables: Mapping[str, pd.DataFrame]):
        sch = schema()
        self.folder = Path(folder)
        self.tables = tables
        meta = json.loads((self.folder / "meta.json").read_text(encoding="utf-8"))
        self.labels = [entry["label"] for entry in meta["labels"]]
        self.sizes = {entry["label"]: entry["size"] for entry in meta["labels"]}
        self.offsets = {entry["label"]: entry["offset"] for entry in meta["labels"]}
        self._starts = np.array([self.offsets[label] for label in self.labels], dtype=np.int64)
        self._sorted = {entry["label"] for entry in meta["labels"] if entry["sorted"]}
        self.n = int(sum(self.sizes.values()))
        self.types = sch.relationship_types
        self.relationship_counts: dict[str, int] = meta["relationships"]
        self.sources = [sch.relationships[i] for i in meta["sources"]]
        array = lambda name: load_array(self.folder / f"{name}.npy")  # noqa: E731
        self.src, self.dst, self.etype, self.espec, self.erow = (
            array(n) for n in ("src", "dst", "etype", "espec", "erow")
        )
        self.indptr, self.inc_edge, self.inc_other = array("indptr"), array("inc_edge"), array("inc_other")
        self._roles = {role: load_array(self.folder / f"role_{role}.npy") for role in meta["roles"]}
        self._keys: dict[str, pa.Table] = {}
        self._order: dict[str, np.ndarray] = {}
        self._arrow: dict[str, pa.Table | None] = {}
        self._text: dict[tuple[str, str], pa.Array | None] = {}
        self.text = TextIndex(self.folder / "text", load_array, map_table)

    def keys(self, label: str) -> pa.Array:
        """The keys of ``label``'s nodes, in vertex order (memory-mapped)."""
        return one_chunk(self._key_table(label).column("key"))

    def _key_table(self, label: str) -> pa.Table:
        if label not in self._keys:
            self._keys[label] = map_table(self.folder / "keys" / f"{label}.arrow")
        return self._keys[label]

    def position(self, label: str, key: str) -> int | None:
        """Where ``key`` is among ``label``'s keys (binary search of the sorted keys), or None."""
        if label not in self.sizes:
            return None
        keys = self.keys(label)
        if label in self._sorted:
            order = None
        elif label not in self._order:
            order = self._order[label] = load_array(self.folder / "order" / f"{label}.npy")
        else:
            order = self._order[label]
        at = lambda i: keys[int(i if order is None else order[i])].as_py()  # noqa: E731
        lo = first_at_least(len(keys), at, key)
        if lo < len(keys) and at(lo) == key:
            return int(lo if order is None else order[lo])
        return None

    # -- ids -----------------------------------------------------------------------------------
    def vertex(self, uid: str) -> int:
        try:
            label, key = split_uid(uid)
        except ValueError:
            raise NotFound(f"no node {uid!r} (ids look like Organization:ORG0001)") from None
        pos = self.position(label, key)
        if pos is None:
            raise NotFound(f"no node {uid!r}")
        return self.offsets[label] + pos

    def has(self, uid: str) -> bool:
        try:
            self.vertex(uid)
            return True
        except NotFound:
            return False

    def label_of(self, v: int) -> str:
        return self.labels[int(np.searchsorted(self._starts, v, side="right")) - 1]

    def label_key(self, v: int) -> tuple[str, str]:
        label = self.label_of(v)
        return label, str(self.keys(label)[int(v) - self.offsets[label]].as_py())

    def uid(self, v: int) -> str:
        label, key = self.label_key(v)
        return f"{label}:{key}"

    def role_labels(self, v: int) -> list[str]:
        out = []
        for role, members in self._roles.items():
            i = int(np.searchsorted(members, v))
            if i < len(members) and members[i] == v:
                out.append(role)
        return out

    # -- nodes and edges as the API returns them -----------------------------------------------
    # Rows are fetched in one Arrow ``take`` per table, never row by row through pandas: a
    # page of 50 neighbours costs a few vectorised look-ups (about a millisecond each).
    def _rows(self, table: str, positions, columns: list[str] | None = None) -> list[dict]:
        at = self.arrow(table)
        if at is None:
            raise NotFound(f"table {table} is not in this graph version")
        if columns is not None:
            at = at.select([c for c in columns if c in at.column_names])
        return take_rows(at, positions).to_pylist()

    def arrow(self, table: str) -> pa.Table | None:
        """A table of the version as Arrow (memory-mapped; a chunk per segment of its file), None if absent."""
        if table not in self._arrow:
            path = self.folder / "tables" / f"{table}.arrow"
            self._arrow[table] = map_table(path) if path.exists() else None
        return self._arrow[table]

    def text_column(self, label: str, column: str) -> pa.Array | None:
        """A column of an entity label's rows as an Arrow string array ('' for missing),
        built once, for fast substring and equality scans."""
        if (label, column) not in self._text:
            node = schema().nodes.get(label)
            table = None if node is None else node.entity_table
            self._text[(label, column)] = search_column(None if table is None else self.arrow(table), column)
        return self._text[(label, column)]

    def nodes(self, vs: list[int], with_degree: bool = False) -> list[dict]:
        vs = [int(v) for v in vs]
        rows: dict[int, dict] = {}
        by_label: dict[str, list[int]] = {}
        for v in vs:
            by_label.setdefault(self.label_of(v), []).append(v)
        for label, members in by_label.items():
            table = schema().nodes[label].entity_table
            if table is not None:
                rows.update(zip(members, self._rows(table, [v - self.offsets[label] for v in members])))
        return [self._node(v, rows.get(v), with_degree) for v in vs]

    def node(self, v: int, with_degree: bool = False) -> dict:
        return self.nodes([v], with_degree)[0]

    def _node(self, v: int, row: dict | None, with_degree: bool) -> dict:
        label, key = self.label_key(v)
        node = schema().nodes[label]
        source = None
        if row is not None:
            props = {k: c for k, val in row.items() if not k.startswith("_") and (c := _clean(val)) is not None}
            source = {
                "table": node.entity_table,
                "file": _clean(row.get("_file")),
                "row": _clean(row.get("_row")),
            }
        else:
            kinds = one_chunk(self._key_table(label).column("kind"))
            props = {node.key: key, "kind": kinds[int(v) - self.offsets[label]].as_py()}
        out = {
            "id": f"{label}:{key}",
            "label": label,
            "labels": [label] + self.role_labels(v),
            "key": key,
            "caption": str(props.get("name") or key),
            "properties": props,
            "source": source,
        }
        if with_degree:
            types = self.etype[self.inc_edge[self.indptr[v] : self.indptr[v + 1]]]
            out["degree"] = {self.types[t]: int(c) for t, c in sorted(Counter(types.tolist()).items())}
        return out

    def edges(self, es) -> list[dict]:
        es = [int(e) for e in es]
        rows: dict[int, dict] = {}
        by_spec: dict[int, list[int]] = {}
        for e in es:
            by_spec.setdefault(int(self.espec[e]), []).append(e)
        for spec, members in by_spec.items():
            rel = self.sources[spec]
            rows.update(zip(members, self._rows(rel.table, self.erow[members], [*rel.properties, "_file", "_row"])))
        out = []
        for e in es:
            rel, row = self.sources[self.espec[e]], rows[e]
            props = {p: c for p in rel.properties if (c := _clean(row.get(p))) is not None}
            out.append(
                {
                    "id": f"e{e}",
                    "source": self.uid(int(self.src[e])),
                    "target": self.uid(int(self.dst[e])),
                    "type": rel.type,
                    "properties": props,
                    "provenance": {
                        "table": rel.table,
                        "file": _clean(row.get("_file")),
                        "row": _clean(row.get("_row")),
                    },
                }
            )
        return out

    def edge(self, e: int) -> dict:
        return self.edges([e])[0]

    # -- traversal -----------------------------------------------------------------------------
    def incident(self, v: int, types: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Edges touching v and their other ends, optionally only of some relationship types."""
        lo, hi = self.indptr[v], self.indptr[v + 1]
        edges, others = self.inc_edge[lo:hi], self.inc_other[lo:hi]
        if types:
            wanted = [self.types.index(t) for t in types if t in self.types]
            keep = np.isin(self.etype[edges], wanted)
            edges, others = edges[keep], others[keep]
        return edges, others

    def expand(self, v: int, types: list[str] | None, limit: int, offset: int) -> dict:
        edges, others = self.incident(v, types)
        # Stable order for paging: by relationship type, then the neighbour's id number.
        order = np.lexsort((others, self.etype[edges]))
        edges, others = edges[order], others[order]
        total = len(edges)
        page_e, page_v = edges[offset : offset + limit], others[offset : offset + limit]
        counts = Counter(self.etype[edges].tolist())
        return {
            "center": self.uid(v),
            "total": int(total),
            "offset": offset,
            "limit": limit,
            "by_type": {self.types[t]: int(c) for t, c in sorted(counts.items())},
            "nodes": self.nodes(list(dict.fromkeys(page_v.tolist()))),
            "edges": self.edges(page_e),
        }

    def _neighbours(self, frontier: np.ndarray, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """All (vertex, neighbour) pairs out of a frontier, vectorised."""
        starts, ends = self.indptr[frontier], self.indptr[frontier + 1]
        lengths = ends - starts
        if lengths.sum() == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        idx = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths) + np.arange(lengths.sum())
        parent = np.repeat(frontier, lengths)
        child = self.inc_other[idx]
        if allowed is not None:
            keep = allowed[self.etype[self.inc_edge[idx]]]
            parent, child = parent[keep], child[keep]
        return parent, child

    def shortest_paths(self, a: int, b: int, max_hops: int, limit: int, types: list[str] | None) -> list[list[int]]:
        """Up to ``limit`` shortest paths (as vertex lists) of at most ``max_hops`` edges.

        Paths do not pass *through* hubs (more than ``HUB_DEGREE`` relationships: a public
        terminal, a carrier NAT address, the largest tenderers): two firms linked only by
        such a node are not linked in any sense an investigator can use, and expanding it
        would cost the search most of its time. A hub can still be where a path starts or ends.
        """
        if a == b:
            return [[a]]
        allowed = None
        if types:
            allowed = np.zeros(len(self.types), dtype=bool)
            allowed[[self.types.index(t) for t in types if t in self.types]] = True
        # parents[side][v] = set of predecessors of v on that side's BFS tree
        parents: list[dict[int, set[int]]] = [{a: set()}, {b: set()}]
        frontiers = [np.array([a]), np.array([b])]
        depth = [0, 0]
        meet: set[int] = set()
        while depth[0] + depth[1] < max_hops and not meet:
            side = 0 if self._work(frontiers[0]) <= self._work(frontiers[1]) else 1
            if len(frontiers[side]) == 0:
                break
            parent, child = self._neighbours(frontiers[side], allowed)
            seen = parents[side]
            fresh = ~np.isin(child, np.fromiter(seen.keys(), dtype=np.int64, count=len(seen)))
            parent, child = parent[fresh], child[fresh]
            for p, c in zip(parent.tolist(), child.tolist()):
                seen.setdefault(c, set()).add(p)
            reached = np.unique(child)
            depth[side] += 1
            meet = set(reached.tolist()) & parents[1 - side].keys()
            frontiers[side] = reached[self.indptr[reached + 1] - self.indptr[reached] <= HUB_DEGREE]
        paths: list[list[int]] = []
        for m in sorted(meet):
            for left in self._walk(parents[0], m, limit):
                for right in self._walk(parents[1], m, limit):
                    paths.append(left[::-1] + right[1:])
                    if len(paths) >= limit:
                        return paths
        return paths

    def _work(self, frontier: np.ndarray) -> int:
        return int((self.indptr[frontier + 1] - self.indptr[frontier]).sum())

    @staticmethod
    def _walk(parents: dict, v: int, limit: int) -> list[list[int]]:
        """Paths from v back to its BFS root, at most ``limit`` of them."""
        if not parents[v]:
            return [[v]]
        out = []
        for p in sorted(parents[v]):
            for tail in GraphIndex._walk(parents, p, limit):
                out.append([v] + tail)
                if len(out) >= limit:
                    return out
        return out

    def edges_between(self, vs: list[int]) -> list[int]:
        """Every relationship whose two ends are both in ``vs``."""
        members = np.asarray(sorted(set(vs)), dtype=np.int64)
        out = set()
        for v in members:
            edges, others = self.incident(int(v))
            out.update(edges[np.isin(others, members)].tolist())
        return sorted(out)
