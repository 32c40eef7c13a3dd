"""A query-API subgraph as a file for Gephi, yEd or Cytoscape desktop: the one GraphML and
GEXF writer (evidence packs and the workbench's cart export both use it).

Nodes keep their id (``Label:key``); every attribute is text, because a GraphML or GEXF
attribute has one type across the whole file: ``label``, ``labels`` (``;``-joined), ``key``,
``caption``, ``source_table``, ``source_file``, ``source_row``, ``p.<property>`` for each
property, and any extra attributes given per node (the cart's notes). Edges carry ``type``,
the provenance and their properties the same way, and their id as the edge key.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping

import networkx as nx

__all__ = ["to_networkx", "graphml_bytes", "gexf_bytes"]


def _text(value) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _attributes(fixed: dict, properties: dict | None) -> dict[str, str]:
    values = {**fixed, **{f"p.{k}": v for k, v in (properties or {}).items()}}
    return {k: t for k, v in values.items() if (t := _text(v)) is not None}


def _node_attributes(node: dict) -> dict:
    src = node.get("source") or {}
    return {
        "label": node.get("label"),
        "labels": ";".join(node.get("labels") or []),
        "key": node.get("key"),
        "caption": node.get("caption"),
        "source_table": src.get("table"),
        "source_file": src.get("file"),
        "source_row": src.get("row"),
    }


def _edge_attributes(edge: dict) -> dict:
    prov = edge.get("provenance") or {}
    return {
        "type": edge.get("type"),
        "source_table": prov.get("table"),
        "source_file": prov.get("file"),
        "source_row": prov.get("row"),
    }


def to_networkx(subgraph: dict, extra: Mapping[str, dict] | None = None) -> nx.MultiDiGraph:
    """The subgraph ``{"nodes": [...], "edges": [...]}`` as a networkx multigraph with text
    attributes; ``extra`` maps a node id to more attributes for it (e.g. ``{"note": ...}``)."""
    extra = extra or {}
    g = nx.MultiDiGraph()
    for n in subgraph.get("nodes", []):
        g.add_node(n["id"], **_attributes({**_node_attributes(n), **extra.get(n["id"], {})}, n.get("properties")))
    for e in subgraph.get("edges", []):
        key = e.get("id") or f"{e['source']}|{e.get('type')}|{e['target']}"
        g.add_edge(e["source"], e["target"], key=str(key), **_attributes(_edge_attributes(e), e.get("properties")))
    return g


def graphml_bytes(graph: nx.MultiDiGraph) -> bytes:
    buf = io.BytesIO()
    nx.write_graphml(graph, buf, encoding="utf-8")
    return buf.getvalue()


def gexf_bytes(graph: nx.MultiDiGraph) -> bytes:
    buf = io.BytesIO()
    nx.write_gexf(graph, buf, encoding="utf-8")
    return buf.getvalue()
