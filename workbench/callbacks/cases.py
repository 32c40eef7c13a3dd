"""Cases page: open a case from the selected findings or the evidence cart, list the cases
the user may see (overdue first, in red), work one through its statuses with a reason, assign
it, comment, judge its findings, and export its evidence pack.

Everything goes through the cases desk (``data.cases``), which authorizes each call for the
request's session, so roles, region scope and the audit trail apply; without login
(``--no-auth``) there is no desk and the page says so.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from dash import Input, Output, State, dcc, html, no_update

from bidgraph.cases.cases import TRANSITIONS
from bidgraph.errors import InputError
from bidgraph.workbench import canvas_case
from bidgraph.workbench.callbacks import (
    form_values,
    refused,
    register_download,
    register_steps,
    register_tab_table,
)
from bidgraph.workbench.callbacks.item_detail import register_item
from bidgraph.workbench.cart import cart_nodes
from bidgraph.workbench.i18n import name, t
from bidgraph.workbench.messages import guarded, message
from bidgraph.workbench.present import colon, finding_summary, sep

__all__ = [
    "has_cases",
    "feedback_tags",
    "finding_feedback",
    "selected_findings",
    "create_case",
    "cases_table",
    "case_detail",
    "export_case_pack",
    "register",
]

LIST_COLUMNS = ("id", "title", "kind", "status", "assignee", "deadline", "workdays_left", "findings_count")
COLUMN_KEYS = {
    "id": "col.case",
    "title": "cs.title",
    "kind": "cs.kind",
    "status": "col.status",
    "assignee": "col.assignee",
    "deadline": "col.deadline",
    "workdays_left": "col.left",
    "findings_count": "col.findings_count",
}


def has_cases(data) -> bool:
    """Whether the workbench runs with login (and so with cases)."""
    return getattr(data, "cases", None) is not None


def selected_findings(data, selected_ids: list[str] | None, open_id: str | None) -> list[dict]:
    """The findings ticked in the findings table plus the one on show (visible ones only)."""
    ids = list(dict.fromkeys([*(selected_ids or []), *([open_id] if open_id else [])]))
    return [data.finding(i) for i in ids]


def create_case(data, title: str | None, kind: str, findings: list[dict], cart: list[dict] | None = None) -> dict:
    """Open a case as the current user from ``findings`` and, if given, the cart's nodes and
    pinned findings; returns the new case."""
    cart = cart or []
    findings = findings + [data.finding(item["finding"]) for item in cart if item["kind"] == "finding"]
    return data.cases.create_case(title, findings, kind=kind or "review", nodes=cart_nodes(cart) if cart else [])


def cases_table(data, mine: bool, lang: str) -> tuple[list[dict], list[dict]]:
    """Columns and rows of the case list (``overdue`` is 1 for the red rows)."""
    columns = [{"name": t(COLUMN_KEYS[c], lang), "id": c} for c in LIST_COLUMNS]
    rows = []
    for c in data.cases.list_cases(mine=mine):
        rows.append(
            {
                **{k: c.get(k) for k in LIST_COLUMNS},
                "kind": name("case_kind", c["kind"], lang),
                "status": name("status", c["status"], lang),
                "overdue": int(c["overdue"]),
                "id": c["id"],
                "title": ("⚠ " if c["overdue"] else "") + c["title"],
            }
        )
    return columns, rows


def feedback_tags(verdicts: list[dict], lang: str) -> list[html.Span]:
    """The last two verdicts on a finding (confirmed / dismissed, by whom, why), or "none yet"."""
    tags = [
        html.Span(
            f"{name('verdict', v['verdict'], lang)} · {v['user']} · {v['reason']}",
            className=f"feedback-tag feedback-{v['verdict']}",
        )
        for v in verdicts[-2:]
    ]
    return tags or [html.Span(t("cs.no_feedback", lang), className="feedback-tag hint")]


def finding_feedback(data, finding_id: str, lang: str) -> list[html.Span]:
    """:func:`feedback_tags` of one finding from the cases store (nothing without login)."""
    if not has_cases(data):
        return []
    return feedback_tags(data.cases.feedback_for([finding_id]).get(finding_id, []), lang)


def _finding_line(f: dict, lang: str) -> html.Li:
    """One of the case's findings: id, detector, score and its explanation in ``lang``."""
    return html.Li(
        [
            f"{f['id']} · {name('detector', f['detector'], lang)} · {float(f.get('score') or 0):.2f} · "
            f"{finding_summary(f, lang)}",
            *feedback_tags(f.get("feedback") or [], lang),
        ]
    )


