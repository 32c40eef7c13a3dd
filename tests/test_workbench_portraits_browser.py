"""Portraits in a real headless Chromium over a generated city's real detector output: from a
bid-ring finding to a member firm's portrait (企业画像) and its PDF, then to the project archive
(项目档案) of the ring's lot and its PDF; the PDFs' text is read back with pdftotext. Screenshots
at 1280x800 go to test-artifacts/workbench/ (pt1..pt4)."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import test_workbench_browser as wb
from test_profiles import detected_city
from test_workbench_browser import browser, downloads  # noqa: F401  (fixtures)

from bidgraph.workbench.app import create_app

By, WAIT, WebDriverWait, click, shot, tab, wait_text = (
    wb.By, wb.WAIT, wb.WebDriverWait, wb.click, wb.shot, wb.tab, wb.wait_text
)  # fmt: skip
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def city_server(tmp_path_factory):
    srv = wb.Server(create_app(detected_city(tmp_path_factory.mktemp("portraits"))))
    yield srv
    srv.stop()


def _pdf_text(folder, prefix: str) -> str:
    end = time.time() + WAIT
    while time.time() < end:
        done = [p for p in folder.glob(f"{prefix}*.pdf") if p.stat().st_size > 0]
        if done:
            return subprocess.run(["pdftotext", str(done[0]), "-"], capture_output=True, text=True, check=True).stdout
        time.sleep(0.2)
    raise AssertionError(f"no {prefix}*.pdf downloaded")


def _follow(b, bar_id: str, text: str) -> str:
    """Click the first portrait link in ``bar_id`` whose text holds ``text``; its label."""
    link = WebDriverWait(b, WAIT).until(
        lambda d: next((a for a in d.find_elements(By.CSS_SELECTOR, f"#{bar_id} a") if text in a.text), None)
    )
    label = link.text
    b.execute_script("arguments[0].scrollIntoView({block: 'center'});", link)
    link.click()
    return label


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils' pdftotext")
def test_from_a_finding_to_a_firm_portrait_and_a_project_archive_with_their_pdfs(browser, city_server, downloads):
    b = browser
    b.set_window_size(1280, 800)
    b.get(city_server.url)
    tab(b, "疑点线索")
    WebDriverWait(b, WAIT).until(lambda d: d.find_elements(By.ID, "dropdown-filter-detector"))
    wb.choose(b, "dropdown-filter-detector", "围标团伙")
    b.find_element(By.TAG_NAME, "body").send_keys(wb.Keys.ESCAPE)  # close the multi-select's options
    cells = "#table-findings td[data-dash-column=detector]"
    WebDriverWait(b, WAIT).until(  # the filter applied: only bid rings listed
        lambda d: {c.text for c in d.find_elements(By.CSS_SELECTOR, cells)} == {"围标团伙"}
    )
    cell = b.find_elements(By.CSS_SELECTOR, cells)[0]
    WebDriverWait(b, WAIT).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "[role=option]"))
    b.execute_script("arguments[0].scrollIntoView({block: 'center'});", cell)
    cell.click()
    bar = wait_text(b, "div-portrait-links-finding", "企业画像")
    assert "项目档案" in bar
    b.execute_script(
        "arguments[0].scrollIntoView({block: 'center'});", b.find_element(By.ID, "div-portrait-links-finding")
    )
    shot(b, "pt1-finding-links")

    # the firm's portrait
    firm = _follow(b, "div-portrait-links-finding", "企业画像").split()[-1]
    page = wait_text(b, "div-portrait", f"（{firm}）")
    for heading in ("基本情况", "投标与中标（按年）", "中标时的招标人与代理机构", "同场投标单位", "人员及职务"):
        assert heading in page, heading
    assert "与其他投标人共用的痕迹" in page and "围标团伙" in page and "冒烟指数趋势" in page
    assert "?portrait=firm:" + firm in b.current_url
    assert b.find_element(By.CSS_SELECTOR, "#tabs-main .tab--selected").text == "画像档案"
    shot(b, "pt2-firm-portrait")
    click(b, "button-portrait-pdf")
    wait_text(b, "div-portrait-msg", "已导出")
    text = _pdf_text(downloads, f"bidgraph-firm-{firm}")
    assert "企业画像：" in text and firm in text and "同场投标单位" in text and "中标率" in text

    # back to the finding: the archive of the ring's project
    tab(b, "疑点线索")
    project = _follow(b, "div-portrait-links-finding", "项目档案").split()[-1]
    page = wait_text(b, "div-portrait", f"（{project}）")
    assert "全过程时间线" in page and "立项" in page and "开标" in page and "中标" in page
    b.execute_script("document.getElementById('h-portrait-title').scrollIntoView();")
    shot(b, "pt3-project-archive")
    timeline = next(e for e in b.find_elements(By.CSS_SELECTOR, ".portrait-section") if "全过程时间线" in e.text)
    b.execute_script("arguments[0].scrollIntoView();", timeline)
    shot(b, "pt4-project-timeline")
    click(b, "button-portrait-pdf")
    text = _pdf_text(downloads, f"bidgraph-project-{project}")
    assert "项目档案" in text and project in text and "全过程时间线" in text and "签订合同" in text
    assert not b.find_elements(By.CSS_SELECTOR, ".msg-error")
