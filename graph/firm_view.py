"""Firm-level views of the graph: the relations an investigator reasons about, not the way they
are stored. A bid links a firm to an IP, a device or a document; two bids on one lot link two
firms. Here those Bid/Lot paths collapse into one edge between the firm and what it shares:

- ``USED_IP``, ``USED_DEVICE``, ``USED_DOCUMENT``: firm → IP / device / document, with the
  bids and lots behind the edge;
- ``CO_BID``: firm → firm, with the lots both bid on and the wins among them;
- ``HOLDS_ROLE`` stays as stored (person → firm, with the person's role).

Everything is read through the query API it is given (``node``, ``expand``, ``subgraph``,
``snapshot``), so a region-scoped store gives region-scoped views: a county user's hub lists
only the firms of their county. An edge's ``properties`` carry ``bids`` and ``lots`` (ids), so
that :func:`behind` can add the stored bids, lots and relationships the edge stands for.
"""

from __future__ import annotations

import pandas as pd

from bidgraph.errors import NotFound
from bidgraph.graph.schema import schema

__all__ = [
    "FIRM",
    "HUB_TYPES",
    "FIRM_TYPES",
    "PAGE",
    "supports",
    "hub_firms",
    "firm_relations",
    "behind",
    "firm_wins",
    "months",
]

FIRM = "Organization"
PAGE = 20  # firms (or relations) per page
CO_BID = "CO_BID"
ROLE = "HOLDS_ROLE"


def _bid_hubs() -> dict[str, list[tuple[str, str]]]:
    """Label reached from a bid (IP, Device, Document) → its (table, column) sources, from the schema."""
    hubs: dict[str, list[tuple[str, str]]] = {}
    for rel in schema().relationships:
        if rel.start.label == "Bid" and rel.end.label not in ("Lot", FIRM):
            hubs.setdefault(rel.end.label, []).append((rel.table, rel.end.column))
    return hubs


BID_HUBS = _bid_hubs()
HUB_TYPES = {label: f"USED_{label.upper()}" for label in BID_HUBS}  # IP → USED_IP
FIRM_TYPES = (*HUB_TYPES.values(), CO_BID, ROLE)


def supports(label: str) -> bool:
    """Whether a node of ``label`` has a firm-level view (else the stored relations apply)."""
    return label in BID_HUBS or label in (FIRM, "Person")


def _bids(snap) -> pd.DataFrame:
    bids = snap["bids"]
    won = bids["is_winner"].fillna(False).astype(bool) if "is_winner" in bids else False
    return pd.DataFrame(
        {
            "bid_id": bids["bid_id"].astype(str),
            "lot_id": bids["lot_id"].astype(str),
            "org_id": bids["org_id"].astype(str),
        }
    ).assign(won=won)


def _hub_rows(snap, label: str) -> pd.DataFrame:
    """Every (bid_id, value) link of a hub label across its source columns."""
    parts = []
    for table, column in BID_HUBS[label]:
        frame = snap[table] if table in snap.tables else None
        if frame is None or column not in frame:
            continue
        part = frame[["bid_id", column]].dropna()
        parts.append(pd.DataFrame({"bid_id": part["bid_id"].astype(str), "value": part[column].astype(str)}))
    return pd.concat(parts, ignore_index=True).drop_duplicates() if parts else pd.DataFrame(columns=["bid_id", "value"])


def _edge(source: str, rel_type: str, target: str, **props) -> dict:
    return {
        "id": f"{source}|{rel_type}|{target}",
        "source": source,
        "target": target,
        "type": rel_type,
        "properties": props,
    }


def _page(api, ids: list[str], offset: int, limit: int) -> tuple[list[str], list[dict]]:
    page = ids[offset : offset + limit]
    try:
        nodes = api.subgraph(page)["nodes"] if page else []
    except NotFound:  # a firm the scope does not show (it bid in the region but lies outside it)
        nodes = [n for n in (_node_or_none(api, u) for u in page) if n is not None]
    order = {u: i for i, u in enumerate(page)}
    return page, sorted(nodes, key=lambda n: order.get(n["id"], len(order)))


def _node_or_none(api, uid: str) -> dict | None:
    try:
        return api.node(uid)
    except NotFound:
        return None


def _hub_edges(links: pd.DataFrame, bids: pd.DataFrame, rel_type: str, hub_of, firm_of) -> list[dict]:
    """One edge per (firm, hub value) of ``links`` (bid_id, value joined with bids)."""
    edges = []
    for (org, value), group in links.merge(bids, on="bid_id").groupby(["org_id", "value"], sort=True):
        edges.append(
            _edge(
                firm_of(org),
                rel_type,
                hub_of(value),
                bids=sorted(group["bid_id"].unique().tolist()),
                lots=sorted(group["lot_id"].unique().tolist()),
                wins=int(group["won"].sum()),
            )
        )
    return edges


def _firm(key: str) -> str:
    return f"{FIRM}:{key}"


def hub_firms(api, uid: str, offset: int = 0, limit: int = PAGE) -> dict:
    """The firms behind a hub (an IP, device, document or person), most-used first.

    Returns ``{"hub", "total", "offset", "nodes", "edges"}``: ``total`` firms in all, the page's
    firm nodes and their firm-level edges to the hub.
    """
    hub = api.node(uid)
    label, key = hub["label"], hub["key"]
    if label == "Person":
        return _person_firms(api, hub, offset, limit)
    snap = api.snapshot()
    links = _hub_rows(snap, label)
    links = links[links["value"] == key]
    edges = _hub_edges(links, _bids(snap), HUB_TYPES[label], lambda _v: uid, _firm)
    edges.sort(key=lambda e: (-len(e["properties"]["bids"]), e["source"]))
    ids, nodes = _page(api, [e["source"] for e in edges], offset, limit)
    keep = set(ids)
    return {
        "hub": hub,
        "total": len(edges),
        "offset": offset,
        "nodes": nodes,
        "edges": [e for e in edges if e["source"] in keep],
    }


