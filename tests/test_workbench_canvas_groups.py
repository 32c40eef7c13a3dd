"""Groups on the canvas without a browser: selected nodes gathered under a named group, the
group collapsed into one node whose links outside are merged with their count, expanded back
where it was dragged, dissolved; kept through a restore in the other language; the tools, the
whole page and every drop-down's own words (search, no match) in one language."""

from __future__ import annotations

import pytest
from test_workbench_language import foreign
from test_workbench_supervision_language import texts
from workbench_world import open_view, tiny_store

from bidgraph.workbench import canvas, canvas_groups
from bidgraph.workbench.callbacks.explorer import canvas_action, open_nodes, open_request
from bidgraph.workbench.canvas_layout import canvas_tools
from bidgraph.workbench.canvas_ops import expand_firms, restore
from bidgraph.workbench.layout import build_layout

FIRMS = {"Organization:A", "Organization:B"}


@pytest.fixture
def hub(tmp_path, tiny_tables):
    """The tiny world's shared IP expanded into its two firms, then A into its relations."""
    data = open_view(tiny_store(tmp_path / "ws", tiny_tables))
    els, _ = open_nodes(data, open_request(["IP:10.0.0.7"]), "zh")
    els, _, _ = expand_firms(data, els, "IP:10.0.0.7", 0, "zh")
    els, _, _ = expand_firms(data, els, "Organization:A", 0, "zh")
    return data, els


def _by_id(elements):
    return {e["data"]["id"]: e for e in elements}


def _act(data, els, trigger, selected, name=None, lang="zh"):
    out, msg = canvas_action(data, trigger, els, set(selected), lang, name)
    return canvas_groups.refold(out, lang), str(msg.children)


def test_a_group_collapses_into_one_node_with_its_links_counted_and_expands_back(hub):
    data, els = hub
    outside = {
        e["data"]["target"] if e["data"]["source"] in FIRMS else e["data"]["source"]
        for e in els
        if "source" in e["data"] and len({e["data"]["source"], e["data"]["target"]} & FIRMS) == 1
    }
    grouped, msg = _act(data, els, "button-group", FIRMS, "甲乙两家")
    assert msg == "已将 2 个节点归入分组“甲乙两家”。"
    group = _by_id(grouped)["group:1"]
    assert group["data"]["label"] == "甲乙两家（2）" and "position" not in group
    assert {_by_id(grouped)[u]["data"]["parent"] for u in FIRMS} == {"group:1"}
    assert canvas.positions(grouped) == canvas.positions(els)  # grouping moves nothing

    folded, msg = _act(data, grouped, "button-collapse", {"Organization:A"})
    assert msg.startswith("已折叠 1 个分组") and canvas_groups.refold(folded, "zh") == folded
    shown = _by_id(folded)
    assert all("folded" in shown[u]["classes"] and "parent" not in shown[u]["data"] for u in FIRMS)
    assert shown["group:1"]["position"] and "collapsed" in shown["group:1"]["classes"]
    summaries = [e["data"] for e in folded if e["data"].get("type") == "GROUPED"]
    assert {d["target"] for d in summaries} == outside and {d["source"] for d in summaries} == {"group:1"}
    to_ip = next(d for d in summaries if d["target"] == "IP:10.0.0.7")
    assert to_ip["props"]["count"] == 2 and to_ip["label"] == "2 条关系"
    assert all("folded" in e["classes"] for e in folded if {e["data"].get("source"), e["data"].get("target")} & FIRMS)

    dragged = [dict(e, position={"x": 900.0, "y": 900.0}) if e["data"]["id"] == "group:1" else e for e in folded]
    opened, msg = _act(data, dragged, "button-expand-group", {"group:1"})
    assert msg == "已展开 1 个分组。"
    assert not [e for e in opened if e["data"].get("type") == "GROUPED" or "folded" in e.get("classes", "")]
    before, after = canvas.positions(grouped), canvas.positions(opened)
    stood = shown["group:1"]["position"]
    assert stood in [before[u] for u in FIRMS]  # in a member's place, not on the hub between them
    for u in FIRMS:  # the members moved with the dragged group, keeping their arrangement
        assert after[u] == {k: before[u][k] + 900.0 - stood[k] for k in ("x", "y")}

    gone, msg = _act(data, opened, "button-ungroup", {"group:1"})
    assert msg.startswith("已取消 1 个分组") and "group:1" not in _by_id(gone)
    assert [e["data"] for e in gone] == [e["data"] for e in els]


def test_group_tools_need_a_selection_and_the_same_actions_give_the_same_canvas(hub):
    data, els = hub
    assert _act(data, els, "button-group", set())[1].startswith("请先在图中选择节点")
    assert _act(data, els, "button-collapse", {"Organization:A"})[1] == "请先选择一个分组（或其中的节点）。"
    once = _act(data, _act(data, els, "button-group", FIRMS)[0], "button-collapse", FIRMS)[0]
    again = _act(data, _act(data, els, "button-group", FIRMS)[0], "button-collapse", FIRMS)[0]
    assert once == again and _by_id(once)["group:1"]["data"]["label"] == "分组1（2）"
    removed, _ = _act(data, once, "button-remove", {"group:1"})
    assert not FIRMS & set(_by_id(removed)) and not [e for e in removed if e["data"].get("type") == "GROUPED"]


def test_a_collapsed_group_comes_back_in_the_other_language_without_what_is_gone(hub):
    data, els = hub
    folded = _act(data, _act(data, els, "button-group", FIRMS, "甲乙")[0], "button-collapse", FIRMS)[0]
    ghost = {"data": {"id": "Organization:GONE", "label": "x", "type": "Organization", "group": "group:2"}}
    empty = {"data": {"id": "group:2", "type": "Group", "name": "空", "collapsed": True}, "position": {"x": 1, "y": 1}}
    back, _ = restore(data, [empty, *folded, ghost], "en")
    shown = _by_id(back)
    assert "group:2" not in shown and "Organization:GONE" not in shown
    assert (
        shown["group:1"]["data"]["label"] == "甲乙 (2)"
        and shown["group:1"]["position"] == _by_id(folded)["group:1"]["position"]
    )
    assert {e["data"]["label"] for e in back if e["data"].get("type") == "GROUPED"} <= {"1 links", "2 links"}
    assert canvas.positions(back) == canvas.positions(folded)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_canvas_tools_speak_one_language(lang):
    shown = texts(canvas_tools(lang))
    assert len(shown) > 20 and foreign(shown, lang) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_whole_page_and_its_dropdowns_own_words_speak_one_language(lang):
    shown = texts(
        build_layout(
            lang, auth_enabled=True, account={"name": "zhang", "role": "investigator", "region": None, "csrf": "x"}
        )
    )
    # data and names: the account's name, a command (bidgraph calibrate), the link to the other language
    words = [w for w in foreign(shown, lang) if w not in ("zhang", "calibrate", "中文")]
    assert len(shown) > 200 and words == []


def _dropdowns(component) -> list:
    children = getattr(component, "children", None)
    kids = children if isinstance(children, list) else [children]
    mine = [component] if type(component).__name__ == "Dropdown" else []
    return mine + [d for c in kids if c is not None and not isinstance(c, str) for d in _dropdowns(c)]


def test_every_dropdown_has_its_own_words_in_the_pages_language():
    page = build_layout(
        "zh", auth_enabled=True, account={"name": "z", "role": "investigator", "region": None, "csrf": "x"}
    )
    found = _dropdowns(page)
    assert len(found) > 20 and [d.id for d in found if (getattr(d, "labels", None) or {}).get("search") != "搜索"] == []
