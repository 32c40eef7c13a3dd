"""Graph explorer: open nodes, expand them by relationship type with a cap and "more", draw the
links among what is on screen, find paths, highlight a finding's members, show a node's
details and an organization's bids over time.

The plain functions here take the workbench data (:class:`~bidgraph.workbench.data.WorkbenchData`)
and the elements on screen and return new elements plus a message; ``register`` wires them.
"""

from __future__ import annotations

import time

import plotly.graph_objects as go
from dash import ALL, ClientsideFunction, Input, Output, State, ctx, html, no_update

from bidgraph.errors import NotFound
from bidgraph.graph.firm_view import supports
from bidgraph.workbench import canvas, canvas_groups, canvas_style
from bidgraph.workbench.canvas_ops import (
    expand_firms,
    known_subgraph,
    open_behind,
    open_case_view,
    restore,
    save_case_view,
)
from bidgraph.workbench.elements import (
    edge_count,
    edge_element,
    edge_key,
    first_options,
    mark,
    merge,
    node_element,
    node_ids,
    on_screen_options,
)
from bidgraph.workbench.i18n import name, property_text, t
from bidgraph.workbench.messages import guarded, message
from bidgraph.workbench.styles import FONT, ROLE_STYLE
from bidgraph.workbench.views import entity_uid, organization_timeline

__all__ = [
    "PAGE",
    "open_request",
    "known_subgraph",
    "graph_elements",
    "open_nodes",
    "expand",
    "links_among",
    "find_paths",
    "highlight_finding",
    "node_details",
    "register",
]

PAGE = 25  # neighbours shown per expansion; hubs go on with "more"


def open_request(
    uids: list[str],
    focus: str | None = None,
    roles: dict[str, str] | None = None,
    evidence: list[list[str]] | None = None,
) -> dict:
    """What the search, overview and findings pages send the explorer: the nodes to show, the
    node to focus, the finding roles to highlight and the evidence edges to mark."""
    return {
        "uids": list(dict.fromkeys(uids)),
        "focus": focus or (uids[0] if uids else None),
        "roles": roles or {},
        "evidence": evidence or [],
        "nonce": time.time_ns(),
    }


def _role_classes(role: str | None) -> tuple[str, ...]:
    return (role,) if role in ROLE_STYLE else ()


def graph_elements(
    sub: dict,
    lang: str,
    roles: dict[str, str] | None = None,
    evidence: list[list[str]] | None = None,
    focus: str | None = None,
) -> list[dict]:
    """Elements for a subgraph: nodes with their finding roles, evidence edges marked."""
    roles, marked = roles or {}, {edge_key(*e) for e in evidence or []}
    nodes = [
        node_element(n, _role_classes(roles.get(n["id"])) + (("focus",) if n["id"] == focus else ()))
        for n in sub["nodes"]
    ]
    edges = []
    for e in sub["edges"]:
        keys = {edge_key(e["source"], e["type"], e["target"]), edge_key(e["target"], e["type"], e["source"])}
        edges.append(edge_element(e, ("evidence",) if keys & marked else (), name("rel", e["type"], lang)))
    return nodes + edges


def open_nodes(data, request: dict, lang: str) -> tuple[list[dict], object]:
    """A fresh screen with the requested nodes and the links among them."""
    sub, missing = known_subgraph(data.api, request["uids"])
    if not sub["nodes"]:
        raise NotFound(", ".join(missing) or "—")
    elements = canvas.place(
        graph_elements(sub, lang, request.get("roles"), request.get("evidence"), request.get("focus")),
        request.get("focus"),
    )
    msg = (
        message(t("fd.missing_nodes", lang, n=len(missing), ids=", ".join(missing[:5])), "warning") if missing else None
    )
    return elements, msg


