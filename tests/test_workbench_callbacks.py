"""The workbench's behaviour without a browser: the callbacks' plain functions on a real store."""

import io
import json
import zipfile

import networkx as nx
import openpyxl
import pytest
from workbench_world import open_view, tiny_store

from bidgraph.errors import NotFound
from bidgraph.graph.embedded.store import EmbeddedStore
from bidgraph.workbench.callbacks import cart as cart_cb
from bidgraph.workbench.callbacks import explorer as ex
from bidgraph.workbench.callbacks.findings import finding_detail, finding_request, findings_table
from bidgraph.workbench.callbacks.overview import overview
from bidgraph.workbench.callbacks.search import search
from bidgraph.workbench.cart import apply_edits
from bidgraph.workbench.export import export
from bidgraph.workbench.messages import guarded


@pytest.fixture
def data(tmp_path, tiny_tables):
    return open_view(tiny_store(tmp_path / "ws", tiny_tables))


def text_of(component) -> str:
    """All text in a Dash component tree."""
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))


def classes(elements, uid):
    return next(e["classes"].split() for e in elements if e["data"]["id"] == uid)


def test_overview_counts_charts_and_ranking(data):
    msg, cards, by_det, by_region, by_month, by_cat, cols, ranking = overview(data, "zh")
    assert msg is None
    assert "项目" in text_of(cards) and "疑点" in text_of(cards)
    assert [c.children[0].children for c in cards] == ["1", "2", "5", "5", "5"]
    assert set(by_det.data[0].y) == {"共用上传设备/IP", "人员交叉任职", "标王", "冒烟指数"}
    assert list(by_region.data[0].x) == ["杭州市上城区（330102）"]  # GB/T 2260 name beside the code
    # the stored smoke index (workbench_world.SMOKE_PARAMS): B 47.0 from three findings, then A 43.0
    assert [(r["uid"], r["name"], r["score"], r["findings"]) for r in ranking] == [
        ("Organization:B", "乙建筑有限公司", 47.0, 3),
        ("Organization:A", "甲建设工程有限公司", 43.0, 2),
    ]
    assert [c["name"] for c in cols][:3] == ["排名", "类型", "名称"]


def test_overview_in_english(data):
    cards = overview(data, "en")[1]
    assert "Projects" in text_of(cards)


def test_store_down_is_a_message_not_a_traceback(tmp_path):
    down = open_view(EmbeddedStore(tmp_path / "never-loaded"))
    out = guarded(8, 0)(overview)(down, "zh")
    assert "图数据不可用" in text_of(out[0]) and "bidgraph load" in text_of(out[0])
    assert out[0].className == "msg msg-error"


def test_findings_table_filters_and_names_in_chinese(data):
    out = findings_table(data, "zh")
    assert out["count"] == "共 5 条疑点"
    assert {o["value"] for o in out["options"]["detector"]} == {
        "shared_device",
        "shared_personnel",
        "frequent_winner",
        "smoke_index",
    }
    high = findings_table(data, "zh", severities=["high"])
    assert [r["id"] for r in high["rows"]] == ["F-000001"]
    assert high["rows"][0]["detector"] == "共用上传设备/IP" and high["rows"][0]["severity"] == "高"
    assert findings_table(data, "zh", detectors=["frequent_winner"], regions=["999999"])["rows"] == []


def test_finding_detail_shows_rule_measures_thresholds_and_evidence(data):
    panel, elements, _layout = finding_detail(data, "F-000001", "zh")
    text = text_of(panel)
    assert "同一标段的不同投标人从同一IP地址上传投标文件" in text
    assert "共用的投标人数" in text and "最少投标人数 2" in text and "越线" in text  # named, paired, marked
    assert "bidders_sharing" not in text and "min_bidders" not in text and "2 bidders" not in text
    assert "甲建设工程有限公司" in text
    assert "member" in classes(elements, "Organization:A")
    assert "evidence" in classes(elements, "Bid:B1|UPLOADED_FROM|IP:10.0.0.7")
    with pytest.raises(NotFound):
        finding_detail(data, "F-999999", "zh")


def test_finding_opens_in_explorer_with_roles(data):
    request = finding_request(data, "F-000002")
    assert request["focus"] == "Organization:A"
    assert request["roles"]["Person:P1"] == "context"
    elements, msg = ex.open_nodes(data, request, "zh")
    assert msg is None
    assert set(ex.node_ids(elements)) == {"Organization:A", "Organization:B", "Person:P1"}
    assert "focus" in classes(elements, "Organization:A")


