"""投诉质疑 page: intake, the list (overdue first, in red), the chosen item with its history,
transfer, the written reply, linked findings and a case. Everything goes through the cases
desk (``data.supervision``), which authorizes each call for the session; ``cases.complaints``
then applies its roles and scope (a department account: what was transferred to it)."""

from __future__ import annotations

import time

from dash import Output, html, no_update

from bidgraph.cases.complaint_documents import parse_hashes
from bidgraph.errors import InputError
from bidgraph.workbench.callbacks import form_values, register_steps
from bidgraph.workbench.callbacks.item_detail import near, register_item, register_list
from bidgraph.workbench.callbacks.sending import day, ids
from bidgraph.workbench.i18n import name, t
from bidgraph.workbench.messages import message
from bidgraph.workbench.present import colon, sep

__all__ = ["complaint_table", "complaint_detail", "act", "register", "COLUMNS", "STEPS"]

COLUMNS = ("id", "kind", "target", "received_on", "deadline", "left", "status", "department", "mark", "case")
STEPS = {  # each step's button and the fields emptied once it is done
    "button-complaint-add": ("target", "grounds", "docs"),
    "button-complaint-transfer": ("note",),
    "button-complaint-reply": ("reply",),
    "button-complaint-link": (),
    "button-complaint-case": ("findings",),
}
STATES = form_values(
    "complaint",
    "dropdown-complaint-kind dropdown-complaint-where input-complaint-target input-complaint-complainant "
    "input-complaint-received textarea-complaint-grounds textarea-complaint-docs dropdown-complaint-department "
    "input-complaint-note textarea-complaint-reply input-complaint-findings",
)

LIST_IDS = {
    "table": "table-complaints",
    "message": "div-complaint-msg",
    "refresh": "store-complaint-refresh",
    "checklist": "checklist-complaint-overdue",
    "button": "button-complaint-refresh",
}
CLEARED = {k: STATES[k] for fields in STEPS.values() for k in fields}


def _kind(kind: str, lang: str) -> str:
    return name("complaint_kind", kind, lang).split("（")[0].split(" (")[0]


def complaint_table(data, overdue: bool, lang: str) -> tuple[list[dict], list[dict]]:
    """Columns and rows of the list (``overdue_flag`` 1 for the red rows)."""
    desk = data.supervision
    names = desk.department_names()
    columns = [{"name": t(f"cq.col.{c}", lang), "id": c} for c in COLUMNS]
    rows = [
        {
            "id": c["id"],
            "kind": _kind(c["kind"], lang),
            "target": c["lot_id"] or c["project_id"],
            "received_on": c["received_on"],
            "deadline": c["deadline"] or t("cq.no_deadline", lang),
            "left": c.get("workdays_left"),
            "status": name("complaint_status", c["status"], lang),
            "department": names.get(c.get("department_id") or "", c.get("department_id") or ""),
            "mark": t("dp.overdue", lang) if c["overdue"] else "",
            "case": c.get("case_id") or "",
            "overdue_flag": int(bool(c["overdue"])),
        }
        for c in desk.list_complaints(overdue=overdue)
    ]
    return columns, rows


def _event(event: dict, names: dict[str, str], lang: str) -> html.Li:
    kind = event["kind"]
    label = t(f"cq.ev.{kind}", lang) if f"cq.ev.{kind}" in _EVENTS else kind
    line = f"{event['time'][:16].replace('T', ' ')} {event['user']} {label}"
    detail = event.get("detail") or {}
    if detail.get("documents"):
        line += colon(lang) + sep(lang).join(h[:12] + "…" for h in detail["documents"])
    if detail.get("findings") or detail.get("case"):
        line += colon(lang) + (sep(lang).join(detail.get("findings") or []) or detail["case"])
    if detail.get("department"):
        line += colon(lang) + names.get(detail["department"], detail["department"])
    if event.get("text"):
        line += colon(lang) + event["text"]
    return html.Li(line)


_EVENTS = {f"cq.ev.complaint.{k}" for k in ("add", "documents", "transfer", "reply", "link", "case")}


def complaint_detail(data, complaint_id: str, lang: str) -> list:
    """The chosen item: kind, target, deadline, grounds, reply, findings, case, history."""
    c = data.supervision.get_complaint(complaint_id)

    def line(key: str, value) -> html.P:
        return html.P(f"{t(key, lang)}{colon(lang)}{value}")

    deadline = c["deadline"] or t("cq.no_deadline", lang)
    status = name("complaint_status", c["status"], lang) + (f" · {t('dp.overdue', lang)}" if c["overdue"] else "")
    shown = [
        html.H3(t("cq.detail", lang, id=c["id"], kind=name("complaint_kind", c["kind"], lang))),
        line("cq.col.target", c["lot_id"] or c["project_id"]),
        html.P(
            f"{t('cq.col.deadline', lang)}{colon(lang)}{deadline} · {t('cq.col.status', lang)}{colon(lang)}{status}",
            className="overdue" if c["overdue"] else "",
        ),
        line("cq.grounds_l", c["grounds"]),
    ]
    if c.get("reply"):
        late = any(e["kind"] == "complaint.reply" and (e.get("detail") or {}).get("late") for e in c["events"])
        shown.append(line("cq.reply_l", c["reply"] + (t("cq.late", lang) if late else "")))
    if c["findings"]:
        shown.append(line("cq.findings_l", sep(lang).join(c["findings"])))
    if c.get("case_id"):
        shown.append(line("cq.case_l", c["case_id"]))
    names = data.supervision.department_names()
    shown += [html.H4(t("dp.history", lang)), html.Ul([_event(e, names, lang) for e in c["events"]])]
    return shown


