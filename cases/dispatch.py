"""Dispatch (推送督办): a warning (a finding) or a case sent to a department with a deadline in
working days and a requested action; the department answers, overdue items are escalated
(督办), a reply is checked (整改到位 / 未到位) and the item closed with a reason.

States and the steps between them (anything else is refused in one line)::

    sent --reply--> answered --check(rectified)--> rectified --close--> closed
      ^                 |  \\--close (not asked to rectify)-----------> closed
      \\--check(not rectified): new deadline--/

``escalate`` marks a ``sent`` item past its deadline 督办 and leaves its supervisor (the
account that sent it) a notification. Every step is a history row and an audit entry in one
transaction. A county account sees only items lying in its region; a department account only
its department's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date

from bidgraph.cases.cases import get_case, today
from bidgraph.cases.db import CasesStore
from bidgraph.cases.departments import get_department
from bidgraph.cases.scope import RegionIndex, Scope
from bidgraph.cases.settings import calendar
from bidgraph.cases.supervised_items import ItemKind, deadline_clock, insert_numbered, item_dict
from bidgraph.cases.supervision import (
    Event,
    StepRefused,
    Unseen,
    record_step,
    records_denial,
    require_action,
    text,
    visible,
)
from bidgraph.cases.users import User
from bidgraph.errors import InputError

__all__ = [
    "ACTIONS",
    "STATUSES",
    "STEPS",
    "send",
    "send_batch",
    "reply",
    "check",
    "close",
    "escalate",
    "list_dispatches",
    "get_dispatch",
    "notifications",
]

ACTIONS = {"verify": "核实", "rectify": "整改", "penalise": "处罚", "refer": "移送"}
STATUSES = {"sent": "已下发", "answered": "已答复", "rectified": "整改到位", "closed": "已办结"}
# status -> step -> status it leads to ("check" leads to rectified or back to sent)
STEPS: dict[str, dict[str, str]] = {
    "sent": {"reply": "answered", "escalate": "sent"},
    "answered": {"check": "rectified", "close": "closed"},
    "rectified": {"close": "closed"},
    "closed": {},
}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _workdays(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
        raise InputError(f"deadline: expected 1..365 working days, got {days!r} / 期限应为1至365个工作日")
    return days


def _subject(store, actor, dep, finding, case_id, index) -> tuple[str, str, dict, list[str]]:
    """(kind, id, what the department is shown, regions) of what is sent."""
    if (finding is None) == (case_id is None):
        raise InputError("send either a finding or a case / 请指定一条线索或一个案件")
    if case_id is not None:
        case = get_case(store, actor, case_id)
        return "case", case_id, {"id": case_id, "title": case["title"]}, case["region_codes"]
    if not finding.get("id") or not finding.get("detector"):
        raise InputError("a finding needs an id and a detector / 线索缺少编号或检测器")
    if index is None and not Scope.of(actor).is_all:
        raise InputError("a county account needs the loaded graph to place a warning / 县级账号需先加载图谱")
    regions = sorted(index.finding_regions(finding)) if index is not None else []
    if not Scope.of(actor).allows(regions):
        raise Unseen(f"finding {finding['id']!r} not found (or outside your region) / 未找到线索")
    shown = Scope(dep["region_code"]).cut_finding(finding, index) if dep["region_code"] and index else finding
    return "finding", finding["id"], shown, regions


def _insert(conn, store, actor, dep, action, days, subject, sent_on, batch_id) -> str:
    kind, subject_id, shown, regions = subject
    if not Scope(dep["region_code"]).allows(regions):
        raise InputError(
            f"{subject_id} does not lie in the region of {dep['name']} ({dep['region_code']}) / 不属于该部门辖区"
        )
    deadline = calendar(store).add(sent_on, days).isoformat()
    values = {
        "subject_kind": kind,
        "subject_id": subject_id,
        "subject_json": json.dumps(shown, ensure_ascii=False, sort_keys=True, default=str),
        "department_id": dep["id"],
        "action": action,
        "workdays": days,
        "sent_on": sent_on.isoformat(),
        "deadline": deadline,
        "first_deadline": deadline,
        "batch_id": batch_id,
    }
    detail = {kind: subject_id, "department": dep["id"], "action": action, "deadline": deadline, "batch": batch_id}
    return _ITEMS.insert(conn, store, actor, "D", values, regions, "send", detail)


def _checked_send(actor: User, dep_id: str, action: str, days: int, store: CasesStore) -> dict:
    require_action(actor, "dispatch.send")
    if action not in ACTIONS:
        raise InputError(f"action {action!r} is not one of {', '.join(ACTIONS)} / 处置要求有误")
    _workdays(days)
    return get_department(store, dep_id)


def send(
    store: CasesStore,
    actor: User,
    department_id: str,
    action: str,
    days: int,
    *,
    finding: dict | None = None,
    case_id: str | None = None,
    index: RegionIndex | None = None,
    sent_on: date | None = None,
) -> dict:
    """Send a finding (a dict as in findings.jsonl) or a case to a department, due ``days``
    working days after ``sent_on`` (default today); returns the dispatch (:func:`get_dispatch`)."""
    dep = _checked_send(actor, department_id, action, days, store)
    subject = _subject(store, actor, dep, finding, case_id, index)
    with store.transaction() as conn:
        dispatch_id = _insert(conn, store, actor, dep, action, days, subject, sent_on or today(store), None)
    return get_dispatch(store, actor, dispatch_id)


def send_batch(
    store: CasesStore,
    actor: User,
    department_id: str,
    action: str,
    days: int,
    findings: list[dict],
    rule: dict,
    *,
    index: RegionIndex | None = None,
    sent_on: date | None = None,
) -> dict:
    """Send many findings at once, chosen by ``rule`` (recorded as given, e.g. from
    :func:`bidgraph.cases.batches.select_findings`); one batch record lists the items, all sent
    or none. Returns ``{"id", "rule", "items"}``."""
    dep = _checked_send(actor, department_id, action, days, store)
    if not findings:
        raise InputError("the rule selects no finding: nothing sent / 规则未选中任何线索")
    subjects = [_subject(store, actor, dep, f, None, index) for f in findings]
    with store.transaction() as conn:
        rule_json = json.dumps(rule, ensure_ascii=False, sort_keys=True)
        batch = {"rule": rule_json, "created_by": actor.name, "created_at": store.now()}
        batch_id = insert_numbered(conn, "dispatch_batches", "B", batch)
        on = sent_on or today(store)
        items = [_insert(conn, store, actor, dep, action, days, s, on, batch_id) for s in subjects]
        detail = {"rule": rule, "department": dep["id"], "items": items}
        record_step(conn, store, actor, Event("dispatch.batch", batch_id, detail))
    return {"id": batch_id, "rule": rule, "items": items}


@records_denial
def reply(store: CasesStore, actor: User, dispatch_id: str, result: str, attachments: Sequence[str] = ()) -> dict:
    """The department's answer: ``result`` text and the SHA-256 (hex) of each attachment."""
    require_action(actor, "dispatch.reply")
    result = text(result, "the reply")
    hashes = [h.strip().lower() for h in attachments]
    bad = [h for h in hashes if not _SHA256.match(h)]
    if bad:
        raise InputError(f"not a SHA-256 (64 hex digits): {bad[0][:70]} / 附件哈希应为64位十六进制")
    with _ITEMS.step(store, actor, dispatch_id, "reply") as step:
        answered = today(store).isoformat()
        detail = {"attachments": hashes, "answered_on": answered, "length": len(result)}
        step.record(detail, result, first_answered_on=step.row["first_answered_on"] or answered)
    return get_dispatch(store, actor, dispatch_id)


