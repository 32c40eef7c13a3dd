"""The workbench's 督办 and 考核 pages without a browser: the ``department`` role, a department's
inbox and reply, the office's check and close, the performance table and its XLSX, and what a
department account's login reaches (its inbox, never the graph)."""

from __future__ import annotations

import io
import json
import re
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from test_cases_world import EAST, PASSWORD, WEST, clock, finding, index, people, store  # noqa: F401 (fixtures)

from bidgraph.cases import departments, dispatch, users
from bidgraph.cases.users import AccessDenied, User
from bidgraph.errors import InputError, NotFound
from bidgraph.workbench.callbacks import supervision as page
from bidgraph.workbench.casedesk import CaseDesk
from bidgraph.workbench.layout import pages_for

WEST_RING = finding("F1", "L1", "ORG1", "ORG2")
EAST_RING = finding("F2", "L2", "ORG2", "ORG3")
DEPT_PASSWORD = "dept-password-1"


@pytest.fixture
def deps(store, people):
    admin = people["admin"]
    west = departments.add_department(store, admin, "西区住建局", "industry_regulator", WEST)
    east = departments.add_department(store, admin, "东区住建局", "industry_regulator", EAST)
    for key, dep in (("west", west), ("east", east)):
        departments.add_department_user(store, admin, dep["id"], f"{key}-dept", DEPT_PASSWORD)
    return {"west": west, "east": east}


def as_page(store, index, name: str, password: str = PASSWORD) -> SimpleNamespace:
    """What the page's functions read for ``name`` logged in (the desk, as RequestData hands it)."""
    session = users.login(store, name, password)
    return SimpleNamespace(supervision=CaseDesk(store, lambda: index, lambda: (session.token, session.csrf_token)))


def test_a_department_account_holds_a_session_and_the_supervision_actions_only(store, people, deps):
    session = users.login(store, "west-dept", DEPT_PASSWORD)
    assert users.authorize(store, session.token, None, "session").role == "department"
    assert users.authorize(store, session.token, None, "supervision.read").region_code == WEST
    assert users.authorize(store, session.token, session.csrf_token, "supervision.write").name == "west-dept"
    with pytest.raises(AccessDenied, match="CSRF"):
        users.authorize(store, session.token, None, "supervision.write")
    for action in ("read", "case.create", "case.comment", "feedback", "export", "user.manage", "audit.export"):
        with pytest.raises(AccessDenied, match="may not"):
            users.authorize(store, session.token, session.csrf_token, action)
    assert users.csrf_token_for(store, session.token) == session.csrf_token
    with pytest.raises(InputError, match="department user"):
        users.add_user(store, people["admin"], "loose-dept", PASSWORD, "department")
    for staff in ("admin", "city", "west", "viewer", "analyst"):  # every staff role keeps reading
        s = users.login(store, staff, PASSWORD)
        assert users.authorize(store, s.token, None, "read").name == staff
    assert "department" in users.ROLES and "department" not in users.PERMISSIONS["read"]


def test_a_department_sees_its_inbox_overdue_first_and_replies(store, people, deps, index, clock):
    city = people["city"]
    late = dispatch.send(store, city, deps["west"]["id"], "rectify", 2, finding=WEST_RING, index=index)
    clock.advance(days=7)
    fresh = dispatch.send(store, city, deps["west"]["id"], "verify", 10, case_id=None, finding=WEST_RING, index=index)
    other = dispatch.send(store, city, deps["east"]["id"], "verify", 5, finding=EAST_RING, index=index)
    dispatch.escalate(store, city)

    west = as_page(store, index, "west-dept", DEPT_PASSWORD)
    columns, rows = page.dispatch_table(west, False, "zh")
    assert [c["id"] for c in columns] == list(page.LIST_COLUMNS)
    assert [r["id"] for r in rows] == [late["id"], fresh["id"]]  # overdue first; the east item is not there
    assert rows[0]["overdue_flag"] == 1 and rows[0]["mark"] == "逾期 督办" and rows[0]["action"] == "整改"
    assert rows[1]["overdue_flag"] == 0 and rows[1]["department"] == "西区住建局"
    assert page.dispatch_table(west, True, "zh")[1] == rows[:1]
    en = page.dispatch_table(west, False, "en")[1]
    assert en[0]["mark"] == "overdue escalated" and en[0]["status"] == "sent"

    with pytest.raises(NotFound):
        page.dispatch_detail(west, other["id"], "zh")
    with pytest.raises(NotFound):
        page.act(west, "button-dispatch-reply", other["id"], {"result": "x"}, "zh")
    with pytest.raises(InputError, match="处理结果不能为空"):
        page.act(west, "button-dispatch-reply", late["id"], {"result": "  "}, "zh")
    with pytest.raises(AccessDenied):
        page.act(west, "button-dispatch-close", late["id"], {"reason": "not mine"}, "zh")

    sha = "ab" * 32
    said = page.act(west, "button-dispatch-reply", late["id"], {"result": "已责令整改", "sha": sha}, "zh")
    assert said == f"{late['id']} 已答复。"
    shown = json.dumps(page.dispatch_detail(west, late["id"], "zh"), default=str, ensure_ascii=False)
    assert "已责令整改" in shown and "附件哈希 1 个" in shown and "已答复" in shown

    office = as_page(store, index, "city")
    notes = json.dumps(page.notifications(office, "zh"), default=str, ensure_ascii=False)
    assert "督办提醒" in notes and f"{late['id']} 已逾期" in notes and "overdue since" not in notes
    assert page.notifications(west, "zh") == []
    assert {r["id"] for r in page.dispatch_table(office, False, "zh")[1]} == {late["id"], fresh["id"], other["id"]}
    with pytest.raises(InputError, match="整数"):
        page.act(office, "button-dispatch-not-rectified", late["id"], {"reason": "缺照片", "days": "x"}, "zh")
    said = page.act(office, "button-dispatch-not-rectified", late["id"], {"reason": "缺照片", "days": "3"}, "zh")
    assert "已下发" in said
    page.act(west, "button-dispatch-reply", late["id"], {"result": "补充照片"}, "zh")
    assert "整改到位" in page.act(office, "button-dispatch-rectified", late["id"], {"reason": "到位"}, "zh")
    assert page.act(office, "button-dispatch-close", late["id"], {"reason": "办结"}, "zh") == f"{late['id']} 已办结。"
    assert dispatch.get_dispatch(store, city, late["id"])["status"] == "closed"
    assert page.act(office, "button-dispatch-escalate", None, {}, "en") == "0 items escalated."


