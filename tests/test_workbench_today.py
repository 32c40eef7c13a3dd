"""The home's to-do panel (今日待办) as its callback fills it: new since the last visit,
unassigned leads, my cases due and overdue, in both languages."""

from __future__ import annotations

import pytest
from test_workbench_callbacks import text_of

from bidgraph.workbench.today import today_view

EMPTY_AGENDA = {
    "cases_overdue": [],
    "cases_due": [],
    "dispatches_overdue": [],
    "notifications": [],
    "taken_findings": set(),
}


def _finding(fid: str, detector: str, score: float, severity: str) -> dict:
    explanation = {"zh": f"{fid}的中文说明", "en": f"{fid} explained"}
    return {
        "id": fid,
        "detector": detector,
        "score": score,
        "severity": severity,
        "evidence": {"explanation": explanation},
    }


@pytest.fixture
def findings() -> list[dict]:
    return [
        _finding("F-1", "bid_ring", 0.95, "high"),
        _finding("F-2", "shared_device", 0.9, "high"),
        _finding("F-3", "cover_bidder", 0.85, "high"),
        _finding("F-4", "frequent_winner", 0.6, "medium"),
        _finding("S-1", "smoke_index", 1.0, "high"),  # a ranking, not a lead
    ]


def _dated(findings: list[dict], first_seen: dict[str, str]) -> list[dict]:
    return [{**f, "first_seen": first_seen.get(f["id"], "2026-01-01T00:00:00+00:00")} for f in findings]


def test_new_is_what_was_first_seen_after_my_last_visit(findings):
    high = ["F-1", "F-2", "F-3"]
    dated = _dated(findings, {high[0]: "2026-03-05T02:00:00+00:00"})
    _msg, cards, _cols, rows, _ccols, _crows = today_view(dated, EMPTY_AGENDA, "2026-03-04T00:00:00+00:00", None, "zh")
    assert [r["id"] for r in rows if r["why"] == "新增"] == [high[0]]
    assert [r["id"] for r in rows if r["why"] == "未认领"] == high[1:]  # by score
    assert rows[0]["summary"] == "F-1的中文说明" and rows[0]["detector"] != "bid_ring"
    assert text_of(cards).startswith("1 新增高风险线索")


def test_taken_findings_are_not_open_leads(findings):
    high = ["F-1", "F-2", "F-3"]
    agenda = {**EMPTY_AGENDA, "taken_findings": set(high)}
    _msg, _cards, _cols, rows, _ccols, _crows = today_view(_dated(findings, {}), agenda, "2026-03-04", None, "zh")
    assert rows == []


def test_without_a_previous_visit_new_means_new_in_the_last_batch(findings):
    high = ["F-1", "F-2", "F-3"]
    batch = {"changes": {"new": [{"id": high[-1]}], "changed": [], "gone": []}}
    msg, cards, _cols, rows, _ccols, _crows = today_view(_dated(findings, {}), None, None, batch, "en")
    assert [r["id"] for r in rows if r["why"] == "new"] == [high[-1]]
    assert "First visit" in text_of(msg) and "Not signed in" in text_of(msg)
    assert len(cards) == 2  # no case counts without login


def test_my_cases_overdue_first_and_named_in_chinese(findings):
    overdue = {"id": "C-000002", "title": "投诉", "deadline": "2026-03-23", "overdue": True, "workdays_left": 0}
    due = {"id": "C-000001", "title": "围标线索", "deadline": "2026-03-26", "overdue": False, "workdays_left": 2}
    agenda = {**EMPTY_AGENDA, "cases_overdue": [overdue], "cases_due": [due]}
    _msg, cards, _cols, _rows, ccols, crows = today_view(_dated(findings, {}), agenda, "2026-03-24", None, "zh")
    assert [(r["id"], r["left"]) for r in crows] == [("C-000002", "已逾期"), ("C-000001", 2)]
    assert [c["name"] for c in ccols] == ["案件编号", "案件名称", "期限", "剩余工作日"]
    assert "1 我的逾期案件" in text_of(cards)
