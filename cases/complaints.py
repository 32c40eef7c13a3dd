"""Complaints and challenges (投诉、质疑) and reports (举报): intake, transfer to the competent
department, the written reply, deadlines, links to findings and a case.

A challenge must be answered within 7 working days of its receipt and a complaint within 15
(settings ``deadline.challenge`` and ``deadline.complaint``, counted with the holiday and 调休
calendar from the day after receipt); a report has no statutory deadline. An item not
replied past its deadline is *overdue*.

States: ``received --transfer--> transferred --reply--> replied``, or ``received --reply-->
replied`` when the office answers itself. Every step is a history row and an audit entry.
A complaint lies in the regions of its lot (else project); a county account sees only its
region's, a department account only those transferred to its department.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from bidgraph.cases import cases
from bidgraph.cases.db import CasesStore
from bidgraph.cases.departments import get_department
from bidgraph.cases.scope import RegionIndex, Scope
from bidgraph.cases.settings import calendar, deadline_workdays
from bidgraph.cases.supervised_items import ItemKind, deadline_clock, item_dict
from bidgraph.cases.supervision import Event, StepRefused, Unseen, record_step, records_denial, require_action, text
from bidgraph.cases.users import User
from bidgraph.errors import InputError

__all__ = [
    "KINDS",
    "STATUSES",
    "STEPS",
    "add_complaint",
    "Intake",
    "import_table",
    "transfer",
    "reply",
    "link_findings",
    "to_case",
    "list_complaints",
    "get_complaint",
]

KINDS = {"challenge": "质疑", "complaint": "投诉", "report": "举报"}
STATUSES = {"received": "已受理", "transferred": "已转办", "replied": "已答复"}
STEPS: dict[str, dict[str, str]] = {
    "received": {"transfer": "transferred", "reply": "replied"},
    "transferred": {"reply": "replied"},
    "replied": {},
}
CASE_KINDS = {"challenge": "challenge", "complaint": "complaint", "report": "review"}


def _regions(actor: User, lot_id: str | None, project_id: str | None, index: RegionIndex | None) -> list[str]:
    if not lot_id and not project_id:
        raise InputError("a complaint names a lot or a project / 请指明标段或项目")
    if index is None:
        if not Scope.of(actor).is_all:
            raise InputError("a county account needs the loaded graph to place a complaint / 县级账号需先加载图谱")
        return []
    regions = index.regions("lot", lot_id) if lot_id else index.regions("project", project_id)
    if not Scope.of(actor).allows(regions):
        raise Unseen(f"{lot_id or project_id} not found (or outside your region) / 未找到标段或项目")
    return sorted(regions)


def _insert(conn, store: CasesStore, actor: User, values: dict, regions: list[str]) -> str:
    days = deadline_workdays(store, values["kind"])
    received = date.fromisoformat(values["received_on"])
    deadline = calendar(store).add(received, days).isoformat() if days else None
    detail = {k: values[k] for k in ("source_id", "kind", "project_id", "lot_id", "received_on")}
    return _ITEMS.insert(
        conn, store, actor, "Q", {**values, "deadline": deadline}, regions, "add", {**detail, "deadline": deadline}
    )


@dataclass(frozen=True)
class Intake:
    """A complaint, challenge or report as taken in: its kind, grounds and day received, what it
    is against (lot or project), who complains, and the platform's id when imported."""

    kind: str
    grounds: str
    received_on: date
    lot_id: str | None = None
    project_id: str | None = None
    complainant_org_id: str | None = None
    source_id: str | None = None

    def values(self) -> dict:
        """The row's values, checked (kind, grounds)."""
        if self.kind not in KINDS:
            raise InputError(f"kind {self.kind!r} is not one of {', '.join(KINDS)} / 类型应为质疑、投诉或举报")
        named = {k: getattr(self, k) or None for k in ("project_id", "lot_id", "complainant_org_id", "source_id")}
        return {
            **named,
            "kind": self.kind,
            "grounds": text(self.grounds, "the grounds"),
            "received_on": self.received_on.isoformat(),
        }


def add_complaint(store: CasesStore, actor: User, intake: Intake, index: RegionIndex | None = None) -> dict:
    """Take in one complaint, challenge or report; returns it (:func:`get_complaint`)."""
    require_action(actor, "complaint.intake")
    values = intake.values()
    regions = _regions(actor, intake.lot_id, intake.project_id, index)
    with store.transaction() as conn:
        complaint_id = _insert(conn, store, actor, values, regions)
    return get_complaint(store, actor, complaint_id)


def _cell(row: dict, column: str) -> str | None:
    value = row.get(column)
    return None if value is None or pd.isna(value) else str(value)


