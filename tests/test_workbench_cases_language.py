"""The case page in one language: a case's findings read with their explanation in the page's
language, not the detectors' English ``summary`` (issue 12: "the case page shows finding
summaries in English in the Chinese UI")."""

from __future__ import annotations

import re

from test_cases_world import clock, finding, people, store, world_tables  # noqa: F401
from test_workbench_canvas_case import desk_for  # noqa: F401  (fixture)

from bidgraph.cases import cases
from bidgraph.cases.scope import RegionIndex
from bidgraph.workbench.callbacks.cases import case_detail

ENGLISH_SUMMARY = "2 bidders on lot L1 uploaded their bids from the same MAC address"
WORD = re.compile(r"(?<![A-Za-z0-9_.:/@-])[a-z]{3,}(?![A-Za-z0-9_.:/@-])")


def _strings(component) -> list[str]:
    if isinstance(component, str):
        return [component]
    children = getattr(component, "children", component if isinstance(component, list) else None)
    return [s for child in (children if isinstance(children, list) else [children]) for s in _strings(child)]


def _findings_text(panel) -> str:
    """What the panel shows of the case's findings (its first list; the views come later)."""
    lists = [c for c in panel.children if type(c).__name__ == "Ul"]
    return " ".join(_strings(lists[0]))


def test_a_cases_findings_read_in_the_pages_language(desk_for, store, people):  # noqa: F811
    found = [dict(finding("F1", "L1", "ORG1", "ORG2"), summary=ENGLISH_SUMMARY)]
    case_id = cases.create_case(store, people["city"], "西区围标", found, index=RegionIndex(world_tables()))["id"]
    city = desk_for("city")

    zh = _findings_text(case_detail(city, case_id, "zh")["panel"])
    assert "2 家共用 MAC AA:BB" in zh
    assert ENGLISH_SUMMARY not in zh and WORD.findall(zh) == []

    en = _findings_text(case_detail(city, case_id, "en")["panel"])
    assert "2 share MAC AA:BB" in en and "共用" not in en


def test_a_pinned_finding_a_case_may_be_opened_from_reads_in_the_pages_language():
    from bidgraph.workbench.cart import finding_item

    found = dict(finding("F1", "L1", "ORG1", "ORG2"), summary=ENGLISH_SUMMARY)
    assert finding_item(found, lang="zh")["title"] == "F1 2 家共用 MAC AA:BB"
    assert finding_item(found, lang="en")["title"] == "F1 2 share MAC AA:BB"
