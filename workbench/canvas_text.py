"""The canvas's strings and the names of the firm-level relationship types: data in
``strings/canvas.toml``, merged into ``i18n.STRINGS`` and the ``rel`` names there; the
relationship names are here for the canvas's layout, which draws those links."""

from __future__ import annotations

from pathlib import Path

from bidgraph.graph.vocabulary import pair_tables

__all__ = ["CANVAS_STRINGS", "CANVAS_RELS"]

_CANVAS = pair_tables(Path(__file__).with_name("strings") / "canvas.toml")
CANVAS_STRINGS = _CANVAS["strings"]
CANVAS_RELS = _CANVAS["names.rel"]
