"""Search page: organization names (fuzzy, Chinese), USCC, person names and ID numbers,
phones, IPs, MACs, document fingerprints, project and lot ids; a result opens in the explorer."""

from __future__ import annotations

from dash import Input, Output, State

from bidgraph.graph.search_text import normalize_query
from bidgraph.workbench.callbacks import register_row_open, table_outputs
from bidgraph.workbench.callbacks.explorer import open_request
from bidgraph.workbench.i18n import name, t
from bidgraph.workbench.messages import guarded, message

__all__ = ["search", "register"]

LIMIT = 30


def search(data, text: str | None, lang: str) -> tuple[list[dict], list[dict], object]:
    """Columns, result rows and a message for what was typed."""
    query = normalize_query(text or "")
    columns = [{"name": t(f"col.{c}", lang), "id": c} for c in ("type", "name", "key", "match")]
    if not query:
        return columns, [], message(t("se.empty", lang), "warning")
    hits = data.api.search(query, limit=LIMIT)
    if not hits:
        return columns, [], message(t("se.none", lang, q=query), "warning")
    rows = [
        {
            "id": h["id"],
            "type": " / ".join(name("label", l, lang) for l in h["labels"]),
            "name": h["caption"],
            "key": h["key"],
            "match": h.get("match"),
        }
        for h in hits
    ]
    return columns, rows, message(t("se.count", lang, n=len(rows)), "info")


def register(app, data) -> None:
    @app.callback(
        *table_outputs("table-search"),
        Output("div-search-msg", "children"),
        Output("table-search", "active_cell"),
        Input("button-search", "n_clicks"),
        Input("input-search", "n_submit"),
        State("input-search", "value"),
        State("store-lang", "data"),
        prevent_initial_call=True,
    )
    @guarded(4, 2)
    def _search(_clicks, _submit, text, lang):
        return (*search(data, text, lang), None)

    register_row_open(app, "table-search", "store-open", "explorer", lambda uid: open_request([uid]))
