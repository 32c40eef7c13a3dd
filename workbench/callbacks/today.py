"""The home's to-do panel (今日待办): filled on each visit; a row opens its finding or case.

The previous visit is asked for once per browser session (``store-visit``): the first render
records the visit and keeps the time of the one before, so switching language or returning
to the page does not make everything "seen".
"""

from __future__ import annotations

from dash import Input, Output, State

from bidgraph.workbench.callbacks import register_row_open, table_outputs
from bidgraph.workbench.messages import guarded
from bidgraph.workbench.today import today_view

__all__ = ["register"]

FIRST = "first"  # store-visit's value after a first visit (no previous one)


def register(app, data) -> None:
    outputs = [
        Output("div-today-msg", "children"),
        Output("div-today-counts", "children"),
        *table_outputs("table-today-findings"),
        *table_outputs("table-today-cases"),
        Output("div-today-cases", "style"),
        Output("store-visit", "data"),
    ]

    @app.callback(*outputs, Input("store-lang", "data"), State("store-visit", "data"))
    @guarded(len(outputs), 0)
    def _today(lang, visit):
        if visit is None:
            visit = (data.cases.record_visit() if data.cases else None) or FIRST
        agenda = data.cases.agenda() if data.cases else None
        previous = None if visit == FIRST else visit
        view = today_view(data.findings(), agenda, previous, data.last_batch(), lang)
        shown = {"display": "block" if view[-1] else "none"}
        return (*view, shown, visit)

    register_row_open(app, "table-today-findings", "store-finding", "findings")
    register_row_open(app, "table-today-cases", "store-case", "cases")