def expand(
    data, elements: list[dict], uid: str, types: list[str] | None, offset: int, lang: str, limit: int = PAGE
) -> tuple[list[dict], dict, object]:
    """Add up to ``limit`` neighbours of ``uid`` (from ``offset``); returns the elements, the
    paging state for "more" and a message (a hub says how many links remain)."""
    page = data.api.expand(uid, types=types or None, limit=limit, offset=offset)
    new = [node_element(n) for n in page["nodes"]] + [
        edge_element(e, (), name("rel", e["type"], lang)) for e in page["edges"]
    ]
    elements = canvas.place(merge(elements, new), uid)
    shown = min(page["total"], offset + len(page["edges"]))
    paging = {"uid": uid, "types": types or [], "offset": shown, "total": page["total"]}
    caption = data.api.node(uid)["caption"]
    if not page["edges"]:
        return elements, paging, message(t("ex.no_more", lang), "info")
    text = t("ex.expanded", lang, node=caption, total=page["total"], shown=shown)
    if shown < page["total"]:
        text += " " + t("ex.hub", lang, total=page["total"])
    return elements, paging, message(text, "info")


def links_among(data, elements: list[dict], lang: str) -> tuple[list[dict], object]:
    """Add every relationship among the nodes on screen."""
    sub = data.api.subgraph(node_ids(elements))
    before = edge_count(elements)
    elements = merge(elements, [edge_element(e, (), name("rel", e["type"], lang)) for e in sub["edges"]])
    return elements, message(t("ex.links_done", lang, n=edge_count(elements) - before), "info")


def find_paths(
    data, elements: list[dict], a: str, b: str, hops: int, lang: str, types: list[str] | None = None
) -> tuple[list[dict], dict | None, object]:
    """Add the shortest paths (up to ``hops`` links, only through ``types`` if given) between
    ``a`` and ``b`` and highlight them; the path record is what "pin path" puts in the cart."""
    found = data.api.paths(a, b, max_hops=hops, limit=10, types=types or None)
    if not found["paths"]:
        return elements, None, message(t("ex.no_path", lang, hops=hops), "warning")
    edges = [e for p in found["paths"] for e in p["edges"]]
    new = [node_element(n) for n in found["nodes"]] + [edge_element(e, (), name("rel", e["type"], lang)) for e in edges]
    elements = canvas.place(merge(elements, new), a)
    on_path = {u for p in found["paths"] for u in p["nodes"]} | {
        edge_key(e["source"], e["type"], e["target"]) for e in edges
    }
    elements = mark(elements, on_path, "path")
    record = {
        "a": a,
        "b": b,
        "paths": [p["nodes"] for p in found["paths"]],
        "nodes": list(dict.fromkeys(u for p in found["paths"] for u in p["nodes"])),
        "edges": [[e["source"], e["type"], e["target"]] for e in edges],
    }
    hops_found = len(found["paths"][0]["nodes"]) - 1
    return elements, record, message(t("ex.paths", lang, n=len(found["paths"]), hops=hops_found), "info")


def highlight_finding(data, elements: list[dict], finding_id: str, lang: str) -> tuple[list[dict], object]:
    """Show a finding's entities (adding those not on screen) with borders for their roles."""
    finding = data.finding(finding_id)
    roles = {entity_uid(e): e.get("role") for e in finding.get("entities", [])}
    sub, _ = known_subgraph(data.api, node_ids(elements) + list(roles))
    elements = canvas.place(merge(elements, graph_elements(sub, lang)), next(iter(node_ids(elements)), None))
    for role in ROLE_STYLE:
        elements = mark(elements, {u for u, r in roles.items() if r == role}, role)
    members = sum(1 for u in roles if u in set(node_ids(elements)))
    return elements, message(t("ex.ring_done", lang, id=finding_id, n=members), "info")


def _timeline_figure(frame, lang: str) -> go.Figure:
    fig = go.Figure(
        [
            go.Bar(x=frame["month"], y=frame["bids"], name=t("ex.bids", lang), marker_color="#bab0ac"),
            go.Bar(x=frame["month"], y=frame["wins"], name=t("ex.wins", lang), marker_color="#c00000"),
        ]
    )
    fig.update_layout(
        barmode="group",
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font={"family": FONT, "size": 11},
        legend={"orientation": "h", "y": 1.15},
        plot_bgcolor="#fff",
        paper_bgcolor="#fff",
    )
    fig.update_xaxes(type="category", automargin=True)
    fig.update_yaxes(gridcolor="#eee", automargin=True)
    return fig


