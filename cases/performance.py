"""Department performance (督办效率考核): per department, of the items sent to it in a period
(a calendar month ``YYYY-MM``, by the day sent):

- ``received``: items sent;
- ``answered_on_time``: first answered on or before the first deadline;
- ``overdue``: first answered after it, or still unanswered after it;
- ``median_days_to_answer``: median working days from sending to the first answer;
- ``rectification_rate``: of the items asked to rectify (整改), the share checked 整改到位
  (None when none was asked).
"""

from __future__ import annotations

import json
import statistics
from datetime import date
from pathlib import Path

import pandas as pd

from bidgraph.cases.cases import today
from bidgraph.cases.cells import neutralise_frame
from bidgraph.cases.db import CasesStore
from bidgraph.cases.departments import department_of
from bidgraph.cases.scope import Scope
from bidgraph.cases.settings import calendar
from bidgraph.cases.supervision import require_action
from bidgraph.cases.users import User
from bidgraph.errors import InputError

__all__ = ["COLUMNS", "performance", "write_xlsx", "month"]

COLUMNS = {
    "department_id": "部门编号",
    "name": "部门",
    "kind": "类型",
    "received": "收到",
    "answered_on_time": "按期答复",
    "overdue": "逾期",
    "median_days_to_answer": "答复用时中位数（工作日）",
    "rectification_rate": "整改到位率",
}


def month(period: str) -> tuple[date, date]:
    """First and last day of ``YYYY-MM``."""
    try:
        first = date.fromisoformat(f"{period}-01")
    except ValueError as exc:
        raise InputError(f"period {period!r}: expected YYYY-MM such as 2026-11 / 期间格式应为 YYYY-MM") from exc
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, date.fromordinal(after.toordinal() - 1)


def performance(store: CasesStore, actor: User, period: str, on: date | None = None) -> list[dict]:
    """One row per department with items sent in ``period`` that ``actor`` may see (see the
    module docstring for the figures), by department id."""
    require_action(actor, "supervision.read")
    first, last = month(period)
    cal, on, own, scope = calendar(store), on or today(store), department_of(store, actor), Scope.of(actor)
    rows = store.connection().execute(
        "SELECT d.*, p.name, p.kind FROM dispatches d JOIN departments p ON p.id = d.department_id "
        "WHERE d.sent_on BETWEEN ? AND ? ORDER BY d.department_id, d.num",
        (first.isoformat(), last.isoformat()),
    )
    groups: dict[str, list] = {}
    for r in rows:
        if (own is None or r["department_id"] == own) and scope.allows(json.loads(r["region_codes"])):
            groups.setdefault(r["department_id"], []).append(r)
    return [_figures(items, cal, on) for items in groups.values()]


def _figures(items: list, cal, on: date) -> dict:
    on_time, late, days = 0, 0, []
    for r in items:
        deadline = date.fromisoformat(r["first_deadline"])
        answered = date.fromisoformat(r["first_answered_on"]) if r["first_answered_on"] else None
        on_time += answered is not None and answered <= deadline
        late += (answered or on) > deadline
        if answered is not None:
            days.append(cal.between(date.fromisoformat(r["sent_on"]), answered))
    asked = [r for r in items if r["action"] == "rectify"]
    return {
        "department_id": items[0]["department_id"],
        "name": items[0]["name"],
        "kind": items[0]["kind"],
        "received": len(items),
        "answered_on_time": on_time,
        "overdue": late,
        "median_days_to_answer": statistics.median(days) if days else None,
        "rectification_rate": round(sum(r["rectified"] == 1 for r in asked) / len(asked), 3) if asked else None,
    }


def write_xlsx(rows: list[dict], path: str | Path, period: str) -> Path:
    """The performance rows as an XLSX sheet with bilingual headers, every text cell
    neutralised against formula injection."""
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame.columns = [f"{zh} / {en}" for en, zh in COLUMNS.items()]
    path = Path(path)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        neutralise_frame(frame).to_excel(writer, sheet_name=f"督办考核 {period}"[:31], index=False)
    return path