def test_search_messages_and_results(data):
    cols, rows, msg = search(data, "   ", "zh")
    assert rows == [] and "请输入" in text_of(msg)
    cols, rows, msg = search(data, "甲建设", "zh")
    assert rows[0]["id"] == "Organization:A" and rows[0]["name"] == "甲建设工程有限公司"
    assert "单位" in rows[0]["type"]
    _, rows, msg = search(data, "不存在的公司名称", "zh")
    assert rows == [] and "没有找到" in text_of(msg)
    assert search(data, "10.0.0.7", "zh")[1][0]["id"] == "IP:10.0.0.7"


def test_hub_expansion_is_capped_and_goes_on_with_more(data):
    elements, _ = ex.open_nodes(data, ex.open_request(["Lot:L1"]), "zh")
    elements, paging, msg = ex.expand(data, elements, "Lot:L1", ["FOR_LOT"], 0, "zh", limit=2)
    assert paging == {"uid": "Lot:L1", "types": ["FOR_LOT"], "offset": 2, "total": 3}
    assert "枢纽" in text_of(msg) and len(ex.node_ids(elements)) == 3
    elements, paging, msg = ex.expand(data, elements, "Lot:L1", ["FOR_LOT"], paging["offset"], "zh", limit=2)
    assert paging["offset"] == 3 and "枢纽" not in text_of(msg)
    assert {"Bid:B1", "Bid:B2", "Bid:B3"} <= set(ex.node_ids(elements))
    _, _, msg = ex.expand(data, elements, "Lot:L1", ["FOR_LOT"], 3, "zh", limit=2)
    assert "没有更多" in text_of(msg)


def test_links_among_nodes_on_screen(data):
    elements, _ = ex.open_nodes(data, ex.open_request(["Organization:A"]), "zh")
    elements, _, _ = ex.expand(data, elements, "Organization:A", None, 0, "zh")
    elements = ex.merge(elements, [ex.node_element(data.api.node("Lot:L1"))])
    before = ex.edge_count(elements)
    elements, msg = ex.links_among(data, elements, "zh")
    assert ex.edge_count(elements) > before  # Bid:B1 FOR_LOT Lot:L1 and Organization:A WON Lot:L1
    assert any(e["data"]["id"] == "Organization:A|WON|Lot:L1" for e in elements)


def test_paths_between_two_ring_members_are_highlighted(data):
    elements, _ = ex.open_nodes(data, ex.open_request(["Organization:A", "Organization:B"]), "zh")
    elements, record, msg = ex.find_paths(data, elements, "Organization:A", "Organization:B", 4, "zh")
    assert "2 条最短路径（2 跳）" in text_of(msg)
    assert {tuple(p) for p in record["paths"]} == {
        ("Organization:A", "Person:P1", "Organization:B"),
        ("Organization:A", "Phone:13800000001", "Organization:B"),
    }
    assert "path" in classes(elements, "Person:P1")
    elements2, record2, msg2 = ex.find_paths(data, elements, "Organization:A", "Organization:C", 1, "zh")
    assert record2 is None and "1 跳以内没有路径" in text_of(msg2)
    with pytest.raises(NotFound):
        ex.find_paths(data, elements, "Organization:A", "Organization:NOPE", 4, "zh")


def test_highlight_a_findings_members(data):
    elements, _ = ex.open_nodes(data, ex.open_request(["Organization:C"]), "zh")
    elements, msg = ex.highlight_finding(data, elements, "F-000003", "zh")
    assert "winner" in classes(elements, "Organization:B")
    elements, msg = ex.highlight_finding(data, elements, "F-000001", "zh")
    assert "member" in classes(elements, "Organization:A") and "winner" not in classes(elements, "Organization:B")


def test_node_details_show_provenance_timeline_and_findings(data):
    d = ex.node_details(data, "Organization:B", "zh")
    text = text_of(d["details"])
    assert "乙建筑有限公司" in text and "fixture.csv" in text and "第 5 行" in text
    assert {o["value"] for o in d["types"]} >= {"SUBMITTED", "WON", "HOLDS_ROLE"}
    assert [o["value"] for o in d["rings"]] == ["F-000001", "F-000002", "F-000003", "F-000004"]
    assert list(d["timeline"].data[0].y) == [2] and list(d["timeline"].data[1].y) == [1]
    ip = ex.node_details(data, "IP:10.0.0.7", "zh")
    assert ip["timeline"] is None and "无单独来源行" in text_of(ip["details"])
    rows = [(text_of(r.children[0]), text_of(r.children[1])) for r in ip["details"].children[1].children]
    assert rows[0] == ("类型", "IP地址") and len(rows) == len(set(rows))  # its kind "ip" not again


