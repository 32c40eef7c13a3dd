"""Complaints and challenges (投诉、质疑): deadlines across holidays and 调休, import from the
bundle's table, transfer, reply, overdue, scope, and a complaint becoming a case."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from test_cases_world import EAST, WEST, clock, finding, index, people, store  # noqa: F401 (fixtures)
from test_supervision_dispatch import deps  # noqa: F401 (fixture)

from bidgraph.cases import audit, cases, complaints
from bidgraph.cases.settings import set_setting
from bidgraph.cases.supervision import StepRefused, Unseen
from bidgraph.cases.users import AccessDenied
from bidgraph.errors import InputError


def _add(store, who, kind, received, lot="L1", index=None):
    return complaints.add_complaint(store, who, complaints.Intake(kind, "评标专家打分异常", received, lot), index)


@pytest.mark.parametrize(
    ("kind", "received", "deadline"),
    [
        ("challenge", date(2026, 2, 12), "2026-02-28"),  # 13th, Sat 14 (调休), 春节 to the 23rd, …, Sat 28 (调休)
        ("complaint", date(2026, 9, 24), "2026-10-22"),  # 中秋 and 国庆 off, Sat 10 Oct (调休) worked
        ("complaint", date(2026, 3, 2), "2026-03-23"),  # plain weeks
        ("report", date(2026, 3, 2), None),  # 举报: no statutory deadline
    ],
)
def test_deadlines_count_working_days_with_holidays_and_adjusted_days(store, people, index, kind, received, deadline):
    assert _add(store, people["city"], kind, received, index=index)["deadline"] == deadline


def test_a_changed_deadline_setting_applies(store, people, index):
    set_setting(store, people["admin"], "deadline.challenge", 3)
    assert _add(store, people["city"], "challenge", date(2026, 3, 2), index=index)["deadline"] == "2026-03-05"


def test_overdue_items_come_first_and_a_reply_stops_the_clock(store, people, index):
    city = people["city"]
    late = _add(store, city, "challenge", date(2026, 2, 12), index=index)  # due 28 Feb; today is 2 March
    fresh = _add(store, city, "complaint", date(2026, 3, 2), index=index)
    listed = complaints.list_complaints(store, city)
    assert [c["id"] for c in listed] == [late["id"], fresh["id"]] and listed[0]["overdue"] and not listed[1]["overdue"]
    assert [c["id"] for c in complaints.list_complaints(store, city, overdue=True)] == [late["id"]]
    replied = complaints.reply(store, city, late["id"], "经复核，评分符合评标办法，质疑不成立")
    assert replied["status"] == "replied" and not replied["overdue"] and replied["replied_on"] == "2026-03-02"
    assert replied["events"][-1]["detail"]["late"] is True


def test_transfer_then_the_department_replies(store, people, index, deps):
    city, west_dept = people["city"], deps["accounts"]["west"]
    item = _add(store, city, "complaint", date(2026, 3, 2), index=index)
    with pytest.raises(Unseen):
        complaints.reply(store, west_dept, item["id"], "not transferred to us yet")
    with pytest.raises(InputError, match="does not lie in the region"):
        complaints.transfer(store, city, item["id"], deps["east"]["id"])
    complaints.transfer(store, city, item["id"], deps["west"]["id"], "请依法处理")
    assert [c["id"] for c in complaints.list_complaints(store, west_dept)] == [item["id"]]
    assert complaints.list_complaints(store, deps["accounts"]["east"]) == []
    done = complaints.reply(store, west_dept, item["id"], "投诉部分成立，已责令重新评标")
    assert [e["kind"] for e in done["events"]] == ["complaint.add", "complaint.transfer", "complaint.reply"]
    with pytest.raises(StepRefused, match=r"is replied \(已答复\): it allows nothing"):
        complaints.transfer(store, city, item["id"], deps["west"]["id"])
    assert audit.verify(store).ok


def test_import_takes_each_bundle_row_once_and_leaves_other_counties_alone(store, people, index):
    table = pd.DataFrame(
        {
            "complaint_id": ["CP1", "CP2", "CP3"],
            "lot_id": ["L1", None, "L2"],
            "project_id": [None, "P1", None],
            "complainant_org_id": ["ORG2", "ORG1", "ORG3"],
            "kind": ["challenge", "complaint", "report"],
            "received_on": pd.to_datetime(["2026-02-12", "2026-03-02", "2026-03-02"]),
            "grounds": ["=cmd|'/c calc'!A1", "资格审查不公", None],
        }
    )
    first = complaints.import_table(store, people["west"], table, index)
    assert first == {"added": ["Q-000001", "Q-000002"], "already": 0, "outside": 1}
    again = complaints.import_table(store, people["city"], table, index)
    assert again == {"added": ["Q-000003"], "already": 2, "outside": 0}
    imported = complaints.get_complaint(store, people["city"], "Q-000001")
    assert imported["source_id"] == "CP1" and imported["deadline"] == "2026-02-28"
    assert complaints.get_complaint(store, people["city"], "Q-000003")["grounds"].startswith("(no grounds")
    with pytest.raises(Unseen):
        complaints.get_complaint(store, people["west"], "Q-000003")


def test_a_complaint_links_findings_and_becomes_a_case(store, people, index):
    city = people["city"]
    item = _add(store, city, "challenge", date(2026, 2, 12), index=index)
    ring = finding("F1", "L1", "ORG1", "ORG2")
    assert complaints.link_findings(store, city, item["id"], ["F1"])["findings"] == ["F1"]
    case = complaints.to_case(store, city, item["id"], [ring], index=index)
    assert case["kind"] == "challenge" and case["deadline"] == "2026-02-28" and case["nodes"] == ["Lot:L1"]
    assert [f["id"] for f in case["findings"]] == ["F1"]
    assert complaints.get_complaint(store, city, item["id"])["case_id"] == case["id"]
    assert cases.get_case(store, city, case["id"])["title"].startswith("质疑 Q-000001")
    with pytest.raises(StepRefused, match="already case"):
        complaints.to_case(store, city, item["id"], [ring], index=index)


def test_intake_needs_a_place_a_kind_and_the_right(store, people, index):
    with pytest.raises(InputError, match="lot or a project"):
        complaints.add_complaint(store, people["city"], complaints.Intake("complaint", "x", date(2026, 3, 2)))
    with pytest.raises(InputError, match="kind"):
        _add(store, people["city"], "petition", date(2026, 3, 2), index=index)
    with pytest.raises(AccessDenied):
        _add(store, people["viewer"], "complaint", date(2026, 3, 2), index=index)
    with pytest.raises(Unseen):
        _add(store, people["east"], "complaint", date(2026, 3, 2), lot="L1", index=index)
    assert _add(store, people["east"], "complaint", date(2026, 3, 2), lot="L2", index=index)["region_codes"] == [EAST]
    assert WEST not in complaints.list_complaints(store, people["east"])[0]["region_codes"]
