"""Loading a validated bundle into Neo4j: the schema's constraints, then batched
``UNWIND $rows MERGE`` writes of nodes, relationships and role labels, framed by a load
marker: started before the writes, finished after them. A finished marker makes loading the
same content again a no-op; the most recently started marker is the live version, which
snapshots carry and stored findings must match (an unfinished one means a load is running or
died half-way, and no snapshot is taken until a load finishes)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from bidgraph.errors import StoreError
from bidgraph.graph.build import edge_frames, node_frames
from bidgraph.graph.neo4j.connection import Connection
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


def _plain(v):
    if v is None or (not isinstance(v, (list, dict, str)) and pd.isna(v)):  # None, NaN, NaT, pd.NA
        return None
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if isinstance(v, np.generic):
        return v.item()
    return v


def plain_rows(frame: pd.DataFrame, columns) -> list[dict]:
    """Rows as the driver accepts them as parameters: missing values dropped, dates as ISO
    text, numpy scalars as Python ones."""
    records = frame[list(columns)].to_dict("records")
    return [{k: x for k, v in r.items() if (x := _plain(v)) is not None} for r in records]


def merge_nodes_query(node: NodeType) -> str:
    return f"UNWIND $rows AS row MERGE (n:{node.label} {{{node.key}: row.key}}) SET n += row.props"


def merge_relationships_query(rel: Relationship, start: NodeType, end: NodeType) -> str:
    # `src` (table:row) tells apart relationships of one type between the same two nodes.
    return (
        f"UNWIND $rows AS row MATCH (a:{start.label} {{{start.key}: row.a}}) "
        f"MATCH (b:{end.label} {{{end.key}: row.b}}) "
        f"MERGE (a)-[r:{rel.type} {{src: row.src}}]->(b) SET r += row.props"
    )


def role_label_query(node: NodeType, role: str, rel_type: str) -> str:
    return f"MATCH (o:{node.label})-[:{rel_type}]->() WITH DISTINCT o SET o:{role}"


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
    """The live load's ``{"version", "tables"}`` (``None`` before the first marked load).

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
    return {"version": found[0]["h"][:12], "tables": json.loads(found[0]["tables"] or "{}")}


def load(conn: Connection, sch: Schema, bundle) -> dict:
    """Write a validated bundle (``bundle.tables``, ``.counts``, ``.source``); returns
    ``{"version", "unchanged"}``."""
    digest = content_hash(bundle.tables)
    find_marker, start_marker, finish_marker, _ = load_marker_queries(sch)
    if conn.run(find_marker, h=digest):
        return {"version": digest[:12], "unchanged": True}
    conn.run(start_marker, h=digest, at=datetime.now(UTC).isoformat())
    for statement in shipped_statements():
        conn.run(statement)
    for frame in node_frames(bundle.tables, sch).values():
        key = frame.node.key
        if frame.rows is not None:
            props = plain_rows(frame.rows, frame.rows.columns)
        else:
            props = [{key: k, "kind": kind} for k, kind in zip(frame.keys, [] if frame.kinds is None else frame.kinds)]
        rows = [{"key": k, "props": p} for k, p in zip(frame.keys, props)]
        conn.run_batched(merge_nodes_query(frame.node), rows)
    for ef in edge_frames(bundle.tables, sch):
        rel, table = ef.rel, bundle.tables[ef.rel.table]
        # Rows of tables without a key (uploads, roles, scores...) live only on their
        # relationships, so those carry the whole row; entity tables' links carry theirs.
        columns = rel.properties if sch.tables[rel.table].key else table.columns
        props = plain_rows(table.iloc[ef.row], columns)
        rows = [
            {"a": a, "b": b, "src": f"{rel.table}:{r}", "props": p}
            for a, b, r, p in zip(ef.start.to_pylist(), ef.end.to_pylist(), ef.row.tolist(), props)
        ]
        conn.run_batched(merge_relationships_query(rel, sch.nodes[rel.start.label], sch.nodes[rel.end.label]), rows)
    for node in sch.nodes.values():
        for role, rel_type in node.role_labels.items():
            conn.run(role_label_query(node, role, rel_type))
    marker = {
        "counts": json.dumps(bundle.counts),
        "tables": json.dumps({name: len(frame) for name, frame in bundle.tables.items()}),
        "source": str(bundle.source),
    }
    conn.run(finish_marker, h=digest, at=datetime.now(UTC).isoformat(), props=marker)
    return {"version": digest[:12], "unchanged": False}
