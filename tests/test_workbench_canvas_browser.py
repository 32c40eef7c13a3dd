"""The explorer's canvas in headless Chromium: a shared IP expands into the firms behind it (not
bid dots) page by page, hide and undo, a path through chosen relation types, five firms grouped,
collapsed into one node (their links merged and counted), expanded and collapsed again with undo
and redo, a named view saved with the group, the canvas surviving a reload (drawn ahead behind
the overview, then kept drawn across tab switches), the saved view restored exactly, and in English the group expanded and dissolved (its firms still drawn).
Screenshots (1280×800) go to test-artifacts/workbench/canvas-*.png."""

from __future__ import annotations

import json
import time

import pytest
from conftest import as_bundle
from test_workbench_browser import (
    CHROMEDRIVER,
    CHROMIUM,
    WAIT,
    Server,
    WebDriverWait,
    browser,
    choose,
    click,
    downloads,
    shot,
    tab,
    wait_text,
)
from workbench_world import hub_tables

from bidgraph.graph.embedded.store import EmbeddedStore
from bidgraph.workbench.app import create_app

pytestmark = pytest.mark.browser
assert CHROMIUM and CHROMEDRIVER and browser and downloads  # the browser fixtures, shared

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402


@pytest.fixture
def hub_server(tmp_path):
    store = EmbeddedStore(tmp_path / "hub")
    store.load(as_bundle(hub_tables()))
    srv = Server(create_app(store))
    yield srv
    srv.stop()


def canvas(b) -> list[dict]:
    """The kept canvas, as the page keeps it in session storage."""
    raw = b.execute_script("return window.sessionStorage.getItem('store-elements');")
    return json.loads(raw) if raw else []


def select(b, *uids: str) -> None:
    """Select nodes in Cytoscape as a click (or a box selection) would."""
    b.execute_script(
        "const cy = document.getElementById('cyto-explorer')._cyreg.cy; cy.elements().unselect();"
        "arguments[0].forEach(id => cy.getElementById(id).select());",
        list(uids),
    )
    time.sleep(0.4)  # Cytoscape reports the selection after 100 ms


def drawn(b, uid: str) -> dict:
    """How Cytoscape shows a node: visible, how many children (a group), its label."""
    return b.execute_script(
        "const n = document.getElementById('cyto-explorer')._cyreg.cy.getElementById(arguments[0]);"
        "return n.empty() ? {} : {visible: n.visible(), children: n.children().length, label: n.data('label')};",
        uid,
    )


