"""Evidence cart: pin nodes, paths and findings with notes; edit notes and remove items in the
cart's table; export the cart (PNG drawn in the browser, the rest by export.py)."""

from __future__ import annotations

from dash import Input, Output, State, ctx, dcc, no_update

from bidgraph.workbench.callbacks import opened, register_steps, table_outputs
from bidgraph.workbench.callbacks.explorer import graph_elements, known_subgraph
from bidgraph.workbench.cart import apply_edits, cart_nodes, cart_rows, finding_item, node_item, path_item, pin
from bidgraph.workbench.export import FORMATS, export
from bidgraph.workbench.i18n import t
from bidgraph.workbench.messages import guarded, message
from bidgraph.workbench.views import entity_uid

__all__ = ["pin_action", "cart_view", "register"]


NEEDS = {"node": "ex.need_focus", "path": "ex.no_path_to_pin", "finding": "fd.pick"}  # the warning without a subject


def pin_action(
    data, cart: list[dict], what: str, subject, lang: str, note: str | None = None
) -> tuple[list[dict], object]:
    """Pin ``subject``: the current node's uid (``what="node"``), the last paths found
    (``"path"``) or the id of the finding on show (``"finding"``); returns the new cart and a
    message."""
    if not subject:
        return cart, message(t(NEEDS[what], lang), "warning")
    if what == "node":
        item = node_item(data.api.node(subject), note)
    elif what == "path":
        sub, _ = known_subgraph(data.api, subject["nodes"])
        item = path_item(subject, {n["id"]: n["caption"] for n in sub["nodes"]}, note)
    else:
        item = finding_item(data.finding(subject), note, lang)
    return pin(cart, item), message(t("ex.pinned", lang), "info")


def cart_view(data, cart: list[dict], lang: str) -> tuple[list[dict], list[dict], list[dict], object]:
    """The cart table's columns and rows, the cart graph's elements and a count line."""
    columns = [
        {"name": t("col.kind", lang), "id": "kind", "editable": False},
        {"name": t("col.title", lang), "id": "title", "editable": False},
        {"name": t("col.note", lang), "id": "note", "editable": True},
        {"name": t("col.size", lang), "id": "size", "editable": False},
    ]
    if not cart:
        return columns, [], [], message(t("ca.empty", lang), "info")
    sub, _ = known_subgraph(data.api, cart_nodes(cart))
    pinned_edges = [e for item in cart for e in item["edges"]]
    roles = {}
    for item in cart:
        if item["kind"] == "finding":  # pinned findings keep their members' borders
            roles.update({entity_uid(e): e.get("role") for e in data.finding(item["finding"]).get("entities", [])})
    elements = graph_elements(sub, lang, roles, pinned_edges)
    text = t("ca.count", lang, n=len(cart), nodes=len(sub["nodes"]), edges=len(sub["edges"]))
    return columns, cart_rows(cart, lambda k: t(f"kind.{k}", lang)), elements, message(text, "info")


def register(app, data) -> None:
    @app.callback(
        Output("store-cart", "data"),
        Output("div-pin-explorer-msg", "children"),
        Output("div-pin-finding-msg", "children"),
        Input("button-pin-node", "n_clicks"),
        Input("button-pin-path", "n_clicks"),
        Input("button-pin-finding", "n_clicks"),
        Input("table-cart", "data_timestamp"),
        Input("button-cart-clear", "n_clicks"),
        State("store-cart", "data"),
        State("table-cart", "data"),
        State("dropdown-focus", "value"),
        State("store-lastpath", "data"),
        State("store-finding", "data"),
        State("input-note-explorer", "value"),
        State("input-note-finding", "value"),
        State("store-lang", "data"),
        prevent_initial_call=True,
    )
    @guarded(3, 1)
    def _cart(_n, _p, _f, _ts, _clear, cart, rows, focus, lastpath, finding_id, note_ex, note_fd, lang):
        trigger = ctx.triggered_id
        if trigger == "button-cart-clear":
            return [], no_update, no_update
        if trigger == "table-cart":
            return apply_edits(cart, rows), no_update, no_update
        what = {"button-pin-node": "node", "button-pin-path": "path", "button-pin-finding": "finding"}[trigger]
        subject = {"node": focus, "path": lastpath, "finding": finding_id}[what]
        note = note_fd if what == "finding" else note_ex
        cart, msg = pin_action(data, cart or [], what, subject, lang, note)
        return (cart, None, msg) if what == "finding" else (cart, msg, None)

    @app.callback(
        *table_outputs("table-cart"),
        Output("cyto-cart", "elements"),
        Output("div-cart-msg", "children"),
        Input("store-cart", "data"),
        opened("cart"),
        State("store-lang", "data"),
    )
    @guarded(4, 3)
    def _view(cart, _opened, lang):
        return cart_view(data, cart or [], lang)

    @app.callback(
        Output("cyto-cart", "generateImage"), Input("button-export-png", "n_clicks"), prevent_initial_call=True
    )
    def _png(clicks):
        if not clicks:
            return no_update
        return {
            "type": "png",
            "action": "download",
            "filename": "bidgraph-cart",
            "options": {"full": True, "scale": 2, "bg": "#ffffff"},
        }

    def _export(trigger, s, lang):
        if not s["cart"]:
            return no_update, message(t("ca.empty", lang), "warning")
        fmt = trigger.removeprefix("button-export-")
        filename, content = export(data.api, s["cart"], fmt)
        data.api.record_export(fmt, filename, len(s["cart"]))  # with login: role check and audit entry
        return dcc.send_bytes(content, filename), no_update

    outputs = [Output("download-export", "data"), Output("div-cart-msg", "children", allow_duplicate=True)]
    buttons = [f"button-export-{f}" for f in FORMATS]
    register_steps(app, outputs, buttons, {"cart": ("store-cart", "data")}, _export, guarded(2, 1))
