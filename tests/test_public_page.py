"""The public page (公开专栏, ``serve --public``): off by default, served without login when on,
and nothing on it but aggregate figures: no person's name, id number or phone, no organization
name, no finding id, no open dispatch, no officer and no inspection note."""

from __future__ import annotations

import re

import pytest
from workbench_world import FINDINGS, tiny_store

from bidgraph.cases import departments, dispatch, inspections
from bidgraph.cases.db import CasesStore
from bidgraph.cases.users import User, add_user
from bidgraph.workbench.app import create_app
from bidgraph.workbench.auth import Auth
from bidgraph.workbench.public import public_figures

PASSWORD = "Zx9-correct-horse"


@pytest.fixture
def world(tmp_path, tiny_tables):
    graph = tiny_store(tmp_path / "graph", tiny_tables)
    cases = CasesStore(tmp_path / "cases")
    admin = add_user(cases, User("setup", "admin", None), "boss", PASSWORD, "admin")
    add_user(cases, admin, "officer-zhao", PASSWORD, "investigator")
    drawn = inspections.draw(
        cases, admin, inspections.DrawRequest("project", ["PR1"], 1, ["boss", "officer-zhao"], 1), seed=7
    )
    inspections.record_result(cases, admin, drawn["id"], "PR1", "problem", "张伟在现场未出示证件")
    dep = departments.add_department(cases, admin, "市住建局", "industry_regulator")
    open_item = dispatch.send(cases, admin, dep["id"], "verify", 5, finding=FINDINGS[0])
    return {"graph": graph, "cases": cases, "open": open_item["id"]}


def _secrets(tables) -> set[str]:
    """Every personal field and name in the world, and every finding id."""
    values: set[str] = set()
    for table, columns in {
        "persons": ("name", "id_number", "phone"),
        "organizations": ("name", "phone", "uscc"),
        "experts": ("name", "id_number", "phone"),
    }.items():
        if table in tables:
            for column in columns:
                if column in tables[table]:
                    values |= {str(v) for v in tables[table][column].dropna() if str(v).strip()}
    return values | {f["id"] for f in FINDINGS}


def test_the_public_page_is_off_by_default(world):
    client = create_app(world["graph"], auth=Auth(world["cases"])).server.test_client()
    answer = client.get("/public")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    open_app = create_app(world["graph"]).server.test_client().get("/public")  # Dash's own index, not the page
    assert "公开专栏" not in open_app.get_data(as_text=True) and "table-public" not in open_app.get_data(as_text=True)


def test_the_public_page_shows_aggregates_without_login_and_nothing_personal(world, tiny_tables):
    app = create_app(world["graph"], auth=Auth(world["cases"]), public=True)
    client = app.server.test_client()
    page = client.get("/public")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "公开专栏" in html and "项目数" in html and "双随机抽查结果" in html and "发现问题" in html
    assert re.search(r"<td>I-\d+</td><td>项目</td><td>PR1</td><td>发现问题</td><td>\d{4}-\d{2}-\d{2}</td>", html), html
    english = client.get("/public?lang=en").get_data(as_text=True)
    assert "Random inspection results" in english and "problem found" in english
    assert not re.search(r"[\u4e00-\u9fff]", english.replace("中文", ""))  # English only, but the switch
    secrets = _secrets(tiny_tables) | {world["open"], "officer-zhao", "张伟在现场未出示证件", "市住建局"}
    for text in (html, english):
        leaked = sorted(s for s in secrets if s in text)
        assert not leaked, leaked
    # the rest of the workbench still needs login
    assert client.get("/").status_code == 302
    assert client.get("/_dash-layout").status_code == 403


def test_public_figures_count_warnings_by_kind_and_region_and_leave_out_the_ranking(world):
    from bidgraph.cases.scoped_store import RegionViews

    figures = public_figures(RegionViews(world["graph"]).store(None), [{"target": "project", "result": "problem"}])
    assert figures["counts"]["Project"] == 1 and figures["counts"]["warnings"] == len(FINDINGS)
    assert sum(n for _, n in figures["by_kind"]) == len(FINDINGS)
    assert "smoke_index" not in dict(figures["by_kind"])
    assert sum(n for _, n in figures["by_region"]) == len(FINDINGS)
    assert figures["inspections"] == [(("project", "problem"), 1)]


@pytest.mark.browser
def test_the_public_page_in_a_browser(world):
    """A screenshot of the page as the public sees it (test-artifacts/workbench/p1-public.png)."""
    pytest.importorskip("selenium")
    from selenium import webdriver
    from test_workbench_browser import Server, shot

    srv = Server(create_app(world["graph"], auth=Auth(world["cases"]), public=True))
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options)
    try:
        driver.get(srv.url + "/public")
        assert "预警数" in driver.page_source
        shot(driver, "p1-public")
    finally:
        driver.quit()
        srv.stop()
