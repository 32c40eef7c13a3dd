"""Groups on the canvas: the analyst gathers selected nodes under a named group (a compound
node, Cytoscape's ``parent``), collapses it into one node whose links to the rest of the canvas
are drawn as one edge per neighbour carrying their count ("5 条关系"), and expands it back.
Plain functions of the elements, like ``canvas.py``: the undo history, session storage and saved
views keep groups as they keep everything else.

A group is a node ``group:N`` (``data.type`` ``Group``, ``data.name`` as typed, ``data.collapsed``);
a member names it in ``data.group``. :func:`refold` derives the rest from that after every change:
``data.parent`` (none while collapsed), the ``folded`` class of the members and links a collapsed
group hides, its summary edges, and the labels in the page's language. A group without members
left (removed, out of the user's region) is dropped.
"""

from __future__ import annotations

from collections import Counter
from itertools import count

from bidgraph.workbench.canvas import edge_label, with_class
from bidgraph.workbench.elements import GROUP, SUMMARY, edge_key, is_group
from bidgraph.workbench.i18n import t
from bidgraph.workbench.messages import message

__all__ = ["GROUP_BUTTONS", "group", "collapse", "ungroup", "with_members", "graph_only", "refold", "group_action"]

GROUP_BUTTONS = ("button-group", "button-collapse", "button-expand-group", "button-ungroup")

PREFIX = "group:"


def _groups(elements: list[dict]) -> dict[str, dict]:
    return {e["data"]["id"]: e for e in elements if is_group(e)}


def _members(elements: list[dict]) -> dict[str, list[dict]]:
    """Group id → its member nodes, in element order."""
    out: dict[str, list[dict]] = {}
    for e in elements:
        if e["data"].get("group") and "source" not in e["data"]:
            out.setdefault(e["data"]["group"], []).append(e)
    return out


def _targets(elements: list[dict], ids: set[str]) -> set[str]:
    """The groups ``ids`` names: selected groups and the groups of selected members."""
    groups = _groups(elements)
    return {
        e["data"]["id"] if is_group(e) else e["data"]["group"]
        for e in elements
        if e["data"]["id"] in ids and (is_group(e) or e["data"].get("group") in groups)
    }


def with_members(elements: list[dict], ids: set[str]) -> set[str]:
    """``ids`` and the members of the groups among them."""
    members = _members(elements)
    return set(ids) | {m["data"]["id"] for g in ids for m in members.get(g, [])}


def graph_only(ids: set[str]) -> set[str]:
    """The graph nodes among ``ids`` (what expanding or pinning can act on)."""
    return {u for u in ids if not u.startswith(PREFIX)}


def group(elements: list[dict], ids: set[str], name: str | None) -> tuple[list[dict], str | None]:
    """Gather the nodes ``ids`` (a selected group's members with them) into a new group called
    ``name`` (blank: numbered); returns the elements and the new group's id (None: no node)."""
    groups = _groups(elements)
    chosen = {e["data"]["id"] for e in elements if "source" not in e["data"] and not is_group(e)} & with_members(
        elements, ids
    )
    if not chosen:
        return elements, None
    gid = next(f"{PREFIX}{n}" for n in count(1) if f"{PREFIX}{n}" not in groups)
    node = {"data": {"id": gid, "type": GROUP, "name": (name or "").strip(), "collapsed": False}, "classes": "group"}
    out = [dict(e, data=dict(e["data"], group=gid)) if e["data"]["id"] in chosen else e for e in elements]
    return [node, *out], gid  # a parent before its children: Cytoscape adds them in this order


def _centre(nodes: list[dict]) -> dict | None:
    placed = [e["position"] for e in nodes if e.get("position")]
    if not placed:
        return None
    return {k: round(sum(p[k] for p in placed) / len(placed), 1) for k in ("x", "y")}


def _stand(nodes: list[dict], centre: dict) -> dict:
    """Where a collapsed group stands: the place of its member nearest the members' centre (a
    place the layout kept free for a node, which the centre of a ring of members is not)."""
    placed = [e["position"] for e in nodes if e.get("position")]
    return min(placed, key=lambda p: ((p["x"] - centre["x"]) ** 2 + (p["y"] - centre["y"]) ** 2, p["x"], p["y"]))


