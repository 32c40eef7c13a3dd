"""Reading the graph from Neo4j: counts, one node, its neighbours, paths and subgraphs."""

from __future__ import annotations

import json

from bidgraph.errors import NotFound
from bidgraph.graph.neo4j.connection import Connection
from bidgraph.graph.neo4j.records import EDGE_RETURN, edge_records, match_node, node_record
from bidgraph.graph.schema import Schema

__all__ = ["info", "node", "expand", "paths", "subgraph", "paths_query"]


def info(conn: Connection, sch: Schema) -> dict:
    """Nodes per label, relationships per type, quarantined rows per table of the last load."""
    nodes = {label: conn.run(f"MATCH (n:{label}) RETURN count(n) AS c")[0]["c"] for label in sch.nodes}
    rels = {t: conn.run(f"MATCH ()-[r:{t}]->() RETURN count(r) AS c")[0]["c"] for t in sch.relationship_types}
    marker = sch.store_nodes["BidgraphLoad"]
    loads = conn.run(f"MATCH (l:{marker.label}) RETURN l.counts AS counts ORDER BY l.{marker.key}")
    counts = json.loads(loads[-1]["counts"]) if loads else {}
    return {
        "nodes": nodes,
        "relationships": rels,
        "store": "neo4j",
        "quarantine": {t: c.get("quarantined", 0) for t, c in counts.items()},
    }


def node(conn: Connection, sch: Schema, uid: str) -> dict:
    """One node with its degree per relationship type; ``NotFound`` if absent."""
    pattern, params = match_node(sch, uid)
    found = conn.run(f"MATCH {pattern} RETURN properties(n) AS p, labels(n) AS l", **params)
    if not found:
        raise NotFound(f"no node {uid!r}")
    degree = conn.run(f"MATCH {pattern}-[r]-() RETURN type(r) AS t, count(r) AS c ORDER BY t", **params)
    return {**node_record(sch, found[0]["p"], found[0]["l"]), "degree": {d["t"]: d["c"] for d in degree}}


def expand(conn: Connection, sch: Schema, uid: str, types: list[str] | None, limit: int, offset: int) -> dict:
    """One page of a node's neighbours, in a stable order, with the counts per type."""
    node(conn, sch, uid)
    pattern, params = match_node(sch, uid)
    where = "WHERE $types IS NULL OR type(r) IN $types"
    counts = conn.run(
        f"MATCH {pattern}-[r]-() {where} RETURN type(r) AS t, count(r) AS c ORDER BY t", types=types, **params
    )
    page = conn.run(
        f"MATCH {pattern}-[r]-(m) {where} RETURN {EDGE_RETURN}, properties(m) AS mp, "
        "labels(m) AS ml ORDER BY type(r), elementId(m) SKIP $offset LIMIT $limit",
        types=types,
        offset=int(offset),
        limit=int(limit),
        **params,
    )
    nodes: dict[str, dict] = {}
    for rec in page:
        n = node_record(sch, rec["mp"], rec["ml"])
        nodes.setdefault(n["id"], n)
    return {
        "center": uid,
        "total": sum(c["c"] for c in counts),
        "offset": offset,
        "limit": limit,
        "by_type": {c["t"]: c["c"] for c in counts},
        "nodes": list(nodes.values()),
        "edges": edge_records(sch, page),
    }


def paths_query(sch: Schema, pattern_a: str, pattern_b: str, max_hops: int, types: list[str] | None) -> str:
    """The shortest-paths query; only the schema's relationship types reach the Cypher text."""
    rel = ":" + "|".join(t for t in types if t in sch.relationship_types) if types else ""
    return (
        f"MATCH {pattern_a}, {pattern_b} MATCH p = allShortestPaths((a)-[{rel}*..{int(max_hops)}]-(b)) "
        "RETURN [n IN nodes(p) | [labels(n), properties(n)]] AS ns, "
        "[r IN relationships(p) | {eid: elementId(r), type: type(r), props: properties(r), "
        "al: labels(startNode(r)), ap: properties(startNode(r)), "
        "bl: labels(endNode(r)), bp: properties(endNode(r))}] AS rs LIMIT $limit"
    )


def paths(conn: Connection, sch: Schema, a: str, b: str, max_hops: int, limit: int, types: list[str] | None) -> dict:
    """The shortest paths between two nodes (at most ``max_hops`` long, at most ``limit``)."""
    pa, params_a = match_node(sch, a, "a")
    pb, params_b = match_node(sch, b, "b")
    found = conn.run(paths_query(sch, pa, pb, max_hops, types), limit=int(limit), **params_a, **params_b)
    out: list[dict] = []
    nodes: dict[str, dict] = {}
    for rec in found:
        ns = [node_record(sch, p, l) for l, p in rec["ns"]]
        for n in ns:
            nodes.setdefault(n["id"], n)
        out.append({"nodes": [n["id"] for n in ns], "edges": edge_records(sch, rec["rs"])})
    return {"paths": out, "nodes": list(nodes.values()), "max_hops": int(max_hops)}


def subgraph(conn: Connection, sch: Schema, uids: list[str]) -> dict:
    """The nodes ``uids`` and every relationship between them."""
    nodes = [node(conn, sch, u) for u in dict.fromkeys(uids)]
    by_label: dict[str, list[str]] = {}
    for n in nodes:
        by_label.setdefault(n["label"], []).append(n["key"])
    edges = []
    for la, keys_a in by_label.items():
        for lb, keys_b in by_label.items():
            ka, kb = sch.nodes[la].key, sch.nodes[lb].key
            edges += conn.run(
                f"MATCH (a:{la})-[r]->(b:{lb}) WHERE a.{ka} IN $ka AND b.{kb} IN $kb RETURN {EDGE_RETURN}",
                ka=keys_a,
                kb=keys_b,
            )
    return {"nodes": nodes, "edges": edge_records(sch, edges)}