def case_detail(data, case_id: str, lang: str) -> dict:
    """The case panel, the statuses it may move to, its findings (for verdicts), the people it
    may be assigned to, and its version (so a concurrent change is refused, not overwritten)."""
    c = data.cases.view_case(case_id)
    if c["overdue"]:
        due = html.P(t("cs.overdue", lang, deadline=c["deadline"]), className="case-overdue")
    elif c["deadline"]:
        due = html.P(t("cs.deadline", lang, deadline=c["deadline"], left=c["workdays_left"]), className="hint")
    else:
        due = html.P(t("cs.no_deadline", lang), className="hint")
    events = [
        html.Tr(
            [
                html.Td(e["time"][:16].replace("T", " ")),
                html.Td(e["user"]),
                html.Td(name("event", e["kind"], lang)),
                html.Td(" → ".join(name("status", v, lang) for v in (e["from_value"], e["to_value"]) if v)),
                html.Td(e["text"] or ""),
            ]
        )
        for e in c["events"]
    ]
    panel = html.Div(
        [
            html.H3(f"{c['id']} · {c['title']}"),
            html.P(
                f"{name('case_kind', c['kind'], lang)} · {name('status', c['status'], lang)} · "
                f"{t('cs.assignee', lang)}{colon(lang)}{c['assignee'] or '—'} · {t('cs.version_note', lang, version=c['version'])}"
            ),
            due,
            html.H4(t("cs.findings", lang)),
            html.Ul([_finding_line(f, lang) for f in c["findings"]]),
            html.H4(t("cs.history", lang)),
            html.Table(
                [
                    html.Tr(
                        [html.Th(t(k, lang)) for k in ("col.time", "col.user", "col.event", "col.change", "col.text")]
                    ),
                    *events,
                ],
                className="props",
            ),
            canvas_case.case_views_section(data, case_id, lang),
        ],
        id="div-case-body",
    )
    return {
        "panel": panel,
        "version": c["version"],
        "statuses": [{"label": name("status", s, lang), "value": s} for s in TRANSITIONS[c["status"]]],
        "findings": [{"label": f["id"], "value": f["id"]} for f in c["findings"]],
        "assignees": [{"label": n, "value": n} for n in data.cases.assignees()],
    }


def export_case_pack(data, case_id: str) -> tuple[str, bytes]:
    """The evidence pack of a case as the current user may export it: file name and bytes."""
    tables, sub = data.api.evidence(data.cases.get_case(case_id))
    with tempfile.TemporaryDirectory() as tmp:
        path = data.cases.export_pack(case_id, tables, sub, Path(tmp) / f"{case_id}.zip")
        return path.name, path.read_bytes()