def test_performance_table_and_xlsx(store, people, deps, index, clock):
    city = people["city"]
    item = dispatch.send(store, city, deps["west"]["id"], "rectify", 5, finding=WEST_RING, index=index)
    period = item["sent_on"][:7]
    west = as_page(store, index, "west-dept", DEPT_PASSWORD)
    page.act(west, "button-dispatch-reply", item["id"], {"result": "整改完毕"}, "zh")
    office = as_page(store, index, "city")
    columns, rows = page.performance_table(office, period, "zh")
    assert [c["name"] for c in columns][:3] == ["部门", "类型", "收到"]
    assert rows == [
        {
            "name": "西区住建局",
            "kind": "行业主管部门",
            "received": 1,
            "answered_on_time": 1,
            "overdue": 0,
            "median_days_to_answer": 0,
            "rectification_rate": "0%",
        }
    ]
    assert page.performance_table(west, period, "zh")[1][0]["name"] == "西区住建局"  # its own row only
    with pytest.raises(InputError):
        page.performance_table(office, "2026/11", "zh")
    filename, content = page.performance_xlsx(office, period)
    assert filename == f"bidgraph-performance-{period}.xlsx"
    sheet = load_workbook(io.BytesIO(content)).active
    assert any("西区住建局" in [c for c in row if isinstance(c, str)] for row in sheet.iter_rows(values_only=True))


def _tabs(component) -> list[str]:
    """The values of the layout's tabs (dcc.Tab components), in order."""
    if isinstance(component, list):
        return [v for c in component for v in _tabs(c)]
    if not isinstance(component, dict):
        return []
    props = component.get("props") or {}
    own = [props["value"]] if component.get("type") == "Tab" else []
    return own + [v for value in props.values() for v in _tabs(value)]


def test_a_department_login_reaches_its_inbox_and_not_the_graph(tmp_path, store, people, deps, index):
    from test_cases_world import load_world
    from test_workbench_auth import login

    from bidgraph.graph.api import open_store
    from bidgraph.workbench.app import create_app
    from bidgraph.workbench.auth import Auth

    load_world(tmp_path / "graph")
    graph = open_store(tmp_path / "graph")
    graph.save_findings([WEST_RING, EAST_RING])
    app = create_app(graph, auth=Auth(store))
    client = app.server.test_client()
    assert login(client, "west-dept", DEPT_PASSWORD).status_code == 302
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert _tabs(json.loads(layout)) == ["dispatch", "complaints"]  # no graph, findings or cases
    assert "F1" not in layout and "ORG1" not in layout
    assert pages_for({"role": "department"}) == ("dispatch", "complaints")
    assert pages_for({"role": "viewer"})[-4:] == ("dispatch", "complaints", "inspections", "performance")
    assert "cases" in pages_for(None) and "dispatch" not in pages_for(None)  # no login: no supervision pages
    with app.server.test_request_context("/"):
        from flask import g

        g.bidgraph_user = User("west-dept", "department", WEST)
        from bidgraph.workbench.auth import RequestData

        data = Auth(store).data_for(graph)
        assert isinstance(data, RequestData)
        with pytest.raises(AccessDenied, match="may not read"):
            data.findings()
