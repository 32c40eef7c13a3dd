"""The workbench's components, one function per page; no behaviour here (see callbacks/).

Component ids are ``kind-purpose`` (``button-expand``, ``table-findings``...).
"""

from __future__ import annotations

from typing import Any

import dash_cytoscape as cyto
from dash import dcc, html

# The class from its own module: the dash_table package re-exports it dynamically, out of mypy's sight.
from dash.dash_table.DataTable import DataTable

from bidgraph.workbench import canvas_layout
from bidgraph.workbench.complaints_page import complaints_page
from bidgraph.workbench.i18n import name, t
from bidgraph.workbench.inspections_page import inspections_page
from bidgraph.workbench.overdue_list import overdue_list
from bidgraph.workbench.portraits import links_bar, portrait_page, portrait_stores
from bidgraph.workbench.present import colon
from bidgraph.workbench.send_page import dropdown, send_panel
from bidgraph.workbench.styles import FONT, LABEL_STYLE, LEGEND_LABELS, layout_for, stylesheet
from bidgraph.workbench.today import today_panel

__all__ = ["build_layout", "LAYOUTS", "PAGES", "SUPERVISION_PAGES", "pages_for"]

PAGES = ("overview", "findings", "search", "explorer", "cart", "cases", "portrait")
SUPERVISION_PAGES = ("dispatch", "complaints", "inspections", "performance")  # with login only
# The pages with server callbacks that answer when the page is opened: each is told through its
# own store (``store-opened-<page>``, callbacks.opened), so a tab switch calls only its page's.
OPENED_PAGES = ("findings", "cart", "cases", *SUPERVISION_PAGES)
LAYOUTS = ("fcose", "concentric", "breadthfirst", "circle", "grid")
TABLE_STYLE: dict[str, Any] = dict(
    style_cell={
        "fontFamily": FONT,
        "fontSize": 13,
        "textAlign": "left",
        "padding": "4px 8px",
        "whiteSpace": "normal",
        "height": "auto",
        "maxWidth": 420,
    },
    style_header={"fontWeight": "bold", "backgroundColor": "#eef2f7"},
    style_table={"overflowX": "auto"},
)


def _graph(graph_id: str, height: str) -> cyto.Cytoscape:
    return cyto.Cytoscape(
        id=graph_id,
        elements=[],
        stylesheet=stylesheet(),
        layout=layout_for("fcose"),
        style={"width": "100%", "height": height},
        minZoom=0.1,
        maxZoom=1.6,
        className="graph",
    )


def _button(button_id: str, text: str, primary: bool = False) -> html.Button:
    return html.Button(text, id=button_id, n_clicks=0, className="btn btn-primary" if primary else "btn")


def _field(label: str, component) -> html.Div:
    return html.Div([html.Label(label, className="field-label"), component], className="field")


def _panel(title: str, *children, **kw) -> html.Div:
    """A panel of a page: its heading, then ``children``."""
    return html.Div([html.H3(title), *children], className="panel", **kw)


def _actions(*children) -> html.Div:
    """A row of fields and buttons."""
    return html.Div(list(children), className="actions")


def _overview(lang: str) -> html.Div:
    charts = [
        ("graph-by-detector", "ov.by_detector"),
        ("graph-by-region", "ov.by_region"),
        ("graph-by-month", "ov.by_month"),
        ("graph-by-category", "ov.by_category"),
    ]
    return html.Div(
        [
            today_panel(lang),
            html.Div(id="div-overview-msg", className="message"),
            html.Div(id="div-overview-counts", className="cards"),
            html.Div(
                [
                    html.Div(
                        [
                            html.H3(t(title, lang)),
                            dcc.Graph(id=gid, config={"displayModeBar": False}, style={"height": "300px"}),
                        ],
                        className="panel",
                    )
                    for gid, title in charts
                ],
                className="chart-grid",
            ),
            html.Div(
                [
                    html.H3(t("ov.ranking", lang)),
                    html.P(t("ov.ranking_note", lang), className="hint"),
                    DataTable(id="table-ranking", columns=[], data=[], page_size=10, **TABLE_STYLE),
                ],
                className="panel",
            ),
        ],
        className="page",
    )


