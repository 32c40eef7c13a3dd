"""The embedded store's in-memory graph: every node numbered, adjacency in CSR arrays.

Built from bundle tables in a few vectorised passes (no per-row Python), it answers the query
API's traversals: neighbours of a node by relationship type with paging, shortest paths up to
N hops (bidirectional breadth-first search that expands the smaller side first), and the
relationships among a set of nodes.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from bidgraph.errors import NotFound
from bidgraph.graph.build import EdgeFrame, NodeFrame, edge_frames, node_frames, split_uid
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
    def __init__(self, tables: dict[str, pd.DataFrame]):
        sch = schema()
        self.tables = tables
        self.frames: dict[str, NodeFrame] = node_frames(tables, sch)
        self.labels = list(self.frames)
        sizes = [len(self.frames[l].keys) for l in self.labels]
        self.offsets = dict(zip(self.labels, np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)))
        self.n = int(sum(sizes))
        self.label_of = np.repeat(np.arange(len(self.labels), dtype=np.int16), sizes)
        self.types = sch.relationship_types
        self.edge_sources: list[EdgeFrame] = edge_frames(tables, sch)
        self._build_edges()
        self._role_labels = self._compute_role_labels()
        self._arrow: dict[str, pa.Table] = {}
        self._text: dict[tuple[str, str], pa.Array] = {}

    # -- construction --------------------------------------------------------------------------
    def _vertex_ids(self, label: str, keys: pa.Array, key_arrays: dict) -> np.ndarray:
        """Vertex numbers of endpoint keys, by Arrow's hash look-up (no Python objects)."""
        if label not in key_arrays:
            key_arrays[label] = pa.array(self.frames[label].keys.to_numpy(), type=keys.type)
        pos = pc.fill_null(pc.index_in(keys, value_set=key_arrays[label]), -1).to_numpy(zero_copy_only=False)
        if (pos < 0).any():  # a reference the loader let through would be a bug: fail loudly
            missing = keys.filter(pa.array(pos < 0)).to_pylist()[:3]
            raise NotFound(f"relationship endpoint(s) {missing} have no {label} node")
        return pos.astype(np.int64) + self.offsets[label]

    def _build_edges(self) -> None:
        src, dst, typ, spec, row = [], [], [], [], []
        key_arrays: dict[str, pa.Array] = {}
        for i, ef in enumerate(self.edge_sources):
            src.append(self._vertex_ids(ef.rel.start.label, ef.start, key_arrays))
            dst.append(self._vertex_ids(ef.rel.end.label, ef.end, key_arrays))
            typ.append(np.full(len(ef.row), self.types.index(ef.rel.type), dtype=np.int16))
            spec.append(np.full(len(ef.row), i, dtype=np.int16))
            row.append(ef.row.astype(np.int64))
        cat = lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.empty(0, dt)  # noqa: E731
        self.src, self.dst = cat(src, np.int64), cat(dst, np.int64)
        self.etype, self.espec, self.erow = cat(typ, np.int16), cat(spec, np.int16), cat(row, np.int64)
        m = len(self.src)
        # Undirected incidence in CSR form: for vertex v, inc_edge[indptr[v]:indptr[v+1]] are
        # the edges touching v and inc_other the vertex at their other end.
        ends = np.concatenate([self.src, self.dst])
        others = np.concatenate([self.dst, self.src])
        edge_ids = np.concatenate([np.arange(m), np.arange(m)])
        order = np.argsort(ends, kind="stable")
        self.inc_edge = edge_ids[order]
        self.inc_other = others[order]
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(ends, minlength=self.n))]).astype(np.int64)

    def _compute_role_labels(self) -> dict[int, list[str]]:
        org = self.frames.get("Organization")
        if org is None:
            return {}
        roles: dict[int, list[str]] = {}
        for role, rel_type in org.node.role_labels.items():
            t = self.types.index(rel_type)
            for v in np.unique(self.src[self.etype == t]):
                roles.setdefault(int(v), []).append(role)
        return roles

    # -- ids -----------------------------------------------------------------------------------
    def vertex(self, uid: str) -> int:
        try:
            label, key = split_uid(uid)
        except ValueError:
            raise NotFound(f"no node {uid!r} (ids look like Organization:ORG0001)") from None
        frame = self.frames.get(label)
        try:
            if frame is None:
                raise KeyError(label)
            pos = frame.keys.get_loc(key)
        except KeyError:
            raise NotFound(f"no node {uid!r}") from None
        return int(self.offsets[label] + pos)

    def has(self, uid: str) -> bool:
        try:
            self.vertex(uid)
            return True
        except NotFound:
            return False

    def label_key(self, v: int) -> tuple[str, str]:
        label = self.labels[self.label_of[v]]
        return label, str(self.frames[label].keys[v - self.offsets[label]])

    def uid(self, v: int) -> str:
        label, key = self.label_key(v)
        return f"{label}:{key}"

    # -- nodes and edges as the API returns them -----------------------------------------------
    # Rows are fetched in one Arrow ``take`` per table, never row by row through pandas: a
    # page of 50 neighbours costs a few vectorised look-ups (about a millisecond each).
    def _rows(self, table: str, positions, columns: list[str] | None = None) -> list[dict]:
        if table not in self._arrow:  # one chunk per column: take() on many chunks is slow
            self._arrow[table] = pa.Table.from_pandas(self.tables[table], preserve_index=False).combine_chunks()
        at = self._arrow[table]
        if columns is not None:
            at = at.select([c for c in columns if c in at.column_names])
        return at.take(pa.array(np.asarray(positions, dtype=np.int64))).to_pylist()

    def text_column(self, label: str, column: str) -> pa.Array | None:
        """A column of an entity label's rows as an Arrow string array ('' for missing),
        built once, for fast substring and equality scans."""
        if (label, column) not in self._text:
            frame = self.frames.get(label)
            if frame is None or frame.rows is None or column not in frame.rows:
                self._text[(label, column)] = None
            else:
                values = pa.array(frame.rows[column], from_pandas=True)  # zero-copy for Arrow-backed text
                if not pa.types.is_large_string(values.type):
                    values = values.cast(pa.large_string())
                self._text[(label, column)] = pc.fill_null(values, "")
        return self._text[(label, column)]

    def nodes(self, vs: list[int], with_degree: bool = False) -> list[dict]:
        vs = [int(v) for v in vs]
        rows: dict[int, dict] = {}
        by_label: dict[str, list[int]] = {}
        for v in vs:
            by_label.setdefault(self.labels[self.label_of[v]], []).append(v)
        for label, members in by_label.items():
            table = self.frames[label].node.entity_table
            if table is not None:
                rows.update(zip(members, self._rows(table, [v - self.offsets[label] for v in members])))
        return [self._node(v, rows.get(v), with_degree) for v in vs]

    def node(self, v: int, with_degree: bool = False) -> dict:
        return self.nodes([v], with_degree)[0]

    def _node(self, v: int, row: dict | None, with_degree: bool) -> dict:
        label, key = self.label_key(v)
        frame = self.frames[label]
        source = None
        if row is not None:
            props = {k: c for k, val in row.items() if not k.startswith("_") and (c := _clean(val)) is not None}
            source = {
                "table": frame.node.entity_table,
                "file": _clean(row.get("_file")),
                "row": _clean(row.get("_row")),
            }
        else:
            props = {frame.node.key: key, "kind": None if frame.kinds is None else frame.kinds.get(key)}
        out = {
            "id": f"{label}:{key}",
            "label": label,
            "labels": [label] + self._role_labels.get(v, []),
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
            ef = self.edge_sources[spec]
            rows.update(
                zip(members, self._rows(ef.rel.table, self.erow[members], [*ef.rel.properties, "_file", "_row"]))
            )
        out = []
        for e in es:
            ef, row = self.edge_sources[self.espec[e]], rows[e]
            props = {p: c for p in ef.rel.properties if (c := _clean(row.get(p))) is not None}
            out.append(
                {
                    "id": f"e{e}",
                    "source": self.uid(int(self.src[e])),
                    "target": self.uid(int(self.dst[e])),
                    "type": ef.rel.type,
                    "properties": props,
                    "provenance": {
                        "table": ef.rel.table,
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
