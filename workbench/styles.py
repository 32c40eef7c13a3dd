"""How graphs look: one colour and shape per node label, borders for the roles an entity plays
in a finding, and the highlight of a found path. The legend is drawn from the same table."""

from __future__ import annotations

from pathlib import Path

from bidgraph.graph.vocabulary import pair_tables

__all__ = ["LABEL_STYLE", "LEGEND_LABELS", "ROLE_STYLE", "stylesheet", "FONT", "layout_for"]

FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'

# label (or role label) → (colour, shape) and role in a finding → (border colour, border style):
# styles.toml beside this file; role labels follow Organization, so a bidder's colour wins.
_STYLES = pair_tables(Path(__file__).with_name("styles.toml"))
LABEL_STYLE = _STYLES["label"]
ROLE_STYLE = _STYLES["role"]

LEGEND_LABELS = [l for l in LABEL_STYLE if l not in ("Organization", "Email", "Address")]

LARGE = 150  # nodes on screen from which edge labels give way to a clean picture


def stylesheet(n_nodes: int = 0) -> list[dict]:
    """The Cytoscape stylesheet for every graph of the workbench; with ``LARGE`` nodes or more,
    relationship labels show only on selected edges."""
    rules = [
        {
            "selector": "node",
            "style": {
                "label": "data(label)",
                "font-size": 11,
                "font-family": FONT,
                "color": "#222",
                "text-valign": "bottom",
                "text-margin-y": 3,
                "text-wrap": "ellipsis",
                "text-max-width": 110,
                "min-zoomed-font-size": 9,
                "width": 26,
                "height": 26,
                "border-width": 1,
                "border-color": "#fff",
                "text-background-color": "#fff",
                "text-background-opacity": 0.7,
                "text-background-padding": 1,
            },
        },
        {
            "selector": "edge",
            "style": {
                "width": 1.4,
                "line-color": "#b8b8b8",
                "curve-style": "bezier",
                "target-arrow-shape": "triangle",
                "target-arrow-color": "#b8b8b8",
                "arrow-scale": 0.7,
                "label": "data(label)",
                "font-size": 8,
                "font-family": FONT,
                "color": "#666",
                "min-zoomed-font-size": 11,
                "text-rotation": "autorotate",
                "text-background-color": "#fff",
                "text-background-opacity": 0.7,
                "text-background-padding": 1,
            },
        },
    ]
    for label, (colour, shape) in LABEL_STYLE.items():
        rules.append({"selector": f"node.{label}", "style": {"background-color": colour, "shape": shape}})
    # a bid's id says nothing: its label shows only when selected (the details panel has the rest)
    rules.append({"selector": "node.Bid", "style": {"width": 14, "height": 14, "label": ""}})
    rules.append({"selector": "node.Bid:selected", "style": {"label": "data(label)"}})
    for role, (colour, line) in ROLE_STYLE.items():
        rules.append(
            {"selector": f"node.{role}", "style": {"border-width": 5, "border-color": colour, "border-style": line}}
        )
    rules += [
        {"selector": "node.focus", "style": {"width": 38, "height": 38, "font-weight": "bold"}},
        {
            "selector": "edge.evidence",
            "style": {"line-color": "#c00000", "target-arrow-color": "#c00000", "width": 2.5},
        },
        {"selector": "edge.path", "style": {"line-color": "#1f5fbf", "target-arrow-color": "#1f5fbf", "width": 4}},
        {
            "selector": "node.path",
            "style": {"underlay-color": "#1f5fbf", "underlay-opacity": 0.35, "underlay-padding": 7},
        },
        {"selector": ":selected", "style": {"overlay-color": "#1f5fbf", "overlay-opacity": 0.25}},
        # a ring's rotation (workbench/scheme_graph.py): wins solid red, cover bids dashed grey
        {"selector": "edge.won", "style": {"line-color": "#c00000", "target-arrow-color": "#c00000", "width": 3}},
        {
            "selector": "edge.cover",
            "style": {"line-style": "dashed", "line-color": "#8a8a8a", "width": 1.5, "label": ""},
        },
        {"selector": "node.outsider", "style": {"background-color": "#bdbdbd"}},
    ]
    if n_nodes >= LARGE:
        rules += [
            {"selector": "edge", "style": {"label": ""}},
            {"selector": "edge:selected", "style": {"label": "data(label)"}},
        ]
    return rules


def layout_for(name: str) -> dict:
    """Cytoscape layout options that stay readable: force-directed (fcose) spreads hubs' leaves
    around them and runs without animation, so 300+ nodes settle at once. Cytoscape reruns the
    layout whenever the elements change."""
    if name == "fcose":
        return {
            "name": "fcose",
            "animate": False,
            "randomize": True,
            "quality": "default",
            "nodeRepulsion": 9000,
            "idealEdgeLength": 60,
            "nodeSeparation": 60,
            "packComponents": True,
            "fit": True,
            "padding": 20,
        }
    if name == "concentric":
        return {"name": "concentric", "animate": False, "minNodeSpacing": 12, "fit": True}
    if name == "breadthfirst":
        return {"name": "breadthfirst", "animate": False, "spacingFactor": 1.1, "fit": True}
    return {"name": name, "animate": False, "fit": True}
