"""An investigator in a real headless Chromium with login: log in, open a finding, open a case,
move it to reviewing with a reason, export its evidence pack (which verifies), log out.
Screenshots go to test-artifacts/workbench/."""

from __future__ import annotations

import pytest
from test_cases_world import PASSWORD, clock, finding, load_world, people, store  # noqa: F401
from test_workbench_browser import (
    WAIT,
    By,
    Server,
    WebDriverWait,
    browser,
    choose,
    click,
    downloaded,  # noqa: F401
    downloads,
    no_error_messages,
    shot,
    tab,
    wait_text,
)

from bidgraph.cases import audit, cases
from bidgraph.cases.pack import verify_pack
from bidgraph.graph.api import open_store
from bidgraph.workbench.app import create_app
from bidgraph.workbench.auth import Auth

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path, store, people):
    load_world(tmp_path / "ws")
    graph = open_store(tmp_path / "ws")
    graph.save_findings([finding("F1", "L1", "ORG1", "ORG2"), finding("F2", "L2", "ORG2", "ORG3", score=0.8)])
    srv = Server(create_app(graph, auth=Auth(store)))
    yield srv
    srv.stop()


def test_investigator_logs_in_opens_a_case_moves_it_and_exports_its_pack(browser, server, downloads, store, people):
    b = browser
    b.delete_all_cookies()
    b.get(server.url)
    WebDriverWait(b, WAIT).until(lambda d: d.find_elements(By.ID, "button-login"))
    assert "/login" in b.current_url and "用户名" in b.page_source
    b.find_element(By.ID, "input-login-name").send_keys("west")
    b.find_element(By.ID, "input-login-password").send_keys("not-the-password")
    click(b, "button-login")
    WebDriverWait(b, WAIT).until(lambda d: "登录失败" in d.page_source)
    shot(b, "c1-login-failed")
    b.find_element(By.ID, "input-login-name").send_keys("west")
    b.find_element(By.ID, "input-login-password").send_keys(PASSWORD)
    click(b, "button-login")

    # the county investigator sees only the west county's finding
    who = wait_text(b, "span-user", "west")
    assert "调查员" in who and "330106" in who and not b.find_elements(By.ID, "div-no-auth")
    tab(b, "疑点线索")
    wait_text(b, "div-findings-count", "共 1 条疑点")
    b.find_element(By.XPATH, "//*[@id='table-findings']//td[contains(., 'F1')]").click()
    wait_text(b, "div-finding-detail", "同一标段的投标人共用上传设备")
    shot(b, "c2-finding")

    # a challenge (质疑) case from it, moved to reviewing with a reason
    tab(b, "案件")
    wait_text(b, "div-case-selected", "F1")
    b.find_element(By.ID, "input-case-title").send_keys("西区道路工程疑似围标")
    choose(b, "dropdown-case-kind", "质疑")
    click(b, "button-case-from-findings")
    wait_text(b, "div-cases-msg", "已创建案件 C-000001")
    wait_text(b, "table-cases", "西区道路工程疑似围标")
    wait_text(b, "div-case-detail", "7个工作日")
    choose(b, "dropdown-case-status", "审查中")
    b.find_element(By.ID, "input-case-reason").send_keys("调取开标记录和上传日志")
    click(b, "button-case-move")
    wait_text(b, "div-cases-msg", "已变更为“审查中”")
    detail = wait_text(b, "div-case-detail", "调取开标记录和上传日志")
    assert "新建 → 审查中" in detail
    no_error_messages(b)
    shot(b, "c3-case")

    click(b, "button-case-export")
    pack = downloaded(downloads, ".zip")
    wait_text(b, "div-cases-msg", "证据包 C-000001.zip 已导出")
    report = verify_pack(pack, store)
    assert report.ok, report.problems
    case = cases.get_case(store, people["admin"], "C-000001")
    assert case["status"] == "reviewing" and case["created_by"] == "west"
    actions = [r["action"] for r in store.connection().execute("SELECT action FROM audit WHERE user = 'west'")]
    assert {"login", "case.create", "case.status", "pack.export"} <= set(actions)
    assert audit.verify(store).ok
    shot(b, "c4-exported")

    click(b, "button-logout")
    WebDriverWait(b, WAIT).until(lambda d: d.find_elements(By.ID, "button-login"))
    b.get(server.url)
    WebDriverWait(b, WAIT).until(lambda d: d.find_elements(By.ID, "button-login"))
