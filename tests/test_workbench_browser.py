"""The workbench in a real headless Chromium: an investigator's path from the overview to an
exported evidence cart, and the error messages. Screenshots go to test-artifacts/workbench/."""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import networkx as nx
import openpyxl
import pytest
from conftest import ARTIFACTS, as_bundle
from workbench_world import hub_tables, tiny_store

from bidgraph.graph.embedded.store import EmbeddedStore
from bidgraph.workbench.app import create_app

pytestmark = pytest.mark.browser

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip(
        "needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import ui  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

SHOTS = ARTIFACTS / "workbench"
WAIT = 30


class WebDriverWait(ui.WebDriverWait):
    """Polls a condition until it holds; an element that Dash re-rendered between finding it and
    reading it (stale) makes that poll false instead of failing the test."""

    def __init__(self, driver, timeout: float) -> None:
        super().__init__(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))


class Server:
    """A workbench app served from a background thread on a free loopback port."""

    def __init__(self, app):
        self.httpd = make_server("127.0.0.1", 0, app.server, threaded=True)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.thread.join(5)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1600,1000",
        "--lang=zh-CN",
    ):
        opts.add_argument(arg)
    profile = tempfile.mkdtemp(prefix="bidgraph-chromium-")
    opts.add_argument(f"--user-data-dir={profile}")
    opts.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def server(tmp_path, tiny_tables):
    srv = Server(create_app(tiny_store(tmp_path / "ws", tiny_tables)))
    yield srv
    srv.stop()


# -- helpers -------------------------------------------------------------------------------------
def wait_text(driver, element_id: str, text: str, timeout: float = WAIT) -> str:
    """Wait until the element's text contains ``text``; return the text."""

    def seen(d):
        els = d.find_elements(By.ID, element_id)
        return els and text in els[0].text and els[0].text

    try:
        return WebDriverWait(driver, timeout).until(seen)
    except Exception as exc:
        els = driver.find_elements(By.ID, element_id)
        shot(driver, f"failed-{element_id}")
        raise AssertionError(f"#{element_id} never showed {text!r}; it shows {els[0].text if els else None!r}") from exc


def click(driver, element_id: str) -> None:
    el = driver.find_element(By.ID, element_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
    el.click()


def tab(driver, title: str) -> None:
    WebDriverWait(driver, WAIT).until(
        lambda d: d.find_elements(By.XPATH, f"//div[contains(@class,'tab') and normalize-space()='{title}']")
    )[0].click()


def choose(driver, dropdown_id: str, text: str) -> None:
    """Pick the option containing ``text`` in a Dash dropdown."""
    click(driver, dropdown_id)
    option = WebDriverWait(driver, WAIT).until(
        lambda d: next((o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]") if text in o.text), None)
    )
    option.click()
    WebDriverWait(driver, WAIT).until(lambda d: text in d.find_element(By.ID, dropdown_id).text)


def shot(driver, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def downloaded(folder: Path, suffix: str, timeout: float = WAIT) -> Path:
    end = time.time() + timeout
    while time.time() < end:
        done = [p for p in folder.glob(f"*{suffix}") if p.stat().st_size > 0]
        if done:
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} file was downloaded to {folder}: {[p.name for p in folder.iterdir()]}")


def no_error_messages(driver) -> None:
    errors = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".msg-error")]
    assert not errors, errors


