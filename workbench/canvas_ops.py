"""What the explorer's canvas does on the server, as plain functions of the workbench data and
the elements on screen: firm-level expansion with paging (``graph.firm_view``), an edge opened
into the bids and lots behind it, and a kept canvas restored (after a reload, a language switch
or from a saved view) through the user's scoped store."""

from __future__ import annotations

from bidgraph.errors import NotFound
from bidgraph.graph import firm_view
from bidgraph.workbench.canvas import edge_label, place, relabel
from bidgraph.workbench.canvas_groups import refold
from bidgraph.workbench.elements import edge_element, is_group, merge, node_element, node_ids
from bidgraph.workbench.i18n import name, t
from bidgraph.workbench.messages import message

__all__ = [
    "known_subgraph",
    "firm_edge",
    "expand_firms",
    "open_behind",
    "restore",
    "open_case_view",
    "save_case_view",
    "PAGE",
]

PAGE = firm_view.PAGE


def known_subgraph(api, uids: list[str]) -> tuple[dict, list[str]]:
    """``api.subgraph`` of the ids that exist (and the user may see), and the ids that do not."""
    uids = list(dict.fromkeys(uids))
    try:
        return api.subgraph(uids), []
    except NotFound:
        missing = []
        for uid in uids:
            try:
                api.node(uid)
            except NotFound:
                missing.append(uid)
        return api.subgraph([u for u in uids if u not in missing]), missing


def firm_edge(edge: dict, lang: str) -> dict:
    """A firm-level edge as a Cytoscape element, what stands behind it kept in ``data.props``."""
    props = {k: v for k, v in edge.get("properties", {}).items() if isinstance(v, (str, int, float, list))}
    el = edge_element(edge, ("firm",), edge_label(edge["type"], props, lang))
    el["data"]["props"] = props
    return el


def expand_firms(data, elements: list[dict], uid: str, offset: int, lang: str) -> tuple[list[dict], dict, object]:
    """Add a page of ``uid``'s firm-level neighbours beside it: a hub's firms (most used
    first), or a firm's people, hubs and co-bidders. Returns elements, paging, message."""
    node = data.api.node(uid)
    fetch = firm_view.firm_relations if node["label"] == firm_view.FIRM else firm_view.hub_firms
    view = fetch(data.api, uid, offset=offset, limit=PAGE)
    new = [node_element(n) for n in view["nodes"]] + [firm_edge(e, lang) for e in view["edges"]]
    elements = place(merge(elements, new), uid)
    shown = min(view["total"], offset + len(view["nodes"]))
    paging = {"uid": uid, "types": [], "offset": shown, "total": view["total"]}
    key = "cv.relations" if node["label"] == firm_view.FIRM else "cv.firms"
    text = t(key, lang, node=node["caption"], total=view["total"], shown=shown)
    if shown < view["total"]:
        text += " " + t("cv.more_hint", lang)
    return elements, paging, message(text, "info")


def open_behind(data, elements: list[dict], edge: dict | None, lang: str) -> tuple[list[dict], object]:
    """Add the stored bids, lots and links behind a firm-level edge, beside its source."""
    props = (edge or {}).get("props") or {}
    if not edge or not (props.get("bids") or props.get("lots")):
        return elements, message(t("cv.no_edge", lang), "warning")
    sub = firm_view.behind(data.api, {**edge, "properties": props})
    before = set(node_ids(elements))
    new = [node_element(n) for n in sub["nodes"]] + [
        edge_element(e, (), name("rel", e["type"], lang)) for e in sub["edges"]
    ]
    elements = place(merge(elements, new), edge["source"])
    added = len(set(node_ids(elements)) - before)
    return elements, message(t("cv.behind_done", lang, n=added), "info")


def restore(data, elements: list[dict] | None, lang: str) -> tuple[list[dict], object]:
    """A kept canvas as this user may see it now: nodes that no longer exist or lie outside the
    user's region dropped (with their links, and groups left empty), positions, pins, hidden
    marks and groups kept, labels in ``lang``."""
    elements = elements or []
    ids = node_ids(elements)
    if not ids:
        return [], None
    sub, missing = known_subgraph(data.api, ids)
    seen = {n["id"] for n in sub["nodes"]}
    kept = merge([], [e for e in elements if "source" in e["data"] or is_group(e) or e["data"]["id"] in seen])
    text = t("cv.restored", lang, n=len(seen))
    if missing:
        text += " " + t("cv.dropped", lang, n=len(missing))
    return refold(relabel(kept, lang), lang), message(text, "warning" if missing else "info")


def open_case_view(data, case_id: str, view: str, lang: str) -> tuple[list[dict], object]:
    """A view kept with a case (``cases/views.py``), cut to the user's region there and checked
    again against the scoped store here; the message says how many nodes were left out."""
    opened = data.cases.open_view(case_id, view)
    elements, _ = restore(data, opened["elements"], lang)
    left_out = opened["left_out"] + len(node_ids(opened["elements"])) - len(node_ids(elements))
    text = t("cv.case_view_opened", lang, case=case_id, name=view, n=len(node_ids(elements)))
    if left_out:
        text += " " + t("cv.dropped", lang, n=left_out)
    return elements, message(text, "warning" if left_out else "info")


def save_case_view(data, case_id: str, view: str, elements: list[dict], lang: str) -> object:
    """Save the canvas as a named view of the open case; the message says where it went."""
    saved = data.cases.save_view(case_id, view, elements)
    text = t("cv.saved_case", lang, name=saved["name"], case=case_id, n=saved["nodes"])
    if saved["dropped"]:
        text += " " + t("cv.dropped", lang, n=saved["dropped"])
    return message(text, "warning" if saved["dropped"] else "info")
