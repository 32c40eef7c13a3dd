"""督办 (Dispatch) and 考核 (Performance) pages: the supervision loop of docs/supervision.md.

A department account sees its inbox (what was sent to its department, overdue first and in
red, 督办 marked) and replies with the result text and, optionally, attachment SHA-256s; an
office account sees the items it may see, checks a reply (整改到位 / 未到位, which sends it back
with a new deadline), closes with a reason and escalates overdue items. The performance page
shows one month per department and exports it as XLSX.

Everything goes through ``data.supervision`` (the cases desk), which authorizes each call for
the request's session; the supervision module then applies its own roles and scope. Without
login there is no desk and the pages say so.
"""

from __future__ import annotations

import re
import tempfile
import time
from datetime import date
from pathlib import Path

from dash import Input, Output, State, dcc, html, no_update

from bidgraph.errors import InputError
from bidgraph.workbench.callbacks import (
    complaints,
    form_values,
    inspections,
    refused,
    register_download,
    register_steps,
    register_tab_table,
    sending,
)
from bidgraph.workbench.callbacks.item_detail import register_item, register_list
from bidgraph.workbench.i18n import name, t
from bidgraph.workbench.messages import guarded, message
from bidgraph.workbench.present import colon

__all__ = [
    "has_supervision",
    "dispatch_table",
    "dispatch_detail",
    "act",
    "notifications",
    "performance_table",
    "performance_xlsx",
    "register",
    "LIST_COLUMNS",
    "PERFORMANCE_COLUMNS",
]

LIST_COLUMNS = ("id", "department", "action", "subject", "sent_on", "deadline", "left", "status", "mark", "round")
PERFORMANCE_COLUMNS = (
    "name",
    "kind",
    "received",
    "answered_on_time",
    "overdue",
    "median_days_to_answer",
    "rectification_rate",
)
ACTION_BUTTONS = (
    "button-dispatch-reply",
    "button-dispatch-rectified",
    "button-dispatch-not-rectified",
    "button-dispatch-close",
    "button-dispatch-escalate",
)
STATES = form_values(
    "dispatch", "textarea-dispatch-result textarea-dispatch-sha input-dispatch-reason input-dispatch-days"
)
CLEARED = ("result", "sha", "reason")  # emptied once a step is done
LIST_IDS = {
    "table": "table-dispatch",
    "message": "div-dispatch-msg",
    "refresh": "store-dispatch-refresh",
    "checklist": "checklist-dispatch-overdue",
    "button": "button-dispatch-refresh",
}
PERIOD = re.compile(r"^\d{4}-\d{2}$")


def has_supervision(data) -> bool:
    """Whether the workbench runs with login (and so with the supervision desk)."""
    return getattr(data, "supervision", None) is not None


def _subject(item: dict, lang: str) -> str:
    subject = item.get("subject") or {}
    key = "dp.finding" if item.get("subject_kind", subject.get("kind")) == "finding" else "dp.case"
    sid = item.get("subject_id") or subject.get("id") or ""
    return t(key, lang, id=sid)


def dispatch_table(data, overdue: bool, lang: str) -> tuple[list[dict], list[dict]]:
    """Columns and rows of the item list (``overdue_flag`` is 1 for the red rows)."""
    desk = data.supervision
    names = desk.department_names()
    columns = [{"name": t(f"dp.col.{c}", lang), "id": c} for c in LIST_COLUMNS]
    rows = []
    for item in desk.list_dispatches(overdue=overdue):
        marks = [t("dp.overdue", lang)] if item["overdue"] else []
        marks += [t("dp.escalated", lang)] if item.get("escalated") else []
        rows.append(
            {
                "id": item["id"],
                "department": names.get(item["department_id"], item["department_id"]),
                "action": name("dispatch_action", item["action"], lang),
                "subject": _subject(item, lang),
                "sent_on": item.get("sent_on"),
                "deadline": item["deadline"],
                "left": item.get("workdays_left"),
                "status": name("dispatch_status", item["status"], lang),
                "mark": " ".join(marks),
                "round": item.get("round"),
                "overdue_flag": int(bool(item["overdue"])),
            }
        )
    return columns, rows


