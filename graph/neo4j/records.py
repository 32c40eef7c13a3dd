"""Neo4j records as the query API's nodes and edges (``bidgraph.graph.api``), and the
patterns that match a node by its ``Label:key`` id."""

from __future__ import annotations

from bidgraph.errors import NotFound
from bidgraph.graph.build import split_uid
from bidgraph.graph.schema import Schema

__all__ = ["EDGE_RETURN", "match_node", "node_record", "edge_records"]

# What a query returns for each relationship r, for :func:`edge_records`.
EDGE_RETURN = (
    "elementId(r) AS eid, type(r) AS type, properties(r) AS props, "
    "labels(startNode(r)) AS al, properties(startNode(r)) AS ap, "
    "labels(endNode(r)) AS bl, properties(endNode(r)) AS bp"
)


def match_node(sch: Schema, uid: str, var: str = "n") -> tuple[str, dict]:
    """A pattern ``(var:Label {key: $var_key})`` for ``Label:key`` and its parameters."""
    label, key = split_uid(uid)
    node = sch.nodes.get(label)
    if node is None:
        raise NotFound(f"no node {uid!r}")
    return f"({var}:{label} {{{node.key}: ${var}_key}})", {f"{var}_key": key}


def node_record(sch: Schema, props: dict, labels: list[str]) -> dict:
    """A node as the query API returns it, from its properties and labels."""
    label = next(l for l in labels if l in sch.nodes)
    node = sch.nodes[label]
    key = str(props.get(node.key))
    source = (
        {"table": node.entity_table, "file": props.get("_file"), "row": props.get("_row")}
        if node.entity_table
        else None
    )
    clean = {k: v for k, v in props.items() if not k.startswith("_")}
    return {
        "id": f"{label}:{key}",
        "label": label,
        "labels": [label] + sorted(set(labels) - {label}),
        "key": key,
        "caption": str(clean.get("name") or key),
        "properties": clean,
        "source": source,
    }


def _edge(rec: dict, a: str, b: str) -> dict:
    props = dict(rec["props"])
    table = props.pop("src", "").partition(":")[0]
    provenance = {"table": table, "file": props.pop("_file", None), "row": props.pop("_row", None)}
    return {
        "id": rec["eid"],
        "source": a,
        "target": b,
        "type": rec["type"],
        "properties": props,
        "provenance": provenance,
    }


def edge_records(sch: Schema, records: list[dict]) -> list[dict]:
    """Edges as the query API returns them, from records shaped by ``EDGE_RETURN``."""
    return [
        _edge(rec, node_record(sch, rec["ap"], rec["al"])["id"], node_record(sch, rec["bp"], rec["bl"])["id"])
        for rec in records
    ]
