"""The canvas's components in the explorer page: the graph itself (preset positions, box
selection), the tools acting on the selection, undo/redo, relation types for paths, and saved
views. ``layout._explorer`` places them; ``callbacks/explorer.py`` and ``assets/canvas.js``
give them behaviour."""

from __future__ import annotations

import dash_cytoscape as cyto
from dash import dcc, html

from bidgraph.graph.schema import schema
from bidgraph.workbench.canvas import layout
from bidgraph.workbench.canvas_style import STYLE_BY
from bidgraph.workbench.canvas_text import CANVAS_RELS
from bidgraph.workbench.i18n import name, t
from bidgraph.workbench.send_page import dropdown
from bidgraph.workbench.styles import stylesheet

__all__ = [
    "canvas_graph",
    "canvas_tools",
    "group_tools",
    "style_controls",
    "path_types",
    "views_panel",
    "canvas_stores",
]


def _button(button_id: str, text: str) -> html.Button:
    return html.Button(text, id=button_id, n_clicks=0, className="btn")


def canvas_graph() -> cyto.Cytoscape:
    return cyto.Cytoscape(
        id="cyto-explorer",
        elements=[],
        stylesheet=stylesheet(),
        layout=layout(),
        style={"width": "100%", "height": "640px"},
        minZoom=0.1,
        maxZoom=1.6,
        boxSelectionEnabled=True,
        autoRefreshLayout=False,
        className="graph",
    )


def _row(lang: str, *buttons: tuple[str, str]) -> html.Div:
    """A row of buttons, each given as (component id, string key)."""
    return html.Div([_button(button_id, t(key, lang)) for button_id, key in buttons], className="actions")


def canvas_tools(lang: str) -> list:
    """The selection's tools, undo/redo and tidy, under the expand buttons."""
    return [
        html.Label(t("cv.selection", lang), className="field-label"),
        _row(
            lang,
            ("button-hide", "cv.hide"),
            ("button-remove", "cv.remove"),
            ("button-expand-selected", "cv.expand_sel"),
            ("button-neighbours", "cv.neighbours"),
            ("button-pin", "cv.pin"),
            ("button-unpin", "cv.unpin"),
        ),
        _row(
            lang,
            ("button-undo", "cv.undo"),
            ("button-redo", "cv.redo"),
            ("button-show-all", "cv.show_all"),
            ("button-arrange", "cv.arrange"),
        ),
        _row(lang, ("button-behind", "cv.behind")),
        *group_tools(lang),
        *style_controls(lang),
    ]


def group_tools(lang: str) -> list:
    """Group the selection under a name; collapse, expand or dissolve the selected groups."""
    return [
        html.Label(t("cv.groups", lang), className="field-label"),
        dcc.Input(id="input-group-name", type="text", placeholder=t("cv.group_name_ph", lang)),
        _row(
            lang,
            ("button-group", "cv.group"),
            ("button-collapse", "cv.collapse"),
            ("button-expand-group", "cv.expand_group"),
            ("button-ungroup", "cv.ungroup"),
        ),
    ]


def style_controls(lang: str) -> list:
    """Size and colour by a stored property; the lot-opening-date window (its range is set from
    the store when the page loads)."""
    by = [{"label": t(f"cv.by_{k}", lang), "value": k} for k in STYLE_BY]
    return [
        html.Label(t("cv.size_by", lang), className="field-label"),
        dropdown("dropdown-style-by", lang, options=by, value="none", clearable=False),
        html.Label(t("cv.time", lang), className="field-label"),
        html.Div(
            dcc.RangeSlider(id="slider-time", min=0, max=1, step=1, value=[0, 1], marks=None, allowCross=False),
            className="time-slider",
        ),
        html.Div(id="div-time-range", className="hint"),
    ]


def path_types(lang: str) -> html.Div:
    """Relation types a path may go through (none: all)."""
    types = [r for r in schema().relationship_types if r not in CANVAS_RELS]
    return html.Div(
        [
            html.Label(t("cv.path_types", lang), className="field-label"),
            dcc.Checklist(
                id="checklist-path-types",
                options=[{"label": name("rel", r, lang), "value": r} for r in types],
                value=[],
                inline=True,
                className="checklist",
            ),
        ],
        className="field",
    )


def views_panel(lang: str) -> html.Div:
    """Save the canvas under a name; open a saved one."""
    return html.Div(
        [
            html.Label(t("cv.view_name", lang), className="field-label"),
            dcc.Input(id="input-view-name", type="text", placeholder=t("cv.view_name_ph", lang)),
            _row(lang, ("button-save-view", "cv.save_view")),
            html.Label(t("cv.views", lang), className="field-label"),
            dropdown("dropdown-views", lang, options=[], placeholder=t("cv.open_view", lang)),
        ],
        className="field",
    )


def canvas_stores() -> list:
    """Undo/redo history (this page's life), saved views (this browser, kept across sessions),
    and the nodes on screen as dropdown options (``callbacks/explorer.py``)."""
    return [
        dcc.Store(id="store-history"),
        dcc.Store(id="store-node-options"),
        dcc.Store(id="store-views", data={}, storage_type="local"),
    ]
