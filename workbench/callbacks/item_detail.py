"""What the supervision pages' callbacks share (督办, 投诉质疑, 双随机): the overdue-first list,
the item panel (the row picked in the page's table, shown again after each step; the cases page
has one too), and a step's message shown beside the button that ran it."""

from __future__ import annotations

import functools
from collections.abc import Callable

from dash import Input, Output, State, ctx, no_update

from bidgraph.workbench.callbacks import opened, register_row_pick, table_outputs
from bidgraph.workbench.i18n import t
from bidgraph.workbench.messages import guarded, message

__all__ = ["register_list", "register_item", "near"]


def register_list(app, data, tab: str, ids: dict[str, str], extra: tuple[str, str], render: Callable) -> None:
    """Fill ``ids["table"]`` when ``tab`` is opened, its "overdue only" checklist or refresh
    button is used, or ``ids["refresh"]`` changes: ``render(data, overdue, lang)`` gives
    ``(columns, rows, message key when empty, value of extra)``."""

    @app.callback(
        *table_outputs(ids["table"]),
        Output(ids["message"], "children"),
        Output(*extra),
        Input(ids["refresh"], "data"),
        Input(ids["checklist"], "value"),
        Input(ids["button"], "n_clicks"),
        opened(tab),
        State("tabs-main", "value"),
        State("store-lang", "data"),
    )
    @guarded(4, 2)
    def _list(_refresh, overdue, _clicks, _opened, shown, lang):
        if shown != tab:
            return no_update, no_update, no_update, no_update
        if getattr(data, "supervision", None) is None:
            return [], [], message(t("dp.login_needed", lang), "warning"), []
        columns, rows, empty, more = render(data, bool(overdue), lang)
        return columns, rows, no_update if rows else message(t(empty, lang), "info"), more


def near(n_outputs: int, slots: dict[str, int], default: int):
    """:func:`~bidgraph.workbench.messages.guarded`, with an error message in the output of the
    panel whose button triggered the callback (``slots``: button id → output index)."""

    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args):
            return guarded(n_outputs, slots.get(str(ctx.triggered_id), default))(fn)(*args)

        return inner

    return wrap


def register_item(
    app,
    data,
    table: str,
    store: str,
    outputs: list[tuple[str, str]],
    render: Callable,
    empty: Callable,
    desk: str = "supervision",
) -> None:
    """Show ``render(data, item_id, lang)`` (or ``empty(lang)`` with no item or no login, that
    is no ``data.<desk>``) in ``outputs`` when a row of ``table`` is picked (its id kept in
    ``store``) or ``{store}-refresh`` changes; an error goes to the first output, in the page
    language."""
    register_row_pick(app, table, store, allow_duplicate=True)  # a step may also pick the item it made

    @app.callback(
        *[Output(*o) for o in outputs],
        Input(store, "data"),
        Input(f"{store}-refresh", "data"),
        State("store-lang", "data"),
        prevent_initial_call=True,
    )
    @guarded(len(outputs), 0)
    def _item(item_id, _refresh, lang):
        if not item_id or getattr(data, desk, None) is None:
            return empty(lang)
        return render(data, item_id, lang)
