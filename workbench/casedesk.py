"""The cases store as the workbench's callbacks may use it: every call first passes
:func:`bidgraph.cases.users.authorize` for the request's session.

The callbacks never hold the :class:`~bidgraph.cases.db.CasesStore` itself, nor a
:class:`~bidgraph.cases.users.User` to act as: :class:`CaseDesk` keeps the store private and
asks the session who acts, for the action about to happen (role, expiry, revocation, and the
CSRF token for anything that changes state).
"""

from __future__ import annotations

from pathlib import Path

from bidgraph.cases import audit, cases, pack, today, users
from bidgraph.workbench.canvas_desk import CanvasDesk
from bidgraph.workbench.complaints_desk import ComplaintDesk
from bidgraph.workbench.desk_base import Session
from bidgraph.workbench.inspection_desk import InspectionDesk
from bidgraph.workbench.supervision_desk import SupervisionDesk

__all__ = ["CaseDesk", "Session"]


class CaseDesk(SupervisionDesk, ComplaintDesk, InspectionDesk, CanvasDesk):
    """Cases, verdicts and evidence packs for the request's session; the supervision loop's
    parts (督办 and 考核, 投诉质疑, 双随机) and the canvases kept with a case come from its bases.
    The store, regions and session are :class:`~bidgraph.workbench.desk_base.DeskBase`'s.
    """

    # -- reading ----------------------------------------------------------------------------
    def list_cases(self, mine: bool = False) -> list[dict]:
        return cases.list_cases(self._store, self._actor("read"), mine=mine)

    def get_case(self, case_id: str) -> dict:
        """The case as the user may see it (a county user: their part of a cross-county case)."""
        actor = self._actor("read")
        return cases.get_case(self._store, actor, case_id, index=self._cut_index(actor))

    def view_case(self, case_id: str) -> dict:
        """:meth:`get_case` for showing it: the view is recorded in the audit trail."""
        actor = self._actor("read")
        case = cases.get_case(self._store, actor, case_id, index=self._cut_index(actor))
        audit.record(self._store, actor.name, "view", {"case": case_id})
        return case

    def record_visit(self) -> str | None:
        """Record this visit; the time of the user's previous one (None on the first)."""
        return today.record_visit(self._store, self._actor("read"))

    def agenda(self) -> dict:
        """The user's to-do list (:func:`bidgraph.cases.today.agenda`)."""
        return today.agenda(self._store, self._actor("read"))

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
        cases.record_feedback(self._store, actor, finding, verdict, reason, index=self._cut_index(actor))

    def export_pack(self, case_id: str, tables: dict, subgraph: dict, out_path: Path) -> Path:
        """Write the case's evidence pack (cut to the user's region) and record it in the audit trail."""
        actor = self._actor("export")
        index = self._cut_index(actor)
        return pack.export_pack(self._store, actor, case_id, tables, subgraph, out_path, None, index)
