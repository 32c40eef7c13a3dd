"""The embedded store: the default for one machine. A workspace folder of versioned tables
(graph/embedded/versions.py), each version with its graph index, built when it is written and
memory-mapped when opened, the tables kept once inside it as Arrow (graph/embedded/persist.py,
graph/embedded/index.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from bidgraph.errors import NotFound
from bidgraph.graph.embedded.append import history_frame, merge_tables
from bidgraph.graph.embedded.batches import BatchLog
from bidgraph.graph.embedded.index import GraphIndex
from bidgraph.graph.embedded.lock import load_lock
from bidgraph.graph.embedded.persist import ensure_index
from bidgraph.graph.embedded.search import search_index
from bidgraph.graph.embedded.versions import LazyTables, Workspace
from bidgraph.graph.schema import schema
from bidgraph.graph.snapshot import Snapshot

#: Entity resolution over merged tables (the loaders' ``resolve_entities``: the store may not import it).
Resolve = Callable[[dict[str, pd.DataFrame]], tuple[dict[str, pd.DataFrame], pd.DataFrame]]

__all__ = ["EmbeddedStore"]


class EmbeddedStore:
    kind = "embedded"

    def __init__(self, workspace: Path):
        self.workspace = Workspace(workspace)
        self._index: GraphIndex | None = None
        self._index_version: Path | None = None
        self._tables: tuple[Path, LazyTables] | None = None
        self._batches = BatchLog(self.workspace.root)

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

    def append(self, bundle, delete_missing: tuple[str, ...] = (), resolve: Resolve | None = None) -> dict:
        """Add a validated export to the live graph as the next version (graph/embedded/append.py).

        Returns ``{"version", "unchanged", "changes": {table: {added, updated, unchanged,
        deleted}}, "merges"}`` (``merges``: the entities ``resolve`` merged across old and new
        rows). The previous version stays live until the new one is written whole.
        """
        with load_lock(self.workspace.root):
            current = self.workspace.current
            live = dict(self._live(current)) if current is not None else {}
            earlier = self.workspace.read_history(current) if current is not None else None
            version = self.workspace.next_name()
            at = datetime.now(UTC).isoformat(timespec="seconds")
            deletions = getattr(bundle, "deletions", pd.DataFrame(columns=["table"]))
            merged = merge_tables(live, bundle.tables, deletions, tuple(delete_missing), version, at)
            tables, merges = resolve(merged.tables) if resolve is not None else (merged.tables, None)
            tables = {name: _text_as_strings(frame) for name, frame in tables.items()}
            loads = self.workspace.manifest().get("loads", []) if current is not None else []
            this = {"source": str(bundle.source), "counts": bundle.counts, "changes": merged.summary, "at": at}
            manifest = {
                "source": str(bundle.source),
                "counts": bundle.counts,
                "tables": {name: len(frame) for name, frame in tables.items()},
                "loads": [*loads, this],
            }
            history = pd.concat([h for h in (earlier, merged.history) if h is not None and len(h)] or [history_frame()])
            folder = self.workspace.write_version(tables, manifest, history.reset_index(drop=True))
        unchanged = folder is None
        return {
            "version": self.workspace.require_current().name,
            "unchanged": unchanged,
            "changes": merged.summary,
            "merges": merges,
        }

    # -- the live graph ------------------------------------------------------------------------
    @property
    def index(self) -> GraphIndex:
        current = self.workspace.require_current()
        if self._index is None or self._index_version != current:
            self._index = GraphIndex(ensure_index(current), self._live(current))
            self._index_version = current
        return self._index

    def _live(self, version: Path) -> LazyTables:
        """The tables of ``version``, each read once per store (an append reads the live graph
        for the export's references, then merges into it: one read, not two)."""
        if self._tables is None or self._tables[0] != version:
            self._tables = (version, LazyTables(version))
        return self._tables[1]

    def info(self) -> dict:
        idx = self.index
        manifest = self.workspace.manifest()
        nodes = dict(idx.sizes)
        rels = {t: idx.relationship_counts.get(t, 0) for t in idx.types}
        quarantine = {t: c.get("quarantined", 0) for t, c in manifest.get("counts", {}).items()}
        return {
            "nodes": nodes,
            "relationships": rels,
            "quarantine": quarantine,
            "store": self.kind,
            "workspace": str(self.workspace.root),
            "version": manifest["version"],
            "tables": manifest.get("tables", {}),
            "history": self._history_counts(),
            "loads": len(manifest.get("loads", [])) or 1,
        }

    def _history_counts(self) -> dict[str, int]:
        history = self.workspace.read_history()
        return {} if history is None else {str(t): int(n) for t, n in history.groupby("table").size().items()}

    def history(self, uid: str) -> list[dict]:
        """The earlier values of node ``uid`` (``Label:key``) that appends replaced or deleted,
        oldest first: ``{"table", "key", "action", "values", "file", "row", "by_file",
        "by_row", "version", "at"}`` (``values`` a dict). Empty for a node never replaced; a
        deleted node keeps its history."""
        label, _, key = uid.partition(":")
        node = schema().nodes.get(label)
        if node is None or not key:
            raise NotFound(f"no node {uid!r}")
        history = self.workspace.read_history()
        if history is None:
            return []
        tables = {source.table for source in node.sources}
        hits = history[history["table"].isin(tables) & history["key"].eq(key)]
        return [{**line, "values": json.loads(line["values"])} for line in _plain(hits)]

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
        return Snapshot(dict(self._live(current)), version=current.name)

    def live_tables(self) -> dict[str, int]:
        """Rows per table of the live graph ({} when nothing is loaded). A version written before
        manifests recorded their tables is counted from its tables."""
        if not self.workspace.current:
            return {}
        recorded = self.workspace.manifest().get("tables")
        return recorded if recorded is not None else {n: len(t) for n, t in self.snapshot().tables.items()}

    # -- findings ------------------------------------------------------------------------------
    def save_findings(self, findings: list[dict], computed_on: str | None = None) -> Path:
        return self.workspace.write_findings(findings, computed_on)

    def findings(self) -> list[dict]:
        return self.workspace.read_findings()

    # -- batches (graph/embedded/batches.py) ---------------------------------------------------
    def save_batch(self, batch: dict, findings: list[dict] | None = None) -> None:
        self._batches.save(batch, findings)

    def batches(self) -> list[dict]:
        return self._batches.records()

    def last_batch(self) -> dict | None:
        return self._batches.last()

    def last_batch_findings(self) -> list[dict]:
        stored = self._batches.last_findings()
        return self.workspace.read_findings() if stored is None else stored

    def last_batch_ledger(self) -> list[dict]:
        stored = self._batches.last_ledger()
        return self.workspace.read_findings() if stored is None else stored


def _text_as_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns (merge and concat leave some) as the string dtype a stored version reads back as."""
    text = [c for c in frame.columns if frame[c].dtype == object]
    return frame.astype({c: "str" for c in text}) if text else frame


def _plain(frame: pd.DataFrame) -> list[dict]:
    return [{k: (None if pd.isna(v) else v) for k, v in row.items()} for row in frame.to_dict("records")]
