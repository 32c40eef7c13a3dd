"""今日待办 (cases/today.py): previous visit, cases overdue and due soon, taken findings."""

from __future__ import annotations

from test_cases_world import WEST, clock, finding, index, people, store, world_tables  # noqa: F401 (fixtures)

from bidgraph.cases import audit, cases, today


def test_a_visit_returns_the_previous_one_and_is_audited(store, people, clock):
    west = people["west"]
    assert today.record_visit(store, west) is None
    first = store.now()
    clock.advance(hours=20)
    assert today.record_visit(store, west) == first
    assert today.record_visit(store, people["east"]) is None  # per user
    actions = [r["action"] for r in store.connection().execute("SELECT action FROM audit ORDER BY seq")]
    assert actions.count("visit") == 3
    assert audit.verify(store).ok


def test_the_agenda_splits_my_cases_into_overdue_and_due_soon(store, people, clock, index):
    west = people["west"]
    ring = finding("F1", "L1", "ORG1", "ORG2")
    # opened Monday 2 March 2026: a review has no deadline, a complaint 15 working days
    review = cases.create_case(store, west, "围标线索", [ring], kind="review", assignee="west", index=index)
    complaint = cases.create_case(store, west, "投诉", [ring], kind="complaint", assignee="west", index=index)
    cases.create_case(store, west, "别人的", [ring], kind="complaint", assignee="analyst", index=index)
    assert complaint["deadline"] == "2026-03-23" and review["deadline"] is None
    assert today.agenda(store, west)["cases_due"] == []
    clock.advance(days=18)  # Friday 20 March: one working day left
    todo = today.agenda(store, west)
    assert [c["id"] for c in todo["cases_due"]] == [complaint["id"]]
    assert todo["cases_overdue"] == []
    clock.advance(days=4)  # Tuesday 24 March: the complaint ran over; the review never does
    todo = today.agenda(store, west)
    assert [c["id"] for c in todo["cases_overdue"]] == [complaint["id"]]
    assert review["id"] not in [c["id"] for c in todo["cases_overdue"] + todo["cases_due"]]
    assert todo["taken_findings"] == {"F1"}


def test_a_viewer_gets_cases_but_no_supervision_items(store, people):
    todo = today.agenda(store, people["viewer"])
    assert todo["dispatches_overdue"] == [] and todo["notifications"] == []
    assert todo["taken_findings"] == set()