def _findings(lang: str) -> html.Div:
    def filt(kind: str, key: str) -> dcc.Dropdown:
        return dropdown(f"dropdown-filter-{kind}", lang, multi=True, placeholder=t(key, lang), options=[])

    return html.Div(
        [
            html.Div(id="div-findings-msg", className="message"),
            html.Div(
                [
                    filt("detector", "fd.filter_detector"),
                    filt("severity", "fd.filter_severity"),
                    filt("region", "fd.filter_region"),
                ],
                className="filters",
            ),
            html.Div(id="div-findings-count", className="hint"),
            DataTable(
                id="table-findings",
                columns=[],
                data=[],
                page_size=12,
                sort_action="native",
                row_selectable="multi",
                selected_row_ids=[],
                filter_action="native",
                filter_options={"placeholder_text": t("fd.filter_ph", lang)},
                sort_by=[{"column_id": "score", "direction": "desc"}],
                style_cell_conditional=[{"if": {"column_id": "summary"}, "minWidth": 260}],
                **TABLE_STYLE,
            ),
            html.Div(
                [
                    html.Div(
                        [
                            html.Div(t("fd.pick", lang), id="div-finding-detail"),
                            html.Div(
                                [
                                    _field(
                                        t("ex.note", lang),
                                        dcc.Input(id="input-note-finding", type="text", debounce=False),
                                    ),
                                    _button("button-open-finding", t("fd.open", lang), primary=True),
                                    _button("button-pin-finding", t("fd.pin", lang)),
                                ],
                                className="actions",
                            ),
                            html.Div(id="div-pin-finding-msg"),
                            links_bar("finding"),
                        ],
                        className="panel detail",
                    ),
                    html.Div(
                        [html.H3(t("fd.evidence", lang)), _graph("cyto-evidence", "420px")], className="panel evidence"
                    ),
                ],
                className="two-columns",
            ),
        ],
        className="page",
    )


def _search(lang: str) -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    dcc.Input(
                        id="input-search",
                        type="text",
                        placeholder=t("se.placeholder", lang),
                        debounce=False,
                        className="search-box",
                        n_submit=0,
                    ),
                    _button("button-search", t("se.button", lang), primary=True),
                ],
                className="search-row",
            ),
            html.Div(id="div-search-msg", className="message"),
            links_bar("search"),
            DataTable(id="table-search", columns=[], data=[], page_size=20, **TABLE_STYLE),
        ],
        className="page",
    )


def _legend(lang: str) -> html.Div:
    items = [
        html.Span(
            [
                html.Span(className=f"swatch shape-{LABEL_STYLE[l][1]}", style={"backgroundColor": LABEL_STYLE[l][0]}),
                name("label", l, lang),
            ],
            className="legend-item",
        )
        for l in LEGEND_LABELS
    ]
    roles = [
        html.Span([html.Span(className=f"swatch ring-{r}"), name("role", r, lang)], className="legend-item")
        for r in ("member", "winner", "cover")
    ]
    path = html.Span([html.Span(className="swatch path-line"), t("ex.path", lang)], className="legend-item")
    return html.Div([html.Strong(t("ex.legend", lang) + colon(lang)), *items, *roles, path], className="legend")


def _explorer(lang: str) -> html.Div:
    hops = [{"label": str(h), "value": h} for h in range(1, 7)]
    controls = html.Div(
        [
            _field(
                t("ex.focus", lang), dropdown("dropdown-focus", lang, options=[], placeholder=t("ex.focus_ph", lang))
            ),
            _field(t("ex.types", lang), dropdown("dropdown-types", lang, options=[], multi=True)),
            html.Div(
                [
                    _button("button-expand", t("ex.expand", lang), primary=True),
                    _button("button-more", t("ex.more", lang)),
                    _button("button-clear", t("ex.clear", lang)),
                ],
                className="actions",
            ),
            html.Div([_button("button-links", t("ex.links", lang))], className="actions"),
            *canvas_layout.canvas_tools(lang),
            html.Hr(),
            _field(t("ex.path_from", lang), dropdown("dropdown-path-from", lang, options=[])),
            _field(t("ex.path_to", lang), dropdown("dropdown-path-to", lang, options=[])),
            html.Div(
                [
                    _field(
                        t("ex.path_hops", lang),
                        dropdown("dropdown-hops", lang, options=hops, value=4, clearable=False),
                    ),
                    _button("button-path", t("ex.path", lang), primary=True),
                ],
                className="actions",
            ),
            canvas_layout.path_types(lang),
            html.Hr(),
            _field(t("ex.ring", lang), dropdown("dropdown-ring", lang, options=[], placeholder=t("ex.ring_ph", lang))),
            html.Hr(),
            _field(t("ex.note", lang), dcc.Input(id="input-note-explorer", type="text")),
            html.Div(
                [
                    _button("button-pin-node", t("ex.pin_node", lang)),
                    _button("button-pin-path", t("ex.pin_path", lang)),
                ],
                className="actions",
            ),
            html.Div(id="div-pin-explorer-msg"),
            html.Hr(),
            canvas_layout.views_panel(lang),
            *canvas_layout.canvas_stores(),
        ],
        className="panel controls",
    )
    return html.Div(
        [
            controls,
            html.Div(
                [
                    html.Div(t("ex.empty", lang), id="div-explorer-msg", className="message"),
                    dcc.Loading(canvas_layout.canvas_graph(), type="dot", delay_show=400),
                    html.Div(id="div-explorer-stats", className="hint"),
                    _legend(lang),
                ],
                className="panel canvas",
            ),
            html.Div(
                [
                    html.H3(t("ex.details", lang)),
                    html.Div(id="div-details"),
                    links_bar("node"),
                    html.Div(
                        [
                            html.H4(t("ex.timeline", lang)),
                            dcc.Graph(id="graph-timeline", config={"displayModeBar": False}, style={"height": "240px"}),
                        ],
                        id="div-timeline",
                        style={"display": "none"},
                    ),
                    html.H4(t("ex.node_findings", lang)),
                    html.Div(id="div-node-findings"),
                ],
                className="panel details",
            ),
        ],
        className="page explorer",
    )


