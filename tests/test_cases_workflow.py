"""Cases: workflow, assignment, comments, working-day deadlines, feedback and region scope."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from test_cases_world import EAST, WEST, clock, finding, index, people, store  # noqa: F401 (fixtures)

from bidgraph.cases import audit, cases
from bidgraph.cases.settings import calendar, set_setting
from bidgraph.cases.users import AccessDenied
from bidgraph.cases.workdays import Calendar
from bidgraph.errors import InputError, NotFound

WEST_RING = finding("F1", "L1", "ORG1", "ORG2")
EAST_RING = finding("F2", "L2", "ORG2", "ORG3", score=0.7)


@pytest.fixture
def west_case(store, people, index):
    return cases.create_case(
        store, people["west"], "西区道路围标", [WEST_RING], kind="challenge", index=index, opened_on=date(2026, 2, 12)
    )


def test_working_days_follow_the_2026_schedule():
    cal = Calendar()
    assert not cal.is_workday(date(2026, 10, 1)) and cal.is_workday(date(2026, 10, 10))  # 国庆; Sat 调休
    assert cal.add(date(2026, 2, 12), 7) == date(2026, 2, 28)  # across 春节, counting both 调休 Saturdays
    assert cal.add(date(2026, 3, 6), 15) == date(2026, 3, 27)  # plain weeks
    assert cal.between(date(2026, 2, 12), date(2026, 2, 28)) == 7
    assert cal.between(date(2026, 2, 28), date(2026, 2, 12)) == -7
    assert Calendar(frozenset(), frozenset()).add(date(2026, 2, 12), 7) == date(2026, 2, 23)


def test_holidays_from_settings_move_deadlines(store, people):
    set_setting(store, people["admin"], "calendar.holidays", ["2026-03-03"])
    assert calendar(store).add(date(2026, 3, 2), 1) == date(2026, 3, 4)
    with pytest.raises(InputError, match="ISO date"):
        set_setting(store, people["admin"], "calendar.holidays", ["3 March"])
    with pytest.raises(AccessDenied):
        set_setting(store, people["city"], "deadline.challenge", 3)
    last = dict(store.connection().execute("SELECT * FROM audit ORDER BY seq DESC LIMIT 1").fetchone())
    assert last["action"] == "settings.change" and '"new":["2026-03-03"]' in last["detail"]


def test_a_case_opens_with_its_findings_deadline_and_region(west_case):
    assert west_case["id"] == "C-000001" and west_case["status"] == "new"
    assert west_case["deadline"] == "2026-02-28" and west_case["region_codes"] == [WEST]
    assert [f["id"] for f in west_case["findings"]] == ["F1"]
    assert west_case["events"][0]["kind"] == "create"


def test_the_workflow_is_enforced_with_reasons(store, people, west_case):
    city, cid = people["city"], west_case["id"]
    with pytest.raises(cases.WorkflowError, match="can move to reviewing, not referred"):
        cases.transition(store, city, cid, "referred", "obvious")
    with pytest.raises(cases.WorkflowError, match="must not be empty"):
        cases.transition(store, city, cid, "reviewing", "   ")
    with pytest.raises(cases.WorkflowError, match="not one of"):
        cases.transition(store, city, cid, "archived", "x")
    cases.transition(store, city, cid, "reviewing", "核查开标记录")
    cases.transition(store, city, cid, "dismissed", "报价差异有合理解释")
    case = cases.transition(store, city, cid, "closed", "结案")
    with pytest.raises(cases.WorkflowError, match="closed is final"):
        cases.transition(store, city, cid, "reviewing", "reopen")
    moves = [(e["user"], e["from_value"], e["to_value"], e["text"]) for e in case["events"] if e["kind"] == "status"]
    assert moves == [
        ("city", "new", "reviewing", "核查开标记录"),
        ("city", "reviewing", "dismissed", "报价差异有合理解释"),
        ("city", "dismissed", "closed", "结案"),
    ]
    assert all(e["time"] for e in case["events"])


def test_stale_versions_are_refused(store, people, west_case):
    cases.transition(store, people["west"], west_case["id"], "reviewing", "go", expected_version=1)
    with pytest.raises(cases.Conflict, match="changed by someone else"):
        cases.assign(store, people["city"], west_case["id"], "west", expected_version=1)


def test_assignment_respects_roles_and_regions(store, people, west_case):
    cid = west_case["id"]
    assert cases.assign(store, people["city"], cid, "west")["assignee"] == "west"
    with pytest.raises(InputError, match="cannot see this case"):
        cases.assign(store, people["city"], cid, "east")
    with pytest.raises(InputError, match="cannot work cases"):
        cases.assign(store, people["city"], cid, "viewer")
    with pytest.raises(NotFound):
        cases.assign(store, people["city"], cid, "ghost")
    with pytest.raises(AccessDenied):
        cases.assign(store, people["analyst"], cid, "west")
    assert [c["id"] for c in cases.list_cases(store, people["west"], mine=True)] == [cid]
    assert cases.list_cases(store, people["city"], mine=True) == []


def test_overdue_cases_are_flagged_and_listed_first(store, people, index, clock, west_case):
    later = cases.create_case(
        store, people["city"], "东区学校", [EAST_RING], kind="complaint", index=index, opened_on=date(2026, 3, 2)
    )
    on = date(2026, 3, 3)  # the west case's deadline (28 February) has passed
    listed = cases.list_cases(store, people["city"], on=on)
    assert [(c["id"], c["overdue"]) for c in listed] == [(west_case["id"], True), (later["id"], False)]
    assert listed[1]["workdays_left"] == 14 and listed[0]["workdays_left"] == -2
    cases.transition(store, people["city"], west_case["id"], "reviewing", "go")
    cases.transition(store, people["city"], west_case["id"], "referred", "移送纪委")
    assert not cases.get_case(store, people["city"], west_case["id"], on=on)["overdue"]  # decided: clock stops


def test_feedback_is_recorded_shown_and_available_for_calibration(store, people, index, west_case):
    city, cid = people["city"], west_case["id"]
    with pytest.raises(NotFound):  # a west analyst cannot judge an east finding
        cases.record_feedback(store, people["analyst"], EAST_RING, "dismissed", "x", index=index)
    cases.record_feedback(store, city, EAST_RING, "dismissed", "同一集团内部")
    cases.transition(store, city, cid, "reviewing", "go")
    case = cases.transition(store, city, cid, "referred", "证据充分")
    assert case["findings"][0]["feedback"][0]["verdict"] == "confirmed"
    rows = cases.feedback_rows(store)
    assert [(r["finding_id"], r["detector"], r["verdict"], r["case_id"]) for r in rows] == [
        ("F2", "shared_device", "dismissed", None),
        ("F1", "shared_device", "confirmed", cid),
    ]
    with pytest.raises(InputError):
        cases.record_feedback(store, city, EAST_RING, "maybe", "x")


def test_a_county_user_sees_and_touches_only_their_region(store, people, index, west_case):
    east_case = cases.create_case(store, people["city"], "东区", [EAST_RING], index=index)
    west, east = people["west"], people["east"]
    assert [c["id"] for c in cases.list_cases(store, west)] == [west_case["id"]]
    assert [c["id"] for c in cases.list_cases(store, east)] == [east_case["id"]]
    for act in (
        lambda: cases.get_case(store, west, east_case["id"]),
        lambda: cases.add_comment(store, west, east_case["id"], "peek"),
        lambda: cases.transition(store, west, east_case["id"], "reviewing", "x"),
        lambda: cases.create_case(store, west, "grab", [EAST_RING], index=index),
        lambda: cases.create_case(store, west, "grab", [], nodes=["Organization:ORG3"], index=index),
    ):
        with pytest.raises(NotFound, match="outside your region"):
            act()
    with pytest.raises(AccessDenied):  # a county user cannot open a case the store cannot place
        cases.create_case(store, west, "no index", [WEST_RING])
    assert len(cases.list_cases(store, people["city"])) == 2  # city sees both
    cross = cases.create_case(store, people["city"], "跨区", [WEST_RING, EAST_RING], index=index)
    assert cross["region_codes"] == [WEST, EAST]
    assert cross["id"] in {c["id"] for c in cases.list_cases(store, west)}
    assert [f["id"] for f in cases.get_case(store, west, cross["id"])["findings"]] == ["F1"]  # only their part
    assert {c["id"]: c["findings_count"] for c in cases.list_cases(store, west)}[cross["id"]] == 1
    assert [f["id"] for f in cases.get_case(store, east, cross["id"])["findings"]] == ["F2"]
    assert len(cases.get_case(store, people["city"], cross["id"])["findings"]) == 2
    with_nodes = cases.create_case(
        store, people["city"], "节点", [], nodes=["Organization:ORG1", "Organization:ORG3"], index=index
    )
    assert cases.get_case(store, west, with_nodes["id"])["nodes"] == ["Organization:ORG1"]


def test_sql_and_cypher_fragments_are_kept_as_text(store, people, west_case):
    evil = ["'; DROP TABLE cases; --", "MATCH (n) DETACH DELETE n", '" OR 1=1 --', "$where) RETURN n //"]
    for text in evil:
        cases.add_comment(store, people["west"], west_case["id"], text)
    case = cases.get_case(store, people["west"], west_case["id"])
    assert [e["text"] for e in case["events"] if e["kind"] == "comment"] == evil
    with pytest.raises(InputError):
        cases.list_cases(store, people["west"], status="new' OR '1'='1")
    with pytest.raises(NotFound):
        cases.get_case(store, people["west"], "C-000001' OR '1'='1")
    store.close()
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0] == 1
    assert audit.verify(store).ok


def test_odd_findings_are_kept_or_refused_clearly(store, people):
    odd = {**finding("F7", "L1", "ORG1"), "score": None}
    odd["evidence"] = {**odd["evidence"], "measured": {"cv": float("nan")}}
    case = cases.create_case(store, people["city"], "odd", [odd])
    assert case["findings"][0]["evidence"]["measured"]["cv"] != case["findings"][0]["evidence"]["measured"]["cv"]
    with pytest.raises(InputError, match="without id or detector"):
        cases.create_case(store, people["city"], "bad", [{"id": "F8"}])
    with pytest.raises(InputError, match="expected an id like"):
        cases.create_case(store, people["city"], "bad", [], nodes=["ORG1"])
    with pytest.raises(InputError, match="at least one"):
        cases.create_case(store, people["city"], "empty", [])
