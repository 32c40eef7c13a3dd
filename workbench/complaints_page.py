"""投诉质疑 page: intake (office and analysts), the list with statutory deadlines (overdue first,
in red), the chosen item with its history, transfer to the competent department, the written
reply (the office, or the department it was transferred to), linked findings and a case.
Layout only; the behaviour is in ``callbacks/complaints.py``."""

from __future__ import annotations

from datetime import date

from dash import dcc, html

from bidgraph.workbench.i18n import name, t
from bidgraph.workbench.overdue_list import overdue_list
from bidgraph.workbench.send_page import dropdown

__all__ = ["complaints_page", "KINDS"]

KINDS = ("challenge", "complaint", "report")


def _intake(lang: str, hidden: bool) -> html.Div:
    from bidgraph.workbench.layout import _button, _field

    kinds = [{"label": name("complaint_kind", k, lang), "value": k} for k in KINDS]
    where = [{"label": name("complaint_where", w, lang), "value": w} for w in ("lot", "project")]
    return html.Div(
        [
            html.H3(t("cq.intake_h", lang)),
            html.Div(
                [
                    _field(
                        t("cq.kind", lang),
                        dropdown("dropdown-complaint-kind", lang, options=kinds, value="challenge", clearable=False),
                    ),
                    _field(
                        t("cq.where", lang),
                        dropdown("dropdown-complaint-where", lang, options=where, value="lot", clearable=False),
                    ),
                    _field(t("cq.target", lang), dcc.Input(id="input-complaint-target", type="text")),
                    _field(t("cq.complainant", lang), dcc.Input(id="input-complaint-complainant", type="text")),
                    _field(
                        t("cq.received", lang),
                        dcc.Input(id="input-complaint-received", type="text", value=date.today().isoformat()),
                    ),
                ],
                className="filters",
            ),
            dcc.Textarea(id="textarea-complaint-grounds", placeholder=t("cq.grounds", lang), className="wide"),
            dcc.Textarea(id="textarea-complaint-docs", placeholder=t("cq.docs", lang), className="wide"),
            html.Div([_button("button-complaint-add", t("cq.add", lang), primary=True)], className="actions"),
            html.Div(id="div-complaint-add-msg", className="message"),
        ],
        className="panel",
        style={"display": "none"} if hidden else {},
    )


def _work(lang: str, department: bool) -> list:
    from bidgraph.workbench.layout import _actions, _button, _field, _panel

    office = {"display": "none"} if department else {}
    findings = dcc.Input(
        id="input-complaint-findings", type="text", placeholder=t("cq.link_ph", lang), className="wide"
    )
    return [
        _panel(
            t("cq.transfer_h", lang),
            _actions(
                _field(t("sd.department", lang), dropdown("dropdown-complaint-department", lang, options=[])),
                _field(t("cq.transfer_note", lang), dcc.Input(id="input-complaint-note", type="text")),
                _button("button-complaint-transfer", t("cq.transfer", lang), primary=True),
            ),
            style=office,
        ),
        _panel(
            t("cq.reply_h", lang),
            dcc.Textarea(id="textarea-complaint-reply", placeholder=t("cq.reply_ph", lang), className="wide"),
            _actions(_button("button-complaint-reply", t("cq.reply", lang), primary=True)),
        ),
        _panel(
            t("cq.link_h", lang),
            _actions(
                findings,
                _button("button-complaint-link", t("cq.link", lang)),
                _button("button-complaint-case", t("cq.to_case", lang)),
            ),
            style=office,
        ),
    ]


def complaints_page(lang: str, role: str | None = None) -> html.Div:
    """The page for ``role`` (a department account: the list, the item and the reply only)."""
    department = role == "department"
    listing = overdue_list(
        lang,
        ("checklist-complaint-overdue", "button-complaint-refresh", "table-complaints"),
        t("cq.list_h", lang),
        t("cq.note", lang),
    )
    return html.Div(
        [
            dcc.Store(id="store-complaint"),
            dcc.Store(id="store-complaint-refresh"),
            html.Div(id="div-complaint-msg", className="message"),
            _intake(lang, hidden=department),
            listing,
            html.Div(t("cq.pick", lang), id="div-complaint-detail", className="panel detail"),
            html.Div(id="div-complaint-step-msg", className="message"),
            *_work(lang, department),
        ],
        className="page",
    )
