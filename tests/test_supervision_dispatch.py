"""Dispatch (推送督办): send → reply → overdue escalation → rectification check → close, batches,
department performance and region scope, on the two-county world of test_cases_world."""

from __future__ import annotations

import json
from datetime import date

import pytest
from openpyxl import load_workbook
from test_cases_world import EAST, WEST, clock, finding, index, people, store, world_tables  # noqa: F401 (fixtures)

from bidgraph.cases import audit, batches, departments, dispatch, performance
from bidgraph.cases.supervision import StepRefused, Unseen
from bidgraph.cases.users import AccessDenied, User
from bidgraph.errors import InputError

WEST_RING = finding("F1", "L1", "ORG1", "ORG2")
EAST_RING = finding("F2", "L2", "ORG2", "ORG3")
SHA = "ab" * 32


@pytest.fixture
def deps(store, people):
    admin = people["admin"]
    west = departments.add_department(store, admin, "西区住建局", "industry_regulator", WEST)
    east = departments.add_department(store, admin, "东区住建局", "industry_regulator", EAST)
    city = departments.add_department(store, admin, "市审计局", "audit")
    accounts = {
        key: departments.add_department_user(store, admin, dep["id"], f"{key}-dept", "dept-password-1")
        for key, dep in (("west", west), ("east", east), ("city", city))
    }
    return {"west": west, "east": east, "city": city, "accounts": accounts}


def _actions(store) -> list[str]:
    return [r["action"] for r in store.connection().execute("SELECT action FROM audit ORDER BY seq")]


def test_the_whole_loop_is_audited_step_by_step(store, people, deps, index, clock):
    city, west_user = people["city"], deps["accounts"]["west"]
    item = dispatch.send(store, city, deps["west"]["id"], "rectify", 5, finding=WEST_RING, index=index)
    assert item["status"] == "sent" and item["deadline"] == "2026-03-09" and item["region_codes"] == [WEST]
    clock.advance(days=8)  # Tue 10 March: one working day late
    assert dispatch.list_dispatches(store, city)[0]["overdue"]
    assert dispatch.escalate(store, city) == [item["id"]]
    assert dispatch.escalate(store, city) == []  # already 督办
    note = dispatch.notifications(store, city)
    assert note[0]["item_id"] == item["id"] and "督办" in note[0]["text"]
    answered = dispatch.reply(store, west_user, item["id"], "已责令整改，附整改报告", [SHA.upper()])
    assert answered["status"] == "answered" and answered["first_answered_on"] == "2026-03-10"
    back = dispatch.check(store, city, item["id"], rectified=False, reason="整改报告缺少现场照片", days=3)
    assert back["status"] == "sent" and back["round"] == 2 and back["deadline"] == "2026-03-13"
    assert not back["escalated"]
    dispatch.reply(store, west_user, item["id"], "补充现场照片", [SHA])
    dispatch.check(store, city, item["id"], rectified=True, reason="整改到位")
    closed = dispatch.close(store, city, item["id"], "整改到位，办结")
    assert closed["status"] == "closed"
    steps = [(e["kind"], e["from_status"], e["to_status"]) for e in closed["events"]]
    assert steps == [
        ("dispatch.send", None, "sent"),
        ("dispatch.escalate", "sent", "sent"),
        ("dispatch.reply", "sent", "answered"),
        ("dispatch.check", "answered", "sent"),
        ("dispatch.reply", "sent", "answered"),
        ("dispatch.check", "answered", "rectified"),
        ("dispatch.close", "rectified", "closed"),
    ]
    assert closed["events"][2]["detail"]["attachments"] == [SHA]
    assert _actions(store)[-7:] == [s[0] for s in steps]
    assert audit.verify(store).ok


