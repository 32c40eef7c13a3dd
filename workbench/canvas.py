"""The explorer's canvas as the analyst leaves it: positions computed here, deterministically
(the same elements and the same actions give the same picture), new nodes placed beside the
node they came from and every other node left where it is; hide, remove, pin and select on the
elements; edge labels in the page's language.

Elements are Cytoscape's (``{"data", "classes", "position", "locked"}``); Cytoscape draws them
with the ``preset`` layout (:func:`layout`), so nothing moves unless the analyst moves it.
"""

from __future__ import annotations

import math

from bidgraph.graph.schema import schema
from bidgraph.workbench.elements import SUMMARY, is_group
from bidgraph.workbench.i18n import name, t

__all__ = [
    "SPACING",
    "place",
    "arrange",
    "layout",
    "hide",
    "show_all",
    "remove",
    "pin",
    "neighbours",
    "edge_label",
    "relabel",
    "positions",
    "with_class",
    "CANVAS_RULES",
]

SPACING = 70  # px between rings and between nodes on a ring
FIRST_RING = 110


def _is_node(e: dict) -> bool:
    return "source" not in e["data"]


def _takes_place(e: dict) -> bool:
    """A node drawn at its own position: not inside a collapsed group, not an expanded group
    (Cytoscape draws that around its members)."""
    if not _is_node(e) or "folded" in e.get("classes", "").split():
        return False
    return not is_group(e) or bool(e["data"].get("collapsed"))


def positions(elements: list[dict]) -> dict[str, dict]:
    """Node id → its position, for the nodes that have one."""
    return {e["data"]["id"]: e["position"] for e in elements if _is_node(e) and e.get("position")}


def _slots(centre: dict, taken: list[tuple[float, float]]):
    """Free points on rings around ``centre``, nearest ring first, each ring from the top
    clockwise; a point within ``SPACING / 2`` of a taken one is skipped."""
    ring = 0
    while True:
        radius = FIRST_RING + ring * SPACING
        count = max(6, int(2 * math.pi * radius / SPACING))
        for k in range(count):
            angle = -math.pi / 2 + 2 * math.pi * k / count + (ring % 2) * math.pi / count
            x, y = round(centre["x"] + radius * math.cos(angle), 1), round(centre["y"] + radius * math.sin(angle), 1)
            if all((x - a) ** 2 + (y - b) ** 2 >= (SPACING / 2) ** 2 for a, b in taken):
                yield {"x": x, "y": y}
        ring += 1


def place(elements: list[dict], anchor: str | None = None) -> list[dict]:
    """Give every node without a position one beside ``anchor`` (the node they were expanded
    from; else the canvas centre), in element order; positioned nodes keep theirs."""
    placed = positions(elements)
    centre = placed.get(anchor or "", {"x": 0.0, "y": 0.0})
    if not placed and anchor:  # a fresh canvas: the anchor in the middle
        placed = {anchor: centre}
    taken = [(p["x"], p["y"]) for p in placed.values()]
    free = _slots(centre, taken)
    out = []
    for e in elements:
        if _takes_place(e) and not e.get("position"):
            pos = placed.get(e["data"]["id"]) or next(free)
            taken.append((pos["x"], pos["y"]))
            e = dict(e, position=pos)
        out.append(e)
    return out


def arrange(elements: list[dict], centre: str | None) -> list[dict]:
    """Tidy the canvas: ``centre`` in the middle, every other unpinned node on rings by its
    distance in links from it (nodes it cannot reach last); pinned nodes stay."""
    ids = [e["data"]["id"] for e in elements if _takes_place(e)]
    if not ids:
        return elements
    start: str = centre if centre is not None and centre in ids else ids[0]
    links: dict[str, list[str]] = {u: [] for u in ids}
    for e in elements:
        ends = (e["data"].get("source"), e["data"].get("target"))
        if not _is_node(e) and ends[0] in links and ends[1] in links:
            links[ends[0]].append(ends[1])
            links[ends[1]].append(ends[0])
    order, seen = [start], {start}
    for u in order:
        for v in links[u]:
            if v not in seen:
                seen.add(v)
                order.append(v)
    order += [u for u in ids if u not in seen]
    rank = {u: i for i, u in enumerate(order)}
    kept = [
        e if e.get("locked") or not _takes_place(e) else {k: v for k, v in e.items() if k != "position"}
        for e in elements
    ]
    kept = [dict(e, position={"x": 0.0, "y": 0.0}) if e["data"]["id"] == start else e for e in kept]
    ordered = sorted(kept, key=lambda e: rank.get(e["data"]["id"], -1))
    by_id = {e["data"]["id"]: e for e in place(ordered, start)}
    return [by_id[e["data"]["id"]] for e in elements]


def layout(fit: bool = True) -> dict:
    """Cytoscape's layout for a kept canvas: every node where its position says."""
    return {"name": "preset", "fit": fit, "padding": 30, "animate": False}


