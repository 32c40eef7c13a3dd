"""The rest of the supervision loop in a real headless Chromium, on a generated city with the
detectors' real output (issue 15): an office through a random inspection (pool → seed shown
and audited → draw → list → result → published on the public page → repeat from the seed), a
challenge taken in, transferred, answered by the department and turned into a case, and a
warning ticked on the findings page sent to a department, answered, checked 整改到位 and
closed, plus a batch by rule. Screenshots go to test-artifacts/workbench/ (loop-*.png)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from test_cases_world import PASSWORD, Clock
from test_workbench_browser import (  # noqa: F401
    WAIT,
    By,
    Keys,
    Server,
    WebDriverWait,
    browser,
    click,
    downloads,
    no_error_messages,
    shot,
    tab,
    wait_text,
)
from test_workbench_supervision_browser import _login
from workbench_world import detected_city

from bidgraph.cases import audit, batches, departments, inspections
from bidgraph.cases.db import CasesStore
from bidgraph.cases.users import User, add_user
from bidgraph.cases.workdays import Calendar
from bidgraph.workbench.app import create_app
from bidgraph.workbench.auth import Auth
from bidgraph.workbench.i18n import name

pytestmark = pytest.mark.browser

DEPT_PASSWORD = "dept-password-1"
SHA = "ab" * 32


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """A small generated city, loaded, with the whole detector batch stored."""
    return detected_city(tmp_path_factory.mktemp("loop"))


@pytest.fixture
def office(tmp_path, city, browser):
    """The cases store on 2026-10-20 with an office (investigators "office" and "inspector2"),
    a city-wide department with its account, and the workbench served with the public page."""
    clock = Clock(datetime(2026, 10, 20, 1, 0, tzinfo=UTC))
    store = CasesStore(tmp_path / "cases", clock=clock)
    setup = User("setup", "admin", None)
    admin = add_user(store, setup, "admin", PASSWORD, "admin", None)
    for who in ("office", "inspector2"):
        add_user(store, setup, who, PASSWORD, "investigator", None)
    dep = departments.add_department(store, admin, "市住建局", "industry_regulator")
    departments.add_department_user(store, admin, dep["id"], "dept", DEPT_PASSWORD)
    srv = Server(create_app(city, auth=Auth(store), public=True))
    browser.set_window_size(1280, 800)  # the screenshots at the size the pages are made for
    srv.store, srv.graph, srv.department = store, city, dep
    yield srv
    srv.stop()


def _as(b, server, who: str, page: str | None = None) -> None:
    """Log in as ``who`` (the department's account or an office one) and open ``page``."""
    _login(b, server.url, who, DEPT_PASSWORD if who == "dept" else PASSWORD)
    wait_text(b, "span-user", who)
    if page:
        tab(b, page)


def _entries(store, action: str) -> list[dict]:
    rows = store.connection().execute("SELECT seq, action, detail FROM audit WHERE action = ? ORDER BY seq", (action,))
    return [{"seq": r["seq"], **json.loads(r["detail"])} for r in rows]


def choose(driver, dropdown_id: str, text: str) -> None:
    """Pick the option containing ``text`` in a Dash dropdown (single or multi)."""
    click(driver, dropdown_id)
    try:
        option = WebDriverWait(driver, WAIT).until(
            lambda d: next((o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]") if text in o.text), None)
        )
    except Exception as exc:
        shot(driver, f"failed-{dropdown_id}")
        shown = [o.text for o in driver.find_elements(By.CSS_SELECTOR, "[role=option]")]
        raise AssertionError(f"#{dropdown_id} offers no {text!r}: {shown}") from exc
    option.click()
    WebDriverWait(driver, WAIT).until(lambda d: text in d.find_element(By.ID, dropdown_id).text)
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)  # close the menu


def typed(driver, element_id: str, text: str) -> None:
    el = driver.find_element(By.ID, element_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
    el.send_keys(Keys.CONTROL, "a")
    el.send_keys(Keys.DELETE)  # clear() leaves a Dash input's value behind
    el.send_keys(text)


def _cell(driver, table_id: str, text: str):
    return WebDriverWait(driver, WAIT).until(
        lambda d: next((c for c in d.find_elements(By.CSS_SELECTOR, f"#{table_id} td") if c.text.strip() == text), None)
    )


def test_an_office_through_a_random_inspection(browser, office):
    b, store = browser, office.store
    _as(b, office, "office", "双随机抽查")
    wait_text(b, "div-insp-msg", "暂无抽查记录")
    choose(b, "dropdown-insp-region", "360102")
    choose(b, "dropdown-insp-officers", "office")
    choose(b, "dropdown-insp-officers", "inspector2")
    typed(b, "input-insp-n", "3")
    click(b, "button-insp-draw")
    wait_text(b, "div-insp-announced", "请先生成并登记随机种子")  # no draw without an announced seed
    assert not inspections.list_inspections(store, User("admin", "admin", None))

    click(b, "button-insp-announce")
    shown = wait_text(b, "div-insp-announced", "已登记")
    (announced,) = _entries(store, "inspect.announce")
    assert str(announced["seed"]) in shown and announced["pool_sha256"] in shown
    assert announced["filters"] == {"region": "360102"} and announced["n"] == 3
    assert not _entries(store, "inspect.draw")  # shown and recorded before anything is drawn
    shot(b, "loop-i1-seed-announced")

    click(b, "button-insp-draw")
    drawn = wait_text(b, "div-insp-announced", "I-000001 已抽取")
    (draw,) = _entries(store, "inspect.draw")
    assert draw["seed"] == announced["seed"] and draw["seq"] > announced["seq"]
    projects = city_projects(office.graph, "360102")
    assert (
        draw["items"] == inspections.repeat_draw(announced["seed"], projects, 3, ["inspector2", "office"], 2)["items"]
    )
    assert all(item in drawn for item in draw["items"])
    _cell(b, "table-inspections", "I-000001").click()
    wait_text(b, "div-inspection-detail", str(announced["seed"]))
    item = draw["items"][0]
    choose(b, "dropdown-insp-item", item)
    choose(b, "dropdown-insp-result", "未发现问题")
    typed(b, "input-insp-note", "资料齐全，现场核查无异常")
    click(b, "button-insp-record")
    publish_by = Calendar().add(date(2026, 10, 20), 5).isoformat()
    wait_text(b, "div-insp-step-msg", f"应于 {publish_by} 前公示")
    wait_text(b, "div-inspection-detail", "资料齐全")
    click(b, "button-insp-repeat")
    wait_text(b, "div-insp-step-msg", "复现结果与登记名单一致")
    no_error_messages(b)
    shot(b, "loop-i2-drawn-recorded")
    click(b, "button-insp-draw")
    wait_text(b, "div-insp-announced", "请先生成并登记随机种子")  # the seed was spent on its draw

    b.get(office.url + "?lang=en")  # the same page in English
    tab(b, "Random inspections")
    header = wait_text(b, "table-inspections", "Seed")
    assert "随机" not in header and "项目" not in header
    _cell(b, "table-inspections", "I-000001").click()
    detail = wait_text(b, "div-inspection-detail", f"publish by {publish_by}")
    assert "未" not in detail and "no problem found (资料齐全" in detail  # the note is the officer's own words
    shot(b, "loop-i2-english")

    b.get(office.url + "public?lang=zh")  # the same day, within the 5 working days
    results = wait_text(b, "table-public-results", item)
    b.execute_script("document.getElementById('table-public-results').scrollIntoView()")
    assert "I-000001" in results and "未发现问题" in results and "资料齐全" not in results
    regions = b.find_element(By.ID, "table-public-regions").text
    assert "临江市城关区（360102）" in regions  # named by the bundle's regions table
    assert "office" not in b.find_element(By.TAG_NAME, "body").text  # no officer's name
    shot(b, "loop-i3-public")


def city_projects(graph, region: str) -> list[str]:
    projects = graph.snapshot()["projects"]
    return sorted(projects.loc[projects["region_code"].astype(str) == region, "project_id"].astype(str))


def _lot_finding(graph) -> tuple[str, dict]:
    """A warning naming a lot (not the ranking), and the lot."""
    for f in graph.findings():
        lots = [e["id"] for e in f["entities"] if e["type"] == "lot"]
        if f["detector"] != "smoke_index" and lots:
            return lots[0], f
    raise AssertionError("the city has no warning on a lot")


def test_a_challenge_taken_in_transferred_answered_and_turned_into_a_case(browser, office):
    b, store = browser, office.store
    lot, finding = _lot_finding(office.graph)
    _as(b, office, "office", "投诉质疑")
    wait_text(b, "div-complaint-msg", "暂无投诉质疑事项")
    typed(b, "input-complaint-target", lot)
    typed(b, "input-complaint-received", "2026-09-24")  # Thu before 中秋 and 国庆, with 调休 on Sat 10 Oct
    typed(b, "textarea-complaint-grounds", "评标委员会未按招标文件规定的标准评审")
    typed(b, "textarea-complaint-docs", SHA)
    click(b, "button-complaint-add")
    wait_text(b, "div-complaint-add-msg", "Q-000001 已受理，答复期限 2026-10-12")
    row = _cell(b, "table-complaints", "Q-000001")
    assert row.value_of_css_property("background-color").replace(" ", "") in ("rgba(253,226,226,1)", "rgb(253,226,226)")
    wait_text(b, "div-complaint-detail", "登记材料")
    choose(b, "dropdown-complaint-department", "市住建局")
    click(b, "button-complaint-transfer")
    wait_text(b, "div-complaint-step-msg", "Q-000001 已转办至市住建局")
    wait_text(b, "div-complaint-detail", "转办：市住建局")
    wait_text(b, "table-complaints", "已转办")
    shot(b, "loop-c1-transferred")

    _as(b, office, "dept", "投诉质疑")
    _cell(b, "table-complaints", "Q-000001").click()
    wait_text(b, "div-complaint-detail", "评标委员会")
    assert not b.find_element(By.ID, "button-complaint-transfer").is_displayed()
    assert not b.find_element(By.ID, "button-complaint-add").is_displayed()
    click(b, "button-complaint-reply")
    wait_text(b, "div-complaint-step-msg", "答复内容不能为空")  # beside the form, in the page language
    typed(b, "textarea-complaint-reply", "经复核，评审符合招标文件规定，质疑不成立")
    click(b, "button-complaint-reply")
    wait_text(b, "div-complaint-step-msg", "Q-000001 已答复")
    assert b.find_element(By.ID, "textarea-complaint-reply").get_attribute("value") == ""
    wait_text(b, "div-complaint-detail", "逾期答复")
    shot(b, "loop-c2-department-replied")

    _as(b, office, "office", "投诉质疑")
    _cell(b, "table-complaints", "Q-000001").click()
    wait_text(b, "div-complaint-detail", "质疑不成立")
    typed(b, "input-complaint-findings", finding["id"])
    click(b, "button-complaint-link")
    wait_text(b, "div-complaint-step-msg", "已关联 1 条线索")
    assert (
        b.find_element(By.ID, "input-complaint-findings").get_attribute("value") == finding["id"]
    )  # kept for the case
    click(b, "button-complaint-case")
    msg = wait_text(b, "div-complaint-step-msg", "已转为案件")
    wait_text(b, "div-complaint-detail", f"关联线索：{finding['id']}")
    wait_text(b, "div-complaint-detail", "转为案件：C-")
    no_error_messages(b)
    shot(b, "loop-c3-case")
    case_id = msg.split("案件 ")[1].rstrip("。")

    # the case sent to the department from the 督办 page
    tab(b, "督办")
    choose(b, "dropdown-send-kind", "案件")
    choose(b, "dropdown-send-case", case_id)
    choose(b, "dropdown-send-department", "市住建局")
    choose(b, "dropdown-send-action", "核实")
    click(b, "button-send")
    wait_text(b, "div-send-msg", "D-000001 已推送至市住建局")
    wait_text(b, "table-dispatch", f"案件 {case_id}")
    kinds = [e["action"] for e in audit_entries(store) if e["action"].startswith("complaint.")]
    assert kinds == [
        "complaint.add",
        "complaint.documents",
        "complaint.transfer",
        "complaint.reply",
        "complaint.link",
        "complaint.case",
    ]
    assert [e["case"] for e in audit_entries(store) if e["action"] == "dispatch.send"] == [case_id]


def audit_entries(store) -> list[dict]:
    rows = store.connection().execute("SELECT seq, action, detail FROM audit ORDER BY seq")
    return [{**json.loads(r["detail"]), "seq": r["seq"], "action": r["action"]} for r in rows]


def test_a_warning_sent_from_the_findings_page_answered_checked_and_closed(browser, office):
    b, store = browser, office.store
    _as(b, office, "office", "疑点线索")
    wait_text(b, "div-findings-count", "条疑点")
    box = WebDriverWait(b, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#table-findings td input"))[0]
    box.click()
    tab(b, "督办")
    WebDriverWait(b, WAIT).until(lambda d: d.find_element(By.ID, "input-send-findings").get_attribute("value"))
    fid = b.find_element(By.ID, "input-send-findings").get_attribute("value")
    assert fid.startswith("F-") and " " not in fid
    choose(b, "dropdown-send-department", "市住建局")
    choose(b, "dropdown-send-action", "整改")
    typed(b, "input-send-days", "5")
    shot(b, "loop-d1-send")
    click(b, "button-send")
    due = Calendar().add(date(2026, 10, 20), 5).isoformat()
    wait_text(b, "div-send-msg", f"D-000001 已推送至市住建局，期限 {due}")
    wait_text(b, "table-dispatch", "D-000001")

    # a batch by rule: every warning of one kind for the tenderer of that warning
    graph = office.graph
    finding = next(f for f in graph.findings() if f["id"] == fid)
    tenderer = sorted(batches.finding_tenderers(finding, graph.snapshot()))[0]
    expected = batches.select_findings(graph.findings(), graph.snapshot(), finding["detector"], tenderer=tenderer)
    choose(b, "dropdown-send-kind", "按规则批量")
    choose(b, "dropdown-send-detector", name("detector", finding["detector"], "zh"))
    typed(b, "input-send-tenderer", tenderer)
    choose(b, "dropdown-send-action", "核实")
    click(b, "button-send")
    wait_text(b, "div-send-msg", f"批量推送 B-000001：{len(expected)} 项")
    (batch,) = _entries(store, "dispatch.batch")
    assert batch["rule"] == {"detector": finding["detector"], "tenderer": tenderer}
    assert len(batch["items"]) == len(expected)

    _as(b, office, "dept")
    _cell(b, "table-dispatch", "D-000001").click()
    wait_text(b, "div-dispatch-detail", fid)
    assert not b.find_element(By.ID, "button-send").is_displayed()
    typed(b, "textarea-dispatch-result", "已责令整改并复查，附整改报告")
    typed(b, "textarea-dispatch-sha", SHA)
    click(b, "button-dispatch-reply")
    wait_text(b, "div-dispatch-msg", "D-000001 已答复")

    _as(b, office, "office", "督办")
    _cell(b, "table-dispatch", "D-000001").click()
    wait_text(b, "div-dispatch-detail", "已责令整改")
    typed(b, "input-dispatch-reason", "现场核查整改到位")
    click(b, "button-dispatch-rectified")
    wait_text(b, "div-dispatch-msg", "整改到位")
    typed(b, "input-dispatch-reason", "整改到位，办结")
    click(b, "button-dispatch-close")
    wait_text(b, "div-dispatch-msg", "D-000001 已办结")
    no_error_messages(b)
    shot(b, "loop-d2-closed")
    steps = [e["action"] for e in audit_entries(store) if e.get("item") == "D-000001"]
    assert steps == ["dispatch.send", "dispatch.reply", "dispatch.check", "dispatch.close"]
