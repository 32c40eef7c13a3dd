"""The home's to-do panel (今日待办): what is new since my last visit, what is mine and due,
what nobody has taken yet, and what the last batch changed.

It reads the stored findings through the scoped store (so a county user counts only their
county's) and the cases desk's agenda (:mod:`bidgraph.cases.today`); it computes nothing a
detector computes. "New" is a high finding first seen after the previous visit (or, on a first
visit and without login, one the last batch added); "unassigned" a high finding in no case.
"""

from __future__ import annotations

from typing import Any

from dash import dcc, html
from dash.dash_table.DataTable import DataTable

from bidgraph.workbench.i18n import name, t
from bidgraph.workbench.messages import message
from bidgraph.workbench.present import finding_summary

__all__ = ["today_panel", "today_view", "LISTED"]

LISTED = 10  # rows of each kind in the panel's finding table
_TABLE: dict[str, Any] = {
    "style_cell": {"textAlign": "left", "whiteSpace": "normal", "height": "auto", "fontSize": "13px"},
    "style_table": {"overflowX": "auto"},
}


def today_panel(lang: str) -> html.Div:
    """The panel's empty frame, filled by the ``today`` callback."""
    return html.Div(
        [
            html.H3(t("td.title", lang)),
            html.Div(id="div-today-msg", className="message"),
            html.Div(id="div-today-counts", className="cards"),
            html.P(t("td.open_hint", lang), className="hint"),
            DataTable(id="table-today-findings", columns=[], data=[], page_size=LISTED, **_TABLE),
            html.Div(
                DataTable(id="table-today-cases", columns=[], data=[], page_size=LISTED, **_TABLE),
                id="div-today-cases",
            ),
            dcc.Store(id="store-visit", storage_type="session"),
        ],
        className="panel",
        id="div-today",
    )


def _is_new(finding: dict, previous_visit: str | None, batch_new: set[str]) -> bool:
    if previous_visit is None:
        return finding["id"] in batch_new
    return str(finding.get("first_seen") or "") > previous_visit


def _finding_rows(findings: list[dict], agenda: dict | None, previous_visit, batch_new, lang) -> tuple[int, int, list]:
    high = sorted(
        (f for f in findings if f.get("severity") == "high" and f.get("detector") != "smoke_index"),
        key=lambda f: (-float(f.get("score", 0.0)), f["id"]),
    )
    new = [f for f in high if _is_new(f, previous_visit, batch_new)]
    taken = agenda["taken_findings"] if agenda else set()
    new_ids = {f["id"] for f in new}
    open_leads = [f for f in high if f["id"] not in taken and f["id"] not in new_ids]

    def row(f: dict, why: str) -> dict:
        summary = finding_summary(f, lang)
        return {
            "id": f["id"],
            "why": t(why, lang),
            "detector": name("detector", f.get("detector"), lang),
            "score": round(float(f.get("score", 0.0)), 3),
            "summary": summary if len(summary) <= 120 else summary[:119] + "…",
        }

    rows = [row(f, "td.reason_new") for f in new[:LISTED]]
    rows += [row(f, "td.reason_unassigned") for f in open_leads[:LISTED]]
    return len(new), len(open_leads), rows


def _case_rows(agenda: dict, lang: str) -> list[dict]:
    cases = agenda["cases_overdue"] + agenda["cases_due"]
    return [
        {
            "id": c["id"],
            "title": c["title"],
            "deadline": c["deadline"],
            "left": t("td.overdue", lang) if c["overdue"] else c["workdays_left"],
        }
        for c in cases
    ]


def today_view(findings: list[dict], agenda: dict | None, previous_visit: str | None, batch: dict | None, lang: str):
    """(message, count cards, finding columns, finding rows, case columns, case rows)."""
    batch_new = {e["id"] for e in (batch or {}).get("changes", {}).get("new", [])}
    n_new, n_open, rows = _finding_rows(findings, agenda, previous_visit, batch_new, lang)
    counts = [("td.new_high", n_new), ("td.unassigned", n_open)]
    if agenda is not None:
        counts += [
            ("td.cases_overdue", len(agenda["cases_overdue"])),
            ("td.cases_due", len(agenda["cases_due"])),
            ("td.dispatches_overdue", len(agenda["dispatches_overdue"])),
            ("td.notifications", len(agenda["notifications"])),
        ]
    cards = [
        html.Div(
            [html.Div(f"{n:,}", className="card-number"), html.Div(t(key, lang), className="card-label")],
            className="card",
        )
        for key, n in counts
    ]
    notes = [
        t("td.since_visit", lang, at=previous_visit[:16].replace("T", " "))
        if previous_visit
        else t("td.first_visit", lang)
    ]
    if agenda is None:
        notes.append(t("td.no_login", lang))
    if not rows and not (agenda and (agenda["cases_overdue"] or agenda["cases_due"])):
        notes.append(t("td.nothing", lang))
    finding_cols = [
        {"name": t("td.col_why", lang), "id": "why"},
        {"name": t("col.detector", lang), "id": "detector"},
        {"name": t("col.score", lang), "id": "score"},
        {"name": t("col.summary", lang), "id": "summary"},
        {"name": t("col.id", lang), "id": "id"},
    ]
    case_cols = [
        {"name": t("col.case", lang), "id": "id"},
        {"name": t("td.col_title", lang), "id": "title"},
        {"name": t("col.deadline", lang), "id": "deadline"},
        {"name": t("col.left", lang), "id": "left"},
    ]
    cases = _case_rows(agenda, lang) if agenda else []
    return (
        message("；".join(notes) if lang == "zh" else "; ".join(notes), "info"),
        cards,
        finding_cols,
        rows,
        case_cols,
        cases,
    )