# -- the investigator's path ---------------------------------------------------------------------
def test_from_overview_to_exported_cart(browser, server, downloads):
    b = browser
    b.get(server.url)
    cards = wait_text(b, "div-overview-counts", "疑点")
    assert cards.split() == ["1", "项目", "2", "标段", "5", "投标", "5", "单位", "5", "疑点"]
    wait_text(b, "table-ranking", "乙建筑有限公司")
    WebDriverWait(b, WAIT).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#graph-by-detector .bars path")) == 4)
    assert "未启用登录" in b.find_element(By.ID, "div-no-auth").text
    shot(b, "1-overview")

    # search a ring member by (part of) its Chinese name, open it in the explorer
    tab(b, "搜索")
    box = b.find_element(By.ID, "input-search")
    box.send_keys("甲建设", Keys.ENTER)
    wait_text(b, "table-search", "甲建设工程有限公司")
    assert "找到 1 个结果" in b.find_element(By.ID, "div-search-msg").text
    shot(b, "2-search")
    b.find_element(By.XPATH, "//*[@id='table-search']//td[contains(., '甲建设工程有限公司')]").click()
    wait_text(b, "div-details", "甲建设工程有限公司")
    assert "fixture.csv" in b.find_element(By.ID, "div-details").text

    # its findings are listed beside it: open the shared-IP finding
    b.find_element(By.XPATH, "//button[contains(., 'F-000001')]").click()
    detail = wait_text(b, "div-finding-detail", "同一IP地址上传")
    # measures by name, beside their threshold and whether it was crossed; no raw keys in Chinese
    assert "共用的投标人数" in detail and "越线" in detail and "乙建筑有限公司" in detail
    assert "bidders_sharing" not in detail and "min_bidders" not in detail
    WebDriverWait(b, WAIT).until(lambda d: "共 5 条疑点" in d.find_element(By.ID, "div-findings-count").text)
    shot(b, "3-finding")

    # its evidence in the explorer, expanded, and the paths between the two members
    click(b, "button-open-finding")
    wait_text(b, "div-explorer-stats", "6 个节点")
    wait_text(b, "div-details", "甲建设工程有限公司")
    click(b, "button-expand")  # a firm expands into its people, IPs, devices and co-bidders, not bids
    wait_text(b, "div-explorer-msg", "个关联对象")
    choose(b, "dropdown-path-from", "甲建设工程有限公司")
    choose(b, "dropdown-path-to", "乙建筑有限公司")
    click(b, "button-path")
    wait_text(b, "div-explorer-msg", "最短路径")
    wait_text(b, "div-explorer-stats", "10 个节点")  # + P1, the device and C (firm level), the shared phone (path)
    b.find_element(By.ID, "input-note-explorer").send_keys("甲乙共用法人和电话")
    click(b, "button-pin-path")
    wait_text(b, "div-pin-explorer-msg", "已加入证据篮")
    no_error_messages(b)
    time.sleep(0.5)  # let the layout settle before the picture
    shot(b, "4-explorer")

    # the cart and its exports
    tab(b, "证据篮")
    wait_text(b, "table-cart", "甲乙共用法人和电话")
    wait_text(b, "div-cart-msg", "证据篮中 1 项")
    shot(b, "5-cart")
    files = {}
    for fmt, suffix in (
        ("xlsx", ".xlsx"),
        ("csv", ".zip"),
        ("graphml", ".graphml"),
        ("gexf", ".gexf"),
        ("json", ".json"),
        ("png", ".png"),
    ):
        click(b, f"button-export-{fmt}")  # one at a time, as a person would: a new click supersedes a pending one
        files[fmt] = downloaded(downloads, suffix)

    book = openpyxl.load_workbook(files["xlsx"])
    nodes = {r[0] for r in book["nodes"].iter_rows(min_row=2, values_only=True)}
    assert {"Organization:A", "Person:P1", "Phone:13800000001", "Organization:B"} <= nodes
    assert [r[3] for r in book["cart"].iter_rows(min_row=2, values_only=True)] == ["甲乙共用法人和电话"]
    assert {r[0] for r in book["bids"].iter_rows(min_row=2, values_only=True)} == {"B1", "B2", "B4"}
    with zipfile.ZipFile(files["csv"]) as zf:
        assert "HOLDS_ROLE" in zf.read("edges.csv").decode("utf-8-sig")
    g = nx.read_graphml(files["graphml"])
    assert g.has_edge("Person:P1", "Organization:B") and g.nodes["Person:P1"]["caption"] == "张伟"
    assert nx.read_gexf(files["gexf"]).number_of_nodes() == 4
    doc = json.loads(files["json"].read_text(encoding="utf-8"))
    assert doc["cart"][0]["kind"] == "path" and doc["cart"][0]["note"] == "甲乙共用法人和电话"
    png = files["png"].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000


def test_english_switch_and_error_messages(browser, server):
    b = browser
    b.get(server.url + "?lang=en")
    wait_text(b, "div-overview-counts", "Findings")
    assert "Search" in b.find_element(By.ID, "tabs-main").text
    assert "Authentication disabled" in b.find_element(By.ID, "div-no-auth").text
    shot(b, "6-overview-english")
    b.get(server.url + "?lang=zh")  # the choice is remembered until switched back
    wait_text(b, "div-overview-counts", "疑点")
    tab(b, "搜索")
    click(b, "button-search")
    wait_text(b, "div-search-msg", "请输入要搜索的内容")
    b.find_element(By.ID, "input-search").send_keys("Organization:NOPE", Keys.ENTER)
    wait_text(b, "div-search-msg", "没有找到")
    shot(b, "7-search-nothing")
    assert "Traceback" not in b.page_source


def test_a_store_that_is_down_says_so(browser, tmp_path):
    srv = Server(create_app(EmbeddedStore(tmp_path / "never-loaded")))
    try:
        browser.get(srv.url)
        text = wait_text(browser, "div-overview-msg", "图数据不可用")
        assert "bidgraph load" in text and "Traceback" not in browser.page_source
        tab(browser, "疑点线索")
        wait_text(browser, "div-findings-msg", "图数据不可用")
        shot(browser, "8-store-down")
    finally:
        srv.stop()


def test_a_hub_expands_page_by_page_to_a_readable_300_node_view(browser, tmp_path):
    store = EmbeddedStore(tmp_path / "hub")
    store.load(as_bundle(hub_tables()))
    srv = Server(create_app(store))
    try:
        b = browser
        b.get(srv.url + "?lang=zh")
        tab(b, "搜索")
        b.find_element(By.ID, "input-search").send_keys("61.1.1.1", Keys.ENTER)
        wait_text(b, "table-search", "61.1.1.1")
        b.find_element(By.XPATH, "//*[@id='table-search']//td[contains(., '61.1.1.1')]").click()
        wait_text(b, "div-details", "61.1.1.1")
        choose(b, "dropdown-types", "上传IP")  # the stored links, bid by bid (the firm-level view pages by 20)
        b.find_element(By.ID, "div-details").click()  # close the multi-select
        click(b, "button-expand")
        assert "枢纽节点（330 条关系）" in wait_text(b, "div-explorer-msg", "已显示 25 条")
        slowest = 0.0
        for shown in [*range(50, 330, 25), 330]:
            started = time.perf_counter()
            click(b, "button-more")
            wait_text(b, "div-explorer-msg", f"已显示 {shown} 条")
            slowest = max(slowest, time.perf_counter() - started)
        wait_text(b, "div-explorer-stats", "331 个节点、330 条关系")
        assert slowest < 5, f"a page of the hub took {slowest:.1f} s to show"
        time.sleep(1)  # the layout runs in the browser after the data arrives
        shot(b, "9-hub-331-nodes")
        no_error_messages(b)
    finally:
        srv.stop()
