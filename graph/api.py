"""The query API: the one interface above storage. Loaders write through it, detectors read
snapshots from it, the workbench and the CLI query it; none of them knows which store is behind.

Nodes are named ``Label:key`` (``Organization:ORG0042``, ``IP:10.1.2.3``). A node comes back as
``{"id", "label", "labels", "key", "caption", "properties", "source": {"table", "file", "row"}}``
and a relationship as ``{"id", "source", "target", "type", "properties", "provenance"}``.

``open_store()`` returns the Neo4j store when ``BIDGRAPH_NEO4J_URI`` is set, else the embedded
store of the workspace.

Findings belong to the graph version they were computed on: ``save_findings(found,
computed_on=snapshot.version)`` raises :class:`~bidgraph.errors.StoreError` and stores nothing
when another version has become live meanwhile (a load swapped it during the detectors' run).
``live_tables()`` gives the rows per table of the live graph (empty before the first load), so
that a load can tell how much of it a new bundle would replace.

Each detector batch leaves a record (``bidgraph.detectors.core.batches``: its summary and what
changed since the batch before): ``save_batch(record, findings)`` keeps it (a StoreError when a record with
its id exists), ``batches()`` gives them oldest first, ``last_batch()`` the latest alone (None before the
first), and ``last_batch_findings()`` the findings
the latest batch stored, whichever graph version they were computed on (before any batch: the
stored findings), so that a lead keeps its id and history across loads. ``last_batch_ledger()``
gives the same findings with at least their id, detector, score, severity, entities and history
(``first_seen``, ``last_seen``, ``scores``): what the next batch compares with, which a store may
keep apart (the embedded store's ledger: a sixth of a province's findings file).

An :class:`IncrementalStore` also has ``append(bundle, delete_missing, resolve)``, which adds an export to the live graph instead of
replacing it (rows updated in place keep their previous values as history; ``resolve`` is the
loaders' entity resolution, run over old and new rows together); ``history(uid)`` lists a
node's previous values, oldest first (see graph/embedded/append.py and docs/daily.md).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from bidgraph.graph.snapshot import Snapshot
from bidgraph.workspace import resolve_workspace

__all__ = ["GraphStore", "IncrementalStore", "open_store"]


class GraphStore(Protocol):
    kind: str

    def load(self, bundle) -> dict: ...
    def info(self) -> dict: ...
    def node(self, uid: str) -> dict: ...
    def expand(self, uid: str, types: list[str] | None = None, limit: int = 50, offset: int = 0) -> dict: ...
    def paths(self, a: str, b: str, max_hops: int = 4, limit: int = 10, types: list[str] | None = None) -> dict: ...
    def subgraph(self, uids: list[str]) -> dict: ...
    def search(self, text: str, limit: int = 20) -> list[dict]: ...
    def snapshot(self) -> Snapshot: ...
    def save_findings(self, findings: list[dict], computed_on: str | None = None): ...
    def live_tables(self) -> dict[str, int]: ...
    def findings(self) -> list[dict]: ...
    def save_batch(self, batch: dict, findings: list[dict] | None = None) -> None: ...
    def batches(self) -> list[dict]: ...
    def last_batch(self) -> dict | None: ...
    def last_batch_findings(self) -> list[dict]: ...
    def last_batch_ledger(self) -> list[dict]: ...


class IncrementalStore(GraphStore, Protocol):
    """A store that can append: both (graph/embedded/append.py, graph/neo4j/append.py; docs/daily.md)."""

    def append(self, bundle, delete_missing: tuple[str, ...] = (), resolve=None) -> dict: ...
    def history(self, uid: str) -> list[dict]: ...


def open_store(workspace: str | os.PathLike | None = None) -> GraphStore:
    if os.environ.get("BIDGRAPH_NEO4J_URI"):
        from bidgraph.graph.neo4j.store import Neo4jStore

        return Neo4jStore.from_env(Path(resolve_workspace(workspace)))
    from bidgraph.graph.embedded.store import EmbeddedStore

    return EmbeddedStore(resolve_workspace(workspace))
