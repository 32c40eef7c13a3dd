"""The 推送督办 panel of the 督办 page (office accounts): send the findings ticked on the
findings page, a case, or a batch by rule to a department with a requested action and a
deadline in working days. Layout only; the behaviour is in ``callbacks/sending.py``."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from bidgraph.workbench.i18n import name, t

__all__ = ["send_panel", "dropdown", "SEND_KINDS", "ACTIONS"]

SEND_KINDS = ("findings", "case", "rule")
ACTIONS = ("verify", "rectify", "penalise", "refer")


def dropdown(component_id: str, lang: str, **kw) -> dcc.Dropdown:
    """A dropdown whose own words (selected count, search, no match) are in the page language."""
    words = ("select_all", "deselect_all", "selected_count", "search", "clear_search", "clear_selection")
    labels: Any = {w: t(f"dd.{w}", lang) for w in (*words, "no_options_found")}  # Dash's Labels TypedDict
    return dcc.Dropdown(id=component_id, labels=labels, **kw)


def send_panel(lang: str, hidden: bool) -> html.Div:
    """The form; ``hidden`` for a department account (it answers, it does not send)."""
    from bidgraph.workbench.layout import _button, _field

    def text(component_id: str, label: str, **kw) -> html.Div:
        return _field(t(label, lang), dcc.Input(id=component_id, type="text", **kw))

    kinds = [{"label": name("send_kind", k, lang), "value": k} for k in SEND_KINDS]
    actions = [{"label": name("dispatch_action", a, lang), "value": a} for a in ACTIONS]
    return html.Div(
        [
            html.H3(t("sd.h", lang)),
            html.P(t("sd.note", lang), className="hint"),
            html.Div(
                [
                    _field(
                        t("sd.what", lang),
                        dropdown("dropdown-send-kind", lang, options=kinds, value="findings", clearable=False),
                    ),
                    html.Div(text("input-send-findings", "sd.findings", className="wide"), id="div-send-findings"),
                    html.Div(
                        _field(t("sd.case", lang), dropdown("dropdown-send-case", lang, options=[])),
                        id="div-send-case",
                        style={"display": "none"},
                    ),
                ],
                className="filters",
            ),
            html.Div(
                [
                    _field(t("sd.detector", lang), dropdown("dropdown-send-detector", lang, options=[])),
                    text("input-send-tenderer", "sd.tenderer"),
                    text("input-send-from", "sd.from", placeholder="2026-01-01"),
                    text("input-send-to", "sd.to", placeholder="2026-12-31"),
                ],
                id="div-send-rule",
                className="actions",
                style={"display": "none"},
            ),
            html.Div(
                [
                    _field(t("sd.department", lang), dropdown("dropdown-send-department", lang, options=[])),
                    _field(t("sd.action", lang), dropdown("dropdown-send-action", lang, options=actions)),
                    text("input-send-days", "sd.days", value="10"),
                    _button("button-send", t("sd.send", lang), primary=True),
                ],
                className="actions",
            ),
            html.Div(id="div-send-msg", className="message"),
        ],
        className="panel",
        style={"display": "none"} if hidden else {},
    )
