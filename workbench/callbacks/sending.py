"""推送督办 from the workbench (the send panel of the 督办 page): the findings ticked on the
findings page (one: a single item; several: one batch), a case, or a batch by rule
(:func:`bidgraph.cases.batches.select_findings`: one kind of warning for one tenderer or
within dates). The findings sent are those the user sees (the region view); the desk checks
roles, scope and the department's region, and audits every item and the batch record."""

from __future__ import annotations

import re
import time
from datetime import date

from dash import Input, Output, State, no_update

from bidgraph.cases import batches
from bidgraph.errors import InputError
from bidgraph.workbench.callbacks import form_values, opened, register_steps
from bidgraph.workbench.i18n import name, t
from bidgraph.workbench.messages import guarded, message
from bidgraph.workbench.present import sep

__all__ = ["send", "whole", "day", "ids", "register", "STATES"]

STATES = form_values(
    "send",
    "dropdown-send-kind input-send-findings dropdown-send-case dropdown-send-detector input-send-tenderer "
    "input-send-from input-send-to dropdown-send-department dropdown-send-action input-send-days",
)


def whole(text, key: str, lang: str, top: int = 365) -> int:
    """``text`` as a whole number 1..``top``, else the message ``key`` in the page's language."""
    text = str(text or "").strip()
    if not text.isdigit() or not 1 <= int(text) <= top:
        raise InputError(t(key, lang))
    return int(text)


def day(text, lang: str) -> date | None:
    """An ISO day, None when empty."""
    text = str(text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(t("sd.bad_date", lang)) from None


def ids(text) -> list[str]:
    """Ids separated by spaces or commas, in order, once each."""
    return list(dict.fromkeys(i for i in re.split(r"[\s,，、]+", str(text or "")) if i))


def _rule(data, s: dict, lang: str) -> tuple[list[dict], dict]:
    lo, hi, tenderer = day(s["from"], lang), day(s["to"], lang), (s["tenderer"] or "").strip() or None
    if not s["detector"] or not (tenderer or lo or hi):
        raise InputError(t("sd.need_rule", lang))
    chosen = batches.select_findings(
        data.findings(), data.api.snapshot(), s["detector"], tenderer=tenderer, date_from=lo, date_to=hi
    )
    rule = {"detector": s["detector"], "tenderer": tenderer, "from": lo and lo.isoformat(), "to": hi and hi.isoformat()}
    return chosen, {k: v for k, v in rule.items() if v}


def send(data, s: dict, lang: str) -> str:
    """Send what the form says; the message to show."""
    desk = data.supervision
    if not s["department"]:
        raise InputError(t("sd.need_department", lang))
    if not s["action"]:
        raise InputError(t("sd.need_action", lang))
    days = whole(s["days"], "sd.bad_days", lang)
    common = (s["department"], s["action"], days)
    department = desk.department_names().get(s["department"], s["department"])
    if s["kind"] == "case":
        if not s["case"]:
            raise InputError(t("sd.need_case", lang))
        item = desk.send_dispatch(*common, case_id=s["case"])
        return t("sd.sent", lang, id=item["id"], department=department, deadline=item["deadline"])
    if s["kind"] == "rule":
        findings, rule = _rule(data, s, lang)
    else:
        wanted = ids(s["findings"])
        if not wanted:
            raise InputError(t("sd.need_findings", lang))
        findings, rule = [data.finding(f) for f in wanted], {"findings": wanted}
        if len(findings) == 1:
            item = desk.send_dispatch(*common, finding=findings[0])
            return t("sd.sent", lang, id=item["id"], department=department, deadline=item["deadline"])
    batch = desk.send_batch(*common, findings, rule)
    items = sep(lang).join(batch["items"])
    return t("sd.batch", lang, id=batch["id"], n=len(batch["items"]), department=department, items=items)


def _options(data, lang: str) -> tuple[list, list, list]:
    """Departments, cases and warning kinds the user may choose from."""
    desk = data.supervision
    deps = [{"label": d["name"], "value": d["id"]} for d in desk.departments()]
    cases = [{"label": f"{c['id']} {c['title']}", "value": c["id"]} for c in desk.list_cases()]
    kinds = sorted({f["detector"] for f in data.findings() if f.get("detector") != "smoke_index"})
    return deps, cases, [{"label": name("detector", k, lang), "value": k} for k in kinds]


def register(app, data) -> None:
    @app.callback(
        Output("dropdown-send-department", "options"),
        Output("dropdown-send-case", "options"),
        Output("dropdown-send-detector", "options"),
        Output("div-send-msg", "children"),
        opened("dispatch"),
        State("tabs-main", "value"),
        State("store-lang", "data"),
    )
    @guarded(4, 3)
    def _fill(_opened, tab, lang):
        if tab != "dispatch" or data.supervision is None or data.supervision.supervision_role()["department"]:
            return no_update, no_update, no_update, no_update
        return (*_options(data, lang), no_update)

    @app.callback(
        Output("input-send-findings", "value"),
        Input("table-findings", "selected_row_ids"),
        Input("store-finding", "data"),
        prevent_initial_call=True,
    )
    def _ticked(selected, open_id):
        chosen = list(dict.fromkeys([*(selected or []), *([open_id] if open_id and not selected else [])]))
        return " ".join(chosen) if chosen else no_update

    @app.callback(
        Output("div-send-findings", "style"),
        Output("div-send-case", "style"),
        Output("div-send-rule", "style"),
        Input("dropdown-send-kind", "value"),
    )
    def _kind(kind):
        hide = {"display": "none"}
        return {} if kind == "findings" else hide, {} if kind == "case" else hide, {} if kind == "rule" else hide

    def _send(_trigger, s, lang):
        if data.supervision is None:
            return message(t("dp.login_needed", lang), "warning"), no_update
        return message(send(data, s, lang), "info"), time.time_ns()

    outputs = [
        Output("div-send-msg", "children", allow_duplicate=True),
        Output("store-dispatch-refresh", "data", allow_duplicate=True),
    ]
    register_steps(app, outputs, ["button-send"], STATES, _send, guarded(2, 0))
