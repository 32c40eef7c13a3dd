"""The workbench's Dash callbacks, one module per page; a callback several pages share is here."""

from __future__ import annotations

from dash import Input, Output, no_update


def register_row_pick(app, table_id: str, store_id: str, *, allow_duplicate: bool = False) -> None:
    """Keep in ``store_id`` the row id of the cell last clicked in the table ``table_id``."""

    @app.callback(
        Output(store_id, "data", allow_duplicate=allow_duplicate),
        Input(table_id, "active_cell"),
        prevent_initial_call=True,
    )
    def _pick(cell):
        return cell["row_id"] if cell and cell.get("row_id") else no_update
