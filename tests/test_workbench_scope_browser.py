"""A county user in a real headless Chromium (issue 11): the overview and a finding spanning both
counties of test_cases_world's world show nothing of the other county — no id, name or region
code. Screenshots go to test-artifacts/workbench/."""

from __future__ import annotations

import pytest
from test_cases_world import PASSWORD, clock, load_world, people, store  # noqa: F401
from test_scope_confidentiality import EAST_ONLY, EAST_RING, WEST_RING, spanning
from test_workbench_browser import (
    WAIT,
    By,
    Server,
    WebDriverWait,
    browser,  # noqa: F401
    click,
    downloads,  # noqa: F401
    no_error_messages,
    shot,
    tab,
    wait_text,
)
from workbench_world import with_smoke_index

from bidgraph.graph.api import open_store
from bidgraph.workbench.app import create_app
from bidgraph.workbench.auth import Auth

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path, store, people):
    load_world(tmp_path / "ws")
    graph = open_store(tmp_path / "ws")
    graph.save_findings(with_smoke_index([WEST_RING, EAST_RING, spanning()], graph.snapshot()))
    srv = Server(create_app(graph, auth=Auth(store)))
    yield srv
    srv.stop()


def page_text(driver) -> str:
    """What the page shows, and the ids and labels of the graphs' elements (drawn on a canvas)."""
    graphs = driver.execute_script(
        "return Array.from(document.querySelectorAll('[id^=cyto-]')).filter(e => e._cyreg)"
        ".map(e => JSON.stringify(e._cyreg.cy.elements().jsons().map(j => j.data))).join(' ')"
    )
    return driver.find_element(By.TAG_NAME, "body").text + " " + graphs


def test_a_county_user_sees_no_other_county_in_the_overview_or_a_cross_county_finding(browser, server):
    b = browser
    b.delete_all_cookies()
    b.get(server.url)
    WebDriverWait(b, WAIT).until(lambda d: d.find_elements(By.ID, "button-login"))
    b.find_element(By.ID, "input-login-name").send_keys("west")
    b.find_element(By.ID, "input-login-password").send_keys(PASSWORD)
    click(b, "button-login")
    wait_text(b, "span-user", "west")

    cards = wait_text(b, "div-overview-counts", "疑点")
    assert cards.split() == ["1", "项目", "1", "标段", "2", "投标", "3", "单位", "6", "疑点"]
    ranking = wait_text(b, "table-ranking", "杭州甲建设有限公司")
    assert "杭州乙建设有限公司" not in ranking  # ORG2's index counted the east's finding
    WebDriverWait(b, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#graph-by-region .bars path"))
    region_axis = b.find_element(By.ID, "graph-by-region").text
    assert "330106" in region_axis and "330108" not in region_axis
    shown = page_text(b)
    assert not [s for s in EAST_ONLY + ("330108",) if s in shown]
    shot(b, "scope-1-county-overview")

    tab(b, "疑点线索")
    wait_text(b, "div-findings-count", "共 6 条疑点")
    b.find_element(By.XPATH, "//*[@id='table-findings']//td[contains(., 'F3')]").click()
    detail = wait_text(b, "div-finding-detail", "另有2个其他地区实体")
    assert "杭州甲建设有限公司" in detail and "〔其他地区 / other region〕" in detail
    WebDriverWait(b, WAIT).until(lambda d: "Lot:L1" in page_text(d))
    shown = page_text(b)
    assert not [s for s in EAST_ONLY + ("330108",) if s in shown]
    no_error_messages(b)
    shot(b, "scope-2-cross-county-finding")
