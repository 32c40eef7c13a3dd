"""The portraits page (画像档案: 企业画像, 专家画像, 项目档案) and the portrait links other pages
carry; components only (behaviour: ``workbench/callbacks/portraits.py``).

A portrait is addressed as ``kind:key`` (``firm:ORG000001``, ``expert:EXP00001``,
``project:PRJ000001``); the URL ``?portrait=firm:ORG000001`` opens it.
"""

from __future__ import annotations

import plotly.graph_objects as go
from dash import dcc, html

from bidgraph.workbench.i18n import t
from bidgraph.workbench.portrait_sections import Ref, Section
from bidgraph.workbench.send_page import dropdown
from bidgraph.workbench.styles import FONT

__all__ = ["KINDS", "portrait_page", "portrait_stores", "links_bar", "render", "link", "parse_ref", "ref_of_uid"]

KINDS = ("firm", "expert", "project")
LABELS = {
    "Organization": "firm",
    "Bidder": "firm",
    "Tenderer": "firm",
    "Agency": "firm",
    "Expert": "expert",
    "Project": "project",
}
ENTITIES = {"company": "firm", "expert": "expert", "project": "project"}


def parse_ref(text: str | None) -> tuple[str, str] | None:
    """``("firm", "ORG1")`` from ``firm:ORG1`` (None when it is not a portrait reference)."""
    kind, _, key = str(text or "").strip().partition(":")
    return (kind, key) if kind in KINDS and key else None


def ref_of_uid(uid: str) -> tuple[str, str] | None:
    """The portrait of a graph node ``Label:key`` (organizations, experts, projects; a lot's is its project's: None here)."""
    label, _, key = str(uid or "").partition(":")
    return (LABELS[label], key) if label in LABELS and key else None


def link(kind: str, key: str, text: str, lang: str) -> dcc.Link:
    """A link opening the portrait ``kind:key``."""
    return dcc.Link(text, href=f"?portrait={kind}:{key}", className="portrait-link", title=t(f"pt.kind.{kind}", lang))


def links_bar(source: str) -> html.Div:
    """Where a page shows the portrait links of what it has open (``source``: finding, search, node)."""
    return html.Div(id=f"div-portrait-links-{source}", className="portrait-links hint")


def portrait_stores() -> list:
    """Components outside the tabs: the URL (``?portrait=``), the open portrait, its PDF download."""
    return [
        dcc.Location(id="url-portrait", refresh=False),
        dcc.Store(id="store-portrait"),
        dcc.Download(id="download-portrait"),
    ]


def portrait_page(lang: str) -> html.Div:
    kinds = [{"label": t(f"pt.kind.{k}", lang), "value": k} for k in KINDS]
    controls = html.Div(
        [
            dropdown(
                "dropdown-portrait-kind", lang, options=kinds, value="firm", clearable=False, className="portrait-kind"
            ),
            dcc.Input(
                id="input-portrait-id", type="text", placeholder=t("pt.id_ph", lang), className="wide", n_submit=0
            ),
            html.Button(t("pt.open", lang), id="button-portrait-open", n_clicks=0, className="btn btn-primary"),
            html.Button(t("pt.pdf", lang), id="button-portrait-pdf", n_clicks=0, className="btn"),
        ],
        className="actions portrait-controls",
    )
    return html.Div(
        [
            html.Div(id="div-portrait-msg", className="message"),
            html.Div([controls, html.P(t("pt.pick", lang), className="hint")], className="panel"),
            dcc.Loading(html.Div(id="div-portrait"), type="dot", delay_show=400),
        ],
        className="page",
    )


def _cell(value, lang: str):
    return link(value.kind, value.key, value.text, lang) if isinstance(value, Ref) else value


def _chart(chart: dict) -> dcc.Graph:
    points = chart["kind"] == "points"  # dated steps on one time axis, a row per kind of step
    make = go.Bar if chart["kind"] == "bar" else go.Scatter
    extra = {"mode": "markers", "marker": {"size": 9, "color": "#1f4e8c"}} if points else {}
    traces = [make(x=chart["x"], y=ys, name=label, **extra) for label, ys in chart["series"].items()]
    fig = go.Figure(traces)
    fig.update_layout(
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font={"family": FONT, "size": 11},
        legend={"orientation": "h", "y": 1.15},
        plot_bgcolor="#fff",
        paper_bgcolor="#fff",
        barmode="group",
    )
    fig.update_xaxes(
        type="date" if points else "category", automargin=True, **({"tickformat": "%Y-%m"} if points else {})
    )
    fig.update_yaxes(gridcolor="#eee", automargin=True, **({"type": "category"} if points else {"rangemode": "tozero"}))
    rows = len(set(next(iter(chart["series"].values()))))
    height = f"{120 + 24 * rows}px" if points else "220px"
    return dcc.Graph(figure=fig, config={"displayModeBar": False}, style={"height": height})


def _section(s: Section, lang: str) -> html.Div:
    body: list = [html.H3(s.title)]
    if s.note:
        body.append(html.P(s.note, className="hint"))
    if s.chart:
        body.append(_chart(s.chart))
    if s.rows:
        head = html.Thead(html.Tr([html.Th(h) for h in s.header]))
        rows = html.Tbody([html.Tr([html.Td(_cell(c, lang)) for c in row]) for row in s.rows])
        body.append(html.Div(html.Table([head, rows], className="portrait-table"), className="portrait-scroll"))
    else:
        body.append(html.P(t("pt.none", lang), className="hint"))
    return html.Div(body, className="panel portrait-section")


def render(title: str, parts: list[Section], note: str, lang: str) -> html.Div:
    """The portrait on the page: its title, a note (scope, graph version) and every section."""
    return html.Div(
        [html.H2(title, id="h-portrait-title"), html.P(note, className="hint"), *[_section(s, lang) for s in parts]],
        id="div-portrait-body",
        className="portrait",
    )
