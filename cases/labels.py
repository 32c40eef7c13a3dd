"""What cases, verdicts and case events are called, [zh, en]: read by the workbench's pages
and by the evidence pack's report, so that neither shows a raw code."""

from __future__ import annotations

__all__ = ["CASE_NAMES", "case_name"]

CASE_NAMES: dict[str, dict[str, tuple[str, str]]] = {
    "status": {
        "new": ("新建", "new"),
        "reviewing": ("审查中", "reviewing"),
        "referred": ("已移送", "referred"),
        "dismissed": ("已排除", "dismissed"),
        "closed": ("已结案", "closed"),
    },
    "case_kind": {
        "review": ("核查", "review"),
        "challenge": ("质疑（7个工作日）", "challenge (7 working days)"),
        "complaint": ("投诉（15个工作日）", "complaint (15 working days)"),
    },
    "verdict": {"confirmed": ("确认", "confirmed"), "dismissed": ("排除", "dismissed")},
    "event": {
        "create": ("立案", "opened"),
        "status": ("状态变更", "status"),
        "assign": ("分配", "assigned"),
        "comment": ("意见", "comment"),
        "scope": ("仅本地区部分", "your region's part"),
    },
}


def case_name(kind: str, value, lang: str) -> str:
    """``value`` of vocabulary ``kind`` (status, case_kind, verdict, event) in ``lang``; an
    unknown value as it is."""
    pair = CASE_NAMES[kind].get(value)
    return pair[0 if lang == "zh" else 1] if pair else ("" if value is None else str(value))