def test_illegal_steps_are_refused_in_one_line(store, people, deps, index):
    city, west_user = people["city"], deps["accounts"]["west"]
    item = dispatch.send(store, city, deps["west"]["id"], "rectify", 5, finding=WEST_RING, index=index)
    with pytest.raises(StepRefused, match=r"is sent \(已下发\): it allows reply, escalate, not close") as err:
        dispatch.close(store, city, item["id"], "done")
    assert "\n" not in str(err.value)
    with pytest.raises(StepRefused, match="not overdue"):
        dispatch.escalate(store, city, item["id"])
    dispatch.reply(store, west_user, item["id"], "已整改")
    with pytest.raises(StepRefused, match="check it 整改到位 before closing"):
        dispatch.close(store, city, item["id"], "done")
    with pytest.raises(StepRefused, match="allows check, close, not reply"):
        dispatch.reply(store, west_user, item["id"], "again")
    other = dispatch.send(store, city, deps["west"]["id"], "verify", 5, finding=WEST_RING, index=index)
    with pytest.raises(InputError, match="SHA-256"):
        dispatch.reply(store, west_user, other["id"], "见附件", ["not-a-hash"])
    with pytest.raises(AccessDenied):
        dispatch.reply(store, city, item["id"], "the office cannot answer for the department")
    with pytest.raises(AccessDenied):
        dispatch.send(store, people["viewer"], deps["west"]["id"], "verify", 5, finding=WEST_RING, index=index)


def test_a_verification_closes_without_a_rectification_check(store, people, deps, index):
    city = people["city"]
    item = dispatch.send(store, city, deps["city"]["id"], "verify", 10, finding=EAST_RING, index=index)
    dispatch.reply(store, deps["accounts"]["city"], item["id"], "经核实情况属实，已移交")
    assert dispatch.close(store, city, item["id"], "核实完毕")["status"] == "closed"


def test_a_department_gets_only_what_lies_in_its_region(store, people, deps, index):
    with pytest.raises(InputError, match="does not lie in the region"):
        dispatch.send(store, people["city"], deps["east"]["id"], "verify", 5, finding=WEST_RING, index=index)


def test_scope_county_and_department_accounts_see_only_their_items(store, people, deps, index):
    city = people["city"]
    west_item = dispatch.send(store, city, deps["west"]["id"], "verify", 5, finding=WEST_RING, index=index)
    east_item = dispatch.send(store, city, deps["east"]["id"], "verify", 5, finding=EAST_RING, index=index)
    ids = lambda who: [d["id"] for d in dispatch.list_dispatches(store, who)]  # noqa: E731
    assert ids(city) == [west_item["id"], east_item["id"]]
    assert ids(people["west"]) == [west_item["id"]]
    assert ids(deps["accounts"]["east"]) == [east_item["id"]]
    assert ids(deps["accounts"]["city"]) == []  # the city audit office was sent nothing
    with pytest.raises(Unseen, match="not found"):
        dispatch.get_dispatch(store, deps["accounts"]["west"], east_item["id"])
    with pytest.raises(Unseen):
        dispatch.reply(store, deps["accounts"]["west"], east_item["id"], "not ours")
    with pytest.raises(Unseen):
        dispatch.send(store, people["west"], deps["west"]["id"], "verify", 5, finding=EAST_RING, index=index)
    denied = [
        json.loads(r["detail"]) for r in store.connection().execute("SELECT detail FROM audit WHERE action = 'denied'")
    ]
    assert {"item": east_item["id"], "action": "reply"} in denied
    assert [d["id"] for d in departments.list_departments(store, people["west"])] == [
        deps["west"]["id"],
        deps["city"]["id"],
    ]


