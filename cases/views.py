"""Named canvases kept with a case: an analyst saves the explorer's canvas (its elements and
every node's position) under a name on a case, and anyone who may see the case lists and
restores it exactly, positions included.

Saving needs case write permission (``case.comment``) and a case the actor may see; it is
recorded in the audit trail in the same transaction. Each node's regions are stored with the
view, so that a county user restoring it gets only the nodes of their region (and the links
among them): the rest are counted (``left_out``) and the refusal is audited (``denied``). An
analyst's group on the canvas (a node its members name in ``data.group``) lies in its members'
regions, so it is kept for whoever may see one of them.
"""

from __future__ import annotations

import inspect
import json

from bidgraph.cases import audit, cases
from bidgraph.cases.db import CasesStore
from bidgraph.cases.scope import LABEL_TYPES, RegionIndex, Scope
from bidgraph.cases.users import AccessDenied, User, require
from bidgraph.errors import InputError, NotFound

__all__ = ["MAX_ELEMENTS", "MAX_NAME", "save_view", "list_views", "open_view"]

MAX_ELEMENTS = 20_000  # nodes and links in one view
MAX_NAME = 100  # characters of a view's name

_records_denial = cases.audits_denial(cases.OutOfScope, "case")
_visible_case = inspect.unwrap(cases.get_case)  # the case check without get_case's own denial entry


def _is_node(e: dict) -> bool:
    return "source" not in e["data"]


def _node_regions(index: RegionIndex | None, uid: str) -> list[str]:
    if index is None:
        return []
    label, _, key = uid.partition(":")
    return sorted(index.regions(LABEL_TYPES.get(label, ""), key))


def _regions(index: RegionIndex | None, elements: list[dict]) -> dict[str, list[str]]:
    """Node id → its regions; a group's are its members'."""
    regions = {e["data"]["id"]: _node_regions(index, e["data"]["id"]) for e in elements if _is_node(e)}
    for e in elements:
        group = e["data"].get("group")
        if _is_node(e) and group in regions:
            regions[group] = sorted({*regions[group], *regions[e["data"]["id"]]})
    return regions


def _checked(elements: object) -> list[dict]:
    if not isinstance(elements, list) or len(elements) > MAX_ELEMENTS:
        raise InputError(f"a view holds a list of at most {MAX_ELEMENTS} elements")
    for e in elements:
        if not isinstance(e, dict) or not isinstance(e.get("data"), dict) or not isinstance(e["data"].get("id"), str):
            raise InputError("a view's element needs data.id")
    return elements


def _within(elements: list[dict], keep: set[str]) -> list[dict]:
    """The nodes in ``keep`` and the links between two of them."""
    return [
        e
        for e in elements
        if (e["data"]["id"] in keep if _is_node(e) else {e["data"]["source"], e["data"]["target"]} <= keep)
    ]


@_records_denial
def save_view(
    store: CasesStore,
    actor: User,
    case_id: str,
    name: str,
    elements: list[dict],
    *,
    index: RegionIndex | None = None,
) -> dict:
    """Save ``elements`` (Cytoscape's, positions included) as the view ``name`` of the case,
    replacing a view of that name. Nodes outside the actor's region are not saved.

    Returns ``{"case", "name", "nodes", "dropped", "replaced"}``.
    """
    require(actor, "case.comment")
    name = cases.required_text(name, "view name", InputError)
    if len(name) > MAX_NAME:
        raise InputError(f"a view name has at most {MAX_NAME} characters")
    elements = _checked(elements)
    scope = Scope.of(actor)
    if index is None and not scope.is_all:
        raise AccessDenied("a county user's view needs the loaded graph to check its region")
    _visible_case(store, actor, case_id)
    regions = _regions(index, elements)
    keep = {uid for uid, where in regions.items() if scope.allows(where)}
    kept = _within(elements, keep)
    positions = {e["data"]["id"]: e["position"] for e in kept if _is_node(e) and e.get("position")}
    bare = [{k: v for k, v in e.items() if k != "position"} for e in kept]
    node_regions = {uid: regions[uid] for uid in sorted(keep)}
    with store.transaction() as conn:
        replaced = (
            conn.execute("SELECT 1 FROM case_views WHERE case_id = ? AND name = ?", (case_id, name)).fetchone()
            is not None
        )
        conn.execute(
            "INSERT OR REPLACE INTO case_views (case_id, name, elements, positions, node_regions, region_codes, "
            "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                case_id,
                name,
                json.dumps(bare, ensure_ascii=False),
                json.dumps(positions),
                json.dumps(node_regions),
                json.dumps(sorted({r for where in node_regions.values() for r in where})),
                actor.name,
                store.now(),
            ),
        )
        detail = {"case": case_id, "view": name, "nodes": len(keep), "dropped": len(regions) - len(keep)}
        audit.append(conn, store, actor.name, "case.view.save", {**detail, "replaced": replaced})
    return {
        "case": case_id,
        "name": name,
        "nodes": len(keep),
        "dropped": len(regions) - len(keep),
        "replaced": replaced,
    }


@_records_denial
def list_views(store: CasesStore, actor: User, case_id: str) -> list[dict]:
    """The case's views, newest first: name, created_by, created_at and ``nodes`` (how many of
    its nodes the actor may see)."""
    require(actor, "read")
    _visible_case(store, actor, case_id)
    scope = Scope.of(actor)
    rows = store.connection().execute(
        "SELECT name, node_regions, created_by, created_at FROM case_views WHERE case_id = ? "
        "ORDER BY created_at DESC, name",
        (case_id,),
    )
    return [
        {
            "name": r["name"],
            "created_by": r["created_by"],
            "created_at": r["created_at"],
            "nodes": sum(1 for where in json.loads(r["node_regions"]).values() if scope.allows(where)),
        }
        for r in rows
    ]


@_records_denial
def open_view(store: CasesStore, actor: User, case_id: str, name: str) -> dict:
    """The view ``name`` of the case as the actor may see it: its elements with their saved
    positions, cut to the actor's region. Returns ``{"case", "name", "elements", "left_out"}``;
    the opening is audited, and so (``denied``) are nodes left out as outside the region."""
    require(actor, "read")
    _visible_case(store, actor, case_id)
    scope = Scope.of(actor)
    with store.transaction() as conn:
        row = conn.execute(
            "SELECT elements, positions, node_regions FROM case_views WHERE case_id = ? AND name = ?",
            (case_id, name),
        ).fetchone()
        if row is None:
            raise NotFound(f"case {case_id} has no view named {name!r}")
        regions = json.loads(row["node_regions"])
        keep = {uid for uid, where in regions.items() if scope.allows(where)}
        positions = json.loads(row["positions"])
        elements = [
            dict(e, position=positions[e["data"]["id"]]) if e["data"]["id"] in positions else e
            for e in _within(json.loads(row["elements"]), keep)
        ]
        left_out = len(regions) - len(keep)
        audit.append(conn, store, actor.name, "case.view.open", {"case": case_id, "view": name, "nodes": len(keep)})
        if left_out:
            detail = {"case": case_id, "view": name, "nodes": left_out, "action": "open_view"}
            audit.append(conn, store, actor.name, "denied", detail)
    return {"case": case_id, "name": name, "elements": elements, "left_out": left_out}