@records_denial
def check(
    store: CasesStore, actor: User, dispatch_id: str, rectified: bool, reason: str, days: int | None = None
) -> dict:
    """Check an answer: 整改到位 (``rectified``) or 未到位, which sends the item back to the
    department with a new deadline of ``days`` working days (default: as many as the first)."""
    require_action(actor, "dispatch.supervise")
    reason = text(reason, "the reason")
    with _ITEMS.step(store, actor, dispatch_id, "check") as step:
        if rectified:
            step.record({"rectified": True}, reason, "rectified", rectified=1)
        else:
            n = _workdays(days if days is not None else step.row["workdays"])
            deadline = calendar(store).add(today(store), n).isoformat()
            fields = {"rectified": 0, "deadline": deadline, "round": step.row["round"] + 1, "escalated": 0}
            step.record({"rectified": False, "deadline": deadline}, reason, "sent", **fields)
    return get_dispatch(store, actor, dispatch_id)


@records_denial
def close(store: CasesStore, actor: User, dispatch_id: str, reason: str) -> dict:
    """Close an answered item with a reason; one asked to rectify (整改) must be checked
    整改到位 first."""
    require_action(actor, "dispatch.supervise")
    reason = text(reason, "the reason")
    with _ITEMS.step(store, actor, dispatch_id, "close") as step:
        if step.row["action"] == "rectify" and step.row["status"] != "rectified":
            raise StepRefused(
                f"dispatch {dispatch_id} asks to rectify: check it 整改到位 before closing / 整改事项须先核查到位"
            )
        step.record({"reason": reason}, reason)
    return get_dispatch(store, actor, dispatch_id)