def test_the_canvas_keeps_the_analysts_work(browser, hub_server):
    b = browser
    b.set_window_size(1280, 800)
    b.get(hub_server.url + "?lang=zh")
    b.execute_script("window.sessionStorage.clear(); window.localStorage.clear();")
    b.get(hub_server.url + "?lang=zh")
    tab(b, "搜索")
    b.find_element(By.ID, "input-search").send_keys("61.1.1.1", Keys.ENTER)
    wait_text(b, "table-search", "61.1.1.1")
    b.find_element(By.XPATH, "//*[@id='table-search']//td[contains(., '61.1.1.1')]").click()
    wait_text(b, "div-details", "61.1.1.1")

    # a hub of 330 bids shows the firms behind it, 20 a page, not bid dots
    click(b, "button-expand")
    assert "背后共有 330 家单位，已显示 20 家" in wait_text(b, "div-explorer-msg", "已显示 20 家")
    click(b, "button-more")
    wait_text(b, "div-explorer-msg", "已显示 40 家")
    wait_text(b, "div-explorer-stats", "41 个节点、40 条关系")
    els = canvas(b)
    assert not [e for e in els if e["data"].get("type") == "Bid"]
    assert all(e.get("position") for e in els if "source" not in e["data"])
    time.sleep(0.5)
    shot(b, "canvas-1-hub-firms")

    # hide a firm, then undo
    select(b, "Organization:F000")
    click(b, "button-hide")
    wait_text(b, "div-explorer-msg", "已隐藏 1 个节点")
    hidden = [e for e in canvas(b) if "hidden" in e.get("classes", "")]
    assert [e["data"]["id"] for e in hidden] == ["Organization:F000"]
    click(b, "button-undo")
    WebDriverWait(b, WAIT).until(lambda d: not [e for e in canvas(d) if "hidden" in e.get("classes", "")])
    before = {e["data"]["id"]: e["position"] for e in canvas(b) if "source" not in e["data"]}

    # paths only through the chosen relation types
    for rel in ("提交投标", "上传IP"):
        b.find_element(By.XPATH, f"//*[@id='checklist-path-types']//label[contains(., '{rel}')]").click()
    b.execute_script("arguments[0].scrollIntoView({block: 'center'});", b.find_element(By.ID, "dropdown-path-from"))

    choose(b, "dropdown-path-from", "第0号建设")
    choose(b, "dropdown-path-to", "第1号建设")
    click(b, "button-path")
    wait_text(b, "div-explorer-msg", "最短路径（4 跳）")
    after = {e["data"]["id"]: e["position"] for e in canvas(b) if "source" not in e["data"]}
    assert all(after[u] == p for u, p in before.items())  # the path's new nodes did not move the others
    time.sleep(0.5)
    b.execute_script("document.getElementById('cyto-explorer').scrollIntoView({block: 'center'});")
    shot(b, "canvas-2-path")

    # five firms grouped under a name, collapsed into one node (their IP links merged, counted),
    # expanded back, collapsed again: undo and redo step through it
    firms = [f"Organization:F{i:03d}" for i in range(10, 15)]
    select(b, *firms)
    b.find_element(By.ID, "input-group-name").send_keys("网吧IP背后单位")
    click(b, "button-group")
    wait_text(b, "div-explorer-msg", "已将 5 个节点归入分组“网吧IP背后单位”")
    assert {e["data"].get("parent") for e in canvas(b) if e["data"]["id"] in firms} == {"group:1"}
    WebDriverWait(b, WAIT).until(lambda d: drawn(d, "group:1")["children"] == 5)
    time.sleep(0.5)
    b.execute_script("document.getElementById('cyto-explorer').scrollIntoView({block: 'center'});")
    shot(b, "canvas-5-group")
    select(b, "group:1")
    click(b, "button-collapse")
    wait_text(b, "div-explorer-msg", "已折叠 1 个分组")
    summary = next(e["data"] for e in canvas(b) if e["data"].get("type") == "GROUPED")
    assert (summary["source"], summary["target"], summary["label"]) == ("group:1", "IP:61.1.1.1", "5 条关系")
    WebDriverWait(b, WAIT).until(
        lambda d: drawn(d, "group:1") == {"visible": True, "children": 0, "label": "网吧IP背后单位（5）"}
    )
    assert not any(drawn(b, u)["visible"] for u in firms)
    time.sleep(0.5)
    b.execute_script("document.getElementById('cyto-explorer').scrollIntoView({block: 'center'});")
    shot(b, "canvas-6-collapsed")
    click(b, "button-undo")
    WebDriverWait(b, WAIT).until(lambda d: drawn(d, "group:1")["children"] == 5)
    click(b, "button-redo")
    WebDriverWait(b, WAIT).until(lambda d: drawn(d, "group:1")["children"] == 0)
    select(b, "group:1")
    click(b, "button-expand-group")
    wait_text(b, "div-explorer-msg", "已展开 1 个分组")
    WebDriverWait(b, WAIT).until(lambda d: drawn(d, "group:1")["children"] == 5 and drawn(d, firms[0])["visible"])
    select(b, firms[0])
    click(b, "button-collapse")
    wait_text(b, "div-explorer-msg", "已折叠 1 个分组")
    WebDriverWait(b, WAIT).until(lambda d: drawn(d, "group:1")["children"] == 0)

    # save a named view, reload: the canvas is back; clear it and open the view: exactly as saved
    b.find_element(By.ID, "input-view-name").send_keys("网吧IP围标")
    click(b, "button-save-view")
    wait_text(b, "div-explorer-msg", "视图“网吧IP围标”已保存")
    saved = canvas(b)
    b.get(hub_server.url + "?lang=zh")
    # the kept canvas is drawn ahead, hidden behind the overview; opening the tab shows that very
    # graph (not a new one), and it stays drawn while another tab is shown
    mounted = "const c = document.getElementById('cyto-explorer'); return !!(c && c._cyreg);"
    cy = "document.getElementById('cyto-explorer')._cyreg.cy"
    WebDriverWait(b, WAIT).until(lambda d: d.execute_script(mounted) and drawn(d, "group:1").get("visible"))
    assert not b.find_element(By.ID, "cyto-explorer").is_displayed()
    b.execute_script(f"{cy}.scratch('ahead', true);")
    tab(b, "图谱分析")
    wait_text(b, "div-explorer-msg", "已恢复上次的画布")
    WebDriverWait(b, WAIT).until(lambda d: d.find_element(By.ID, "cyto-explorer").is_displayed())
    tab(b, "证据篮")
    WebDriverWait(b, WAIT).until(lambda d: not d.find_element(By.ID, "cyto-explorer").is_displayed())
    tab(b, "图谱分析")
    assert b.execute_script(f"return {cy}.scratch('ahead');") is True
    assert canvas(b) == saved
    WebDriverWait(b, WAIT).until(
        lambda d: drawn(d, "group:1") == {"visible": True, "children": 0, "label": "网吧IP背后单位（5）"}
    )
    time.sleep(0.5)
    b.execute_script("document.getElementById('cyto-explorer').scrollIntoView({block: 'center'});")
    shot(b, "canvas-3-restored")
    click(b, "button-clear")
    WebDriverWait(b, WAIT).until(lambda d: canvas(d) == [])
    click(b, "dropdown-views")
    WebDriverWait(b, WAIT).until(
        lambda d: next((o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]") if "网吧IP围标" in o.text), None)
    ).click()
    wait_text(b, "div-explorer-msg", "已打开视图")
    WebDriverWait(b, WAIT).until(lambda d: canvas(d) == saved)
    WebDriverWait(b, WAIT).until(lambda d: drawn(d, "group:1")["visible"] and not drawn(d, firms[0])["visible"])
    time.sleep(0.5)
    b.execute_script("document.getElementById('cyto-explorer').scrollIntoView({block: 'center'});")
    shot(b, "canvas-4-saved-view")

    # the same canvas in English: labels switch, nothing else moves
    b.get(hub_server.url + "?lang=en")
    tab(b, "Graph explorer")
    wait_text(b, "div-explorer-msg", "Your canvas was restored")
    labels = {e["data"]["label"] for e in canvas(b) if "source" in e["data"]}
    assert labels and not any("\u4e00" <= ch <= "\u9fff" for label in labels for ch in label)
    assert "5 links" in labels and drawn(b, "group:1")["label"] == "网吧IP背后单位 (5)"
    assert [e.get("position") for e in canvas(b)] == [e.get("position") for e in saved]

    # expanded, then dissolved: the firms stay, drawn (Cytoscape drops a removed parent's children)
    select(b, "group:1")
    click(b, "button-expand-group")
    WebDriverWait(b, WAIT).until(lambda d: drawn(d, "group:1")["children"] == 5)
    select(b, "group:1")
    click(b, "button-ungroup")
    wait_text(b, "div-explorer-msg", "1 groups dissolved")
    WebDriverWait(b, WAIT).until(lambda d: not drawn(d, "group:1") and all(drawn(d, u)["visible"] for u in firms))
    kept = sum("source" not in e["data"] for e in canvas(b))
    assert b.execute_script("return document.getElementById('cyto-explorer')._cyreg.cy.nodes().length") == kept
    assert "Traceback" not in b.page_source
