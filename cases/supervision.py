"""What the supervision loop's modules share (``departments``, ``dispatch``, ``complaints``,
``inspections``; see docs/supervision.md): who may do what, the one-line refusal of a step an
item's state does not allow, and the history row every step writes beside its audit entry.

The supervision actions have their own table of roles because they add a role, ``department``
(an account of a department, bound to it in ``department_users``), that may answer what was
sent to its department and nothing else: it cannot read cases, findings or the graph.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from bidgraph.cases import audit
from bidgraph.cases.cases import audits_denial, required_text
from bidgraph.cases.db import CasesStore
from bidgraph.cases.scope import Scope
from bidgraph.cases.users import OS_ROLE, AccessDenied, User
from bidgraph.errors import BidgraphError, InputError, NotFound

__all__ = [
    "DEPARTMENT_ROLE",
    "ACTIONS",
    "StepRefused",
    "Unseen",
    "records_denial",
    "require_action",
    "text",
    "record_step",
    "Event",
    "events_of",
    "regions_json",
    "department_of",
    "visible",
    "next_status",
]

DEPARTMENT_ROLE = "department"
_OFFICE = {"admin", "investigator"}
_STAFF = {"admin", "investigator", "analyst", "viewer"}
# supervision action -> roles allowed
ACTIONS: dict[str, set[str]] = {
    "department.manage": {"admin"},
    "supervision.read": _STAFF | {DEPARTMENT_ROLE},  # a department account: its own department's items only
    "dispatch.send": _OFFICE,
    "dispatch.reply": {DEPARTMENT_ROLE},
    "dispatch.supervise": _OFFICE,  # check a reply, close, escalate
    "complaint.intake": _OFFICE | {"analyst"},
    "complaint.transfer": _OFFICE,
    "complaint.reply": _OFFICE | {DEPARTMENT_ROLE},
    "inspect.draw": _OFFICE,
    "inspect.record": _OFFICE,
}


class StepRefused(BidgraphError):
    """A step the item's state does not allow (the message is one line, in both languages)."""


class Unseen(NotFound):
    """An item the actor may not see: told apart from "not found" only in the audit trail."""


# audits a refusal of an item the actor may not see (``denied``: item, call), after the refused
# transaction has rolled back
records_denial = audits_denial(Unseen, "item")


def require_action(user: User, action: str) -> None:
    """Raise :class:`AccessDenied` unless ``user``'s role may do the supervision ``action``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown supervision action {action!r}")
    if user.role == OS_ROLE:
        raise AccessDenied(f"{action!r} needs an account: set BIDGRAPH_TOKEN or pass --user NAME / 此操作需要登录")
    if user.role not in ACTIONS[action]:
        raise AccessDenied(f"user {user.name!r} (role {user.role}) may not do {action!r} / 无此操作权限")


# The supervision steps' free-text fields in Chinese, so that a refusal names them in each language.
FIELDS_ZH = {
    "the grounds": "投诉理由",
    "the reply": "答复",
    "the reason": "理由",
    "the note": "检查情况",
    "department name": "部门名称",
}


def text(value: str | None, what: str) -> str:
    """``value`` stripped; refused (InputError, in both languages) when empty or too long."""
    return required_text(value, what, InputError, FIELDS_ZH.get(what, what))


def regions_json(regions: Iterable[str]) -> str:
    return json.dumps(sorted(set(regions)))


@dataclass(frozen=True)
class Event:
    """One step of a supervision item: the audit action (``dispatch.reply``), the item, the
    step's details, the status it moved (from, to; None where it did not move) and a note."""

    action: str
    item_id: str
    detail: dict
    status: tuple[str | None, str | None] = (None, None)
    note: str = ""


def record_step(conn: sqlite3.Connection, store: CasesStore, actor: User, event: Event) -> None:
    """Write one step of an item: its history row and its audit entry, in the caller's
    transaction."""
    e, (before, after) = event, event.status
    conn.execute(
        "INSERT INTO supervision_events (item_id, time, user, kind, from_status, to_status, text, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (e.item_id, store.now(), actor.name, e.action, before, after, e.note, audit.canonical(e.detail)),
    )
    moved = {"item": e.item_id, "from": before, "to": after}
    audit.append(conn, store, actor.name, e.action, {**moved, **e.detail})


def events_of(store: CasesStore, item_id: str) -> list[dict]:
    """The history of one item, oldest first."""
    rows = store.connection().execute(
        "SELECT time, user, kind, from_status, to_status, text, detail FROM supervision_events "
        "WHERE item_id = ? ORDER BY id",
        (item_id,),
    )
    return [{**dict(r), "detail": json.loads(r["detail"])} for r in rows]


def department_of(store: CasesStore, user: User) -> str | None:
    """The department a ``department`` account belongs to (None for every other account)."""
    if user.role != DEPARTMENT_ROLE:
        return None
    row = (
        store.connection()
        .execute("SELECT department_id FROM department_users WHERE user_name = ?", (user.name,))
        .fetchone()
    )
    if row is None:
        raise AccessDenied(f"account {user.name!r} belongs to no department / 账号未绑定部门")
    return row["department_id"]


def visible(store: CasesStore, actor: User, row: sqlite3.Row) -> bool:
    """Whether ``actor`` may see an item (a row with ``department_id`` and ``region_codes``):
    in its region, and for a department account sent to its department."""
    own = department_of(store, actor)
    return (own is None or row["department_id"] == own) and Scope.of(actor).allows(json.loads(row["region_codes"]))


def next_status(steps: dict[str, dict[str, str]], statuses: dict[str, str], row: sqlite3.Row, step: str) -> str:
    """The status ``step`` leads to from the item's, or a one-line :class:`StepRefused`."""
    allowed = steps[row["status"]]
    if step not in allowed:
        ways = ", ".join(allowed) or "nothing (final)"
        raise StepRefused(
            f"{row['id']} is {row['status']} ({statuses[row['status']]}): it allows {ways}, not {step} "
            f"/ 当前状态不允许此操作"
        )
    return allowed[step]
