"""The one query runner of the Neo4j store: every value travels as a ``$parameter``.

The only text put into Cypher anywhere in graph/neo4j/ is labels, relationship types and
property keys from the schema (checked to be plain identifiers when it is read) and integer
bounds the caller has converted with ``int``.
"""

from __future__ import annotations

import os

from bidgraph.errors import StoreError

__all__ = ["Connection", "BATCH"]

BATCH = 5000  # rows per UNWIND: big enough to amortise a round trip, small enough for one transaction


class Connection:
    """A driver and the database its queries go to (None: the server's default)."""

    def __init__(self, driver, database: str | None = None):
        self.driver = driver
        self.database = database

    @classmethod
    def from_env(cls) -> Connection:
        """Connect to ``BIDGRAPH_NEO4J_URI`` as ``BIDGRAPH_NEO4J_USER`` (default neo4j) with
        ``BIDGRAPH_NEO4J_PASSWORD``, on ``BIDGRAPH_NEO4J_DATABASE`` if set."""
        import neo4j

        uri = os.environ["BIDGRAPH_NEO4J_URI"]
        auth = (os.environ.get("BIDGRAPH_NEO4J_USER", "neo4j"), os.environ.get("BIDGRAPH_NEO4J_PASSWORD", ""))
        try:
            driver = neo4j.GraphDatabase.driver(uri, auth=auth)
            driver.verify_connectivity()
        except Exception as exc:  # the driver raises many kinds; the user needs one line
            raise StoreError(f"cannot reach Neo4j at {uri}: {exc}") from None
        return cls(driver, os.environ.get("BIDGRAPH_NEO4J_DATABASE") or None)

    def run(self, query: str, **params) -> list[dict]:
        """Run one query with its parameters; the records as dicts."""
        try:
            records, _, _ = self.driver.execute_query(query, params, database_=self.database)
        except Exception as exc:
            raise StoreError(f"Neo4j query failed: {exc}") from None
        return [r.data() for r in records]

    def run_batched(self, query: str, rows: list[dict], **params) -> None:
        """Run an ``UNWIND $rows`` query over ``rows`` in batches of ``BATCH`` (with ``params``)."""
        for i in range(0, len(rows), BATCH):
            self.run(query, rows=rows[i : i + BATCH], **params)

    def run_in_transaction(self, statements: list[tuple[str, dict]]) -> None:
        """Run ``(query, params)`` statements in one write transaction: all of them or none
        (an ``UNWIND $rows`` statement's rows are sent in batches of ``BATCH``, still inside it)."""

        def work(tx) -> None:
            for query, params in statements:
                rows = params.get("rows")
                if rows is None:
                    tx.run(query, params).consume()
                    continue
                for i in range(0, len(rows), BATCH):
                    tx.run(query, {**params, "rows": rows[i : i + BATCH]}).consume()

        try:
            with self.driver.session(database=self.database) as session:
                session.execute_write(work)
        except Exception as exc:
            raise StoreError(f"Neo4j transaction failed, nothing of it was written: {exc}") from None

    def close(self) -> None:
        self.driver.close()
