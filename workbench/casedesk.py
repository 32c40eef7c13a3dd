"""The cases store as the workbench's callbacks may use it: every call first passes
:func:`bidgraph.cases.users.authorize` for the request's session.

The callbacks never hold the :class:`~bidgraph.cases.db.CasesStore` itself, nor a
:class:`~bidgraph.cases.users.User` to act as: :class:`CaseDesk` keeps the store private and
asks the session who acts, for the action about to happen (role, expiry, revocation, and the
CSRF token for anything that changes state).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bidgraph.cases import audit, cases, departments, dispatch, pack, performance, users
from bidgraph.cases.db import CasesStore
from bidgraph.cases.scope import RegionIndex

__all__ = ["CaseDesk"]

Session = tuple[str | None, str | None]  # (session token, CSRF token sent with the request)


class CaseDesk:
    """Cases, verdicts and evidence packs for the request's session.

    Parameters
    ----------
    store : CasesStore
        Accounts, sessions, cases and the audit trail (kept private).
    regions : callable returning a :class:`~bidgraph.cases.scope.RegionIndex`
        Regions of the loaded graph, to place cases and check county users' reach.
    session : callable returning ``(session token, CSRF token)``
        The credentials of the request being served.
    """

    def __init__(self, store: CasesStore, regions: Callable[[], RegionIndex], session: Callable[[], Session]):
        self._store, self._regions, self._session = store, regions, session

    def _actor(self, action: str) -> users.User:
        token, csrf = self._session()
        return users.authorize(self._store, token, csrf, action)

    # -- reading ----------------------------------------------------------------------------
    def list_cases(self, mine: bool = False) -> list[dict]:
        return cases.list_cases(self._store, self._actor("read"), mine=mine)

    def get_case(self, case_id: str) -> dict:
        """The case as the user may see it (a county user: their part of a cross-county case)."""
        return cases.get_case(self._store, self._actor("read"), case_id, index=self._regions())

    def view_case(self, case_id: str) -> dict:
        """:meth:`get_case` for showing it: the view is recorded in the audit trail."""
        actor = self._actor("read")
        case = cases.get_case(self._store, actor, case_id, index=self._regions())
        audit.record(self._store, actor.name, "view", {"case": case_id})
        return case

    def feedback_for(self, finding_ids: list[str]) -> dict[str, list[dict]]:
        return cases.feedback_for(self._store, finding_ids, self._actor("read"))

    def assignees(self) -> list[str]:
        """Names of the active accounts that may work cases."""
        self._actor("read")
        workers = users.PERMISSIONS["case.comment"]
        return [u["name"] for u in users.list_users(self._store) if u["active"] and u["role"] in workers]

    # -- changing ---------------------------------------------------------------------------
    def create_case(self, title: str, findings: list[dict], *, kind: str, nodes: list[str]) -> dict:
        actor = self._actor("case.create")
        return cases.create_case(self._store, actor, title, findings, kind=kind, nodes=nodes, index=self._regions())

    def transition(self, case_id: str, status: str, reason: str, expected_version: int | None) -> dict:
        actor = self._actor("case.transition")
        return cases.transition(self._store, actor, case_id, status, reason, expected_version=expected_version)

    def assign(self, case_id: str, assignee: str | None, expected_version: int | None) -> dict:
        actor = self._actor("case.assign")
        return cases.assign(self._store, actor, case_id, assignee, expected_version=expected_version)

    def add_comment(self, case_id: str, text: str) -> None:
        cases.add_comment(self._store, self._actor("case.comment"), case_id, text)

    def record_feedback(self, finding: dict, verdict: str, reason: str) -> None:
        actor = self._actor("feedback")
        cases.record_feedback(self._store, actor, finding, verdict, reason, index=self._regions())

    def export_pack(self, case_id: str, tables: dict, subgraph: dict, out_path: Path) -> Path:
        """Write the case's evidence pack (cut to the user's region) and record it in the audit trail."""
        actor = self._actor("export")
        return pack.export_pack(self._store, actor, case_id, tables, subgraph, out_path, None, self._regions())

    # -- the supervision loop (督办, 考核; docs/supervision.md) ------------------------------------
    # Every call passes ``supervision.read`` / ``supervision.write`` for the session (a department
    # account holds these but not ``read``), then the supervision module's own role table and
    # scope: a department account reaches only what was sent to its department.
    def supervision_role(self) -> dict:
        """Who acts and how: ``{"name", "role", "department"}`` (department id or None)."""
        actor = self._actor("supervision.read")
        own = departments.department_of(self._store, actor)
        return {"name": actor.name, "role": actor.role, "department": own}

    def list_dispatches(self, *, status: str | None = None, overdue: bool = False) -> list[dict]:
        """The items the user may see (a department account: its inbox), overdue first."""
        return dispatch.list_dispatches(self._store, self._actor("supervision.read"), status=status, overdue=overdue)

    def get_dispatch(self, dispatch_id: str) -> dict:
        return dispatch.get_dispatch(self._store, self._actor("supervision.read"), dispatch_id)

    def reply_dispatch(self, dispatch_id: str, result: str, attachments: list[str]) -> dict:
        actor = self._actor("supervision.write")
        return dispatch.reply(self._store, actor, dispatch_id, result, attachments)

    def check_dispatch(self, dispatch_id: str, rectified: bool, reason: str, days: int | None = None) -> dict:
        actor = self._actor("supervision.write")
        return dispatch.check(self._store, actor, dispatch_id, rectified, reason, days=days)

    def close_dispatch(self, dispatch_id: str, reason: str) -> dict:
        return dispatch.close(self._store, self._actor("supervision.write"), dispatch_id, reason)

    def escalate(self) -> list[str]:
        """Mark 督办 every overdue item the user may see; the ids escalated."""
        return dispatch.escalate(self._store, self._actor("supervision.write"))

    def notifications(self) -> list[dict]:
        return dispatch.notifications(self._store, self._actor("supervision.read"))

    def department_names(self) -> dict[str, str]:
        """Department id → name, of the departments the user may see."""
        actor = self._actor("supervision.read")
        return {d["id"]: d["name"] for d in departments.list_departments(self._store, actor)}

    def performance(self, period: str) -> list[dict]:
        """Department performance of ``period`` (YYYY-MM), rows with ``performance.COLUMNS``."""
        return performance.performance(self._store, self._actor("supervision.read"), period)

    def performance_xlsx(self, period: str, out_path: Path) -> Path:
        """The performance table of ``period`` as XLSX (cells neutralised; audited as ``export``)."""
        actor = self._actor("supervision.read")
        rows = performance.performance(self._store, actor, period)
        path = performance.write_xlsx(rows, out_path, period)
        audit.record(self._store, actor.name, "export", {"performance": period, "rows": len(rows)})
        return path