def _add(desk, s: dict, lang: str) -> tuple[str, str]:
    target = (s["target"] or "").strip()
    if not target:
        raise InputError(t("cq.need_target", lang))
    if not (s["grounds"] or "").strip():
        raise InputError(t("cq.need_grounds", lang))
    received = day(s["received"], lang)
    if received is None:
        raise InputError(t("sd.bad_date", lang))
    where = {"lot_id" if s["where"] == "lot" else "project_id": target}
    if (s["complainant"] or "").strip():
        where["complainant_org_id"] = s["complainant"].strip()
    item = desk.add_complaint(s["kind"], s["grounds"] or "", received, where, parse_hashes(s["docs"]))
    deadline = item["deadline"] or t("cq.no_deadline", lang)
    return t("cq.added", lang, id=item["id"], deadline=deadline), item["id"]


def act(data, trigger: str, complaint_id: str | None, s: dict, lang: str) -> tuple[str, str | None]:
    """Run the step of button ``trigger``; (message, the item to show)."""
    desk = data.supervision
    if trigger == "button-complaint-add":
        return _add(desk, s, lang)
    if not complaint_id:
        raise InputError(t("cq.pick", lang))
    if trigger == "button-complaint-transfer":
        if not s["department"]:
            raise InputError(t("cq.need_department", lang))
        desk.transfer_complaint(complaint_id, s["department"], s["note"] or "")
        department = desk.department_names().get(s["department"], s["department"])
        return t("cq.transferred", lang, id=complaint_id, department=department), complaint_id
    if trigger == "button-complaint-reply":
        if not (s["reply"] or "").strip():
            raise InputError(t("cq.need_reply", lang))
        desk.reply_complaint(complaint_id, s["reply"] or "")
        return t("cq.replied", lang, id=complaint_id), complaint_id
    wanted = ids(s["findings"])
    findings = [data.finding(f) for f in wanted]  # each one the user may see, else refused (and audited)
    if trigger == "button-complaint-link":
        if not findings:
            raise InputError(t("sd.need_findings", lang))
        desk.link_complaint(complaint_id, wanted)
        return t("cq.linked", lang, id=complaint_id, n=len(wanted)), complaint_id
    linked = [data.finding(f) for f in desk.get_complaint(complaint_id)["findings"] if f not in wanted]
    case = desk.complaint_case(complaint_id, findings + linked)
    return t("cq.cased", lang, id=complaint_id, case=case["id"]), complaint_id


def register(app, data) -> None:
    def _listed(data, overdue: bool, lang: str):
        deps = [{"label": d["name"], "value": d["id"]} for d in data.supervision.departments()]
        return *complaint_table(data, overdue, lang), "cq.none", deps

    register_list(app, data, "complaints", LIST_IDS, ("dropdown-complaint-department", "options"), _listed)

    detail = [("div-complaint-detail", "children")]
    register_item(
        app, data, "table-complaints", "store-complaint", detail, complaint_detail, lambda lang: t("cq.pick", lang)
    )

    def _step(trigger, s, lang):
        here = [no_update, no_update]  # the intake panel's message, the other steps'
        if data.supervision is None:
            here[trigger != "button-complaint-add"] = message(t("dp.login_needed", lang), "warning")
            return no_update, *here, no_update, *(no_update,) * len(CLEARED)
        text, shown = act(data, trigger, s["complaint"], s, lang)
        here[trigger != "button-complaint-add"] = message(text, "info")
        cleared = ("" if k in STEPS[trigger] else no_update for k in CLEARED)  # done: its form is emptied
        return time.time_ns(), *here, shown, *cleared

    outputs = [
        Output("store-complaint-refresh", "data"),
        Output("div-complaint-add-msg", "children"),
        Output("div-complaint-step-msg", "children"),
        Output("store-complaint", "data", allow_duplicate=True),
        *[Output(*CLEARED[k], allow_duplicate=True) for k in CLEARED],
    ]
    reads = {"complaint": ("store-complaint", "data"), **STATES}
    register_steps(app, outputs, list(STEPS), reads, _step, near(len(outputs), {"button-complaint-add": 1}, 2))
