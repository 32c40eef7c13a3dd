"""screen_ring: firms whose coordinated-looking lots and co-bidding community add up."""

from __future__ import annotations

from bidding_worlds import COUNTY, HONEST, QUIET, RING, market_world
from snapshot_fixture import make_snapshot

from bidgraph.detectors import screen_ring
from bidgraph.detectors.core.settings import load_settings

SETTINGS = load_settings()
PARAMS = {**SETTINGS["screen_ring"], "price_screen": SETTINGS["price_screen"]}


def _flagged(snapshot, params=PARAMS, seed=1):
    return {f.entities[0].id: f for f in screen_ring.detect(snapshot, params, seed)}


def test_both_rings_fire_and_honest_firms_and_the_busy_county_do_not():
    found = _flagged(market_world(7))
    assert set(found) == set(RING + QUIET)
    assert not set(found) & set(HONEST + COUNTY + ["COVER1", "TWIN1", "TWIN2"])
    assert min(found[r].score for r in RING) >= max(found[q].score for q in QUIET) >= PARAMS["min_percentile"]


def test_the_finding_names_the_firm_its_community_and_its_heaviest_lots():
    f = _flagged(market_world(7))["RING1"]
    assert f.entities[0].role == "member"
    context = [e.id for e in f.entities[1:] if e.type == "company"]  # strongest exposure first
    assert set(context[:3]) == {"RING2", "RING3", "RING4"} and len(context) <= PARAMS["context_members"]
    assert all(e.role == "context" for e in f.entities[1:])
    lots = [e.id for e in f.entities if e.type == "lot"]
    assert len(lots) == PARAMS["context_lots"] and [r["lot_id"] for r in f.evidence["lots"]] == lots
    m = f.evidence["measured"]
    assert m["coordinated_lots"] == 24 and m["exposure"] > 0 and m["community_size"] >= 4
    assert m["score"] == round(m["exposure"] + m["community_exposure"], 4)
    assert f.evidence["thresholds"]["min_percentile"] == PARAMS["min_percentile"]
    for lang, words in (("zh", "协调标段"), ("en", "coordinated-looking lots")):
        text = f.evidence["explanation"][lang]
        assert words in text and f"{m['exposure']:.2f}" in text and str(m["community_size"]) in text
    assert ["Organization:RING1", "SUBMITTED", f"Bid:{lots[0]}-RING1"] in f.evidence["edges"]
    assert [f"Bid:{lots[0]}-RING1", "FOR_LOT", f"Lot:{lots[0]}"] in f.evidence["edges"]


def test_fences_silence_it():
    snap = market_world(7)
    assert not _flagged(snap, {**PARAMS, "min_lots": 25})
    assert set(_flagged(snap, {**PARAMS, "min_lots": 20})) == set(RING)


def test_lots_below_min_bids_are_not_screened():
    bids = [
        {"bid_id": f"{lot}-{org}", "lot_id": lot, "org_id": org, "price": 100.0 + i, "is_winner": i == 0}
        for lot in ("L1", "L2", "L3")
        for i, org in enumerate(("A", "B"))
    ]
    assert screen_ring.detect(make_snapshot(bids=bids), PARAMS, 1) == []
    assert screen_ring.detect(make_snapshot(bids=bids), PARAMS, 1).scores["values"] == {}


def test_every_firm_with_a_screened_lot_is_scored_and_the_flagged_ones_by_their_finding():
    snap = market_world(7)
    found = screen_ring.detect(snap, PARAMS, 1)
    ranking = found.scores["values"]
    assert found.scores["entity_type"] == "company"
    assert set(ranking) == set(snap["bids"]["org_id"])  # every bidder of the market bid on a screened lot
    assert {f.entities[0].id: f.score for f in found} == {o: s for o, s in ranking.items() if s >= 0.9}
    assert min(ranking[h] for h in HONEST) == 0.0 < min(ranking[r] for r in RING)


def test_it_reads_price_screen_settings_through_the_runner():
    from bidgraph.detectors.core.runner import run_batch

    narrow = {"price_screen": {"min_bids": 50}}  # no lot of the market has 50 bids: nothing screened
    _, summary = run_batch(market_world(7), narrow, ["screen_ring"], progress=False)
    assert summary[0]["findings"] == 0 and summary[0]["scores"]["values"] == {}
    _, summary = run_batch(market_world(7), {}, ["screen_ring"], progress=False)
    assert summary[0]["findings"] == len(RING + QUIET)


def test_same_input_and_seed_give_the_same_findings():
    snap = market_world(8)
    first = [f.to_json() for f in screen_ring.detect(snap, PARAMS, 3)]
    assert first == [f.to_json() for f in screen_ring.detect(snap, PARAMS, 3)]
