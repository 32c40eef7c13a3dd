"""bid_ring on a hand-made district: two planted rings found exactly, the decoy county not."""

import numpy as np
import pytest
from bidding_worlds import COUNTY, QUIET, RING, _Builder, market_world

from bidgraph.detectors import bid_ring
from bidgraph.detectors.core.settings import load_settings

PARAMS = load_settings()["bid_ring"]


@pytest.fixture(scope="module")
def findings():
    return bid_ring.detect(market_world(), PARAMS, seed=3)


def members(f):
    return sorted(e.id for e in f.entities if e.role == "member")


def test_finds_both_rings_exactly_including_the_one_without_traces(findings):
    assert sorted(members(f) for f in findings) == [sorted(QUIET), sorted(RING)]


def test_decoy_county_that_always_meets_but_competes_is_not_a_ring(findings):
    flagged = {m for f in findings for m in members(f)}
    assert not flagged & set(COUNTY)


def test_county_meeting_beyond_chance_but_competing_on_price_is_not_a_ring():
    findings = bid_ring.detect(market_world(county_region="R1"), PARAMS, seed=3)
    assert sorted(members(f) for f in findings) == [sorted(QUIET), sorted(RING)]
    loose = bid_ring.detect(market_world(county_region="R1"), {**PARAMS, "min_price_signal": 0.0}, seed=3)
    assert sorted(COUNTY) in [members(f) for f in loose]  # the null model alone would not clear it


def test_rotation_lists_every_lot_in_order_with_member_winners(findings):
    ring = next(f for f in findings if members(f) == sorted(RING))
    rotation = ring.evidence["rotation"]
    assert len(rotation) == 24
    assert [r["opened_on"] for r in rotation] == sorted(r["opened_on"] for r in rotation)
    assert [r["winner"] for r in rotation[:4]] == RING  # the fixture's turn order
    assert all(r["winner_is_member"] for r in rotation)


def test_evidence_carries_numbers_thresholds_traces_and_graph_ids(findings):
    ring = next(f for f in findings if members(f) == sorted(RING))
    ev = ring.evidence
    assert ev["measured"]["ring_lots"] == 24 and ev["measured"]["traced_pairs"] == 1
    assert ev["thresholds"]["min_surprise"] == PARAMS["min_surprise"]
    assert "24" in ev["explanation"]["zh"] and "24" in ev["explanation"]["en"]
    assert {"org_a": "RING1", "org_b": "RING2", "kind": "mac", "value": "AA:BB:CC:00:00:01"} in ev["shared_traces"]
    assert "Device:AA:BB:CC:00:00:01" in ev["nodes"]
    assert ["Organization:RING1", "WON", "Lot:" + ev["rotation"][0]["lot_id"]] in ev["edges"]
    assert 0.5 < ring.score <= 1


def test_deterministic_for_a_seed():
    a = [f.to_json() for f in bid_ring.detect(market_world(), PARAMS, seed=5)]
    b = [f.to_json() for f in bid_ring.detect(market_world(), PARAMS, seed=5)]
    assert a == b


def test_raising_min_score_above_every_group_reports_nothing():
    assert bid_ring.detect(market_world(), {**PARAMS, "min_score": 0.99}, seed=3) == []


def test_a_member_missing_from_the_core_joins_by_its_presence_on_the_core_lots():
    from bidgraph.detectors.stats.cobidding import cobidding

    co = cobidding(market_world(), min_cobids=PARAMS["min_cobids"])
    code = {f: i for i, f in enumerate(co.firms)}
    core = np.array(sorted(code[m] for m in RING[:3]))
    group = bid_ring.attach_members(co, core, PARAMS)
    assert sorted(co.firms[group]) == sorted(RING)  # the outsiders on the ring's lots do not join


NICHE = [f"N{i:02d}" for i in range(12)]
INSIDE = NICHE[:4]


def niche_world(rigged: bool):
    """One specialty of twelve firms that each bid on nearly every one of 40 lots, competing on
    persistent costs. Four of them upload from one machine on 12 of the lots; when ``rigged``
    they also act there as a ring: the turn's member prices near the cheapest outsider and the
    others cover 0.3-2 % above it. Otherwise they price as they always do (a bid-writing service
    uploading for unrelated clients)."""
    rng = np.random.default_rng(7)
    world = _Builder(11)
    cost = dict(zip(NICHE, rng.normal(0.0, 0.018, len(NICHE))))
    for n in range(40):
        bidders = [f for f in NICHE if rng.random() < 0.9 or f in INSIDE]
        offers = {f: 0.9 + cost[f] + rng.normal(0.0, 0.03) for f in bidders}
        ringed = n % 10 < 3
        if ringed and rigged:
            turn = INSIDE[n % 4]
            w = min(v for f, v in offers.items() if f not in INSIDE) * rng.uniform(0.97, 1.02)
            offers.update({f: w + abs(rng.normal(0.0, 0.008)) + 0.003 for f in INSIDE})
            offers[turn] = w
        lot_id = world.lot("R1", offers)
        for u in world.uploads:
            if ringed and u["bid_id"].startswith(lot_id) and u["bid_id"].split("-")[1] in INSIDE:
                u["ip"] = "10.99.99.99"
    return world.snapshot(NICHE)


def test_a_ring_inside_a_niche_is_seeded_by_its_shared_machine_and_judged_where_it_used_it():
    findings = bid_ring.detect(niche_world(rigged=True), PARAMS, seed=3)
    assert [members(f) for f in findings] == [INSIDE]
    measured = findings[0].evidence["measured"]
    assert measured["seeded_by"] == "traces" and measured["ring_lots"] == 12
    assert measured["mean_pair_surprise"] < PARAMS["min_surprise"]  # co-bidding alone would not find it


def test_a_niche_whose_traced_firms_price_honestly_is_not_a_ring():
    assert bid_ring.detect(niche_world(rigged=False), PARAMS, seed=3) == []
