"""Loading a validated bundle into Neo4j: the schema's constraints, then batched
``UNWIND $rows MERGE`` writes of nodes, relationships and role labels (the plan of
graph/neo4j/delta.py from an empty graph), framed by a load
marker: started before the writes, finished after them. A finished marker makes loading the
same content again a no-op; the most recently started marker is the live version, which
snapshots carry and stored findings must match (an unfinished one means a load is running or
died half-way, and no snapshot is taken until a load finishes)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pandas as pd

from bidgraph.errors import StoreError
from bidgraph.graph.neo4j.connection import Connection
from bidgraph.graph.neo4j.delta import Step, node_queries, plain_rows, plan, relationship_queries, role_queries
from bidgraph.graph.schema import NodeType, Relationship, Schema
from bidgraph.graph.schema_cypher import shipped_statements

__all__ = [
    "content_hash",
    "plain_rows",
    "load",
    "merge_nodes_query",
    "merge_relationships_query",
    "role_label_query",
    "load_marker_queries",
    "live_load",
    "run_plan",
]


def content_hash(tables: dict[str, pd.DataFrame]) -> str:
    """A fingerprint of the validated content, so that loading the same bundle twice is a no-op."""
    h = hashlib.sha256()
    for name in sorted(tables):
        frame = tables[name]
        h.update(name.encode())
        h.update(",".join(map(str, frame.columns)).encode())
        h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def merge_nodes_query(node: NodeType) -> str:
    return node_queries(node)["merge"]


def merge_relationships_query(rel: Relationship, start: NodeType, end: NodeType) -> str:
    # `src` (table:row digest, graph/neo4j/delta.py) tells apart relationships of one type between the same two nodes.
    return relationship_queries(rel, start, end)["merge"]


def role_label_query(node: NodeType, role: str, rel_type: str) -> str:
    return role_queries(node, role, rel_type)[0]


def run_plan(conn: Connection, steps: list[Step]) -> None:
    """Run a plan of graph/neo4j/delta.py, after the schema's constraints and indexes."""
    for statement in shipped_statements():
        conn.run(statement)
    for step in steps:
        if step.rows is None:
            conn.run(step.query, **(step.params or {}))
        else:
            conn.run_batched(step.query, step.rows, **(step.params or {}))


def load_marker_queries(sch: Schema) -> tuple[str, str, str, str]:
    """(find the finished marker of a content hash ``$h``, start it at ``$at``, finish it at
    ``$at`` with ``$props``, read the live marker: the last started)."""
    m = sch.store_nodes["BidgraphLoad"]
    return (
        f"MATCH (l:{m.label} {{{m.key}: $h}}) WHERE l.finished_at IS NOT NULL RETURN l.{m.key} AS h",
        f"MERGE (l:{m.label} {{{m.key}: $h}}) SET l.started_at = $at REMOVE l.finished_at",
        f"MATCH (l:{m.label} {{{m.key}: $h}}) SET l += $props, l.finished_at = $at",
        f"MATCH (l:{m.label}) WHERE l.started_at IS NOT NULL "
        f"RETURN l.{m.key} AS h, l.finished_at IS NOT NULL AS done, l.tables AS tables "
        "ORDER BY l.started_at DESC LIMIT 1",
    )


def live_load(conn: Connection, sch: Schema) -> dict | None:
    """The live load's ``{"version", "tables", "content"}`` (``None`` before the first marked
    load; ``content`` the whole content hash).

    Raises
    ------
    StoreError
        The last load started has not finished (it is running, or died half-way).
    """
    found = conn.run(load_marker_queries(sch)[3])
    if not found:
        return None
    if not found[0]["done"]:
        raise StoreError(
            f"a load into Neo4j is running or did not finish (content {found[0]['h'][:12]}); "
            "wait for it, or load again / Neo4j 中有未完成的加载，请等待其结束或重新加载"
        )
    return {"version": found[0]["h"][:12], "tables": json.loads(found[0]["tables"] or "{}"), "content": found[0]["h"]}


def load(conn: Connection, sch: Schema, bundle) -> dict:
    """Write a validated bundle (``bundle.tables``, ``.counts``, ``.source``); returns
    ``{"version", "unchanged"}``."""
    digest = content_hash(bundle.tables)
    find_marker, start_marker, finish_marker, _ = load_marker_queries(sch)
    if conn.run(find_marker, h=digest):
        return {"version": digest[:12], "unchanged": True}
    conn.run(start_marker, h=digest, at=datetime.now(UTC).isoformat())
    run_plan(conn, plan(sch, {}, bundle.tables))
    marker = {
        "counts": json.dumps(bundle.counts),
        "tables": json.dumps({name: len(frame) for name, frame in bundle.tables.items()}),
        "source": str(bundle.source),
    }
    conn.run(finish_marker, h=digest, at=datetime.now(UTC).isoformat(), props=marker)
    return {"version": digest[:12], "unchanged": False}
