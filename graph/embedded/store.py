"""The embedded store: the default for one machine. A workspace folder of versioned Parquet
tables (graph/embedded/versions.py) and, once opened, an in-memory index (graph/embedded/index.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bidgraph.errors import NotFound
from bidgraph.graph.embedded.index import GraphIndex
from bidgraph.graph.embedded.lock import load_lock
from bidgraph.graph.embedded.search import search_index
from bidgraph.graph.embedded.versions import Workspace
from bidgraph.graph.snapshot import Snapshot

__all__ = ["EmbeddedStore"]


class EmbeddedStore:
    kind = "embedded"

    def __init__(self, workspace: Path):
        self.workspace = Workspace(workspace)
        self._index: GraphIndex | None = None
        self._index_version: Path | None = None

    # -- loading -------------------------------------------------------------------------------
    def load(self, bundle) -> dict:
        manifest = {
            "source": str(bundle.source),
            "counts": bundle.counts,
            "tables": {name: len(frame) for name, frame in bundle.tables.items()},
        }
        with load_lock(self.workspace.root):
            folder = self.workspace.write_version(bundle.tables, manifest)
        if folder is None:
            return {"version": self.workspace.require_current().name, "unchanged": True}
        return {"version": folder.name, "unchanged": False}

    # -- the live graph ------------------------------------------------------------------------
    @property
    def index(self) -> GraphIndex:
        current = self.workspace.require_current()
        if self._index is None or self._index_version != current:
            self._index = GraphIndex(self.workspace.read_tables(current))
            self._index_version = current
        return self._index

    def info(self) -> dict:
        idx = self.index
        manifest = self.workspace.manifest()
        nodes = {label: len(frame.keys) for label, frame in idx.frames.items()}
        rels = {t: int(c) for t, c in zip(idx.types, np.bincount(idx.etype, minlength=len(idx.types)))}
        quarantine = {t: c.get("quarantined", 0) for t, c in manifest.get("counts", {}).items()}
        return {
            "nodes": nodes,
            "relationships": rels,
            "quarantine": quarantine,
            "store": self.kind,
            "workspace": str(self.workspace.root),
            "version": manifest["version"],
            "tables": manifest.get("tables", {}),
        }

    def node(self, uid: str) -> dict:
        return self.index.node(self.index.vertex(uid), with_degree=True)

    def expand(self, uid: str, types: list[str] | None = None, limit: int = 50, offset: int = 0) -> dict:
        if limit < 1 or offset < 0:
            raise ValueError("limit must be positive and offset non-negative")
        return self.index.expand(self.index.vertex(uid), types, limit, offset)

    def paths(self, a: str, b: str, max_hops: int = 4, limit: int = 10, types: list[str] | None = None) -> dict:
        idx = self.index
        va, vb = idx.vertex(a), idx.vertex(b)
        found = idx.shortest_paths(va, vb, max_hops, limit, types)
        paths: list[dict] = []
        seen: dict[int, dict] = {}
        for vs in found:
            edges = [self._edge_between(u, w, types) for u, w in zip(vs, vs[1:])]
            for v in vs:
                seen.setdefault(v, idx.node(v))
            paths.append({"nodes": [idx.uid(v) for v in vs], "edges": edges})
        return {"paths": paths, "nodes": list(seen.values()), "max_hops": max_hops}

    def _edge_between(self, u: int, w: int, types: list[str] | None) -> dict:
        edges, others = self.index.incident(u, types)
        hit = edges[others == w]
        if len(hit) == 0:
            raise NotFound(f"no relationship between {self.index.uid(u)} and {self.index.uid(w)}")
        return self.index.edge(int(hit.min()))

    def subgraph(self, uids: list[str]) -> dict:
        idx = self.index
        vs = [idx.vertex(u) for u in uids]
        return {"nodes": idx.nodes(list(dict.fromkeys(vs))), "edges": idx.edges(idx.edges_between(vs))}

    def search(self, text: str, limit: int = 20) -> list[dict]:
        return search_index(self.index, text, limit)

    def snapshot(self) -> Snapshot:
        # Detectors need the tables, not the traversal index: do not build it just for them.
        current = self.workspace.require_current()
        if self._index is not None and self._index_version == current:
            return Snapshot(dict(self._index.tables), version=current.name)
        return Snapshot(self.workspace.read_tables(current), version=current.name)

    def live_tables(self) -> dict[str, int]:
        return self.workspace.manifest().get("tables", {}) if self.workspace.current else {}

    # -- findings ------------------------------------------------------------------------------
    def save_findings(self, findings: list[dict], computed_on: str | None = None) -> Path:
        return self.workspace.write_findings(findings, computed_on)

    def findings(self) -> list[dict]:
        return self.workspace.read_findings()