def _kept_explorer(lang: str, first_tab: str) -> html.Div:
    """The explorer page, outside the main tabs so that it is never unmounted: a tab's content is
    mounted each time the tab is opened, and the explorer's (eight drop-downs, the slider, the
    relation types and a 321-node graph) took 0.4-0.5 s of script in the tab's click. A second
    ``dcc.Tabs``, its bar hidden, holds the page unmounted ("later") until it is first opened or
    the browser has time to spare after the page loaded a kept canvas ("now", see
    ``assets/canvas.js``); from then on, switching tabs only changes the wrapper's class
    (``kept-hidden``: laid out and drawn, but invisible and taking no room)."""
    opened = first_tab == "explorer"
    return html.Div(
        dcc.Tabs(
            id="tabs-mount-explorer",
            value="now" if opened else "later",
            className="mount-switch",
            children=[dcc.Tab(value="later"), dcc.Tab(value="now", children=_explorer(lang))],
        ),
        id="div-page-explorer",
        className="kept-page" if opened else "kept-page kept-hidden",
    )


def _cart(lang: str) -> html.Div:
    formats = ["png", "xlsx", "csv", "graphml", "gexf", "json"]
    return html.Div(
        [
            html.Div(id="div-cart-msg", className="message"),
            html.Div(
                [
                    html.Strong(t("ca.export", lang) + colon(lang)),
                    *[_button(f"button-export-{f}", t(f"ca.{f}", lang)) for f in formats],
                    _button("button-cart-clear", t("ca.clear", lang)),
                ],
                className="actions export",
            ),
            DataTable(id="table-cart", columns=[], data=[], editable=True, row_deletable=True, **TABLE_STYLE),
            html.Div(_graph("cyto-cart", "520px"), className="panel"),
        ],
        className="page",
    )