def node_details(data, uid: str, lang: str) -> dict:
    """Everything the details panel shows about one node: its properties and where they came
    from, its links per type (the expand choices), the findings naming it, and for an
    organization its bids and wins per month."""
    node = data.api.node(uid)
    head = [
        (t("col.type", lang), " / ".join(name("label", l, lang) for l in node["labels"])),
        (t("col.key", lang), node["key"]),
    ]
    # a trace's kind says what its label says (类型 IP地址 twice): each row once
    shown = [property_text(node["label"], k, v, lang) for k, v in node["properties"].items()]
    rows = [html.Tr([html.Th(k), html.Td(v)]) for k, v in dict.fromkeys([*head, *shown])]
    src = node.get("source")
    where = (
        t("ex.source", lang, file=src.get("file"), row=src.get("row"), table=src.get("table"))
        if src
        else t("ex.no_source", lang)
    )
    degree = node.get("degree", {})
    details = html.Div(
        [
            html.H4(node["caption"]),
            html.Table(rows, className="props"),
            html.P(where, className="hint source"),
            html.P(
                t("ex.degree", lang) + "：" + "，".join(f"{name('rel', k, lang)} {v}" for k, v in degree.items()),
                className="hint",
            ),
        ]
    )
    type_options = [{"label": f"{name('rel', k, lang)} ({v})", "value": k} for k, v in degree.items()]
    finding_ids = data.by_entity().get(uid, [])
    findings = [data.finding(f) for f in finding_ids]
    links = [
        html.Button(
            f"{f['id']} · {name('detector', f['detector'], lang)} · {f['score']:.2f}",
            id={"type": "button-node-finding", "index": f["id"]},
            n_clicks=0,
            className="link-button",
        )
        for f in sorted(findings, key=lambda f: -f.get("score", 0))
    ]
    ring_options = [{"label": f"{f['id']} {name('detector', f['detector'], lang)}", "value": f["id"]} for f in findings]
    timeline = None
    if node["label"] == "Organization":
        frame = organization_timeline(data.api.snapshot(), node["key"])
        timeline = _timeline_figure(frame, lang) if len(frame) else None
    return {
        "details": details,
        "types": type_options,
        "findings": links or "—",
        "rings": ring_options,
        "timeline": timeline,
    }


def _selected(nodes: list[dict] | None) -> set[str]:
    return {n["id"] for n in nodes or []}


def canvas_action(
    data, trigger: str, elements: list[dict], selected: set[str], lang: str, group_name: str | None = None
) -> tuple[list[dict], object]:
    """The selection's tools and tidy: hide, remove, expand, select neighbours, pin, unpin,
    show all, arrange, and the groups (``canvas_groups``). Returns the elements and a message."""
    if trigger in canvas_groups.GROUP_BUTTONS:
        return canvas_groups.group_action(elements, trigger, selected, group_name, lang)
    if (
        trigger
        in ("button-hide", "button-remove", "button-expand-selected", "button-pin", "button-unpin", "button-neighbours")
        and not selected
    ):
        return elements, message(t("cv.none_selected", lang), "warning")
    if trigger == "button-hide":
        return canvas.hide(elements, selected), message(t("cv.hidden", lang, n=len(selected)), "info")
    if trigger == "button-remove":
        gone = canvas_groups.with_members(elements, selected)
        return canvas.remove(elements, gone), message(t("cv.removed", lang, n=len(gone)), "info")
    if trigger in ("button-pin", "button-unpin"):
        on = trigger == "button-pin"
        return canvas.pin(elements, canvas_groups.graph_only(selected), on), message(
            t("cv.pinned" if on else "cv.unpinned", lang, n=len(selected)), "info"
        )
    if trigger == "button-neighbours":
        picked = canvas.neighbours(elements, selected)
        return [dict(e, selected=e["data"]["id"] in picked) for e in elements], None
    if trigger == "button-show-all":
        return canvas.show_all(elements), message(t("cv.shown_all", lang), "info")
    if trigger == "button-arrange":
        return canvas.arrange(elements, next(iter(sorted(selected)), None)), message(t("cv.arranged", lang), "info")
    msg = None
    for uid in sorted(canvas_groups.graph_only(selected))[:10]:  # button-expand-selected
        elements, _, msg = _expand_page(data, elements, uid, [], 0, lang)
    return elements, msg


