"""A ring's evidence graph shows its scheme: lots by date, who won each and who covered."""

from __future__ import annotations

from test_workbench_callbacks import text_of

from bidgraph.workbench.scheme_graph import has_rotation, ring_elements, rotation_table

RING = {
    "id": "F-1",
    "detector": "bid_ring",
    "entities": [{"type": "company", "id": o, "role": "member"} for o in ("A", "B", "C")],
    "evidence": {
        "members": ["A", "B", "C"],
        "rotation": [
            {"lot_id": "L2", "opened_on": "2025-03-01", "winner": "A", "members_bidding": ["A", "B", "C"]},
            {"lot_id": "L1", "opened_on": "2025-05-01", "winner": "B", "members_bidding": ["A", "B"]},
            {"lot_id": "L3", "opened_on": "2025-07-01", "winner": "X", "members_bidding": ["B", "C"]},
        ],
    },
}
CAPTIONS = {"Organization:A": "甲公司", "Organization:B": "乙公司", "Organization:X": "外来公司"}


def _edges(elements: list[dict], kind: str) -> set[tuple[str, str]]:
    return {(e["data"]["source"], e["data"]["target"]) for e in elements if e["data"].get("type") == kind}


def test_wins_and_cover_bids_are_separate_edges():
    elements = ring_elements(RING, CAPTIONS, "zh")
    assert _edges(elements, "won") == {
        ("Organization:A", "Lot:L2"),
        ("Organization:B", "Lot:L1"),
        ("Organization:X", "Lot:L3"),
    }
    assert _edges(elements, "cover") == {
        ("Organization:B", "Lot:L2"),
        ("Organization:C", "Lot:L2"),
        ("Organization:A", "Lot:L1"),
        ("Organization:B", "Lot:L3"),
        ("Organization:C", "Lot:L3"),
    }
    assert {e["data"]["label"] for e in elements if e["data"].get("type") == "cover"} == {"陪标"}


def test_lots_stand_left_to_right_by_date_members_below_outsiders_above():
    at = {e["data"]["id"]: e["position"] for e in ring_elements(RING, CAPTIONS, "en") if "position" in e}
    assert at["Lot:L2"]["x"] < at["Lot:L1"]["x"] < at["Lot:L3"]["x"]
    assert {at[f"Organization:{m}"]["y"] for m in "ABC"} == {240}
    assert at["Organization:X"]["y"] < at["Lot:L2"]["y"] == 0
    assert ring_elements(RING, CAPTIONS, "en") == ring_elements(RING, CAPTIONS, "en")  # same finding, same picture


def test_the_rotation_table_names_the_members_and_who_won():
    text = text_of(rotation_table(RING, CAPTIONS, "zh"))
    assert text.split()[:6] == ["开标日期", "标段", "甲公司", "乙公司", "C", "外部中标人"]
    assert "2025-03-01 L2 中标 陪标 陪标" in text
    assert "2025-07-01 L3 — 陪标 陪标 外来公司" in text
    assert "won covered" in text_of(rotation_table(RING, CAPTIONS, "en"))


def test_only_findings_with_a_rotation_get_the_scheme_view():
    assert has_rotation(RING)
    assert not has_rotation({"evidence": {"nodes": ["Organization:A"]}})
