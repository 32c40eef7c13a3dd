"""A saved canvas (cases/views.py) drawn as a PNG for the evidence pack: every node where the
investigator left it, with its label, and the links between them, so the pack shows the
picture the investigator worked on.

Positions are the canvas's own (Cytoscape model coordinates), scaled to fit; hidden elements
are left out as they were on screen, and so are the members a collapsed group folds away. Nodes are coloured by kind (firms, persons, traces such
as IP/device/document, lots and projects, bids), wins red and cover bids dashed, as on the
canvas. The Chinese font is the report's (:func:`bidgraph.cases.report.find_cjk_font`).
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from bidgraph.cases.report import find_cjk_font
from bidgraph.graph.schema import schema

__all__ = ["render_view", "WIDTH", "HEIGHT"]

WIDTH, HEIGHT, MARGIN, RADIUS = 1600, 1000, 140, 11  # the margin holds half a long label
TRACES = {"IP", "Device", "Document", "Phone", "Email", "Address"}
FIRMS = {"Organization", "Bidder", "Tenderer", "Agency"}


def _colour(kind: str) -> str:
    if kind in FIRMS:
        return "#4e79a7"
    if kind in TRACES:
        return "#e15759"
    if kind in ("Person", "Expert"):
        return "#f28e2b"
    if kind in ("Lot", "Project"):
        return "#edc948"
    return "#bab0ac"


def _shown(element: dict) -> bool:
    """Drawn as on screen: not what the analyst hid or a collapsed group folds away, nor the box
    of an expanded group (Cytoscape draws it around its members; here the members are enough)."""
    data = element["data"]
    expanded_group = data.get("type") == schema().canvas_group and not data.get("collapsed")
    return not {"hidden", "folded"} & set(str(element.get("classes", "")).split()) and not expanded_group


def _placed(nodes: list[dict]) -> dict[str, tuple[float, float]]:
    """Node id -> pixel position: the saved positions scaled into the picture (a node saved
    without one goes to the left edge, in order)."""
    raw = {n["data"]["id"]: n.get("position") for n in nodes}
    known = [(p["x"], p["y"]) for p in raw.values() if isinstance(p, dict) and {"x", "y"} <= set(p)]
    x0, x1 = min((x for x, _ in known), default=0.0), max((x for x, _ in known), default=1.0)
    y0, y1 = min((y for _, y in known), default=0.0), max((y for _, y in known), default=1.0)
    scale = min((WIDTH - 2 * MARGIN) / max(x1 - x0, 1.0), (HEIGHT - 2 * MARGIN) / max(y1 - y0, 1.0))
    left, top = (WIDTH - (x1 - x0) * scale) / 2, (HEIGHT - (y1 - y0) * scale) / 2  # centred
    out, unplaced = {}, 0
    for uid, p in raw.items():
        if isinstance(p, dict) and {"x", "y"} <= set(p):
            out[uid] = (left + (p["x"] - x0) * scale, top + (p["y"] - y0) * scale)
        else:
            out[uid] = (MARGIN / 2, MARGIN + 24 * unplaced)
            unplaced += 1
    return out


def _dashed(draw: ImageDraw.ImageDraw, a: tuple[float, float], b: tuple[float, float], fill: str) -> None:
    steps = max(int(((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5 // 8), 1)
    for i in range(0, steps, 2):
        s, e = i / steps, min((i + 1) / steps, 1.0)
        draw.line(
            [a[0] + (b[0] - a[0]) * s, a[1] + (b[1] - a[1]) * s, a[0] + (b[0] - a[0]) * e, a[1] + (b[1] - a[1]) * e],
            fill=fill,
            width=2,
        )


def render_view(elements: list[dict]) -> bytes:
    """The canvas ``elements`` (nodes with ``position``, links) as PNG bytes."""
    shown = [e for e in elements if _shown(e)]
    nodes = [e for e in shown if "source" not in e["data"]]
    at = _placed(nodes)
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(find_cjk_font(), 15)
    for e in shown:
        d = e["data"]
        if "source" not in d or d["source"] not in at or d["target"] not in at:
            continue
        classes = str(e.get("classes", "")).split()
        a, b = at[d["source"]], at[d["target"]]
        if "cover" in classes:
            _dashed(draw, a, b, "#8a8a8a")
        else:
            red = "won" in classes or "evidence" in classes
            draw.line([a, b], fill="#c00000" if red else "#b8b8b8", width=3 if red else 2)
    for n in nodes:
        x, y = at[n["data"]["id"]]
        kind = str(n["data"].get("type") or n["data"]["id"].partition(":")[0])
        draw.ellipse([x - RADIUS, y - RADIUS, x + RADIUS, y + RADIUS], fill=_colour(kind), outline="white", width=2)
        label = str(n["data"].get("label") or n["data"]["id"].partition(":")[2])
        draw.text((x, y + RADIUS + 3), label, fill="#222222", font=font, anchor="ma")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
