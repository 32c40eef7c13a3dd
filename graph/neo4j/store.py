"""The Neo4j store: the query API (``bidgraph.graph.api.GraphStore``) over a shared Neo4j
database, through the official driver. Each concern is a module beside this one: the query
runner (connection), loading (write), reading (read, snapshot), findings and search.

Selected by ``BIDGRAPH_NEO4J_URI`` (+ ``BIDGRAPH_NEO4J_USER``, ``BIDGRAPH_NEO4J_PASSWORD``,
``BIDGRAPH_NEO4J_DATABASE``). Tests: tests/test_store_neo4j.py, run when the URI is set;
what a load or an append writes (graph/neo4j/delta.py) is tested without a server.
"""

from __future__ import annotations

from pathlib import Path

from bidgraph.graph.neo4j import append as appending
from bidgraph.graph.neo4j import batches as stored_batches
from bidgraph.graph.neo4j import findings as stored_findings
from bidgraph.graph.neo4j import read, search, snapshot, write
from bidgraph.graph.neo4j.connection import Connection
from bidgraph.graph.schema import schema
from bidgraph.graph.snapshot import Snapshot

__all__ = ["Neo4jStore"]


class Neo4jStore:
    kind = "neo4j"

    def __init__(self, driver, database: str | None = None):
        self.connection = Connection(driver, database)
        self.schema = schema()
        self._snapshot: Snapshot | None = None

    @classmethod
    def from_env(cls, workspace: Path | None = None) -> Neo4jStore:
        """The store at ``BIDGRAPH_NEO4J_URI`` (the workspace is not used: the graph is in Neo4j)."""
        conn = Connection.from_env()
        return cls(conn.driver, conn.database)

    def close(self) -> None:
        self.connection.close()

    def load(self, bundle) -> dict:
        return write.load(self.connection, self.schema, bundle)

    def append(self, bundle, delete_missing: tuple[str, ...] = (), resolve=None) -> dict:
        """Add a validated export to the live graph (graph/neo4j/append.py), in one transaction."""
        live = self.snapshot().tables if self.live_tables() else {}
        return appending.append(self.connection, self.schema, bundle, live, delete_missing, resolve)

    def history(self, uid: str) -> list[dict]:
        return appending.history(self.connection, self.schema, uid)

    def info(self) -> dict:
        return read.info(self.connection, self.schema)

    def node(self, uid: str) -> dict:
        return read.node(self.connection, self.schema, uid)

    def expand(self, uid: str, types: list[str] | None = None, limit: int = 50, offset: int = 0) -> dict:
        return read.expand(self.connection, self.schema, uid, types, limit, offset)

    def paths(self, a: str, b: str, max_hops: int = 4, limit: int = 10, types: list[str] | None = None) -> dict:
        return read.paths(self.connection, self.schema, a, b, max_hops, limit, types)

    def subgraph(self, uids: list[str]) -> dict:
        return read.subgraph(self.connection, self.schema, uids)

    def search(self, text: str, limit: int = 20) -> list[dict]:
        return search.search(self.connection, self.schema, text, limit)

    def snapshot(self) -> Snapshot:
        # Reading every table back is the slow part of an append (the command reads it once for
        # the loader's context, the store again to merge): kept while the same version is live.
        live = write.live_load(self.connection, self.schema)
        if self._snapshot is None or live is None or self._snapshot.version != live["version"]:
            self._snapshot = snapshot.snapshot(self.connection, self.schema)
        return self._snapshot

    def save_findings(self, findings: list[dict], computed_on: str | None = None) -> None:
        stored_findings.save_findings(self.connection, self.schema, findings, computed_on)

    def live_tables(self) -> dict[str, int]:
        live = write.live_load(self.connection, self.schema)
        return {} if live is None else live["tables"]

    def findings(self) -> list[dict]:
        return stored_findings.findings(self.connection, self.schema)

    def save_batch(self, batch: dict, findings: list[dict] | None = None) -> None:
        stored_batches.save_batch(self.connection, batch)  # the findings are already nodes

    def batches(self) -> list[dict]:
        return stored_batches.batches(self.connection)

    def last_batch(self) -> dict | None:
        return stored_batches.last_batch(self.connection)

    def last_batch_findings(self) -> list[dict]:
        return self.findings()

    def last_batch_ledger(self) -> list[dict]:
        return self.findings()
