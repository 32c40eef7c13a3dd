"""Findings in Neo4j: one ``Finding`` node each (the whole finding as JSON, and the fields
worth querying), linked by ``FLAGS {role}`` to every node its entities name (schema.toml
``[entity_types]`` and ``[store]``). Findings are only stored while the load they were
computed on is still the live one."""

from __future__ import annotations

import json

from bidgraph.errors import StoreError
from bidgraph.graph.neo4j.connection import Connection
from bidgraph.graph.neo4j.write import live_load
from bidgraph.graph.schema import Schema

__all__ = ["save_findings", "findings", "finding_queries", "flag_query"]


def finding_queries(sch: Schema) -> dict[str, str]:
    """The queries on Finding nodes: ``clear``, ``write`` (``$rows`` of id and props), ``read``."""
    f = sch.store_nodes["Finding"]
    return {
        "clear": f"MATCH (f:{f.label}) DETACH DELETE f",
        "write": f"UNWIND $rows AS row MERGE (f:{f.label} {{{f.key}: row.id}}) SET f += row.props",
        "read": f"MATCH (f:{f.label}) RETURN f.json AS j ORDER BY f.{f.key}",
    }


def flag_query(sch: Schema, label: str) -> str:
    """Link findings to the nodes of one label: ``$rows`` of finding id ``f``, node key ``k``, ``role``."""
    f, flags, node = sch.store_nodes["Finding"], sch.store_relationships["FLAGS"], sch.nodes[label]
    (role,) = flags.properties
    return (
        f"UNWIND $rows AS row MATCH (f:{f.label} {{{f.key}: row.f}}) MATCH (n:{label} {{{node.key}: row.k}}) "
        f"MERGE (f)-[:{flags.type} {{{role}: row.role}}]->(n)"
    )


def save_findings(conn: Connection, sch: Schema, found: list[dict], computed_on: str | None = None) -> None:
    """Replace the stored findings with ``found`` (dicts as in findings.jsonl), computed on the
    load ``computed_on`` (a snapshot's version; ``None``: not checked).

    Raises
    ------
    StoreError
        Another load is live by now; nothing is changed.
    """
    live = live_load(conn, sch)
    if computed_on is not None and (live is None or live["version"] != computed_on):
        now = "none" if live is None else live["version"]
        raise StoreError(
            f"the graph changed while the detectors ran (computed on load {computed_on}, now {now} is live); "
            "findings not stored, the stored ones are unchanged: run detect again "
            "/ 检测期间图谱版本已变更，本次预警未保存，请重新运行 detect"
        )
    queries, fields = finding_queries(sch), sch.store_nodes["Finding"].properties
    conn.run(queries["clear"])
    rows = []
    for f in found:
        record = {**f, "json": json.dumps(f, ensure_ascii=False)}
        rows.append({"id": f["id"], "props": {p: record[p] for p in fields}})
    conn.run_batched(queries["write"], rows)
    for etype, label in sch.entity_labels.items():
        links = [
            {"f": f["id"], "k": e["id"], "role": e["role"]} for f in found for e in f["entities"] if e["type"] == etype
        ]
        conn.run_batched(flag_query(sch, label), links)


def findings(conn: Connection, sch: Schema) -> list[dict]:
    return [json.loads(r["j"]) for r in conn.run(finding_queries(sch)["read"])]