def test_a_batch_sends_every_finding_its_rule_selects(store, people, deps, index):
    tables = world_tables()
    tables["lots"]["opened_on"] = ["2026-11-03", "2026-11-20"]
    other = {**finding("F3", "L1", "ORG1"), "detector": "bid_ring"}
    chosen = batches.select_findings([WEST_RING, EAST_RING, other], tables, "shared_device", tenderer="GOV1")
    assert [f["id"] for f in chosen] == ["F1"]
    in_range = batches.select_findings(
        [WEST_RING, EAST_RING, other], tables, "shared_device", date_from=date(2026, 11, 10), date_to=date(2026, 11, 30)
    )
    assert [f["id"] for f in in_range] == ["F2"]
    rule = {"detector": "shared_device", "tenderer": "GOV1"}
    batch = dispatch.send_batch(store, people["city"], deps["city"]["id"], "verify", 5, chosen, rule, index=index)
    assert batch["id"] == "B-000001" and batch["items"] == ["D-000001"]
    assert dispatch.get_dispatch(store, people["city"], "D-000001")["batch_id"] == "B-000001"
    with pytest.raises(InputError, match="selects no finding"):
        dispatch.send_batch(store, people["city"], deps["city"]["id"], "verify", 5, [], rule, index=index)


def test_performance_counts_on_time_overdue_days_and_rectification(store, people, deps, index, clock, tmp_path):
    city, west_user = people["city"], deps["accounts"]["west"]
    first = dispatch.send(store, city, deps["west"]["id"], "rectify", 5, finding=WEST_RING, index=index)
    second = dispatch.send(store, city, deps["west"]["id"], "verify", 2, finding=WEST_RING, index=index)
    dispatch.send(store, city, deps["east"]["id"], "verify", 5, finding=EAST_RING, index=index)
    clock.advance(days=1)  # Tue: answered in 1 working day
    dispatch.reply(store, west_user, first["id"], "已整改")
    dispatch.check(store, city, first["id"], rectified=True, reason="到位")
    clock.advance(days=3)  # Fri: 4 working days, 2 past the deadline
    dispatch.reply(store, west_user, second["id"], "已核实")
    rows = performance.performance(store, city, "2026-03")
    west = next(r for r in rows if r["department_id"] == deps["west"]["id"])
    assert (west["received"], west["answered_on_time"], west["overdue"]) == (2, 1, 1)
    assert west["median_days_to_answer"] == 2.5 and west["rectification_rate"] == 1.0
    east = next(r for r in rows if r["department_id"] == deps["east"]["id"])
    assert (east["received"], east["answered_on_time"], east["overdue"], east["median_days_to_answer"]) == (
        1,
        0,
        0,
        None,
    )
    assert [r["department_id"] for r in performance.performance(store, people["east"], "2026-03")] == [
        deps["east"]["id"]
    ]
    assert performance.performance(store, city, "2026-04") == []
    path = performance.write_xlsx(rows, tmp_path / "perf.xlsx", "2026-03")
    sheet = load_workbook(path).active
    assert sheet.cell(1, 1).value == "部门编号 / department_id" and sheet.cell(2, 2).value == "西区住建局"


def test_an_injected_department_name_is_text_in_the_workbook(store, people, index, tmp_path):
    dep = departments.add_department(store, people["admin"], '=HYPERLINK("http://x")', "audit")
    dispatch.send(store, people["city"], dep["id"], "verify", 5, finding=WEST_RING, index=index)
    rows = performance.performance(store, people["city"], "2026-03")
    sheet = load_workbook(performance.write_xlsx(rows, tmp_path / "p.xlsx", "2026-03")).active
    assert sheet.cell(2, 2).value.startswith("'=")


def test_department_accounts_are_bound_and_cannot_read_cases(store, people, deps):
    account = deps["accounts"]["west"]
    assert account == User("west-dept", "department", WEST)
    assert departments.department_of(store, account) == deps["west"]["id"]
    assert not account.can("read")
    with pytest.raises(AccessDenied):
        departments.add_department(store, people["city"], "某局", "audit")
    with pytest.raises(InputError, match="kind"):
        departments.add_department(store, people["admin"], "某局", "police")


def test_an_empty_reply_is_refused_naming_the_field_in_each_language(store, people, deps, index):
    item = dispatch.send(store, people["city"], deps["west"]["id"], "rectify", 5, finding=WEST_RING, index=index)
    with pytest.raises(InputError) as refused:
        dispatch.reply(store, deps["accounts"]["west"], item["id"], "  ", [])
    assert str(refused.value) == "the reply must not be empty / 答复不能为空"
