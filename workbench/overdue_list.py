"""The list panel the supervision pages share (督办, 投诉质疑): a heading, a note, "overdue
only" and refresh, and a table whose overdue rows (``overdue_flag`` 1) are red."""

from __future__ import annotations

from dash import dcc, html
from dash.dash_table.DataTable import DataTable

from bidgraph.workbench.i18n import t

__all__ = ["overdue_list", "OVERDUE_ROW"]

OVERDUE_ROW = {"if": {"filter_query": "{overdue_flag} = 1"}, "backgroundColor": "#fde2e2", "color": "#9b1c1c"}


def overdue_list(lang: str, ids: tuple[str, str, str], heading: str, note: str, top: tuple = ()) -> html.Div:
    """The panel; ``ids`` are the checklist's, the refresh button's and the table's, ``top``
    what goes above the heading."""
    from bidgraph.workbench.layout import TABLE_STYLE, _button

    checklist, refresh, table = ids
    return html.Div(
        [
            *top,
            html.H3(heading),
            html.P(note, className="hint"),
            html.Div(
                [
                    dcc.Checklist(
                        id=checklist, options=[{"label": t("dp.overdue_only", lang), "value": "overdue"}], value=[]
                    ),
                    _button(refresh, t("dp.refresh", lang)),
                ],
                className="actions",
            ),
            DataTable(id=table, columns=[], data=[], page_size=10, **TABLE_STYLE, style_data_conditional=[OVERDUE_ROW]),
        ],
        className="panel",
    )
