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

import numpy as np

from bidgraph.errors import NotFound
from bidgraph.graph.firm_tables import FirmTables, firm_tables
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
    "warm",
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


def _tables(api) -> FirmTables:
    return firm_tables(api, BID_HUBS)


def warm(api) -> None:
    """Build (or open from disk) the firm-level tables of ``api``'s graph version now, so that
    the first expansion does not wait for them."""
    _tables(api)


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


def _hub_edges(tables: FirmTables, label: str, rows: np.ndarray, rel_type: str, hub_of) -> list[tuple[int, dict]]:
    """One edge per (firm, hub value) of the links ``rows`` of ``label``, in (firm, value) order,
    each with its value's code."""
    hub = tables.hubs[label]
    bids, values = hub.bid[rows], hub.value[rows]
    width = max(len(hub.values), 1)
    edges = []
    for code, bid_ids, lot_ids, wins in tables.runs(tables.firm[bids].astype(np.int64) * width + values, bids):
        firm, value = divmod(code, width)  # (firm, value) as one code
        hub_id = hub_of(hub.values[value])
        edge = _edge(_firm(tables.firms[firm]), rel_type, hub_id, bids=bid_ids, lots=lot_ids, wins=wins)
        edges.append((value, edge))
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
    tables = _tables(api)
    code = tables.hubs[label].values.code(key)
    rows = tables.hubs[label].by_value.members(code) if code is not None else np.empty(0, dtype=np.int64)
    edges = [e for _, e in _hub_edges(tables, label, rows, HUB_TYPES[label], lambda _v: uid)]
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
    """A firm's relations at firm level: the IPs, devices and documents its bids came from, the
    people holding roles in it and its co-bidders (lots bid on together, wins among them).
    Shared things come first: the hubs other firms also used (most firms first), then the
    people, then the co-bidders (most lots together first), then the hubs only this firm used.
    A co-bid link has one direction whichever firm it is seen from (the smaller id first), so
    two firms that bid together get one link.

    Returns ``{"hub", "total", "offset", "nodes", "edges"}`` like :func:`hub_firms`.
    """
    firm = api.node(uid)
    tables = _tables(api)
    me = tables.firms.code(firm["key"])
    ranked: list[tuple[tuple, dict]] = []
    roles = api.expand(uid, types=[ROLE], limit=max(api.expand(uid, types=[ROLE], limit=1)["total"], 1))
    for e in roles["edges"]:
        ranked.append(((1, 0, e["source"]), _edge(e["source"], ROLE, e["target"], **e.get("properties", {}))))
    if me is not None:
        for label, rel_type in HUB_TYPES.items():
            ranked += _firm_hubs(tables, label, rel_type, me)
        ranked += _co_bidders(tables, uid, me)
    ranked.sort(key=lambda r: r[0])
    other = [e["target"] if e["source"] == uid else e["source"] for _, e in ranked]
    ids, nodes = _page(api, list(dict.fromkeys(other)), offset, limit)
    keep = set(ids)
    edges = [e for _, e in ranked if (e["target"] if e["source"] == uid else e["source"]) in keep]
    return {"hub": firm, "total": len(dict.fromkeys(other)), "offset": offset, "nodes": nodes, "edges": edges}


def _firm_hubs(tables: FirmTables, label: str, rel_type: str, me: int) -> list[tuple[tuple, dict]]:
    """The firm's edges to the hubs of ``label`` its bids came from, each with how many firms
    used that hub; shared hubs rank first (most firms first), hubs of this firm alone last."""
    hub = tables.hubs[label]
    out = []
    for code, e in _hub_edges(tables, label, hub.by_firm.members(me), rel_type, lambda v: f"{label}:{v}"):
        firms = int(hub.firms[code])
        e["properties"]["firms"] = firms
        out.append(((0, -firms, e["target"]) if firms > 1 else (3, 0, e["target"]), e))
    return out


def _co_bidders(tables: FirmTables, uid: str, me: int) -> list[tuple[tuple, dict]]:
    """One ``CO_BID`` edge per firm that bid on a lot with this one, most lots first."""
    mine = tables.by_firm.members(me)
    together = tables.by_lot.many(np.unique(tables.lot[mine]))
    theirs = together[tables.firm[together] != me]
    my_bids: dict[str, list[str]] = {}
    for bid, lot in zip(tables.bids.take(mine), tables.lots.take(tables.lot[mine])):
        my_bids.setdefault(lot, []).append(bid)
    my_wins = set(tables.lots.take(tables.lot[mine[tables.won[mine]]]))
    out = []
    for firm, bid_ids, lots, wins in tables.runs(tables.firm[theirs], theirs):
        wins += sum(1 for lot in lots if lot in my_wins)
        mine_there = [b for lot in lots for b in my_bids.get(lot, [])]
        a, b = sorted((uid, _firm(tables.firms[firm])))
        edge = _edge(a, CO_BID, b, lots=lots, wins=wins, bids=sorted(mine_there + bid_ids))
        out.append(((2, -len(lots), tables.firms[firm]), edge))
    return out


def behind(api, edge: dict) -> dict:
    """The stored subgraph a firm-level edge stands for: its ends, the bids and lots behind it
    and the relationships among them (``api.subgraph``, so scoped like everything else)."""
    props = edge.get("properties", {})
    uids = [edge["source"], edge["target"]]
    uids += [f"Bid:{b}" for b in props.get("bids", [])] + [f"Lot:{lot}" for lot in props.get("lots", [])]
    return api.subgraph(list(dict.fromkeys(uids)))


def firm_wins(api, uids: list[str] | None = None) -> dict[str, int]:
    """Stored wins (bids marked ``is_winner``) per firm, as ``Organization:key`` → count, of
    ``uids`` (default: every firm); firms without a win are left out."""
    tables = _tables(api)
    if uids is None:
        codes = np.flatnonzero(tables.wins)
        return {_firm(org): int(n) for org, n in zip(tables.firms.take(codes), tables.wins[codes])}
    prefix = FIRM + ":"
    firms = [u for u in uids if u.startswith(prefix)]
    codes = tables.firms.codes([u[len(prefix) :] for u in firms])
    return {u: int(tables.wins[c]) for u, c in zip(firms, codes) if c >= 0 and tables.wins[c]}


def months(api, uids: list[str]) -> dict[str, str]:
    """The month (``YYYY-MM``) of the lot's opening date for each of ``uids`` that is a lot
    (``Lot:key``) or a bid (``Bid:key``, its lot's) with one."""
    tables = _tables(api)
    lots = {u: tables.lots.code(u[4:]) for u in uids if u.startswith("Lot:")}
    bids = [u for u in uids if u.startswith("Bid:")]
    for u, code in zip(bids, tables.bids.codes(u[4:] for u in bids).tolist()):
        lots[u] = int(tables.lot[code]) if code >= 0 else None
    months = {u: tables.month(lot) for u, lot in lots.items() if lot is not None}
    return {u: m for u, m in months.items() if m is not None}