def import_table(store: CasesStore, actor: User, table: pd.DataFrame, index: RegionIndex | None) -> dict:
    """Take the loaded bundle's ``complaints`` rows into the store, each once (by its
    ``complaint_id``); rows outside ``actor``'s region are left for their county. Returns
    ``{"added": [ids], "already": n, "outside": n}``."""
    require_action(actor, "complaint.intake")
    prepared, outside = [], 0
    for row in table.to_dict("records"):
        lot_id, project_id = _cell(row, "lot_id"), _cell(row, "project_id")
        try:
            regions = _regions(actor, lot_id, project_id, index)
        except Unseen:
            outside += 1
            continue
        received = pd.Timestamp(row["received_on"]).date()
        grounds = _cell(row, "grounds") or "(no grounds given / 未填写事由)"
        intake = Intake(row["kind"], grounds, received, lot_id, project_id, _cell(row, "complainant_org_id"))
        values = replace(intake, source_id=str(row["complaint_id"])).values()
        prepared.append((values, regions))
    added, already = [], 0
    with store.transaction() as conn:
        for values, regions in prepared:
            if conn.execute("SELECT 1 FROM complaints WHERE source_id = ?", (values["source_id"],)).fetchone():
                already += 1
            else:
                added.append(_insert(conn, store, actor, values, regions))
    return {"added": added, "already": already, "outside": outside}


@records_denial
def transfer(store: CasesStore, actor: User, complaint_id: str, department_id: str, note: str = "") -> dict:
    """Transfer to the competent department (转办), which then writes the reply."""
    require_action(actor, "complaint.transfer")
    dep = get_department(store, department_id)
    with _ITEMS.step(store, actor, complaint_id, "transfer") as step:
        if not Scope(dep["region_code"]).allows(json.loads(step.row["region_codes"])):
            raise InputError(f"{complaint_id} does not lie in the region of {dep['name']} / 不属于该部门辖区")
        step.record({"department": department_id}, note.strip(), department_id=department_id)
    return get_complaint(store, actor, complaint_id)


@records_denial
def reply(store: CasesStore, actor: User, complaint_id: str, answer: str) -> dict:
    """Record the written reply (书面答复); the department's, once transferred."""
    require_action(actor, "complaint.reply")
    answer = text(answer, "the reply")
    with _ITEMS.step(store, actor, complaint_id, "reply") as step:
        replied = cases.today(store).isoformat()
        late = step.row["deadline"] is not None and replied > step.row["deadline"]
        detail = {"replied_on": replied, "late": late, "length": len(answer)}
        step.record(detail, answer, reply=answer, replied_on=replied)
    return get_complaint(store, actor, complaint_id)


@records_denial
def link_findings(store: CasesStore, actor: User, complaint_id: str, finding_ids: list[str]) -> dict:
    """Link findings (by id) to the complaint (audited ``complaint.link``)."""
    require_action(actor, "complaint.intake")
    with store.transaction() as conn:
        row = _ITEMS.row(conn, store, actor, complaint_id)
        linked = sorted(set(json.loads(row["findings"])) | set(finding_ids))
        conn.execute(
            "UPDATE complaints SET findings = ?, version = version + 1 WHERE id = ?", (json.dumps(linked), complaint_id)
        )
        record_step(conn, store, actor, Event("complaint.link", complaint_id, {"findings": sorted(set(finding_ids))}))
    return get_complaint(store, actor, complaint_id)


@records_denial
def to_case(
    store: CasesStore, actor: User, complaint_id: str, findings: list[dict], index: RegionIndex | None = None
) -> dict:
    """Open a case from the complaint (kind challenge, complaint or, for a report, review;
    opened on the day received), with ``findings`` and its lot or project; returns the case."""
    complaint = get_complaint(store, actor, complaint_id)
    if complaint["case_id"]:
        raise StepRefused(f"complaint {complaint_id} is already case {complaint['case_id']} / 已立案")
    node = f"Lot:{complaint['lot_id']}" if complaint["lot_id"] else f"Project:{complaint['project_id']}"
    title = f"{KINDS[complaint['kind']]} {complaint_id}: {complaint['grounds'][:80]}"
    case = cases.create_case(
        store,
        actor,
        title,
        findings,
        kind=CASE_KINDS[complaint["kind"]],
        nodes=[node],
        index=index,
        opened_on=date.fromisoformat(complaint["received_on"]),
    )
    with store.transaction() as conn:
        _ITEMS.row(conn, store, actor, complaint_id)
        conn.execute(
            "UPDATE complaints SET case_id = ?, version = version + 1 WHERE id = ?", (case["id"], complaint_id)
        )
        record_step(conn, store, actor, Event("complaint.case", complaint_id, {"case": case["id"]}))
    return case


def _summary(row, cal, on: date) -> dict:
    item = item_dict(row)
    item["findings"] = json.loads(item["findings"])
    running = item["status"] != "replied"
    return {**item, **deadline_clock(item["deadline"], running, cal, on)}


_ITEMS = ItemKind("complaints", "complaint", "投诉质疑事项", STATUSES, STEPS, _summary)


def list_complaints(
    store: CasesStore, actor: User, *, status: str | None = None, overdue: bool = False, on: date | None = None
) -> list[dict]:
    """The complaints ``actor`` may see, overdue first (``overdue``: only those), then by deadline."""
    return _ITEMS.listed(store, actor, status, overdue, on)


@records_denial
def get_complaint(store: CasesStore, actor: User, complaint_id: str, on: date | None = None) -> dict:
    """One complaint with its history (``events``)."""
    return _ITEMS.get(store, actor, complaint_id, on)