def escalate(store: CasesStore, actor: User, dispatch_id: str | None = None, on: date | None = None) -> list[str]:
    """Mark 督办 every ``sent`` item past its deadline that ``actor`` may see (or only
    ``dispatch_id``) and notify the account that sent it; returns the ids escalated."""
    require_action(actor, "dispatch.supervise")
    on = on or today(store)
    done = []
    with store.transaction() as conn:
        if dispatch_id is not None:
            rows = [_ITEMS.row(conn, store, actor, dispatch_id)]
            _ITEMS.next_status(rows[0], "escalate")
            if rows[0]["escalated"] or on <= date.fromisoformat(rows[0]["deadline"]):
                raise StepRefused(f"dispatch {dispatch_id} is not overdue or already 督办 / 未逾期或已督办")
        else:
            sql = "SELECT * FROM dispatches WHERE status = 'sent' AND escalated = 0 AND deadline < ? ORDER BY num"
            rows = [r for r in conn.execute(sql, (on.isoformat(),)) if visible(store, actor, r)]
        for row in rows:
            message = (
                f"{row['id']} overdue since {row['deadline']} at {row['department_id']}: escalated (督办) / "
                f"{row['id']} 已逾期（期限 {row['deadline']}），已督办"
            )
            conn.execute(
                "INSERT INTO notifications (time, recipient, item_id, text, region_codes) VALUES (?, ?, ?, ?, ?)",
                (store.now(), row["created_by"], row["id"], message, row["region_codes"]),
            )
            _ITEMS.move(
                conn, store, actor, row, "escalate", "sent", {"deadline": row["deadline"]}, message, escalated=1
            )
            done.append(row["id"])
    return done


def _summary(row, cal, on: date) -> dict:
    item = item_dict(row)
    item["subject"] = json.loads(item.pop("subject_json"))
    return {**item, **deadline_clock(item["deadline"], item["status"] == "sent", cal, on)}


_ITEMS = ItemKind("dispatches", "dispatch", "督办事项", STATUSES, STEPS, _summary)


def list_dispatches(
    store: CasesStore,
    actor: User,
    *,
    status: str | None = None,
    department_id: str | None = None,
    overdue: bool = False,
    on: date | None = None,
) -> list[dict]:
    """The items ``actor`` may see (a department account: its inbox), overdue first, then by
    deadline; each with ``overdue`` and ``workdays_left``."""
    return _ITEMS.listed(store, actor, status, overdue, on, lambda r: department_id in (None, r["department_id"]))


@records_denial
def get_dispatch(store: CasesStore, actor: User, dispatch_id: str, on: date | None = None) -> dict:
    """One item with its history (``events``)."""
    return _ITEMS.get(store, actor, dispatch_id, on)


def notifications(store: CasesStore, actor: User) -> list[dict]:
    """The notifications left for ``actor`` (escalations of what it sent), newest first."""
    require_action(actor, "supervision.read")
    rows = store.connection().execute(
        "SELECT id, time, item_id, text, read_at FROM notifications WHERE recipient = ? ORDER BY id DESC",
        (actor.name,),
    )
    return [dict(r) for r in rows]
