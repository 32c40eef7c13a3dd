"""双随机抽查 page (office accounts): the pool by filters and the officers' pool, the seed fixed
and shown (and audited) before the draw, the draw, the list of inspections, results, and the
repeat of a draw from its seed. Layout only; the behaviour is in ``callbacks/inspections.py``."""

from __future__ import annotations

from dash import dcc, html
from dash.dash_table.DataTable import DataTable

from bidgraph.workbench.i18n import name, t
from bidgraph.workbench.send_page import dropdown

__all__ = ["inspections_page"]


def _pool(lang: str) -> html.Div:
    from bidgraph.workbench.layout import _actions, _button, _field, _panel

    def drop(component_id: str, label: str, options: list | None = None, **kw) -> html.Div:
        return _field(t(label, lang), dropdown(component_id, lang, options=options or [], **kw))

    def text(component_id: str, label: str, **kw) -> html.Div:
        return _field(t(label, lang), dcc.Input(id=component_id, type="text", **kw))

    targets = [{"label": name("inspection_target", k, lang), "value": k} for k in ("project", "firm")]
    return _panel(
        t("ri.pool_h", lang),
        html.P(t("ri.note", lang), className="hint"),
        html.Div(
            [
                drop("dropdown-insp-target", "ri.target", targets, value="project", clearable=False),
                drop("dropdown-insp-region", "ri.region", placeholder=t("ri.all_regions", lang)),
                drop("dropdown-insp-category", "ri.category"),
                drop("dropdown-insp-procedure", "ri.procedure"),
                text("input-insp-from", "ri.from", placeholder="2026-01-01"),
                text("input-insp-to", "ri.to", placeholder="2026-12-31"),
                text("input-insp-n", "ri.n", value="3"),
                drop("dropdown-insp-officers", "ri.officers", multi=True),
                text("input-insp-officers-n", "ri.officers_n", value="2"),
            ],
            className="filters",
        ),
        _actions(
            _button("button-insp-announce", t("ri.announce", lang), primary=True),
            _button("button-insp-draw", t("ri.draw", lang)),
        ),
        html.Div(id="div-insp-announced", className="hint"),
    )


def _record(lang: str) -> html.Div:
    from bidgraph.workbench.layout import _actions, _button, _field, _panel

    results = [{"label": name("inspection_result", r, lang), "value": r} for r in ("no_problem", "problem")]
    return _panel(
        t("ri.record_h", lang),
        _actions(
            _field(t("ri.item", lang), dropdown("dropdown-insp-item", lang, options=[])),
            _field(t("ri.result", lang), dropdown("dropdown-insp-result", lang, options=results)),
            _field(t("ri.note_ph", lang), dcc.Input(id="input-insp-note", type="text", className="wide")),
            _button("button-insp-record", t("ri.record", lang), primary=True),
            _button("button-insp-repeat", t("ri.repeat", lang)),
        ),
        html.Div(id="div-insp-step-msg", className="message"),
    )


def inspections_page(lang: str) -> html.Div:
    from bidgraph.workbench.layout import TABLE_STYLE

    listing = html.Div(
        [
            html.H3(t("ri.list_h", lang)),
            DataTable(id="table-inspections", columns=[], data=[], page_size=10, **TABLE_STYLE),
        ],
        className="panel",
    )
    return html.Div(
        [
            dcc.Store(id="store-insp-plan"),
            dcc.Store(id="store-inspection"),
            dcc.Store(id="store-inspection-refresh"),
            html.Div(id="div-insp-msg", className="message"),
            _pool(lang),
            listing,
            html.Div(t("ri.pick", lang), id="div-inspection-detail", className="panel detail"),
            _record(lang),
        ],
        className="page",
    )