def _act(data, trigger: str, s: dict, lang: str) -> tuple[str | None, str]:
    """Do what the pressed button asks (``s``: the form, the case on show and its version);
    returns the case to show and the message."""
    case_id, version = s["case"], s["version"]
    if trigger in ("button-case-from-findings", "button-case-from-cart"):
        from_cart = trigger == "button-case-from-cart"
        found = [] if from_cart else selected_findings(data, s["selected"], s["open"])
        if not (s["title"] or "").strip():
            raise InputError(t("cs.need_title", lang))
        case = create_case(data, s["title"], s["kind"], found, s["cart"] if from_cart else None)
        return case["id"], t("cs.created", lang, id=case["id"])
    if not case_id:
        return None, t("cs.pick", lang)
    if trigger == "button-case-move":
        case = data.cases.transition(case_id, s["status"] or "", s["reason"], expected_version=version)
        return case_id, t("cs.moved", lang, id=case_id, status=name("status", case["status"], lang))
    if trigger == "button-case-assign":
        data.cases.assign(case_id, s["assignee"], expected_version=version)
        return case_id, t("cs.assigned", lang)
    if trigger == "button-case-comment":
        data.cases.add_comment(case_id, s["comment"])
        return case_id, t("cs.commented", lang)
    finding = next((f for f in data.cases.get_case(case_id)["findings"] if f["id"] == s["feedback_finding"]), None)
    if finding is None:
        raise InputError(t("cs.pick_finding", lang))
    data.cases.record_feedback(finding, s["feedback_verdict"] or "", s["feedback_reason"])
    return case_id, t("cs.feedback_done", lang)


ACTION_BUTTONS = (
    "button-case-from-findings",
    "button-case-from-cart",
    "button-case-move",
    "button-case-assign",
    "button-case-comment",
    "button-feedback",
)
ACTION_STATES = {
    **form_values(
        "case",
        "input-case-title dropdown-case-kind dropdown-case-status input-case-reason dropdown-case-assignee "
        "input-case-comment dropdown-feedback-finding dropdown-feedback-verdict input-feedback-reason",
    ),
    "selected": ("table-findings", "selected_row_ids"),
    "open": ("store-finding", "data"),
    "cart": ("store-cart", "data"),
}


def register(app, data) -> None:
    @app.callback(
        Output("div-case-selected", "children"),
        Input("table-findings", "selected_row_ids"),
        Input("store-finding", "data"),
        State("store-lang", "data"),
    )
    def _selected(selected, open_id, lang):
        ids = list(dict.fromkeys([*(selected or []), *([open_id] if open_id else [])]))
        return t("cs.selected", lang, ids=sep(lang).join(ids)) if ids else t("cs.none_selected", lang)

    def _step(trigger, s, lang):
        if not has_cases(data):
            return no_update, no_update, message(t("cs.login_needed", lang), "warning")
        shown, text = _act(data, trigger, s, lang)
        return shown, time.time_ns(), message(text, "info")

    outputs = [Output("store-case", "data"), Output("store-case-refresh", "data"), Output("div-cases-msg", "children")]
    reads = {"case": ("store-case", "data"), "version": ("store-case-version", "data"), **ACTION_STATES}
    register_steps(app, outputs, ACTION_BUTTONS, reads, _step, guarded(3, 2))

    register_tab_table(
        app,
        "cases",
        "table-cases",
        Output("div-cases-msg", "children", allow_duplicate=True),
        [Input("store-case-refresh", "data"), Input("checklist-cases-mine", "value")],
        lambda _refresh, mine, lang: (*cases_table(data, bool(mine), lang), "cs.none"),
        ready=lambda: has_cases(data),
        login_key="cs.login_needed",
    )

    def _unpicked(lang):
        return t("cs.pick", lang), [], [], [], None

    def _detail(data, case_id, lang):
        d = case_detail(data, case_id, lang)
        return d["panel"], d["statuses"], d["findings"], d["assignees"], d["version"]

    detail = [
        ("div-case-detail", "children"),
        ("dropdown-case-status", "options"),
        ("dropdown-feedback-finding", "options"),
        ("dropdown-case-assignee", "options"),
        ("store-case-version", "data"),
    ]
    register_item(app, data, "table-cases", "store-case", detail, _detail, _unpicked, desk="cases")
    canvas_case.register(app, data)

    def _pack(case_id, lang):
        if not has_cases(data):
            return refused("cs.login_needed", lang)
        if not case_id:
            return refused("cs.pick", lang)
        filename, content = export_case_pack(data, case_id)
        return dcc.send_bytes(content, filename), message(t("cs.exported", lang, file=filename), "info")

    register_download(app, "button-case-export", "download-pack", "div-cases-msg", ("store-case", "data"), _pack)
