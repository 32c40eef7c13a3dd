"""Issue 13's last two plants: rings pricing in a regular pattern (Art. 40(4)) and an emergency
repeat supplier, each with its decoys; the detectors fire on the plants and not on the decoys."""

from __future__ import annotations

import numpy as np
import pytest

from bidgraph.citygen.city import generate_city
from bidgraph.detectors import efficiency_anomaly, statutory_presumption
from bidgraph.evaluation.statutory import score_statutory
from bidgraph.graph.snapshot import Snapshot
from bidgraph.loaders.bundle import read_bundle


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("small")
    return generate_city(out, "small", seed=12), read_bundle(out)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    out = tmp_path_factory.mktemp("city")
    return generate_city(out, "city", seed=1), read_bundle(out)


def _valid_prices(bids, lot: str):
    mine = bids[(bids["lot_id"] == lot) & bids["is_valid"].fillna(True).astype(bool)]
    return mine.sort_values("price")


def test_pattern_rings_step_exactly_from_the_winner(small):
    truth, bundle = small
    bids = bundle.tables["bids"]
    items = truth["statutory"]["price_pattern"]
    assert {i["pattern"] for i in items} == {"difference", "ratio"} and len(items) == 6
    for ring in {i["ring"] for i in items}:
        lots = [i for i in items if i["ring"] == ring]
        assert len(lots) == 3 and len({frozenset(i["org_ids"]) for i in lots}) == 1
    for item in items:
        ordered = _valid_prices(bids, item["lot_id"])
        k = len(item["org_ids"])
        assert set(ordered["org_id"].iloc[:k]) == set(item["org_ids"])  # the ring's prices are the cheapest, in a row
        assert ordered["is_winner"].iloc[0]
        prices = ordered["price"].to_numpy()[:k]
        steps = np.diff(prices) if item["pattern"] == "difference" else prices[1:] / prices[:-1]
        tolerance = 0.005 if item["pattern"] == "difference" else 0.02 / prices[0]  # to the fen
        assert np.ptp(steps) <= tolerance, prices


def test_decoy_prices_are_close_or_round_but_no_exact_step(small):
    truth, bundle = small
    bids = bundle.tables["bids"]
    for lot in truth["decoys"]["near_pattern_lots"]:
        low = _valid_prices(bids, lot)["price"].to_numpy()[:3]
        assert 1.0 < abs(low[2] - 2 * low[1] + low[0]) < 0.1 * (low[2] - low[0])
    for lot in truth["decoys"]["round_price_lots"]:
        assert (bids.loc[bids["lot_id"] == lot, "price"] % 1000 == 0).all()


def test_the_price_pattern_rule_finds_the_rings_and_no_decoy(small):
    truth, bundle = small
    found = [
        f.to_json() for f in statutory_presumption.detect(Snapshot(bundle.tables), statutory_presumption.DEFAULTS, 0)
    ]
    report = score_statutory(truth, {"statutory_presumption": found})
    rule = report["rules"]["art40_4_price_pattern"]
    assert (rule["planted"], rule["recall"], rule["precision"]) == (6, 1.0, 1.0)
    for decoy in ("near_pattern_lots", "round_price_lots", "ring_lots"):
        assert report["decoys"][decoy]["flagged"] == 0, decoy
    assert report["rules"]["art40_2_same_agent"]["not_planted"]


def test_an_emergency_repeat_supplier_is_fast_and_flagged_but_not_its_decoys(city):
    truth, bundle = city
    t = bundle.tables
    (item,) = truth["emergency_repeat_supplier"]
    awards = t["lots"].merge(t["contracts"], on="lot_id").set_index("lot_id")
    mine = awards.loc[item["lot_ids"]]
    assert (mine["org_id"] == item["org_id"]).all() and len(mine) == 5
    assert ((mine["signed_on"] - mine["published_on"]).dt.days == 4).all()
    assert ((mine["signed_on"] - mine["opened_on"]).dt.days >= 3).all()  # the publicity is kept
    spread = truth["decoys"]["emergency_spread"][0]
    assert awards.loc[spread["lot_ids"], "org_id"].nunique() == len(spread["lot_ids"]) == 4
    assert not set(item["lot_ids"]) & set(truth["decoys"]["emergency_lots"])
    snapshot = Snapshot(t)
    found = [f.to_json() for f in efficiency_anomaly.detect(snapshot, efficiency_anomaly.DEFAULTS, 0)]
    report = score_statutory(truth, {"efficiency_anomaly": found})
    assert report["schemes"]["emergency_repeat_supplier"]["recall"] == 1.0
    for decoy in ("emergency_spread", "urgent_award", "emergency_lots"):
        assert report["decoys"][decoy]["flagged"] == 0, decoy
