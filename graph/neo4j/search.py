"""Search in Neo4j, over the same fields as the embedded store (schema.toml ``[search]``):
node keys and exact fields first, then names containing the text. (Near-miss names, which the
embedded store ranks by shared character pairs, are found here only by containment.)"""

from __future__ import annotations

from bidgraph.graph.neo4j.connection import Connection
from bidgraph.graph.neo4j.records import node_record
from bidgraph.graph.schema import Schema
from bidgraph.graph.search_text import key_variants, looks_like_registry_number, normalize_query

__all__ = ["search", "search_queries"]

_RETURN = "RETURN properties(n) AS p, labels(n) AS l"


def search_queries(sch: Schema, q: str) -> list[str]:
    """The queries for the normalised text ``q``, in ranking order. Parameters: ``$variants``
    (:func:`key_variants`), ``$q`` and ``$limit``."""
    queries = [f"MATCH (n:{label}) WHERE n.{node.key} IN $variants {_RETURN}" for label, node in sch.nodes.items()]
    exact = ["reference", "registry_number"] if looks_like_registry_number(q) else ["reference"]
    queries += [
        f"MATCH (n:{f.label}) WHERE n.{f.property} IN $variants {_RETURN}" for f in sch.search_fields_matching(*exact)
    ]
    queries += [
        f"MATCH (n:{f.label}) WHERE n.{f.property} CONTAINS $q {_RETURN} ORDER BY size(n.{f.property}) LIMIT $limit"
        for f in sch.search_fields_matching("name", "fuzzy_name")
    ]
    return queries


def search(conn: Connection, sch: Schema, text: str, limit: int) -> list[dict]:
    q = normalize_query(text)
    if not q:
        return []
    out: dict[str, dict] = {}
    for query in search_queries(sch, q):
        for hit in conn.run(query, variants=key_variants(q), q=q, limit=int(limit)):
            n = node_record(sch, hit["p"], hit["l"])
            out.setdefault(n["id"], n)
    return list(out.values())[:limit]