def _cases(lang: str) -> html.Div:
    kinds = [{"label": name("case_kind", k, lang), "value": k} for k in ("review", "challenge", "complaint")]
    verdicts = [{"label": name("verdict", v, lang), "value": v} for v in ("confirmed", "dismissed")]
    create = html.Div(
        [
            html.H3(t("cs.new", lang)),
            html.Div(
                [
                    _field(
                        t("cs.title", lang),
                        dcc.Input(
                            id="input-case-title", type="text", placeholder=t("cs.title_ph", lang), className="wide"
                        ),
                    ),
                    _field(
                        t("cs.kind", lang),
                        dropdown("dropdown-case-kind", lang, options=kinds, value="review", clearable=False),
                    ),
                ],
                className="filters",
            ),
            html.Div(t("cs.none_selected", lang), id="div-case-selected", className="hint"),
            html.Div(
                [
                    _button("button-case-from-findings", t("cs.from_findings", lang), primary=True),
                    _button("button-case-from-cart", t("cs.from_cart", lang)),
                ],
                className="actions",
            ),
        ],
        className="panel",
    )
    listing = html.Div(
        [
            html.H3(t("cs.list", lang)),
            dcc.Checklist(
                id="checklist-cases-mine", options=[{"label": t("cs.mine", lang), "value": "mine"}], value=[]
            ),
            DataTable(
                id="table-cases",
                columns=[],
                data=[],
                page_size=10,
                **TABLE_STYLE,
                style_data_conditional=[
                    {"if": {"filter_query": "{overdue} = 1"}, "backgroundColor": "#fde2e2", "color": "#9b1c1c"}
                ],
            ),
        ],
        className="panel",
    )
    work = html.Div(
        [
            html.Div(t("cs.pick", lang), id="div-case-detail"),
            html.Div(
                [
                    _field(t("cs.status_to", lang), dropdown("dropdown-case-status", lang, options=[])),
                    _field(t("cs.reason", lang), dcc.Input(id="input-case-reason", type="text", className="wide")),
                    _button("button-case-move", t("cs.move", lang), primary=True),
                ],
                className="actions",
            ),
            html.Div(
                [
                    _field(t("cs.assignee", lang), dropdown("dropdown-case-assignee", lang, options=[])),
                    _button("button-case-assign", t("cs.assign", lang)),
                ],
                className="actions",
            ),
            html.Div(
                [
                    dcc.Input(
                        id="input-case-comment", type="text", placeholder=t("cs.comment_ph", lang), className="wide"
                    ),
                    _button("button-case-comment", t("cs.comment", lang)),
                ],
                className="actions",
            ),
            html.Div(
                [
                    dropdown("dropdown-feedback-finding", lang, options=[], placeholder=t("cs.finding_ph", lang)),
                    dropdown("dropdown-feedback-verdict", lang, options=verdicts, placeholder=t("cs.verdict_ph", lang)),
                    dcc.Input(id="input-feedback-reason", type="text", placeholder=t("cs.reason", lang)),
                    _button("button-feedback", t("cs.feedback", lang)),
                ],
                className="actions feedback",
            ),
            html.Div([_button("button-case-export", t("cs.export", lang), primary=True)], className="actions"),
        ],
        className="panel detail",
    )
    return html.Div([html.Div(id="div-cases-msg", className="message"), create, listing, work], className="page")


def _dispatch(lang: str, role: str | None = None) -> html.Div:
    """督办: the item list (a department's inbox, or the items the office sent), the chosen
    item, and the steps the role may take (a department replies; the office checks, closes and
    escalates)."""
    department = role == "department"
    listing = overdue_list(
        lang,
        ("checklist-dispatch-overdue", "button-dispatch-refresh", "table-dispatch"),
        t("dp.inbox" if department else "dp.sent", lang),
        t("dp.note", lang),
        top=(html.Div(id="div-dispatch-notes", className="hint"),),
    )
    reply = html.Div(
        [
            html.H3(t("dp.reply_h", lang)),
            dcc.Textarea(id="textarea-dispatch-result", placeholder=t("dp.result_ph", lang), className="wide"),
            dcc.Textarea(id="textarea-dispatch-sha", placeholder=t("dp.sha_ph", lang), className="wide"),
            html.Div([_button("button-dispatch-reply", t("dp.reply", lang), primary=True)], className="actions"),
        ],
        className="panel",
        style={} if department else {"display": "none"},
    )
    supervise = html.Div(
        [
            html.H3(t("dp.supervise_h", lang)),
            dcc.Input(id="input-dispatch-reason", type="text", placeholder=t("dp.reason_ph", lang), className="wide"),
            dcc.Input(id="input-dispatch-days", type="text", placeholder=t("dp.days_ph", lang)),
            html.Div(
                [
                    _button("button-dispatch-rectified", t("dp.rectified", lang), primary=True),
                    _button("button-dispatch-not-rectified", t("dp.not_rectified", lang)),
                    _button("button-dispatch-close", t("dp.close", lang)),
                    _button("button-dispatch-escalate", t("dp.escalate", lang)),
                ],
                className="actions",
            ),
        ],
        className="panel",
        style={"display": "none"} if department else {},
    )
    detail = html.Div(t("dp.pick", lang), id="div-dispatch-detail", className="panel detail")
    return html.Div(
        [
            send_panel(lang, department),
            listing,
            detail,
            html.Div(id="div-dispatch-msg", className="message"),  # beside the steps below
            reply,
            supervise,
        ],
        className="page",
    )


