"""The evidence cart: pinned nodes, paths and findings, each with a note.

A cart is a plain list of items (it lives in the browser session as JSON)::

    {"id": "path:Organization:A>Organization:B", "kind": "path", "title": "...", "note": "...",
     "nodes": ["Label:key", ...], "edges": [["Label:key", "TYPE", "Label:key"], ...]}

Pinning the same thing twice keeps one item (with the newer note, if one is given).
"""

from __future__ import annotations

from bidgraph.workbench.present import finding_summary
from bidgraph.workbench.views import entity_uid

__all__ = ["pin", "node_item", "path_item", "finding_item", "cart_nodes", "cart_rows", "apply_edits"]


def pin(cart: list[dict] | None, item: dict) -> list[dict]:
    """``cart`` with ``item`` added (or its note updated if already pinned)."""
    out = [dict(i) for i in cart or []]
    for i in out:
        if i["id"] == item["id"]:
            if item.get("note"):
                i["note"] = item["note"]
            return out
    return out + [item]


def node_item(node: dict, note: str | None = None) -> dict:
    return {
        "id": f"node:{node['id']}",
        "kind": "node",
        "title": f"{node['caption']} ({node['id']})",
        "note": note or "",
        "nodes": [node["id"]],
        "edges": [],
    }


def path_item(record: dict, captions: dict[str, str], note: str | None = None) -> dict:
    """An item for the paths found between two nodes (``record`` as the explorer keeps it)."""
    a, b = record["a"], record["b"]
    first = " → ".join(captions.get(u, u) for u in record["paths"][0])
    more = f" (+{len(record['paths']) - 1})" if len(record["paths"]) > 1 else ""
    return {
        "id": f"path:{a}>{b}",
        "kind": "path",
        "title": first + more,
        "note": note or "",
        "nodes": list(record["nodes"]),
        "edges": [list(e) for e in record["edges"]],
    }


def finding_item(finding: dict, note: str | None = None, lang: str = "zh") -> dict:
    """A pinned finding, titled with its explanation in the page's language."""
    ev = finding.get("evidence", {})
    nodes = list(dict.fromkeys(list(ev.get("nodes", [])) + [entity_uid(e) for e in finding.get("entities", [])]))
    return {
        "id": f"finding:{finding['id']}",
        "kind": "finding",
        "title": f"{finding['id']} {finding_summary(finding, lang)}",
        "note": note or "",
        "nodes": nodes,
        "edges": [list(e) for e in ev.get("edges", [])],
        "finding": finding["id"],
    }


def cart_nodes(cart: list[dict] | None) -> list[str]:
    """Every node id pinned, once, in pinning order."""
    return list(dict.fromkeys(u for i in cart or [] for u in i["nodes"]))


def cart_rows(cart: list[dict] | None, kind_name) -> list[dict]:
    """Rows of the cart table; ``kind_name`` names an item kind in the page's language."""
    return [
        {
            "id": i["id"],
            "kind": kind_name(i["kind"]),
            "title": i["title"],
            "note": i.get("note", ""),
            "size": f"{len(i['nodes'])}/{len(i['edges'])}",
        }
        for i in cart or []
    ]


def apply_edits(cart: list[dict] | None, rows: list[dict] | None) -> list[dict]:
    """The cart after the table was edited: rows deleted there leave the cart, edited notes stick."""
    notes = {r["id"]: r.get("note", "") for r in rows or []}
    return [dict(i, note=notes[i["id"]]) for i in cart or [] if i["id"] in notes]
