"""今日待办: what a user has to act on today, read from the cases store.

The workbench's home shows it once per visit: the user's open cases that are overdue or due
within ``DUE_SOON_WORKDAYS`` working days, the dispatches that ran over their deadline, the
unread notifications (escalations of what the user sent), the findings already taken into a
case (so that the leads nobody has taken can be told apart), and the time of the user's
previous visit (so that the findings new since then can be counted). Everything is cut to
the user's region by the functions it calls; only :func:`record_visit` writes.
"""

from __future__ import annotations

from datetime import date

from bidgraph.cases import audit
from bidgraph.cases.cases import list_cases
from bidgraph.cases.db import CasesStore
from bidgraph.cases.dispatch import list_dispatches, notifications
from bidgraph.cases.supervision import ACTIONS
from bidgraph.cases.users import User

__all__ = ["DUE_SOON_WORKDAYS", "record_visit", "agenda"]

DUE_SOON_WORKDAYS = 3


def record_visit(store: CasesStore, actor: User) -> str | None:
    """Record that ``actor`` opened the workbench now; return the time of their previous
    visit (ISO 8601 UTC), None on the first."""
    with store.transaction() as conn:
        row = conn.execute("SELECT seen_at FROM visits WHERE user_name = ?", (actor.name,)).fetchone()
        conn.execute(
            "INSERT INTO visits (user_name, seen_at) VALUES (?, ?) "
            "ON CONFLICT (user_name) DO UPDATE SET seen_at = excluded.seen_at",
            (actor.name, store.now()),
        )
        audit.append(conn, store, actor.name, "visit", {"previous": row["seen_at"] if row else None})
    return row["seen_at"] if row else None


def _taken_findings(store: CasesStore) -> set[str]:
    """Ids of the findings in any case (ids only: used to leave them out of the open leads)."""
    return {r[0] for r in store.connection().execute("SELECT DISTINCT finding_id FROM case_findings")}


def agenda(store: CasesStore, actor: User, on: date | None = None) -> dict:
    """The user's to-do list: ``cases_overdue``, ``cases_due`` (open, due within
    ``DUE_SOON_WORKDAYS`` working days), ``dispatches_overdue`` (empty for a role that may
    not read the supervision loop), ``notifications`` (unread) and ``taken_findings``."""
    mine = [c for c in list_cases(store, actor, mine=True, on=on) if c["workdays_left"] is not None]
    supervises = actor.role in ACTIONS["supervision.read"]
    return {
        "cases_overdue": [c for c in mine if c["overdue"]],
        "cases_due": [c for c in mine if not c["overdue"] and c["workdays_left"] <= DUE_SOON_WORKDAYS],
        "dispatches_overdue": list_dispatches(store, actor, overdue=True, on=on) if supervises else [],
        "notifications": [n for n in notifications(store, actor) if n["read_at"] is None] if supervises else [],
        "taken_findings": _taken_findings(store),
    }
