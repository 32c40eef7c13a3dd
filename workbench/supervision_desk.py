"""The cases desk's part for 督办 and 考核 (docs/supervision.md): departments, sending a
warning, several, a case or a batch by rule, the department's reply, the office's check,
close and escalation, notifications and the monthly performance.

Every call passes ``supervision.read`` / ``supervision.write`` for the session (a department
account holds these but not ``read``), then the supervision module's own role table and scope:
a department account reaches only what was sent to its department.
"""

from __future__ import annotations

from pathlib import Path

from bidgraph.cases import audit, departments, dispatch, performance
from bidgraph.workbench.desk_base import DeskBase

__all__ = ["SupervisionDesk"]


class SupervisionDesk(DeskBase):
    """Dispatch and performance for the request's session."""

    def supervision_role(self) -> dict:
        """Who acts and how: ``{"name", "role", "department"}`` (department id or None)."""
        actor = self._actor("supervision.read")
        own = departments.department_of(self._store, actor)
        return {"name": actor.name, "role": actor.role, "department": own}

    def departments(self) -> list[dict]:
        """The departments the user may send to or see (id, name, kind, region_code, users)."""
        return departments.list_departments(self._store, self._actor("supervision.read"))

    def department_names(self) -> dict[str, str]:
        """Department id → name, of the departments the user may see."""
        return {d["id"]: d["name"] for d in self.departments()}

    def list_dispatches(self, *, status: str | None = None, overdue: bool = False) -> list[dict]:
        """The items the user may see (a department account: its inbox), overdue first."""
        return dispatch.list_dispatches(self._store, self._actor("supervision.read"), status=status, overdue=overdue)

    def get_dispatch(self, dispatch_id: str) -> dict:
        return dispatch.get_dispatch(self._store, self._actor("supervision.read"), dispatch_id)

    def send_dispatch(
        self, department_id: str, action: str, days: int, *, finding: dict | None = None, case_id: str | None = None
    ) -> dict:
        """Send one warning (a finding as the user sees it) or a case; returns the item."""
        actor = self._actor("supervision.write")
        return dispatch.send(
            self._store, actor, department_id, action, days, finding=finding, case_id=case_id, index=self._regions()
        )

    def send_batch(self, department_id: str, action: str, days: int, findings: list[dict], rule: dict) -> dict:
        """Send many warnings with one batch record (``{"id", "rule", "items"}``), all or none."""
        actor = self._actor("supervision.write")
        return dispatch.send_batch(
            self._store, actor, department_id, action, days, findings, rule, index=self._regions()
        )

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