def _event_line(event: dict, lang: str) -> html.Li:
    kind = event["kind"]
    label = t(f"dp.ev.{kind}", lang) if f"dp.ev.{kind}" in _EVENT_KEYS else kind
    parts = [f"{event['time'][:16].replace('T', ' ')} {event['user']} {label}"]
    if event.get("to_status"):
        parts.append(name("dispatch_status", event["to_status"], lang))
    line = " · ".join(parts)
    if event.get("text"):  # the office's and department's own words; an escalation's is the system's, bilingual
        line += colon(lang) + (_side(event["text"], lang) if kind == "dispatch.escalate" else event["text"])
    hashes = (event.get("detail") or {}).get("attachments")
    if hashes:
        line += t("dp.attachments", lang, n=len(hashes))
    return html.Li(line)


def _side(text: str, lang: str) -> str:
    """The page's side of a system message "English / 中文"."""
    english, _, chinese = text.rpartition(" / ")
    return (chinese if lang == "zh" else english) if english else text


_EVENT_KEYS = {f"dp.ev.dispatch.{k}" for k in ("send", "reply", "escalate", "check", "close")}


def dispatch_detail(data, dispatch_id: str, lang: str) -> list:
    """The chosen item: subject, summary, deadline and its history."""
    item = data.supervision.get_dispatch(dispatch_id)
    subject = item.get("subject") or {}
    status = name("dispatch_status", item["status"], lang)
    marks = [t("dp.overdue", lang)] if item["overdue"] else []
    marks += [t("dp.escalated", lang)] if item.get("escalated") else []
    lines = [
        html.H3(t("dp.detail", lang, id=item["id"], subject=_subject(item, lang))),
        html.P(f"{t('dp.col.action', lang)}{colon(lang)}{name('dispatch_action', item['action'], lang)}"),
        html.P(
            f"{t('dp.col.deadline', lang)}{colon(lang)}{item['deadline']} · {t('dp.col.status', lang)}{colon(lang)}"
            f"{status}" + "".join(f" · {m}" for m in marks),
            className="overdue" if item["overdue"] else "",
        ),
    ]
    if item.get("subject_kind") == "case":
        summary = subject.get("title")
    else:
        explanation = (subject.get("evidence") or {}).get("explanation")
        summary = explanation.get(lang) if isinstance(explanation, dict) else None
        if subject.get("detector"):
            lines.append(html.P(f"{t('dp.detector', lang)}{colon(lang)}{name('detector', subject['detector'], lang)}"))
    if summary:
        lines.append(html.P(f"{t('dp.summary', lang)}{colon(lang)}{summary}"))
    lines.append(html.H4(t("dp.history", lang)))
    lines.append(html.Ul([_event_line(e, lang) for e in item.get("events", [])]))
    return lines


def notifications(data, lang: str) -> list:
    """The 督办 notifications left for the user (escalations of what it sent), newest first."""
    notes = data.supervision.notifications()[:10]
    if not notes:
        return []
    return [
        html.H4(t("dp.notifications", lang)),
        html.Ul([html.Li(f"{n['time'][:16].replace('T', ' ')} {_side(n['text'], lang)}") for n in notes]),
    ]


def _days(text: str | None) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise InputError("the new deadline must be a whole number of working days / 重新计期须为整数个工作日")
    return int(text)


def act(data, trigger: str, dispatch_id: str | None, s: dict, lang: str) -> str:
    """Run the step of button ``trigger`` on ``dispatch_id``; the message to show."""
    desk = data.supervision
    if trigger == "button-dispatch-escalate":
        return t("dp.escalated_n", lang, n=len(desk.escalate()))
    if not dispatch_id:
        raise InputError("pick an item first / 请先选择一个事项")
    if trigger == "button-dispatch-reply" and not (s.get("result") or "").strip():
        raise InputError("the result must not be empty / 处理结果不能为空")
    if trigger != "button-dispatch-reply" and not (s.get("reason") or "").strip():
        raise InputError("the reason must not be empty / 理由不能为空")
    if trigger == "button-dispatch-reply":
        hashes = [h.strip() for h in (s.get("sha") or "").split() if h.strip()]
        desk.reply_dispatch(dispatch_id, s.get("result") or "", hashes)
        return t("dp.replied", lang, id=dispatch_id)
    if trigger in ("button-dispatch-rectified", "button-dispatch-not-rectified"):
        rectified = trigger == "button-dispatch-rectified"
        item = desk.check_dispatch(dispatch_id, rectified, s.get("reason") or "", _days(s.get("days")))
        return t("dp.checked", lang, id=dispatch_id, status=name("dispatch_status", item["status"], lang))
    if trigger == "button-dispatch-close":
        desk.close_dispatch(dispatch_id, s.get("reason") or "")
        return t("dp.closed", lang, id=dispatch_id)
    raise InputError(f"unknown step {trigger!r}")