def test_unknown_node_is_a_message(data):
    out = guarded(6, 0)(lambda uid, lang: ex.node_details(data, uid, lang))("Organization:NOPE", "zh")
    assert "找不到" in text_of(out[0]) and "NOPE" in text_of(out[0])


def _full_cart(data):
    cart, _ = cart_cb.pin_action(data, [], "node", "Organization:C", "zh", note="第三家")
    elements, _ = ex.open_nodes(data, ex.open_request(["Organization:A", "Organization:B"]), "zh")
    _, record, _ = ex.find_paths(data, elements, "Organization:A", "Organization:B", 4, "zh")
    cart, msg = cart_cb.pin_action(data, cart, "path", record, "zh", note="共同法人")
    cart, _ = cart_cb.pin_action(data, cart, "finding", "F-000001", "zh", note="同一IP")
    return cart, msg


def test_pinning_and_editing_the_cart(data):
    cart, msg = _full_cart(data)
    assert [i["kind"] for i in cart] == ["node", "path", "finding"] and "已加入证据篮" in text_of(msg)
    assert cart[1]["title"].startswith("甲建设工程有限公司 → ")
    again, _ = cart_cb.pin_action(data, cart, "node", "Organization:C", "zh", note="")
    assert again == cart  # pinned once; an empty note keeps the old one
    same, warn = cart_cb.pin_action(data, cart, "path", None, "zh")
    assert same == cart and "请先查找路径" in text_of(warn)
    cols, rows, elements, msg = cart_cb.cart_view(data, cart, "zh")
    assert [r["kind"] for r in rows] == ["节点", "路径", "疑点"]
    assert "member" in classes(elements, "Organization:A")
    rows[0]["note"] = "改过的备注"
    edited = apply_edits(cart, [rows[0], rows[2]])
    assert [i["id"] for i in edited] == ["node:Organization:C", "finding:F-000001"] and edited[0][
        "note"
    ] == "改过的备注"


def test_exports_hold_nodes_edges_bids_and_notes(data):
    cart, _ = _full_cart(data)
    name, body = export(data.api, cart, "xlsx")
    assert name.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["cart", "nodes", "edges", "bids"]
    nodes = [r[0] for r in book["nodes"].iter_rows(min_row=2, values_only=True)]
    assert {"Organization:A", "Organization:B", "Person:P1", "IP:10.0.0.7"} <= set(nodes)
    assert {r[0] for r in book["bids"].iter_rows(min_row=2, values_only=True)} == {"B1", "B2", "B3", "B4", "B5"}
    assert "共同法人" in [r[3] for r in book["cart"].iter_rows(min_row=2, values_only=True)]
    name, body = export(data.api, cart, "csv")
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        assert sorted(zf.namelist()) == ["bids.csv", "cart.csv", "edges.csv", "nodes.csv"]
        assert "甲建设工程有限公司" in zf.read("nodes.csv").decode("utf-8-sig")
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        name, body = export(data.api, cart, fmt)
        g = reader(io.BytesIO(body))
        assert g.has_node("Organization:A") and g.nodes["Organization:A"]["caption"] == "甲建设工程有限公司"
        assert g.nodes["Organization:C"]["note"] == "第三家"
        assert g.has_edge("Person:P1", "Organization:A")
    name, body = export(data.api, cart, "json")
    doc = json.loads(body)
    assert {i["note"] for i in doc["cart"]} == {"第三家", "共同法人", "同一IP"}
    assert any(e["type"] == "HOLDS_ROLE" for e in doc["edges"]) and len(doc["bids"]) == 5
    with pytest.raises(ValueError, match="unknown export format"):
        export(data.api, cart, "pdf")


def test_large_views_drop_edge_labels_but_keep_them_on_selection():
    from bidgraph.workbench.styles import stylesheet

    small, large = stylesheet(10), stylesheet(300)
    assert not any(r["selector"] == "edge:selected" for r in small)
    assert {"selector": "edge", "style": {"label": ""}} in large
    assert any(r["selector"] == "node.member" and r["style"]["border-color"] == "#c00000" for r in large)