def _performance(lang: str) -> html.Div:
    """考核: the department performance of one month, and its Excel export."""
    return html.Div(
        [
            html.Div(id="div-performance-msg", className="message"),
            html.Div(
                [
                    html.P(t("pf.note", lang), className="hint"),
                    html.Div(
                        [
                            _field(
                                t("pf.period", lang),
                                dcc.Input(id="input-performance-period", type="text", placeholder="2026-11"),
                            ),
                            _button("button-performance-show", t("pf.show", lang), primary=True),
                            _button("button-performance-xlsx", t("pf.xlsx", lang)),
                        ],
                        className="actions",
                    ),
                    DataTable(id="table-performance", columns=[], data=[], page_size=20, **TABLE_STYLE),
                    dcc.Download(id="download-performance"),
                ],
                className="panel",
            ),
        ],
        className="page",
    )


def pages_for(account: dict | None) -> tuple[str, ...]:
    """The tabs an account sees: a department account only its 督办 inbox; staff every page
    plus 督办 and 考核; without login (``--no-auth``) the graph pages only."""
    if not account:
        return PAGES
    if account.get("role") == "department":
        return ("dispatch", "complaints")
    return (*PAGES, *SUPERVISION_PAGES)


def _account(account: dict | None, lang: str) -> list:
    """Who is logged in and a logout button (a form posting the session's CSRF token)."""
    if not account:
        return []
    region = account["region"] or t("auth.city", lang)
    who = t("auth.who", lang, name=account["name"], role=name("user_role", account["role"], lang), region=region)
    return [
        html.Span(who, id="span-user", className="user"),
        html.Form(
            [
                dcc.Input(type="hidden", name="csrf", value=account["csrf"]),
                html.Button(t("auth.logout", lang), id="button-logout", className="btn", type="submit"),
            ],
            action="/logout",
            method="post",
            className="logout",
        ),
    ]


def build_layout(lang: str, auth_enabled: bool, account: dict | None = None) -> html.Div:
    """The whole page in ``lang``; ``auth_enabled=False`` shows the "no login" banner;
    ``account`` (name, role, region, csrf) shows who is logged in and a logout button."""
    other = "en" if lang == "zh" else "zh"
    pages = {
        "overview": _overview,
        "findings": _findings,
        "search": _search,
        "cart": _cart,
        "cases": _cases,
        "portrait": portrait_page,
        "dispatch": lambda lang: _dispatch(lang, (account or {}).get("role")),
        "complaints": lambda lang: complaints_page(lang, (account or {}).get("role")),
        "inspections": inspections_page,
        "performance": _performance,
    }
    shown = pages_for(account)
    header = html.Div(
        [
            html.H1(t("app.title", lang)),
            html.Div(
                [
                    *_account(account, lang),
                    html.A(t("app.switch", lang), href=f"?lang={other}", id="link-lang", className="lang-switch"),
                ],
                className="header-right",
            ),
        ],
        className="header",
    )
    banner = [] if auth_enabled else [html.Div(t("app.no_auth", lang), id="div-no-auth", className="banner")]
    stores = [
        dcc.Store(id="store-lang", data=lang),
        *portrait_stores(),
        dcc.Store(id="store-open"),
        dcc.Store(id="store-finding"),
        dcc.Store(id="store-cart", data=[], storage_type="session"),
        dcc.Store(id="store-paging"),
        dcc.Store(id="store-lastpath"),
        dcc.Store(id="store-focus"),
        dcc.Store(
            id="store-elements", data=[], storage_type="session"
        ),  # the canvas survives reload and language switch
        dcc.Download(id="download-export"),
        dcc.Store(id="store-case"),
        dcc.Store(id="store-case-refresh"),
        dcc.Store(id="store-case-version"),
        dcc.Download(id="download-pack"),
        dcc.Store(id="store-dispatch"),
        dcc.Store(id="store-dispatch-refresh"),
        *[dcc.Store(id=f"store-opened-{p}") for p in OPENED_PAGES],
    ]
    tabs = dcc.Tabs(
        id="tabs-main",
        value=shown[0],
        className="tabs",
        children=[
            dcc.Tab(
                label=t(f"tab.{p}", lang),
                value=p,
                children=pages[p](lang) if p in pages else [],  # the explorer: see _kept_explorer
                className="tab",
                selected_className="tab-selected",
            )
            for p in shown
        ],
    )
    kept = [_kept_explorer(lang, shown[0])] if "explorer" in shown else []
    return html.Div(
        [*banner, header, *stores, tabs, *kept], className=f"app lang-{lang}", lang="zh-CN" if lang == "zh" else "en"
    )