def with_class(e: dict, cls: str, on: bool) -> dict:
    classes = [c for c in e.get("classes", "").split() if c != cls] + ([cls] if on else [])
    return dict(e, classes=" ".join(classes))


def hide(elements: list[dict], ids: set[str]) -> list[dict]:
    """Hide the nodes ``ids`` (and so their links); they stay on the canvas, in place."""
    return [with_class(e, "hidden", True) if e["data"]["id"] in ids else e for e in elements]


def show_all(elements: list[dict]) -> list[dict]:
    return [with_class(e, "hidden", False) for e in elements]


def remove(elements: list[dict], ids: set[str]) -> list[dict]:
    """Take the nodes ``ids`` and their links off the canvas."""
    return [
        e
        for e in elements
        if e["data"]["id"] not in ids and e["data"].get("source") not in ids and e["data"].get("target") not in ids
    ]


def pin(elements: list[dict], ids: set[str], on: bool = True) -> list[dict]:
    """Pin (lock in place) or unpin the nodes ``ids``."""
    return [with_class(dict(e, locked=on), "pinned", on) if e["data"]["id"] in ids else e for e in elements]


def neighbours(elements: list[dict], ids: set[str]) -> set[str]:
    """The visible nodes linked to ``ids`` on the canvas, ``ids`` included."""
    hidden = {e["data"]["id"] for e in elements if {"hidden", "folded"} & set(e.get("classes", "").split())}
    out = set(ids)
    for e in elements:
        d = e["data"]
        if not _is_node(e) and (d["source"] in ids or d["target"] in ids):
            out |= {d["source"], d["target"]}
    return out - hidden


def edge_label(rel_type: str, props: dict | None, lang: str) -> str:
    """An edge's label: its type's name, and for a firm-level edge what stands behind it."""
    props = props or {}
    base = name("rel", rel_type, lang)
    if rel_type == "HOLDS_ROLE" and props.get("role"):
        return schema().value_label(props["role"], lang)
    if rel_type == SUMMARY:
        return t("cv.group_links", lang, n=props.get("count", 0))
    if rel_type == "CO_BID":
        return t("cv.co_bid", lang, lots=len(props.get("lots", [])), wins=props.get("wins", 0))
    if rel_type.startswith("USED_") and props.get("bids"):
        return base + " " + t("cv.times", lang, n=len(props["bids"]))
    return base


def relabel(elements: list[dict], lang: str) -> list[dict]:
    """The elements with their edge labels in ``lang`` (after a language switch)."""
    return [
        e
        if _is_node(e)
        else dict(e, data=dict(e["data"], label=edge_label(e["data"]["type"], e["data"].get("props"), lang)))
        for e in elements
    ]


CANVAS_RULES = [
    # drawing order by z-index alone (links under nodes as before), so that a collapsed group's
    # links and their counts can lie above the nodes they cross
    {"selector": "node", "style": {"z-index-compare": "manual", "z-index": 10}},
    {"selector": "edge", "style": {"z-index-compare": "manual", "z-index": 0}},
    {"selector": ".hidden", "style": {"display": "none"}},
    {"selector": "node.pinned", "style": {"border-width": 3, "border-color": "#333", "border-style": "double"}},
    {"selector": "edge.firm", "style": {"line-style": "solid", "width": 2.2, "target-arrow-shape": "none"}},
    {"selector": "edge.CO_BID", "style": {"line-color": "#4e79a7", "line-style": "dashed"}},
    # the analyst's groups (canvas_groups.py): a box around the members, or one node when collapsed
    {
        "selector": "node.group",
        "style": {
            "shape": "round-rectangle",
            "background-color": "#dfe6f2",
            "background-opacity": 0.45,
            "border-width": 1.5,
            "border-style": "dashed",
            "border-color": "#5b6f96",
            "padding": 16,
            "text-valign": "top",
            "text-margin-y": -3,
            "text-max-width": 220,
            "font-size": 12,
            "font-weight": "bold",
            "color": "#2f4166",
        },
    },
    {
        "selector": "node.group.collapsed",
        "style": {
            "width": 46,
            "height": 34,
            "background-color": "#5b6f96",
            "background-opacity": 1,
            "border-style": "solid",
            "padding": 0,
            "text-valign": "bottom",
            "text-margin-y": 4,
            "text-background-opacity": 0.9,
            "z-index": 20,
        },
    },
    {"selector": ".folded", "style": {"display": "none"}},
    {
        "selector": "edge.grouped",
        "style": {
            "width": 3,
            "line-color": "#5b6f96",
            "target-arrow-shape": "none",
            "z-index": 19,
            # the count by the group, not midway, where the neighbour's own links crowd it
            "label": "",
            "source-label": "data(label)",
            "source-text-offset": 18,
            "font-size": 11,
            "min-zoomed-font-size": 5,  # the count is what the edge is for: shown zoomed out too
            "color": "#2f4166",
            "text-background-color": "#fff",
            "text-background-opacity": 0.9,
            "text-background-padding": 2,
        },
    },
]
