"""A department account in a real headless Chromium: log in, see only the 督办 inbox with the
item sent to its department (overdue, 督办 marked, in red), open it, reply with the result and an
attachment hash; then the office checks it 整改到位 and closes it. Screenshots go to
test-artifacts/workbench/ (s1..s4)."""

from __future__ import annotations

import pytest
from test_cases_world import PASSWORD, clock, finding, index, load_world, people, store  # noqa: F401
from test_workbench_browser import (  # noqa: F401
    WAIT,
    By,
    Server,
    WebDriverWait,
    browser,
    click,
    downloaded,
    downloads,
    shot,
    wait_text,
)

from bidgraph.cases import departments, dispatch
from bidgraph.graph.api import open_store
from bidgraph.workbench.app import create_app
from bidgraph.workbench.auth import Auth

pytestmark = pytest.mark.browser

WEST_RING = finding("F1", "L1", "ORG1", "ORG2")
EAST_RING = finding("F2", "L2", "ORG2", "ORG3", score=0.8)
DEPT_PASSWORD = "dept-password-1"
SHA = "cd" * 32


@pytest.fixture
def server(tmp_path, store, people, index, clock):
    load_world(tmp_path / "ws")
    graph = open_store(tmp_path / "ws")
    graph.save_findings([WEST_RING, EAST_RING])
    admin, city = people["admin"], people["city"]
    west = departments.add_department(store, admin, "西区住建局", "industry_regulator", "330106")
    east = departments.add_department(store, admin, "东区住建局", "industry_regulator", "330108")
    departments.add_department_user(store, admin, west["id"], "west-dept", DEPT_PASSWORD)
    late = dispatch.send(store, city, west["id"], "rectify", 2, finding=WEST_RING, index=index)
    dispatch.send(store, city, east["id"], "verify", 5, finding=EAST_RING, index=index)
    clock.advance(days=7)
    dispatch.escalate(store, city)
    srv = Server(create_app(graph, auth=Auth(store)))
    srv.item = late["id"]
    yield srv
    srv.stop()


def _login(b, url: str, name: str, password: str) -> None:
    b.delete_all_cookies()
    b.get(url + "/login")
    WebDriverWait(b, WAIT).until(lambda d: d.find_elements(By.ID, "button-login"))
    b.find_element(By.ID, "input-login-name").send_keys(name)
    b.find_element(By.ID, "input-login-password").send_keys(password)
    click(b, "button-login")


def _row(b, item_id: str):
    return WebDriverWait(b, WAIT).until(
        lambda d: next(
            (c for c in d.find_elements(By.CSS_SELECTOR, "#table-dispatch td") if c.text.strip() == item_id), None
        )
    )


def test_a_department_replies_to_an_item_sent_to_it(browser, server, store, downloads):
    b, item = browser, server.item
    _login(b, server.url, "west-dept", DEPT_PASSWORD)
    wait_text(b, "span-user", "west-dept")
    assert "责任部门" in b.find_element(By.ID, "span-user").text
    tabs = [e.text for e in b.find_elements(By.CSS_SELECTOR, "#tabs-main .tab")]
    assert tabs == ["督办", "投诉质疑"], tabs  # no overview, findings, graph or cases for a department
    listing = wait_text(b, "table-dispatch", item)
    assert "D-000002" not in listing  # the east department's item
    assert "逾期 督办" in listing and "整改" in listing
    cell = _row(b, item)
    colour = cell.value_of_css_property("background-color")
    assert colour.replace(" ", "") in ("rgba(253,226,226,1)", "rgb(253,226,226)"), colour
    shot(b, "s1-department-inbox")

    cell.click()
    detail = wait_text(b, "div-dispatch-detail", "办理记录")
    assert "预警线索 F1" in detail and "逾期" in detail and "下发" in detail
    assert not b.find_element(By.ID, "button-dispatch-close").is_displayed()  # the office's steps are hidden
    b.find_element(By.ID, "textarea-dispatch-result").send_keys("已责令施工单位整改，附整改报告")
    b.find_element(By.ID, "textarea-dispatch-sha").send_keys(SHA)
    shot(b, "s2-department-reply")
    click(b, "button-dispatch-reply")
    wait_text(b, "div-dispatch-msg", f"{item} 已答复")
    wait_text(b, "div-dispatch-detail", "已责令施工单位整改")
    shown = b.find_element(By.ID, "div-dispatch-detail").text
    assert "附件哈希 1 个" in shown and "已逾期" in shown and "escalated" not in shown
    assert b.find_element(By.ID, "textarea-dispatch-result").get_attribute("value") == ""
    wait_text(b, "table-dispatch", "已答复")
    shot(b, "s3-department-replied")
    assert not b.find_elements(By.CSS_SELECTOR, ".msg-error")

    # the office checks the answer 整改到位 and closes the item
    _login(b, server.url, "city", PASSWORD)
    wait_text(b, "span-user", "city")
    b.find_elements(By.XPATH, "//div[contains(@class,'tab') and normalize-space()='督办']")[0].click()
    wait_text(b, "div-dispatch-notes", f"{item} 已逾期")  # the sender's 督办 notification
    _row(b, item).click()
    wait_text(b, "div-dispatch-detail", "已责令施工单位整改")
    b.find_element(By.ID, "input-dispatch-reason").send_keys("现场核查整改到位")
    click(b, "button-dispatch-rectified")
    wait_text(b, "div-dispatch-msg", "整改到位")
    click(b, "button-dispatch-close")
    wait_text(b, "div-dispatch-msg", "理由不能为空")  # the form was emptied: closing needs its own reason
    b.find_element(By.ID, "input-dispatch-reason").send_keys("整改到位，办结")
    click(b, "button-dispatch-close")
    wait_text(b, "div-dispatch-msg", f"{item} 已办结")
    wait_text(b, "table-dispatch", "已办结")
    shot(b, "s4-office-closed")

    # 考核: the month's performance per department, and its Excel file
    b.find_elements(By.XPATH, "//div[contains(@class,'tab') and normalize-space()='考核']")[0].click()
    b.find_element(By.ID, "input-performance-period").send_keys("2026-03")
    click(b, "button-performance-show")
    table = wait_text(b, "table-performance", "西区住建局")
    assert "东区住建局" in table and "100%" in table
    click(b, "button-performance-xlsx")
    assert downloaded(downloads, ".xlsx").name == "bidgraph-performance-2026-03.xlsx"
    shot(b, "s5-performance")
    assert [e["kind"] for e in dispatch.get_dispatch(store, _office(store), item)["events"]][-3:] == [
        "dispatch.reply",
        "dispatch.check",
        "dispatch.close",
    ]


def _office(store):
    from bidgraph.cases.users import get_user

    return get_user(store, "city")