def _person_firms(api, person: dict, offset: int, limit: int) -> dict:
    total = api.expand(person["id"], types=[ROLE], limit=1)["total"]
    page = api.expand(person["id"], types=[ROLE], limit=limit, offset=offset)
    edges = [_edge(e["source"], ROLE, e["target"], **e.get("properties", {})) for e in page["edges"]]
    return {"hub": person, "total": total, "offset": offset, "nodes": page["nodes"], "edges": edges}


def firm_relations(api, uid: str, offset: int = 0, limit: int = PAGE) -> dict:
    """A firm's relations at firm level: the people holding roles in it, the IPs, devices and
    documents its bids came from, and its co-bidders (lots bid on together, wins among them).
    Shared things come first (a hub other firms also used, the co-bidder of the most lots).

    Returns ``{"hub", "total", "offset", "nodes", "edges"}`` like :func:`hub_firms`.
    """
    firm = api.node(uid)
    snap = api.snapshot()
    bids = _bids(snap)
    mine = bids[bids["org_id"] == firm["key"]]
    ranked: list[tuple[tuple, dict]] = []
    roles = api.expand(uid, types=[ROLE], limit=max(api.expand(uid, types=[ROLE], limit=1)["total"], 1))
    for e in roles["edges"]:
        ranked.append(((0, 0, e["source"]), _edge(e["source"], ROLE, e["target"], **e.get("properties", {}))))
    for label, rel_type in HUB_TYPES.items():
        links = _hub_rows(snap, label)
        used = links[links["bid_id"].isin(mine["bid_id"])]
        sharing = (
            links[links["value"].isin(used["value"])].merge(bids, on="bid_id").groupby("value")["org_id"].nunique()
        )
        for e in _hub_edges(used, bids, rel_type, lambda v, _l=label: f"{_l}:{v}", _firm):
            e["properties"]["firms"] = int(sharing.get(e["target"].partition(":")[2], 1))
            ranked.append(((1, -e["properties"]["firms"], e["target"]), e))
    together = bids[bids["lot_id"].isin(mine["lot_id"]) & (bids["org_id"] != firm["key"])]
    my_wins = set(mine.loc[mine["won"], "lot_id"])
    for org, group in together.groupby("org_id", sort=True):
        lots = sorted(group["lot_id"].unique().tolist())
        wins = int(group["won"].sum()) + sum(1 for lot in lots if lot in my_wins)
        mine_there = sorted(mine.loc[mine["lot_id"].isin(lots), "bid_id"].tolist())
        edge = _edge(uid, CO_BID, _firm(org), lots=lots, wins=wins, bids=mine_there + sorted(group["bid_id"].tolist()))
        ranked.append(((2, -len(lots), org), edge))
    ranked.sort(key=lambda r: r[0])
    other = [e["target"] if e["source"] == uid else e["source"] for _, e in ranked]
    ids, nodes = _page(api, list(dict.fromkeys(other)), offset, limit)
    keep = set(ids)
    edges = [e for _, e in ranked if (e["target"] if e["source"] == uid else e["source"]) in keep]
    return {"hub": firm, "total": len(dict.fromkeys(other)), "offset": offset, "nodes": nodes, "edges": edges}


def behind(api, edge: dict) -> dict:
    """The stored subgraph a firm-level edge stands for: its ends, the bids and lots behind it
    and the relationships among them (``api.subgraph``, so scoped like everything else)."""
    props = edge.get("properties", {})
    uids = [edge["source"], edge["target"]]
    uids += [f"Bid:{b}" for b in props.get("bids", [])] + [f"Lot:{lot}" for lot in props.get("lots", [])]
    return api.subgraph(list(dict.fromkeys(uids)))


def firm_wins(api) -> dict[str, int]:
    """Stored wins (bids marked ``is_winner``) per firm, as ``Organization:key`` → count; firms
    without a win are left out."""
    bids = _bids(api.snapshot())
    wins = bids[bids["won"]].groupby("org_id").size()
    return {_firm(org): int(n) for org, n in wins.items()}


def months(api, uids: list[str]) -> dict[str, str]:
    """The month (``YYYY-MM``) of the lot's opening date for each of ``uids`` that is a lot
    (``Lot:key``) or a bid (``Bid:key``, its lot's) with one."""
    wanted = {label: {u.partition(":")[2] for u in uids if u.startswith(label + ":")} for label in ("Lot", "Bid")}
    snap = api.snapshot()
    bids = _bids(snap)
    bids = bids[bids["bid_id"].isin(wanted["Bid"])]
    lots = snap["lots"]
    if "opened_on" not in lots:
        return {}
    lots = lots[lots["lot_id"].astype(str).isin(wanted["Lot"] | set(bids["lot_id"]))]
    opened = pd.to_datetime(lots["opened_on"], errors="coerce").dt.strftime("%Y-%m")
    month = {lot: m for lot, m in zip(lots["lot_id"].astype(str), opened) if isinstance(m, str)}
    out = {f"Lot:{lot}": m for lot, m in month.items() if lot in wanted["Lot"]}
    out.update({f"Bid:{b}": month[lot] for b, lot in zip(bids["bid_id"], bids["lot_id"]) if lot in month})
    return out
