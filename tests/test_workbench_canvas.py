"""The canvas without a browser: deterministic placement that keeps what is on screen, the
selection's tools, firm-level expansion with paging, and a kept canvas restored in the other
language."""

from __future__ import annotations

from workbench_world import open_view, tiny_store

from bidgraph.workbench import canvas
from bidgraph.workbench.callbacks.explorer import open_nodes, open_request
from bidgraph.workbench.canvas_ops import expand_firms, open_behind, restore


def _positions(elements):
    return canvas.positions(elements)


def test_expanding_places_new_nodes_beside_the_parent_and_moves_nothing(tmp_path, tiny_tables):
    data = open_view(tiny_store(tmp_path / "ws", tiny_tables))
    first, _ = open_nodes(data, open_request(["IP:10.0.0.7"]), "zh")
    moved = [dict(e, position={"x": 500.0, "y": -40.0}) if "source" not in e["data"] else e for e in first]
    after, paging, _ = expand_firms(data, moved, "IP:10.0.0.7", 0, "zh")
    assert _positions(after)["IP:10.0.0.7"] == {"x": 500.0, "y": -40.0}  # the dragged hub stays
    assert paging["total"] == 2 and {e["data"].get("type") for e in after} >= {"USED_IP"}
    near = _positions(after)["Organization:A"]
    assert abs(near["x"] - 500) <= canvas.FIRST_RING + 1 and abs(near["y"] + 40) <= canvas.FIRST_RING + 1
    again, _, _ = expand_firms(data, moved, "IP:10.0.0.7", 0, "zh")
    assert again == after  # the same actions give the same picture


def test_hide_remove_pin_and_the_edge_behind(tmp_path, tiny_tables):
    data = open_view(tiny_store(tmp_path / "ws", tiny_tables))
    els, _, _ = expand_firms(
        data, open_nodes(data, open_request(["Organization:A"]), "zh")[0], "Organization:A", 0, "zh"
    )
    assert "hidden" in next(e for e in canvas.hide(els, {"Person:P1"}) if e["data"]["id"] == "Person:P1")["classes"]
    gone = canvas.remove(els, {"Person:P1"})
    assert not [e for e in gone if "Person:P1" in (e["data"]["id"], e["data"].get("source"))]
    assert next(e for e in canvas.pin(els, {"Person:P1"}) if e["data"]["id"] == "Person:P1")["locked"] is True
    assert canvas.neighbours(els, {"Person:P1"}) == {"Person:P1", "Organization:A"}
    co_bid = next(e["data"] for e in els if e["data"].get("type") == "CO_BID")
    assert co_bid["label"].startswith("共同投标1个标段")
    opened, _ = open_behind(data, els, co_bid, "zh")
    assert {"Bid:B1", "Bid:B2", "Lot:L1"} <= {e["data"]["id"] for e in opened}


def test_a_kept_canvas_comes_back_in_the_other_language_without_what_is_gone(tmp_path, tiny_tables):
    data = open_view(tiny_store(tmp_path / "ws", tiny_tables))
    els, _, _ = expand_firms(
        data, open_nodes(data, open_request(["Organization:A"]), "zh")[0], "Organization:A", 0, "zh"
    )
    ghost = {"data": {"id": "Organization:GONE", "label": "x", "caption": "x", "type": "Organization"}, "classes": ""}
    back, _ = restore(data, [*els, ghost], "en")
    assert _positions(back) == _positions(els)
    labels = [e["data"]["label"] for e in back if "source" in e["data"]]
    assert "Organization:GONE" not in _positions(back)
    assert not any("\u4e00" <= ch <= "\u9fff" for label in labels for ch in label)


def test_a_node_dropdown_offers_the_chosen_node_and_the_first_fifty_then_says_to_type():
    from bidgraph.workbench.elements import first_options

    options = [{"label": f"[单位] 第{i:02d}号", "value": f"Organization:F{i:02d}"} for i in range(60)]
    first = first_options(options, "Organization:F59", "……另有 {n} 个节点未列出")
    assert first[0]["value"] == "Organization:F59" and [o["value"] for o in first[1:51]] == [
        o["value"] for o in options[:50]
    ]
    assert first[-1] == {"label": "……另有 9 个节点未列出", "value": "…", "disabled": True}
    assert first_options(options[:10], None, "{n}") == options[:10]