def _expand_page(data, elements, uid, types, offset, lang):
    """Firm-level expansion where there is one and no relation types were chosen, else the stored links."""
    if not types and supports(uid.partition(":")[0]):
        return expand_firms(data, elements, uid, offset, lang)
    return expand(data, elements, uid, types, offset, lang)


CANVAS_BUTTONS = (
    "button-hide",
    "button-remove",
    "button-expand-selected",
    "button-neighbours",
    "button-pin",
    "button-unpin",
    "button-show-all",
    "button-arrange",
    *canvas_groups.GROUP_BUTTONS,
)


def register(app, data) -> None:
    # The canvas lives in store-elements (session storage: it survives a reload and a language
    # switch); assets/canvas.js draws it, keeps dragged positions and the undo/redo history.
    @app.callback(
        Output("store-elements", "data"),
        Output("store-paging", "data"),
        Output("store-lastpath", "data"),
        Output("store-focus", "data"),
        Output("div-explorer-msg", "children"),
        Input("store-open", "data"),
        Input("button-expand", "n_clicks"),
        Input("button-more", "n_clicks"),
        Input("button-links", "n_clicks"),
        Input("button-path", "n_clicks"),
        Input("button-clear", "n_clicks"),
        Input("dropdown-ring", "value"),
        Input("button-behind", "n_clicks"),
        Input("dropdown-views", "value"),
        *[Input(b, "n_clicks") for b in CANVAS_BUTTONS],
        State("store-elements", "data"),
        State("dropdown-focus", "value"),
        State("dropdown-types", "value"),
        State("store-paging", "data"),
        State("dropdown-path-from", "value"),
        State("dropdown-path-to", "value"),
        State("dropdown-hops", "value"),
        State("checklist-path-types", "value"),
        State("cyto-explorer", "selectedNodeData"),
        State("cyto-explorer", "selectedEdgeData"),
        State("store-views", "data"),
        State("input-group-name", "value"),
        State("store-lang", "data"),
        prevent_initial_call=True,
    )
    @guarded(5, 4)
    def _act(*args):
        out = _answer(*args)
        if isinstance(out[0], list):  # every change leaves the groups consistent
            out = (canvas_groups.refold(out[0], args[-1]), *out[1:])
        return out

    def _answer(request, _e, _m, _l, _p, _c, ring, _b, view, *rest):
        elements, focus, types, paging, a, b, hops, path_types, nodes, edges, views, group_name, lang = rest[
            len(CANVAS_BUTTONS) :
        ]
        trigger, keep = ctx.triggered_id, no_update
        elements = elements or []
        if trigger == "store-open":
            if not request:
                return keep, keep, keep, keep, keep
            if request.get("view"):
                elements, msg = open_case_view(data, request["view"]["case"], request["view"]["name"], lang)
                return elements, None, None, None, msg
            elements, msg = open_nodes(data, request, lang)
            return elements, None, None, request.get("focus"), msg
        if trigger == "button-clear":
            return [], None, None, None, message(t("ex.empty", lang), "info")
        if trigger in ("button-expand", "button-more"):
            if not focus:
                return keep, keep, keep, keep, message(t("ex.need_focus", lang), "warning")
            same = paging and paging["uid"] == focus and paging["types"] == (types or [])
            offset = paging["offset"] if trigger == "button-more" and same else 0
            elements, paging, msg = _expand_page(data, elements, focus, types, offset, lang)
            return elements, paging, keep, keep, msg
        if trigger == "button-links":
            elements, msg = links_among(data, elements, lang)
            return elements, keep, keep, keep, msg
        if trigger == "button-path":
            if not a or not b:
                return keep, keep, keep, keep, message(t("ex.need_ends", lang), "warning")
            elements, record, msg = find_paths(data, elements, a, b, int(hops or 4), lang, path_types)
            return elements, keep, record, keep, msg
        if trigger == "dropdown-ring" and ring:
            elements, msg = highlight_finding(data, elements, ring, lang)
            return elements, keep, keep, keep, msg
        if trigger == "button-behind":
            elements, msg = open_behind(data, elements, (edges or [None])[-1], lang)
            return elements, keep, keep, keep, msg
        if trigger == "dropdown-views" and view and view in (views or {}):
            elements, _ = restore(data, views[view], lang)
            return elements, None, None, keep, message(t("cv.opened", lang, name=view), "info")
        if trigger in CANVAS_BUTTONS:
            elements, msg = canvas_action(data, trigger, elements, _selected(nodes), lang, group_name)
            return elements, keep, keep, keep, msg if msg is not None else keep
        return keep, keep, keep, keep, keep

    # After a reload or a language switch: the kept canvas, checked against the user's scope
    # and relabelled in the page's language.
    @app.callback(
        Output("store-elements", "data", allow_duplicate=True),
        Output("div-explorer-msg", "children", allow_duplicate=True),
        Input("store-lang", "data"),
        State("store-elements", "data"),
        prevent_initial_call="initial_duplicate",
    )
    @guarded(2, 1)
    def _restore(lang, elements):
        if not elements:
            return no_update, no_update
        elements, msg = restore(data, elements, lang)
        return elements, msg

    # A view is kept in this browser; with a case open (and login), with the case too.
    @app.callback(
        Output("store-views", "data"),
        Output("div-explorer-msg", "children", allow_duplicate=True),
        Output("dropdown-views", "options"),
        Output("store-case-refresh", "data", allow_duplicate=True),
        Input("button-save-view", "n_clicks"),
        Input("store-views", "data"),
        State("input-view-name", "value"),
        State("store-elements", "data"),
        State("store-case", "data"),
        State("store-lang", "data"),
        prevent_initial_call="initial_duplicate",
    )
    @guarded(4, 1)
    def _save_view(_n, views, view_name, elements, case_id, lang):
        views = dict(views or {})
        if ctx.triggered_id != "button-save-view":
            return no_update, no_update, sorted(views), no_update
        view_name = (view_name or "").strip()
        if not view_name:
            return no_update, message(t("cv.need_name", lang), "warning"), no_update, no_update
        views[view_name] = elements or []
        if case_id and getattr(data, "cases", None) is not None:
            msg = save_case_view(data, case_id, view_name, elements or [], lang)
            return views, msg, sorted(views), time.time_ns()
        msg = message(t("cv.saved", lang, name=view_name, n=len(node_ids(elements))), "info")
        return views, msg, sorted(views), no_update

    app.clientside_callback(
        ClientsideFunction(namespace="canvas", function_name="keep"),
        Output("store-elements", "data", allow_duplicate=True),
        Output("store-history", "data"),
        Output("cyto-explorer", "elements"),
        Output("cyto-explorer", "layout"),
        Input("store-elements", "data"),
        Input("cyto-explorer", "elements"),
        Input("button-undo", "n_clicks"),
        Input("button-redo", "n_clicks"),
        Input("tabs-main", "value"),
        State("store-history", "data"),
        prevent_initial_call=True,
    )

    # The explorer page is kept mounted outside the main tabs (layout._kept_explorer): shown or
    # hidden as the tab changes, mounted when first opened or ahead of it (assets/canvas.js).
    app.clientside_callback(
        ClientsideFunction(namespace="canvas", function_name="page"),
        Output("div-page-explorer", "className"),
        Output("tabs-mount-explorer", "value"),
        Input("tabs-main", "value"),
        Input("store-elements", "data"),
        State("tabs-mount-explorer", "value"),
        prevent_initial_call=True,
    )

    # Every node on screen once, in store-node-options; the focus dropdown gets the first of them
    # and its value in one update (a Dash dropdown drops a value that is not among its options),
    # the others fill from the store as the analyst types (assets/node_options.js).
    @app.callback(
        Output("store-node-options", "data"),
        Output("dropdown-focus", "options"),
        Output("div-explorer-stats", "children"),
        Output("dropdown-focus", "value"),
        Input("store-elements", "data"),
        Input("store-focus", "data"),
        Input("cyto-explorer", "tapNodeData"),
        State("dropdown-focus", "value"),
        State("dropdown-focus", "options"),
        State("store-node-options", "data"),
        State("store-lang", "data"),
    )
    def _options(elements, wanted, tapped, focus, shown, kept, lang):
        opts = on_screen_options(elements, lambda label: name("label", label, lang))
        stats = t("ex.nodes_shown", lang, n=len(opts), m=edge_count(elements))
        on_screen = {o["value"] for o in opts}
        triggers = {p["prop_id"] for p in ctx.triggered} if ctx.triggered else set()
        if "store-focus.data" in triggers:
            focus = wanted
        elif "cyto-explorer.tapNodeData" in triggers and tapped:
            focus = tapped["id"]
        focus = focus if focus in on_screen else None
        more = t("cv.more_options", lang, n="{n}")
        nodes = {"options": opts, "more": more}
        first = first_options(opts, focus, more)
        # unchanged lists are not sent: each new one makes the browser index it again for search
        return (
            no_update if nodes == kept else nodes,
            no_update if first == shown else first,
            stats,
            focus,
        )

    pick = ClientsideFunction(namespace="nodeOptions", function_name="pick")
    app.clientside_callback(
        pick,
        Output("dropdown-focus", "options", allow_duplicate=True),
        Input("dropdown-focus", "search_value"),
        State("store-node-options", "data"),
        State("dropdown-focus", "value"),
        prevent_initial_call=True,
    )
    for end in ("dropdown-path-from", "dropdown-path-to"):
        app.clientside_callback(
            pick,
            Output(end, "options"),
            Input(end, "search_value"),
            Input("store-node-options", "data"),
            State(end, "value"),
            prevent_initial_call=True,
        )

    # Size and colour by a stored property, and the time window: style rules only (nothing
    # is deleted, nothing enters the undo history). Large views get the quieter style.
    @app.callback(
        Output("slider-time", "min"),
        Output("slider-time", "max"),
        Output("slider-time", "value"),
        Output("slider-time", "marks"),
        Input("store-lang", "data"),
    )
    def _time_span(_lang):
        span = canvas_style.month_span(data.api)
        if span is None:
            return 0, 1, [0, 1], None
        return span[0], span[1], list(span), canvas_style.slider_marks(span)

    @app.callback(
        Output("cyto-explorer", "stylesheet"),
        Output("div-time-range", "children"),
        Input("store-elements", "data"),
        Input("dropdown-style-by", "value"),
        Input("slider-time", "value"),
        State("slider-time", "min"),
        State("slider-time", "max"),
        State("cyto-explorer", "stylesheet"),
        State("store-lang", "data"),
    )
    @guarded(2, 1)
    def _style(elements, by, window, lo, hi, shown, lang):
        span = (lo, hi) if lo is not None and hi is not None and hi > lo else None
        rules, hidden = canvas_style.canvas_stylesheet(data, elements or [], by, window, span)
        rules = no_update if rules == shown else rules  # a new stylesheet restyles every element
        if hidden is None:
            return rules, t("cv.time_all", lang)
        start, end = (canvas_style.month_name(int(m)) for m in window)
        return rules, t("cv.time_range", lang, start=start, end=end, n=hidden)

    @app.callback(
        Output("div-details", "children"),
        Output("dropdown-types", "options"),
        Output("div-node-findings", "children"),
        Output("dropdown-ring", "options"),
        Output("graph-timeline", "figure"),
        Output("div-timeline", "style"),
        Input("dropdown-focus", "value"),
        State("store-lang", "data"),
    )
    @guarded(6, 0)
    def _details(uid, lang):
        if not uid:
            return None, [], None, [], no_update, {"display": "none"}
        d = node_details(data, uid, lang)
        shown = {"display": "block"} if d["timeline"] else {"display": "none"}
        return d["details"], d["types"], d["findings"], d["rings"], d["timeline"] or no_update, shown

    @app.callback(
        Output("store-finding", "data", allow_duplicate=True),
        Output("tabs-main", "value", allow_duplicate=True),
        Input({"type": "button-node-finding", "index": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def _open_node_finding(clicks):
        if not ctx.triggered_id or not any(clicks or []) or not ctx.triggered[0].get("value"):
            return no_update, no_update
        return ctx.triggered_id["index"], "findings"
