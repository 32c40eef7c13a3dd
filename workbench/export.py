"""Exports of the evidence cart: XLSX and CSV (nodes, edges, bids, the cart's items and notes),
GraphML and GEXF (for Gephi), and JSON. (PNG is drawn in the browser by Cytoscape.)

Everything comes from the query API: the subgraph of the pinned nodes and the bids of the
pinned organizations, lots and bids, each row with the file and row it came from.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime

import networkx as nx
import pandas as pd

from bidgraph.cases.cells import neutralise_frame
from bidgraph.graph.export import gexf_bytes, graphml_bytes, to_networkx
from bidgraph.workbench.cart import cart_nodes

__all__ = ["FORMATS", "cart_graph", "bids_frame", "nodes_frame", "edges_frame", "to_graph", "export"]

FORMATS = ("xlsx", "csv", "graphml", "gexf", "json")


def cart_graph(api, cart: list[dict]) -> dict:
    """The pinned nodes and every relationship among them (``api.subgraph``)."""
    uids = cart_nodes(cart)
    return api.subgraph(uids) if uids else {"nodes": [], "edges": []}


def bids_frame(api, graph: dict) -> pd.DataFrame:
    """The bids of the organizations and lots in the graph, and the bids themselves."""
    keys: dict[str, set[str]] = {"Organization": set(), "Lot": set(), "Bid": set()}
    for n in graph["nodes"]:
        if n["label"] in keys:
            keys[n["label"]].add(n["key"])
    bids = api.snapshot()["bids"]
    if not any(keys.values()) or bids.empty:
        return bids.iloc[0:0].rename(columns={"_file": "source_file", "_row": "source_row"})
    mask = (
        bids["org_id"].astype(str).isin(keys["Organization"])
        | bids["lot_id"].astype(str).isin(keys["Lot"])
        | bids["bid_id"].astype(str).isin(keys["Bid"])
    )
    return bids[mask].rename(columns={"_file": "source_file", "_row": "source_row"}).reset_index(drop=True)


def nodes_frame(graph: dict) -> pd.DataFrame:
    rows = [
        {
            "id": n["id"],
            "label": n["label"],
            "labels": ";".join(n.get("labels", [])),
            "key": n["key"],
            "caption": n["caption"],
            **_origin_and_properties(n, n.get("source")),
        }
        for n in graph["nodes"]
    ]
    return pd.DataFrame(rows, columns=None if rows else ["id", "label", "labels", "key", "caption"])


def edges_frame(graph: dict) -> pd.DataFrame:
    rows = [
        {
            "source": e["source"],
            "type": e["type"],
            "target": e["target"],
            **_origin_and_properties(e, e.get("provenance")),
        }
        for e in graph["edges"]
    ]
    return pd.DataFrame(rows, columns=None if rows else ["source", "type", "target"])


def _origin_and_properties(element: dict, origin: dict | None) -> dict:
    """A node's or edge's columns after its own: where it was read (table, file, row), then its properties as ``p.*``."""
    origin = origin or {}
    return {
        "source_table": origin.get("table"),
        "source_file": origin.get("file"),
        "source_row": origin.get("row"),
        **{f"p.{k}": v for k, v in element.get("properties", {}).items()},
    }


def _cart_frame(cart: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "id": i["id"],
                "kind": i["kind"],
                "title": i["title"],
                "note": i.get("note", ""),
                "nodes": " ".join(i["nodes"]),
                "edges": " ".join("|".join(e) for e in i["edges"]),
            }
            for i in cart
        ],
        columns=["id", "kind", "title", "note", "nodes", "edges"],
    )


def to_graph(graph: dict, cart: list[dict]) -> nx.MultiDiGraph:
    """A networkx graph of the cart (``bidgraph.graph.export``): node and edge properties and
    provenance as text attributes, and each node's cart notes."""
    notes: dict[str, list[str]] = {}
    for item in cart:
        for u in item["nodes"]:
            if item.get("note"):
                notes.setdefault(u, []).append(item["note"])
    return to_networkx(graph, {uid: {"note": "; ".join(n)} for uid, n in notes.items()})


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing values as empty cells (openpyxl cannot write pandas' NA), no cell a formula."""
    return neutralise_frame(frame.astype(object).where(frame.notna(), None))


def _csv(frame: pd.DataFrame) -> bytes:
    return neutralise_frame(frame).to_csv(index=False).encode("utf-8-sig")  # BOM: Excel opens Chinese text correctly


def export(api, cart: list[dict], fmt: str) -> tuple[str, bytes]:
    """The cart as a file: returns (file name, content)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    graph = cart_graph(api, cart)
    stem = f"bidgraph-cart-{datetime.now():%Y%m%d-%H%M%S}"
    if fmt in ("graphml", "gexf"):
        write = graphml_bytes if fmt == "graphml" else gexf_bytes
        return f"{stem}.{fmt}", write(to_graph(graph, cart))
    sheets = {
        "cart": _cart_frame(cart),
        "nodes": nodes_frame(graph),
        "edges": edges_frame(graph),
        "bids": bids_frame(api, graph),
    }
    buf = io.BytesIO()
    if fmt == "xlsx":
        with pd.ExcelWriter(buf, engine="openpyxl") as writer:
            for sheet, frame in sheets.items():
                _plain(frame).to_excel(writer, sheet_name=sheet, index=False)
        return f"{stem}.xlsx", buf.getvalue()
    if fmt == "csv":
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for sheet, frame in sheets.items():
                zf.writestr(f"{sheet}.csv", _csv(frame))
        return f"{stem}.zip", buf.getvalue()
    body = {
        "cart": cart,
        "nodes": graph["nodes"],
        "edges": graph["edges"],
        "bids": json.loads(sheets["bids"].to_json(orient="records", date_format="iso", force_ascii=False)),
    }
    return f"{stem}.json", json.dumps(body, ensure_ascii=False, indent=1, default=str).encode("utf-8")
