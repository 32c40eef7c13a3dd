"""The workbench's Dash callbacks, one module per page; a callback several pages share is here."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from dash import Input, Output, State, ctx, no_update

from bidgraph.workbench.i18n import t
from bidgraph.workbench.layout import OPENED_PAGES
from bidgraph.workbench.messages import guarded, message


def table_outputs(table_id: str) -> list[Output]:
    """The columns and the rows of the DataTable ``table_id``, as a callback's outputs."""
    return [Output(table_id, "columns"), Output(table_id, "data")]


def clicked() -> bool:
    """Whether the running callback was set off by a click (not by a button drawn with no clicks)."""
    return bool(ctx.triggered_id and ctx.triggered[0].get("value"))


def form_values(page: str, ids: str) -> dict[str, tuple[str, str]]:
    """The ``value`` of each form field of ``ids`` (component ids, space-separated), by name: the
    id without its component kind and ``page`` (``input-case-title`` → ``title``,
    ``input-feedback-reason`` → ``feedback_reason``), in the order given."""
    return {i.split("-", 1)[1].removeprefix(f"{page}-").replace("-", "_"): (i, "value") for i in ids.split()}


def opened(page: str) -> Input:
    """Set off each time the main tabs switch to ``page`` (one of ``layout.OPENED_PAGES``): a
    page's callback takes this, not the tabs' value, so that opening another page does not call
    it (see :func:`register_pages_opened`)."""
    return Input(f"store-opened-{page}", "data")


def register_pages_opened(app) -> None:
    """On a tab switch, in the browser, mark the opened page's store (the time, so that each
    opening is a change) and leave the others alone."""
    app.clientside_callback(
        f"""function (tab) {{
            const nu = window.dash_clientside.no_update;
            return {json.dumps(OPENED_PAGES)}.map(function (p) {{ return p === tab ? Date.now() : nu; }});
        }}""",
        *[Output(f"store-opened-{p}", "data") for p in OPENED_PAGES],
        Input("tabs-main", "value"),
        prevent_initial_call=True,
    )


def register_row_pick(app, table_id: str, store_id: str, *, allow_duplicate: bool = False) -> None:
    """Keep in ``store_id`` the row id of the cell last clicked in the table ``table_id``."""

    @app.callback(
        Output(store_id, "data", allow_duplicate=allow_duplicate),
        Input(table_id, "active_cell"),
        prevent_initial_call=True,
    )
    def _pick(cell):
        return cell["row_id"] if cell and cell.get("row_id") else no_update


def register_row_open(
    app, table_id: str, store_id: str, tab: str, request: Callable[[str], object] = lambda row_id: row_id
) -> None:
    """A click on a row of the table ``table_id`` puts ``request(row id)`` in ``store_id`` and
    switches the main tabs to ``tab``."""

    @app.callback(
        Output(store_id, "data", allow_duplicate=True),
        Output("tabs-main", "value", allow_duplicate=True),
        Input(table_id, "active_cell"),
        prevent_initial_call=True,
    )
    def _open(cell):
        if not cell or not cell.get("row_id"):
            return no_update, no_update
        return request(cell["row_id"]), tab


def register_download(
    app, button_id: str, download_id: str, message_id: str, source: tuple[str, str], make: Callable
) -> None:
    """A click on ``button_id`` fills the ``dcc.Download`` ``download_id`` and the message
    ``message_id`` with ``make(value of source, lang)``, a pair (download data, message); an
    error goes to the message."""

    @app.callback(
        Output(download_id, "data"),
        Output(message_id, "children", allow_duplicate=True),
        Input(button_id, "n_clicks"),
        State(*source),
        State("store-lang", "data"),
        prevent_initial_call=True,
    )
    @guarded(2, 1)
    def _download(clicks, value, lang):
        if not clicks:
            return no_update, no_update
        return make(value, lang)


def refused(key: str, lang: str) -> tuple:
    """What a download callback returns when it cannot export: no file, the warning ``key``."""
    return no_update, message(t(key, lang), "warning")


def register_tab_table(
    app, tab: str, table: str, shown_message: Output, reads: list, fill: Callable, *, ready: Callable, login_key: str
) -> None:
    """Fill the table ``table`` when the main tabs switch to ``tab``, or a value of ``reads``
    (its Inputs, then its States) changes while ``tab`` is shown: ``fill(*values, lang)`` gives
    (columns, rows, key of the message shown when there are no rows); without ``ready()`` (no
    login), an empty table and the warning ``login_key``. An error goes to ``shown_message``."""
    triggers = [r for r in reads if isinstance(r, Input)]
    states = [r for r in reads if not isinstance(r, Input)]

    @app.callback(
        *table_outputs(table),
        shown_message,
        *triggers,
        opened(tab),
        State("tabs-main", "value"),
        *states,
        State("store-lang", "data"),
        prevent_initial_call=True,
    )
    @guarded(3, 2)
    def _table(*args):
        n = len(triggers)
        values, shown, lang = [*args[:n], *args[n + 2 : -1]], args[n + 1], args[-1]
        if shown != tab:
            return no_update, no_update, no_update
        if not ready():
            return [], [], message(t(login_key, lang), "warning")
        columns, rows, empty = fill(*values, lang)
        return columns, rows, no_update if rows else message(t(empty, lang), "info")


def register_steps(
    app, outputs: list[Output], buttons: Sequence[str], reads: dict[str, tuple[str, str]], step: Callable, guard
) -> None:
    """One callback for the buttons ``buttons``: on a click, ``step(button id, values, lang)``
    gives the values of ``outputs``, ``values`` holding the value of each component of
    ``reads`` under its name; ``guard`` (:func:`~bidgraph.workbench.messages.guarded` or the
    like) turns an error into a message."""

    @app.callback(
        *outputs,
        *[Input(b, "n_clicks") for b in buttons],
        *[State(*r) for r in reads.values()],
        State("store-lang", "data"),
        prevent_initial_call=True,
    )
    @guard
    def _step(*args):
        if not clicked():
            return (no_update,) * len(outputs)
        return step(str(ctx.triggered_id), dict(zip(reads, args[len(buttons) : -1])), args[-1])
