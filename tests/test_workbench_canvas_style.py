"""Size and colour by a stored property (smoke index, wins) and the lot-opening-date window:
style rules over the canvas, read from the stored ranking and bids, nothing recomputed and no
element deleted."""

from __future__ import annotations

import pandas as pd
from workbench_world import open_view, tiny_store

from bidgraph.graph import firm_view
from bidgraph.workbench import canvas_style as cs
from bidgraph.workbench.callbacks.explorer import open_nodes, open_request
from bidgraph.workbench.canvas_ops import expand_firms, open_behind


def _two_months(tables: dict) -> dict:
    lots = tables["lots"].copy()
    lots.loc[lots["lot_id"] == "L2", "opened_on"] = pd.Timestamp("2024-07-01")
    return {**tables, "lots": lots}


def _canvas(data) -> list[dict]:
    """A, its firm-level relations, then B's, and the bids and lots behind A–B and B–C."""
    els, _ = open_nodes(data, open_request(["Organization:A"]), "zh")
    els, _, _ = expand_firms(data, els, "Organization:A", 0, "zh")
    els, _, _ = expand_firms(data, els, "Organization:B", 0, "zh")
    for pair in ("Organization:A|CO_BID|Organization:B", "Organization:B|CO_BID|Organization:C"):
        els, _ = open_behind(data, els, next(e["data"] for e in els if e["data"]["id"] == pair), "zh")
    return els


def _hidden(rules: list[dict]) -> set[str]:
    return {r["selector"].split('"')[1] for r in rules if r["style"] == {"display": "none"} and '"' in r["selector"]}


def test_the_time_window_hides_bids_lots_and_co_bidding_of_other_months_only(tmp_path, tiny_tables):
    data = open_view(tiny_store(tmp_path / "ws", _two_months(tiny_tables)))
    els = _canvas(data)
    march, july = cs.month_number("2024-03"), cs.month_number("2024-07")
    assert cs.month_span(data.api) == (march, july) and cs.month_name(july) == "2024-07"
    assert cs.slider_marks((march, july)) == {march: "2024-03", july: "2024-07"}

    in_march = _hidden(cs.time_rules(data.api, els, (march, march)))
    assert in_march == {"Lot:L2", "Bid:B4", "Bid:B5"}  # B–C bid together in March too: kept
    in_july = _hidden(cs.time_rules(data.api, els, (july, july)))
    only_l1 = {e["data"]["id"] for e in els if (e["data"].get("props") or {}).get("lots") == ["L1"]}
    assert {"Organization:A|CO_BID|Organization:C", "Organization:A|USED_IP|IP:10.0.0.7"} <= only_l1
    assert in_july == {"Lot:L1", "Bid:B1", "Bid:B2", "Bid:B3"} | only_l1
    rules, hidden = cs.canvas_stylesheet(data, els, "none", [july, july], (march, july))
    assert hidden == len(in_july) and _hidden(rules) == in_july
    rules, hidden = cs.canvas_stylesheet(data, els, "none", [march, july], (march, july))
    assert hidden is None and not _hidden(rules)


def test_nodes_are_sized_and_coloured_by_stored_wins_and_smoke_index(tmp_path, tiny_tables):
    data = open_view(tiny_store(tmp_path / "ws", tiny_tables))
    assert firm_view.firm_wins(data.api) == {"Organization:A": 1, "Organization:B": 1}
    assert firm_view.firm_wins(data.api, ["Organization:A", "IP:10.0.0.7", "Organization:C"]) == {"Organization:A": 1}
    on_screen = ["Organization:A", "Organization:B", "Organization:C", "Person:P1"]
    assert cs.values(data, "wins", on_screen) == {"Organization:A": 1.0, "Organization:B": 1.0}
    ranked = {r["uid"]: r["index"] for r in data.ranking()}
    smoke = cs.values(data, "smoke", on_screen)
    assert smoke and smoke == {u: float(ranked[u]) for u in on_screen if ranked.get(u)}
    rules = cs.size_rules({"Organization:A": 80.0, "Organization:B": 20.0})
    big, small = (r["style"] for r in rules)
    assert (big["width"], big["background-color"]) == (cs.LARGE, "#b30000")
    assert small["width"] == cs.SMALL + (cs.LARGE - cs.SMALL) / 4
    assert cs.values(data, "none", on_screen) == {} and cs.size_rules({}) == []
