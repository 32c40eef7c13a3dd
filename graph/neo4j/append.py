"""``load --append`` into Neo4j: the same merge as the embedded store's (graph/embedded/append.py:
updates with history, deletions, entity resolution over old and new rows), written as the
difference between the live graph and the merged tables (graph/neo4j/delta.py), in one write
transaction with its load marker, so that a failed or refused append leaves the graph as it was.

History is kept on the load markers (versioned nodes): each appended version's marker holds,
as JSON in ``history``, every line so far (the previous marker's and this append's), as a
version folder of the embedded store holds ``history.parquet``; ``loads`` lists the exports
appended into it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd

from bidgraph.errors import NotFound
from bidgraph.graph.embedded.append import merge_tables
from bidgraph.graph.neo4j.connection import Connection
from bidgraph.graph.neo4j.delta import plan
from bidgraph.graph.neo4j.write import content_hash, live_load, load_marker_queries
from bidgraph.graph.schema import Schema

__all__ = ["append", "history", "marker_history_query"]


def marker_history_query(sch: Schema) -> str:
    m = sch.store_nodes["BidgraphLoad"]
    return f"MATCH (l:{m.label} {{{m.key}: $h}}) RETURN l.history AS history, l.loads AS loads"


def _kept(conn: Connection, sch: Schema, live: dict | None) -> tuple[list[dict], list[dict]]:
    """The live marker's history lines and loads (none before the first append)."""
    if live is None:
        return [], []
    found = conn.run(marker_history_query(sch), h=live["content"])
    if not found:
        return [], []
    return json.loads(found[0]["history"] or "[]"), json.loads(found[0]["loads"] or "[]")


def append(conn: Connection, sch: Schema, bundle, live_tables: dict[str, pd.DataFrame], delete_missing, resolve):
    """Append ``bundle`` (a validated export) to the live graph whose tables are ``live_tables``.

    Returns ``{"version", "unchanged", "changes", "merges"}`` as the embedded store's ``append``.
    """
    live = live_load(conn, sch)  # a StoreError when a load is running or died half-way
    at = datetime.now(UTC).isoformat(timespec="seconds")
    deletions = getattr(bundle, "deletions", pd.DataFrame(columns=["table"]))
    merged = merge_tables(live_tables, bundle.tables, deletions, tuple(delete_missing), "", at)
    tables, merges = resolve(merged.tables) if resolve is not None else (merged.tables, None)
    if live is not None and not any(c["added"] or c["updated"] or c["deleted"] for c in merged.summary.values()):
        return {"version": live["version"], "unchanged": True, "changes": merged.summary, "merges": merges}
    digest = content_hash(tables)
    earlier, loads = _kept(conn, sch, live)
    lines = json.loads(merged.history.assign(version=digest[:12]).to_json(orient="records", force_ascii=False))
    this = {"source": str(bundle.source), "counts": bundle.counts, "changes": merged.summary, "at": at}
    _, start, finish, _ = load_marker_queries(sch)
    marker = {
        "counts": json.dumps(bundle.counts),
        "tables": json.dumps({name: len(frame) for name, frame in tables.items()}),
        "source": str(bundle.source),
        "history": json.dumps(earlier + lines, ensure_ascii=False),
        "loads": json.dumps([*loads, this], ensure_ascii=False, default=str),
    }
    statements: list[tuple[str, dict]] = [(start, {"h": digest, "at": at})]
    statements += [(step.query, {**(step.params or {}), "rows": step.rows}) for step in plan(sch, live_tables, tables)]
    statements.append((finish, {"h": digest, "at": datetime.now(UTC).isoformat(), "props": marker}))
    conn.run_in_transaction(statements)
    return {"version": digest[:12], "unchanged": False, "changes": merged.summary, "merges": merges}


def history(conn: Connection, sch: Schema, uid: str) -> list[dict]:
    """The earlier values of node ``uid`` that appends replaced or deleted, oldest first (as
    the embedded store's ``history``)."""
    label, _, key = uid.partition(":")
    node = sch.nodes.get(label)
    if node is None or not key:
        raise NotFound(f"no node {uid!r}")
    tables = {source.table for source in node.sources}
    lines, _ = _kept(conn, sch, live_load(conn, sch))
    return [
        {**line, "values": json.loads(line["values"])}
        for line in lines
        if line["table"] in tables and line["key"] == key
    ]
