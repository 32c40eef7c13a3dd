"""The cases desk's part for 投诉质疑 (docs/supervision.md): intake with the documents'
SHA-256, the list with statutory deadlines, transfer to the competent department, the written
reply, links to findings and a case. Each call is authorized for the session, then checked by
``cases.complaints`` against its role table and scope."""

from __future__ import annotations

from datetime import date

from bidgraph.cases import complaint_documents, complaints
from bidgraph.workbench.desk_base import DeskBase

__all__ = ["ComplaintDesk"]


class ComplaintDesk(DeskBase):
    """Complaints, challenges and reports for the request's session."""

    def list_complaints(self, *, overdue: bool = False) -> list[dict]:
        """What the user may see (a department account: what was transferred to it), overdue first."""
        return complaints.list_complaints(self._store, self._actor("supervision.read"), overdue=overdue)

    def get_complaint(self, complaint_id: str) -> dict:
        return complaints.get_complaint(self._store, self._actor("supervision.read"), complaint_id)

    def add_complaint(self, kind: str, grounds: str, received_on: date, where: dict, documents: list[str]) -> dict:
        """Take one in (``where``: ``lot_id`` or ``project_id``, optional ``complainant_org_id``)
        and record its documents' hashes; returns it."""
        actor = self._actor("supervision.write")
        intake = complaints.Intake(kind, grounds, received_on, **where)
        item = complaints.add_complaint(self._store, actor, intake, self._regions())
        if documents:
            item = complaint_documents.attach(self._store, actor, item["id"], documents)
        return item

    def transfer_complaint(self, complaint_id: str, department_id: str, note: str) -> dict:
        actor = self._actor("supervision.write")
        return complaints.transfer(self._store, actor, complaint_id, department_id, note)

    def reply_complaint(self, complaint_id: str, text: str) -> dict:
        return complaints.reply(self._store, self._actor("supervision.write"), complaint_id, text)

    def link_complaint(self, complaint_id: str, finding_ids: list[str]) -> dict:
        return complaints.link_findings(self._store, self._actor("supervision.write"), complaint_id, finding_ids)

    def complaint_case(self, complaint_id: str, findings: list[dict]) -> dict:
        """Open a case from the complaint with ``findings`` (as the user sees them); returns the case."""
        actor = self._actor("case.create")
        return complaints.to_case(self._store, actor, complaint_id, findings, self._regions())
