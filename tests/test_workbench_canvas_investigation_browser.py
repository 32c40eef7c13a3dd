"""A whole investigation in headless Chromium, with login, on a generated city's real detector
output: the home's 今日待办 → a finding → the canvas → a shared IP expanded into the firms behind
it (a firm count and paging, no bid dots) → hide and undo → a path through chosen relation
types → a case opened → the canvas saved as a named view on the case → reload → the canvas
back → the case page lists the view → opened in the canvas exactly → the evidence pack
exported (its report.html in Chinese, naming the case). Screenshots at 1280×800 and 1920×1080
go to test-artifacts/workbench/inv-*.png."""

from __future__ import annotations

import json
import time
import zipfile

import pytest
import test_workbench_browser as wb
from test_profiles import detected_city
from test_workbench_browser import browser, downloads  # noqa: F401  (fixtures)
from test_workbench_canvas_browser import canvas, select

from bidgraph.cases.db import CasesStore
from bidgraph.cases.users import User, add_user
from bidgraph.workbench.app import create_app
from bidgraph.workbench.auth import Auth

By, WAIT, WebDriverWait, click, shot, tab, wait_text = (
    wb.By, wb.WAIT, wb.WebDriverWait, wb.click, wb.shot, wb.tab, wb.wait_text
)  # fmt: skip
pytestmark = pytest.mark.browser
PASSWORD = "Zx9-correct-horse"
SIZES = ((1280, 800), (1920, 1080))


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    root = tmp_path_factory.mktemp("investigation")
    graph = detected_city(root)
    cases = CasesStore(root / "ws")
    add_user(cases, User("setup", "admin", None), "zhang", PASSWORD, "investigator", None)
    srv = wb.Server(create_app(graph, auth=Auth(cases)))
    yield srv, cases, _leads_to_the_busiest_ip(graph)
    srv.stop()


def _leads_to_the_busiest_ip(graph) -> dict[str, str]:
    """Finding id → a firm it names that uploaded from the IP most firms used (a 网吧)."""
    snap = graph.snapshot()
    uploads = snap["bid_uploads"].merge(snap["bids"][["bid_id", "org_id"]], on="bid_id")
    busiest = uploads.groupby("ip")["org_id"].nunique().idxmax()
    firms = set(uploads.loc[uploads["ip"] == busiest, "org_id"])
    leads = {}
    for f in graph.findings():
        named = sorted(e["id"] for e in f["entities"] if e["type"] == "company" and e["id"] in firms)
        if named:
            leads[f["id"]] = f"Organization:{named[0]}"
    return leads


def shots(b, name: str, element_id: str | None = None) -> None:
    """The same moment at both window sizes (the canvas, or ``element_id``, in view)."""
    for width, height in SIZES:
        b.set_window_size(width, height)
        time.sleep(0.6)
        target = element_id or "cyto-explorer"
        if b.find_elements(By.ID, target):
            b.execute_script("arguments[0].scrollIntoView({block: 'center'});", b.find_element(By.ID, target))
        time.sleep(0.3)
        shot(b, f"inv-{name}-{width}")
    b.set_window_size(*SIZES[0])


def nodes(els: list[dict]) -> list[dict]:
    return [e for e in els if "source" not in e["data"]]


def positions(els: list[dict]) -> dict:
    return {e["data"]["id"]: e.get("position") for e in nodes(els)}


def choose(b, dropdown_id: str, text: str) -> None:
    """Pick an option of a long dropdown by typing in its search box, then close the list."""
    click(b, dropdown_id)
    search = WebDriverWait(b, WAIT).until(
        lambda d: next(
            (e for e in d.find_elements(By.CSS_SELECTOR, "input.dash-dropdown-search") if e.is_displayed()), None
        )
    )
    search.send_keys(text)
    option = WebDriverWait(b, WAIT).until(
        lambda d: next(
            (
                o
                for o in d.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option")
                if o.is_displayed() and text in o.text
            ),
            None,
        )
    )
    option.click()
    WebDriverWait(b, WAIT).until(lambda d: text in d.find_element(By.ID, dropdown_id).text)
    expanded = f"#{dropdown_id}[aria-expanded=true]"
    if b.find_elements(By.CSS_SELECTOR, expanded):
        b.switch_to.active_element.send_keys(wb.Keys.ESCAPE)
    WebDriverWait(b, WAIT).until(lambda d: not d.find_elements(By.CSS_SELECTOR, expanded))


