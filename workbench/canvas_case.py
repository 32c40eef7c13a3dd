"""A case's canvas views on the case page: the list (name, who saved it, when, how many of its
nodes the user may see), each with "open in the canvas", which takes the view to the explorer
(``store-open`` with ``view``; ``callbacks/explorer.py`` restores it through the cases desk and
the user's scoped store)."""

from __future__ import annotations

import time

from dash import ALL, Input, Output, State, ctx, html, no_update

from bidgraph.workbench.i18n import t

__all__ = ["case_views_section", "view_request", "register"]


def view_request(case_id: str, view: str) -> dict:
    """What the case page sends the explorer to open a case's view."""
    return {"uids": [], "view": {"case": case_id, "name": view}, "nonce": time.time_ns()}


def case_views_section(data, case_id: str, lang: str) -> html.Div:
    """The case's views, newest first, each with a button that opens it in the canvas."""
    rows = [
        html.Li(
            [
                t(
                    "cv.case_view_line",
                    lang,
                    name=v["name"],
                    user=v["created_by"],
                    time=v["created_at"][:16].replace("T", " "),
                    n=v["nodes"],
                ),
                html.Button(
                    t("cv.open_in_canvas", lang),
                    id={"type": "button-case-view", "index": v["name"]},
                    n_clicks=0,
                    className="link-button",
                ),
            ]
        )
        for v in data.cases.list_views(case_id)
    ]
    body = html.Ul(rows, className="case-views") if rows else html.P(t("cv.case_views_none", lang), className="hint")
    return html.Div([html.H4(t("cv.case_views", lang)), body], id="div-case-views")


def register(app, data) -> None:
    @app.callback(
        Output("store-open", "data", allow_duplicate=True),
        Output("tabs-main", "value", allow_duplicate=True),
        Input({"type": "button-case-view", "index": ALL}, "n_clicks"),
        State("store-case", "data"),
        prevent_initial_call=True,
    )
    def _open(clicks, case_id):
        # the pressed button's own clicks (a list re-rendered with n_clicks=0 must not open anything)
        pressed = next((i.get("value") for i in ctx.inputs_list[0] if i["id"] == ctx.triggered_id), None)
        if not ctx.triggered_id or not pressed or not case_id:
            return no_update, no_update
        return view_request(case_id, ctx.triggered_id["index"]), "explorer"
