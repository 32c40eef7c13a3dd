"""Batch records in Neo4j: one ``:Batch`` node each (``id``, ``at``, ``graph_version`` and the
whole record as JSON; what a record holds: ``bidgraph.detectors.core.batches``). Findings are
not versioned in Neo4j, so the findings the latest batch stored are the stored findings."""

from __future__ import annotations

import json

from bidgraph.errors import StoreError
from bidgraph.graph.neo4j.connection import Connection

__all__ = ["save_batch", "batches", "last_batch", "BATCH_LABEL"]

BATCH_LABEL = "Batch"


def save_batch(conn: Connection, record: dict) -> None:
    """Create the ``:Batch`` node of ``record``; an id already recorded is a StoreError."""
    created = conn.run(
        f"MERGE (b:{BATCH_LABEL} {{id: $id}}) ON CREATE SET b.at = $at, b.graph_version = $version, "
        "b.json = $json, b.fresh = true WITH b, coalesce(b.fresh, false) AS fresh REMOVE b.fresh RETURN fresh",
        id=record["id"],
        at=record["at"],
        version=record["graph_version"],
        json=json.dumps(record, ensure_ascii=False),
    )
    if not created or not created[0]["fresh"]:
        raise StoreError(
            f"batch {record['id']} was recorded meanwhile by another run; run detect again "
            f"/ 另一次检测已记录批次 {record['id']}，请重新运行 detect"
        )


def batches(conn: Connection) -> list[dict]:
    """Every batch record, oldest first."""
    return [json.loads(r["j"]) for r in conn.run(f"MATCH (b:{BATCH_LABEL}) RETURN b.json AS j ORDER BY b.id")]


def last_batch(conn: Connection) -> dict | None:
    """The latest batch record (ids are zero-padded, so the greatest is the latest), or None."""
    rows = conn.run(f"MATCH (b:{BATCH_LABEL}) RETURN b.json AS j ORDER BY b.id DESC LIMIT 1")
    return json.loads(rows[0]["j"]) if rows else None