def performance_table(data, period: str, lang: str) -> tuple[list[dict], list[dict]]:
    """Columns and rows of one month's department performance."""
    columns = [{"name": t(f"pf.col.{c}", lang), "id": c} for c in PERFORMANCE_COLUMNS]
    rows = []
    for r in data.supervision.performance(_period(period)):
        rate = r.get("rectification_rate")
        rows.append(
            {
                **{c: r.get(c) for c in PERFORMANCE_COLUMNS},
                "kind": name("department_kind", r.get("kind"), lang),
                "rectification_rate": "" if rate is None else f"{rate:.0%}",
            }
        )
    return columns, rows


def _period(period: str | None) -> str:
    period = (period or "").strip() or date.today().strftime("%Y-%m")
    if not PERIOD.match(period):
        raise InputError(f"period {period!r}: expected YYYY-MM such as 2026-11 / 期间格式应为 YYYY-MM")
    return period


def performance_xlsx(data, period: str | None) -> tuple[str, bytes]:
    """(file name, bytes) of the performance XLSX of ``period``."""
    period = _period(period)
    filename = f"bidgraph-performance-{period}.xlsx"
    with tempfile.TemporaryDirectory() as tmp:
        path = data.supervision.performance_xlsx(period, Path(tmp) / filename)
        return filename, Path(path).read_bytes()


def register(app, data) -> None:
    for page in (sending, complaints, inspections):  # the loop's other pages (推送, 投诉质疑, 双随机)
        page.register(app, data)

    def _listed(data, overdue: bool, lang: str):
        return *dispatch_table(data, overdue, lang), "dp.none", notifications(data, lang)

    register_list(app, data, "dispatch", LIST_IDS, ("div-dispatch-notes", "children"), _listed)

    detail = [("div-dispatch-detail", "children")]
    register_item(
        app, data, "table-dispatch", "store-dispatch", detail, dispatch_detail, lambda lang: t("dp.pick", lang)
    )

    def _step(trigger, s, lang):
        keep = (no_update,) * len(CLEARED)
        if not has_supervision(data):
            return no_update, message(t("dp.login_needed", lang), "warning"), *keep
        text = act(data, trigger, s["dispatch"], s, lang)
        return time.time_ns(), message(text, "info"), *[""] * len(CLEARED)  # done: the form is emptied

    outputs = [
        Output("store-dispatch-refresh", "data"),
        Output("div-dispatch-msg", "children", allow_duplicate=True),
        *[Output(*STATES[k]) for k in CLEARED],
    ]
    reads = {"dispatch": ("store-dispatch", "data"), **STATES}
    register_steps(app, outputs, ACTION_BUTTONS, reads, _step, guarded(len(outputs), 1))

    period = ("input-performance-period", "value")
    register_tab_table(
        app,
        "performance",
        "table-performance",
        Output("div-performance-msg", "children"),
        [Input("button-performance-show", "n_clicks"), State(*period)],
        lambda _clicks, chosen, lang: (*performance_table(data, chosen, lang), "pf.none"),
        ready=lambda: has_supervision(data),
        login_key="dp.login_needed",
    )

    def _xlsx(period, lang):
        if not has_supervision(data):
            return refused("dp.login_needed", lang)
        filename, content = performance_xlsx(data, period)
        return dcc.send_bytes(content, filename), message(t("pf.exported", lang, file=filename), "info")

    register_download(app, "button-performance-xlsx", "download-performance", "div-performance-msg", period, _xlsx)