def log_in(b, url: str) -> None:
    b.delete_all_cookies()
    b.get(url)
    WebDriverWait(b, WAIT).until(lambda d: d.find_elements(By.ID, "button-login"))
    b.execute_script("window.sessionStorage.clear(); window.localStorage.clear();")
    b.find_element(By.ID, "input-login-name").send_keys("zhang")
    b.find_element(By.ID, "input-login-password").send_keys(PASSWORD)
    click(b, "button-login")
    wait_text(b, "span-user", "zhang")


def test_an_investigation_from_the_home_to_the_evidence_pack(browser, city, downloads):
    server, cases, leads = city
    b = browser
    b.set_window_size(*SIZES[0])
    log_in(b, server.url)

    # home: today's to-do → a finding → its evidence on the canvas
    wait_text(b, "div-today", "今日待办")
    cells = WebDriverWait(b, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#table-today-findings td"))
    row = next(c for c in cells if c.text.strip() in leads)
    finding_id = row.text.strip()
    shots(b, "1-home", "div-today")
    row.click()
    wait_text(b, "div-finding-detail", finding_id)
    click(b, "button-open-finding")
    WebDriverWait(b, WAIT).until(lambda d: leads[finding_id] in positions(canvas(d)))
    firm = next(e for e in nodes(canvas(b)) if e["data"]["id"] == leads[finding_id])
    choose(b, "dropdown-focus", firm["data"]["caption"])
    click(b, "button-expand")
    wait_text(b, "div-explorer-msg", "个关联对象")
    for _ in range(5):  # people come first, then the IPs, devices and documents, then co-bidders
        used = [e["data"] for e in canvas(b) if e["data"].get("type") == "USED_IP"]
        if used:
            break
        shown = len(nodes(canvas(b)))
        click(b, "button-more")
        WebDriverWait(b, WAIT).until(lambda d, n=shown: len(nodes(canvas(d))) > n)
    hub = max(used, key=lambda d: (d["props"].get("firms", 1), d["target"]))
    total = hub["props"]["firms"]
    assert total > 20, "a shared IP (网吧) with more than a page of firms"
    choose(b, "dropdown-focus", hub["target"].partition(":")[2])
    before_hub = set(positions(canvas(b)))
    click(b, "button-expand")
    msg = wait_text(b, "div-explorer-msg", "已显示 20 家")
    assert f"背后共有 {total} 家单位，已显示 20 家" in msg and "更多" in msg
    click(b, "button-more")
    wait_text(b, "div-explorer-msg", f"已显示 {min(total, 40)} 家")
    WebDriverWait(b, WAIT).until(lambda d: len(set(positions(canvas(d))) - before_hub) > 20)
    els = canvas(b)
    added = [e["data"]["type"] for e in nodes(els) if e["data"]["id"] not in before_hub]
    assert added and set(added) == {"Organization"}  # firms, not bid dots
    behind = {e["data"]["source"] for e in els if "source" in e["data"] and e["data"]["target"] == hub["target"]}
    assert len(behind) >= min(total, 40)
    shots(b, "2-hub-firms")

    # hide a firm and undo
    victim = sorted(behind)[0]
    select(b, victim)
    click(b, "button-hide")
    wait_text(b, "div-explorer-msg", "已隐藏 1 个节点")
    assert [e["data"]["id"] for e in canvas(b) if "hidden" in e.get("classes", "")] == [victim]
    click(b, "button-undo")
    WebDriverWait(b, WAIT).until(lambda d: not [e for e in canvas(d) if "hidden" in e.get("classes", "")])

    # a path between two firms behind the hub, only through bids and their upload IP
    a, z = sorted(behind)[:2]
    for rel in ("提交投标", "上传IP"):
        b.find_element(By.XPATH, f"//*[@id='checklist-path-types']//label[contains(., '{rel}')]").click()
    before = positions(canvas(b))
    caption = {e["data"]["id"]: e["data"]["caption"] for e in nodes(canvas(b))}
    choose(b, "dropdown-path-from", caption[a])
    choose(b, "dropdown-path-to", caption[z])
    click(b, "button-path")
    wait_text(b, "div-explorer-msg", "最短路径（4 跳）")
    path = [e for e in canvas(b) if "path" in e.get("classes", "").split() and "source" in e["data"]]
    assert path and {e["data"]["type"] for e in path} <= {"SUBMITTED", "UPLOADED_FROM"}
    after = positions(canvas(b))
    assert all(after[u] == p for u, p in before.items())
    shots(b, "3-path")

    # a case from the finding; the canvas saved as a named view on it
    tab(b, "案件")
    wait_text(b, "div-case-selected", finding_id)
    b.find_element(By.ID, "input-case-title").send_keys("网吧IP串标调查")
    click(b, "button-case-from-findings")
    case_id = wait_text(b, "div-cases-msg", "已创建案件").split()[-1].strip("。")
    tab(b, "图谱分析")
    b.find_element(By.ID, "input-view-name").send_keys("网吧IP关系图")
    click(b, "button-save-view")
    wait_text(b, "div-explorer-msg", f"视图“网吧IP关系图”已保存到案件 {case_id}")
    saved = canvas(b)

    # reload: the canvas is back exactly
    b.get(server.url)
    tab(b, "图谱分析")
    wait_text(b, "div-explorer-msg", "已恢复上次的画布")
    assert canvas(b) == saved
    click(b, "button-clear")
    WebDriverWait(b, WAIT).until(lambda d: canvas(d) == [])

    # the case page lists the view; opening it restores it exactly
    tab(b, "案件")
    wait_text(b, "table-cases", case_id)
    b.find_element(By.XPATH, f"//*[@id='table-cases']//td[contains(., '{case_id}')]").click()
    listed = wait_text(b, "div-case-views", "网吧IP关系图")
    assert "zhang" in listed and f"{len(nodes(saved))} 个节点" in listed
    shots(b, "4-case-views", "div-case-views")
    b.find_element(By.XPATH, "//*[@id='div-case-views']//button[contains(., '在图谱中打开')]").click()
    wait_text(b, "div-explorer-msg", f"已打开案件 {case_id} 的视图“网吧IP关系图”")
    WebDriverWait(b, WAIT).until(lambda d: canvas(d) == saved)
    shots(b, "5-view-restored")

    # the evidence pack: its report in Chinese, naming the case
    tab(b, "案件")
    wait_text(b, "div-case-views", "网吧IP关系图")
    click(b, "button-case-export")
    pack = wb.downloaded(downloads, f"{case_id}.zip")
    wait_text(b, "div-cases-msg", f"证据包 {case_id}.zip 已导出")
    report = zipfile.ZipFile(pack).read("report.html").decode("utf-8")
    assert case_id in report and "网吧IP串标调查" in report and "证据包" in report
    shots(b, "6-exported", "div-case-detail")
    wb.no_error_messages(b)
    assert "Traceback" not in b.page_source
    actions = [r["action"] for r in cases.connection().execute("SELECT action FROM audit WHERE user = 'zhang'")]
    assert {"case.create", "case.view.save", "case.view.open", "pack.export"} <= set(actions)
    detail = json.loads(
        cases.connection().execute("SELECT detail FROM audit WHERE action = 'case.view.save'").fetchone()[0]
    )
    assert detail["case"] == case_id and detail["nodes"] == len(nodes(saved))
