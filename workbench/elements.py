"""Cytoscape elements from the query API's nodes and relationships, and the few operations
the explorer applies to the elements on screen (merge, mark, list)."""

from __future__ import annotations

from bidgraph.graph.schema import schema

__all__ = [
    "GROUP",
    "SUMMARY",
    "is_group",
    "node_element",
    "edge_element",
    "merge",
    "mark",
    "node_ids",
    "edge_count",
    "on_screen_options",
    "first_options",
    "edge_key",
]

CAPTION_MAX = 16
OPTIONS_SHOWN = 50  # a node dropdown's options before a search (assets/node_options.js: the same)
GROUP = schema().canvas_group  # the analyst's groups (canvas_groups.py): canvas nodes that are not graph nodes
SUMMARY = "GROUPED"  # a collapsed group's links to one neighbour, as one edge


def is_group(e: dict) -> bool:
    return e["data"].get("type") == GROUP and "source" not in e["data"]


def _short(text: str) -> str:
    return text if len(text) <= CAPTION_MAX else text[: CAPTION_MAX - 1] + "…"


def node_element(node: dict, classes: tuple[str, ...] = ()) -> dict:
    """One node as a Cytoscape element; its classes are its labels (colour, shape) plus ``classes``."""
    return {
        "data": {
            "id": node["id"],
            "label": _short(str(node.get("caption") or node["key"])),
            "caption": str(node.get("caption") or node["key"]),
            "type": node["label"],
        },
        "classes": " ".join(dict.fromkeys([*node.get("labels", [node["label"]]), *classes])),
    }


def edge_key(source: str, rel_type: str, target: str) -> str:
    return f"{source}|{rel_type}|{target}"


def edge_element(edge: dict, classes: tuple[str, ...] = (), label: str | None = None) -> dict:
    """One relationship as a Cytoscape edge, identified by its ends and type (so the same
    relationship reached twice is drawn once)."""
    return {
        "data": {
            "id": edge_key(edge["source"], edge["type"], edge["target"]),
            "source": edge["source"],
            "target": edge["target"],
            "type": edge["type"],
            "label": label or edge["type"],
        },
        "classes": " ".join(dict.fromkeys([edge["type"], *classes])),
    }


def merge(elements: list[dict] | None, new: list[dict]) -> list[dict]:
    """``elements`` with ``new`` added; an element already present keeps its place and gains the
    new one's classes. Edges whose ends are missing are dropped."""
    out = [dict(e, data=dict(e["data"])) for e in (elements or [])]
    where = {e["data"]["id"]: i for i, e in enumerate(out)}
    for el in new:
        i = where.get(el["data"]["id"])
        if i is None:
            where[el["data"]["id"]] = len(out)
            out.append(el)
        else:
            classes = out[i].get("classes", "").split() + el.get("classes", "").split()
            out[i] = dict(out[i], classes=" ".join(dict.fromkeys(classes)))
    nodes = {e["data"]["id"] for e in out if "source" not in e["data"]}
    return [
        e for e in out if "source" not in e["data"] or (e["data"]["source"] in nodes and e["data"]["target"] in nodes)
    ]


def mark(elements: list[dict], ids: set[str], cls: str, only: bool = True) -> list[dict]:
    """Give class ``cls`` to the elements whose id is in ``ids``; with ``only``, take it from
    every other element (one highlighted path or ring at a time)."""
    out = []
    for e in elements:
        classes = [c for c in e.get("classes", "").split() if not (only and c == cls)]
        if e["data"]["id"] in ids:
            classes.append(cls)
        out.append(dict(e, classes=" ".join(dict.fromkeys(classes))))
    return out


def node_ids(elements: list[dict] | None) -> list[str]:
    """The graph nodes on the canvas (not the analyst's groups)."""
    return [e["data"]["id"] for e in elements or [] if "source" not in e["data"] and not is_group(e)]


def edge_count(elements: list[dict] | None) -> int:
    return sum(1 for e in elements or [] if "source" in e["data"])


def on_screen_options(elements: list[dict] | None, label_name) -> list[dict]:
    """Dropdown options for the nodes on screen: "[label] caption (key)"."""
    opts = []
    for e in elements or []:
        d = e["data"]
        if "source" in d or is_group(e):
            continue
        key = d["id"].partition(":")[2]
        caption = d.get("caption", key)
        text = f"[{label_name(d['type'])}] {caption}" + (f" ({key})" if caption != key else "")
        opts.append({"label": text, "value": d["id"]})
    return sorted(opts, key=lambda o: o["label"])


def first_options(options: list[dict], value: str | None, more: str) -> list[dict]:
    """What a node dropdown offers before a search: the chosen node, the first ``OPTIONS_SHOWN``
    others and, if there are more, a line saying to type (``more``, with ``{n}``). A dropdown
    indexes every option for search as it mounts: 300 cost a quarter of a second."""
    chosen = [o for o in options if o["value"] == value]
    others = [o for o in options if o["value"] != value]
    rest = len(others) - OPTIONS_SHOWN
    tail = [{"label": more.replace("{n}", str(rest)), "value": "…", "disabled": True}] if rest > 0 else []
    return chosen + others[:OPTIONS_SHOWN] + tail
