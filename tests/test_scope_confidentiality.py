"""Confidentiality of region scope (issue 11): a county user, in the two-county world of
test_cases_world (P1/L1 west, P2/L2 east; ORG1 west, ORG3 east, ORG2 both), sees nothing of the
other county through normal use — the overview, a finding spanning both counties, a case
touching both, its history and its evidence pack — and every refusal and every view of
evidence lands in the audit trail."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from test_cases_world import WEST, clock, finding, load_world, people, store  # noqa: F401
from workbench_world import with_smoke_index

from bidgraph.cases import cases, settings, users
from bidgraph.cases.pack import verify_pack
from bidgraph.cases.scope import OTHER_REGIONS, RegionIndex, Scope
from bidgraph.cases.scoped_store import RegionIndexCache, RegionViews
from bidgraph.errors import NotFound
from bidgraph.graph.api import open_store
from bidgraph.workbench.callbacks.cases import case_detail, export_case_pack
from bidgraph.workbench.callbacks.findings import finding_detail, findings_table
from bidgraph.workbench.callbacks.overview import overview
from bidgraph.workbench.casedesk import CaseDesk
from bidgraph.workbench.data import WorkbenchData

PASSWORD = "Zx9-correct-horse"
# Three detectors, so that the smoke index (workbench_world.SMOKE_PARAMS, one piece per detector) of
# an entity two of them name reaches min_index 40 (1 - 0.73 x 0.82 = 40.1) and of one does not (27).
WEST_RING = finding("F1", "L1", "ORG1", "ORG2")
EAST_RING = {**finding("F2", "L2", "ORG2", "ORG3"), "detector": "shared_personnel"}
# What only the east county may see: its ids, names and the words of its people.
EAST_ONLY = ("ORG3", "GOV2", "P2", "L2", "B3", "B4", "F2", "10.0.0.9", "东区", "杭州丙", "east", "东区证人证言")


def spanning() -> dict:
    """A finding on both counties' lots, naming the east's bidder by id and name everywhere."""
    f = {**finding("F3", "L1", "ORG1", "ORG3"), "detector": "frequent_winner"}
    f["entities"].append({"type": "lot", "id": "L2", "role": "context"})
    f["summary"] = "ORG1 与 ORG3（杭州丙建设有限公司）在标段 L1、L2 使用同一 MAC 地址"
    f["evidence"]["explanation"] = {
        "zh": "杭州丙建设有限公司在 L2 的投标 B4 与 ORG1 共用设备",
        "en": "ORG3 bid B4 on L2",
    }
    f["evidence"]["nodes"] = ["Lot:L1", "Lot:L2", "Organization:ORG3", "Bid:B4", "Bid:B1"]
    f["evidence"]["edges"] = [["Organization:ORG3", "SUBMITTED", "Bid:B4"], ["Bid:B1", "FOR_LOT", "Lot:L1"]]
    f["evidence"]["measured"] = {"bidders": 2, "ORG3": "CC:DD", "lots": ["L1", "L2"]}
    return f


@pytest.fixture
def graph(store, tmp_path):
    load_world(tmp_path / "ws")
    api = open_store(tmp_path / "ws")
    api.save_findings(with_smoke_index([WEST_RING, EAST_RING, spanning()], api.snapshot()))
    return api


def logged_in(graph, store, name: str) -> WorkbenchData:
    """What the callbacks read for ``name`` after logging in (RequestData's view, without a request)."""
    session = users.login(store, name, PASSWORD)
    views = RegionViews(graph, store, lambda: session.user)
    desk = CaseDesk(store, views.regions, lambda: (session.token, session.csrf_token))
    return WorkbenchData(views.store(session.user.region_code), desk)


def shown(value) -> str:
    """Everything a component tree, figure or row list would put on the page, as text."""
    return json.dumps(value, ensure_ascii=False, default=lambda o: o.to_plotly_json())


def leaks(text: str) -> list[str]:
    return [s for s in EAST_ONLY if s in text]


def audited(store, user: str, action: str) -> list[dict]:
    rows = store.connection().execute("SELECT detail FROM audit WHERE user = ? AND action = ?", (user, action))
    return [json.loads(r["detail"]) for r in rows]


def cross_county_case(graph, store, people) -> str:
    """A case on both counties' findings and nodes, worked by both counties."""
    index = RegionIndexCache(graph).get()
    case = cases.create_case(
        store,
        people["city"],
        "跨区围标",
        [WEST_RING, EAST_RING, spanning()],
        nodes=["Organization:ORG1", "Organization:ORG3"],
        index=index,
    )
    cases.add_comment(store, people["east"], case["id"], "东区证人证言：杭州丙与 ORG2 串通")
    cases.transition(store, people["east"], case["id"], "reviewing", "东区证人证言已调取")
    cases.record_feedback(store, people["east"], EAST_RING, "confirmed", "东区证人证言属实", index=index)
    cases.add_comment(store, people["west"], case["id"], "西区开标记录已调取")
    return case["id"]


def test_the_overview_counts_charts_and_ranks_only_the_county(graph, store, people):
    west, city = logged_in(graph, store, "west"), logged_in(graph, store, "city")
    msg, cards, *figures, _, ranking = overview(west, "zh")
    assert not leaks(shown([cards, figures, ranking]))
    assert [c.children[0].children for c in cards] == ["1", "1", "2", "3", "6"]  # F1, F3 and four smoke indexes
    assert shown(figures[1]).count(WEST) and "330108" not in shown(figures)
    assert "西湖区（330106）" in shown(figures[1])  # named from the bundle's regions table
    city_ranked = {r["uid"]: r for r in overview(city, "zh")[-1]}
    # ORG2's city-wide index counts the east's F2; over the west's findings alone it stays under min_index
    assert city_ranked["Organization:ORG2"]["findings"] == 2
    assert {r["uid"] for r in ranking} == {"Lot:L1", "Project:P1", "Organization:ORG1", "Organization:GOV1"}
    assert all("F2" not in json.dumps(f["evidence"]) for f in west.findings())


def test_a_cross_county_finding_shows_only_the_county_part(graph, store, people):
    west = logged_in(graph, store, "west")
    assert "F3" in shown(findings_table(west, "zh")["rows"]) and not leaks(shown(findings_table(west, "zh")))
    panel, elements, _layout = finding_detail(west, "F3", "zh")
    text = shown(panel)
    assert "另有2个其他地区实体" in text and "ORG1" in text and "L1" in text
    assert not leaks(text) and not leaks(shown(elements))
    cut = west.finding("F3")
    assert cut[OTHER_REGIONS] == 2 and {e["id"] for e in cut["entities"]} == {"ORG1", "L1"}
    assert cut["evidence"]["edges"] == [["Bid:B1", "FOR_LOT", "Lot:L1"]] and cut["evidence"]["measured"]["bidders"] == 2
    assert "entities in other regions" in shown(finding_detail(west, "F3", "en")[0])
    whole = logged_in(graph, store, "city").finding("F3")
    assert whole == spanning() or {e["id"] for e in whole["entities"]} == {"ORG1", "ORG3", "L1", "L2"}


def test_a_cross_county_case_page_and_history_show_only_the_county_part(graph, store, people):
    case_id = cross_county_case(graph, store, people)
    west = logged_in(graph, store, "west")
    detail = case_detail(west, case_id, "zh")
    text = shown([detail["panel"], detail["findings"]])
    assert "西区开标记录已调取" in text and "仅显示本地区（330106）部分" in text
    assert not leaks(text), leaks(text)
    case = west.cases.get_case(case_id)
    assert [e["kind"] for e in case["events"]] == ["scope", "create", "comment"]
    assert case["left_out"] == {"findings": 1, "entities": 2, "nodes": 1, "events": 2}
    assert case["region_codes"] == [WEST] and case["nodes"] == ["Organization:ORG1"]
    city = cases.get_case(store, people["city"], case_id)
    assert len(city["events"]) == 4 and "left_out" not in city and len(city["findings"]) == 3


def test_a_county_pack_of_a_cross_county_case_holds_only_its_part_and_says_so(graph, store, people, tmp_path):
    case_id = cross_county_case(graph, store, people)
    name, content = export_case_pack(logged_in(graph, store, "west"), case_id)
    (tmp_path / name).write_bytes(content)
    assert verify_pack(tmp_path / name, store).ok
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        text = " ".join(
            zf.read(n).decode("utf-8-sig") for n in zf.namelist() if n.endswith((".csv", ".html", ".json", ".graphml"))
        )
    assert "F1" in text and "仅显示本地区（330106）部分" in text and "Only the part in region 330106" in text
    assert not leaks(text), leaks(text)
    assert audited(store, "west", "pack.export")[0]["case"] == case_id


def test_the_policy_none_hides_cross_county_cases_from_county_users(graph, store, people):
    case_id = cross_county_case(graph, store, people)
    settings.set_setting(store, people["admin"], "scope.cross_region", "none")
    west = logged_in(graph, store, "west")
    assert west.cases.list_cases() == []
    with pytest.raises(NotFound):
        case_detail(west, case_id, "zh")
    with pytest.raises(NotFound):
        export_case_pack(west, case_id)
    assert len(cases.list_cases(store, people["city"])) == 1
    with pytest.raises(Exception, match="own_part, none"):
        settings.set_setting(store, people["admin"], "scope.cross_region", "all")


def test_every_refusal_is_audited(graph, store, people):
    east_case = cases.create_case(store, people["east"], "东区", [EAST_RING], index=RegionIndexCache(graph).get())
    west = logged_in(graph, store, "west")
    for attempt in (
        lambda: west.api.node("Organization:ORG3"),
        lambda: west.api.expand("Lot:L2"),
        lambda: west.api.subgraph(["Organization:ORG1", "Bid:B4"]),
        lambda: finding_detail(west, "F2", "zh"),
        lambda: case_detail(west, east_case["id"], "zh"),
        lambda: export_case_pack(west, east_case["id"]),
        lambda: cases.add_comment(store, people["west"], east_case["id"], "越权"),
    ):
        with pytest.raises(NotFound):
            attempt()
    denied = audited(store, "west", "denied")
    assert {d.get("node") for d in denied} >= {"Organization:ORG3", "Lot:L2", "Bid:B4"}
    assert {"finding": "F2", "action": "view"} in denied
    assert [d["action"] for d in denied if d.get("case") == east_case["id"]] == ["get_case", "get_case", "add_comment"]
    assert not audited(store, "west", "view")  # nothing was shown


def test_every_view_of_evidence_is_audited(graph, store, people):
    case_id = cross_county_case(graph, store, people)
    west = logged_in(graph, store, "west")
    finding_detail(west, "F3", "zh")
    case_detail(west, case_id, "zh")
    export_case_pack(west, case_id)
    assert audited(store, "west", "view") == [{"finding": "F3"}, {"case": case_id}]
    assert audited(store, "west", "pack.export")[0]["case"] == case_id
    assert not audited(store, "west", "denied")


def test_cut_finding_leaves_city_staff_and_one_county_findings_whole(graph):
    index = RegionIndex(graph.snapshot())
    assert Scope(None).cut_finding(spanning(), index) == spanning()
    assert Scope(WEST).cut_finding(WEST_RING, index) == {**WEST_RING, OTHER_REGIONS: 0}
    cut = Scope(WEST).cut_finding(spanning(), index)
    assert cut["evidence"]["measured"] == {"bidders": 2, "lots": ["L1"]}
    assert "〔其他地区 / other region〕" in cut["summary"] and "L1" in cut["summary"]