def collapse(elements: list[dict], ids: set[str], on: bool = True) -> tuple[list[dict], int]:
    """Collapse (or, ``on`` False, expand) the groups ``ids`` names. A collapsed group stands
    in the place of its member nearest their centre; expanded after being dragged, its members
    move with it (pinned ones stay). Returns the elements and how many groups changed."""
    groups = _groups(elements)
    targets = {g for g in _targets(elements, ids) if bool(groups[g]["data"].get("collapsed")) != on}
    members = _members(elements)
    shift: dict[str, dict] = {}
    out = []
    for e in elements:
        gid = e["data"]["id"]
        if gid not in targets:
            out.append(e)
            continue
        centre = _centre(members.get(gid, []))
        if on:
            e = dict(e, position=_stand(members[gid], centre)) if centre else e
        else:
            if centre and e.get("position"):
                stood = _stand(members[gid], centre)
                shift[gid] = {k: e["position"][k] - stood[k] for k in ("x", "y")}
            e = {k: v for k, v in e.items() if k != "position"}
        out.append(dict(e, data=dict(e["data"], collapsed=on)))
    return [_moved(e, shift.get(e["data"].get("group", ""))) for e in out], len(targets)


def _moved(e: dict, by: dict | None) -> dict:
    if not by or e.get("locked") or not e.get("position"):
        return e
    return dict(e, position={k: round(e["position"][k] + by[k], 1) for k in ("x", "y")})


def ungroup(elements: list[dict], ids: set[str]) -> tuple[list[dict], int]:
    """Dissolve the groups ``ids`` names; their members stay where they are."""
    targets = _targets(elements, ids)
    out = [
        {**e, "data": {k: v for k, v in e["data"].items() if k not in ("group", "parent")}}
        if e["data"].get("group") in targets
        else e
        for e in elements
        if e["data"]["id"] not in targets
    ]
    return out, len(targets)


def _summaries(elements: list[dict], stands_for: dict[str, str], lang: str) -> list[dict]:
    """One edge per collapsed group and neighbour, counting the links it stands for."""
    pairs: Counter = Counter()
    for e in elements:
        d = e["data"]
        if "source" not in d or d.get("type") == SUMMARY:
            continue
        a, b = stands_for.get(d["source"], d["source"]), stands_for.get(d["target"], d["target"])
        if a != b and (a != d["source"] or b != d["target"]):
            pairs[(a, b) if a in stands_for.values() else (b, a)] += 1
    return [
        {
            "data": {
                "id": edge_key(a, SUMMARY, b),
                "source": a,
                "target": b,
                "type": SUMMARY,
                "label": edge_label(SUMMARY, {"count": n}, lang),
                "props": {"count": n},
            },
            "classes": f"{SUMMARY} grouped",
        }
        for (a, b), n in sorted(pairs.items())
    ]


def _label(e: dict, size: int, lang: str) -> str:
    d = e["data"]
    name = d.get("name") or t("cv.group_unnamed", lang, n=d["id"].removeprefix(PREFIX))
    return t("cv.group_label", lang, name=name, n=size)


def refold(elements: list[dict], lang: str) -> list[dict]:
    """The elements with their groups made consistent (see the module's docstring)."""
    members = _members(elements)
    groups = {g: e for g, e in _groups(elements).items() if members.get(g)}
    if not groups and not members and not any(e["data"].get("type") == SUMMARY for e in elements):
        return elements
    folded = {m["data"]["id"]: g for g, e in groups.items() if e["data"].get("collapsed") for m in members[g]}
    out = []
    for e in elements:
        d = e["data"]
        if is_group(e):
            if d["id"] in groups:
                data = dict(d, label=_label(e, len(members[d["id"]]), lang))
                out.append(with_class(dict(e, data=data), "collapsed", bool(d.get("collapsed"))))
        elif "source" in d:
            if d.get("type") != SUMMARY:
                out.append(with_class(e, "folded", d["source"] in folded or d["target"] in folded))
        else:
            data = {k: v for k, v in d.items() if k not in ("group", "parent")}
            if d.get("group") in groups:
                data["group"] = d["group"]
                if d["id"] not in folded:
                    data["parent"] = d["group"]
            out.append(with_class(dict(e, data=data), "folded", d["id"] in folded))
    return out + _summaries(out, folded, lang)


def group_action(elements: list[dict], trigger: str, selected: set[str], name: str | None, lang: str):
    """What a group button does to the selection; returns the elements and a message."""
    if trigger == "button-group":
        out, gid = group(elements, selected, name)
        if gid is None:
            return elements, message(t("cv.none_selected", lang), "warning")
        shown = refold(out, lang)
        members = sum(1 for e in shown if e["data"].get("group") == gid)
        label = next(e["data"].get("name") for e in shown if e["data"]["id"] == gid)
        label = label or t("cv.group_unnamed", lang, n=gid.removeprefix(PREFIX))
        return shown, message(t("cv.grouped", lang, n=members, name=label), "info")
    if trigger == "button-ungroup":
        out, n = ungroup(elements, selected)
        key = "cv.ungrouped"
    else:
        out, n = collapse(elements, selected, trigger == "button-collapse")
        key = "cv.groups_collapsed" if trigger == "button-collapse" else "cv.groups_expanded"
    if not n:
        return elements, message(t("cv.no_group", lang), "warning")
    return out, message(t(key, lang, n=n), "info")
