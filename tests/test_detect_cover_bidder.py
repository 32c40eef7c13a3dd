"""cover_bidder: the firm that keeps losing just above H03 is found; losers in a competitive
county and ring members who cover for each other in turn are not."""

import pytest
from bidding_worlds import market_world

from bidgraph.detectors import cover_bidder
from bidgraph.detectors.core.settings import load_settings
from bidgraph.detectors.stats.cobidding import cobidding

PARAMS = load_settings()["cover_bidder"]


@pytest.fixture(scope="module")
def findings():
    return cover_bidder.detect(market_world(), PARAMS, seed=1)


def test_only_the_planted_cover_bidder_is_flagged_with_whom_it_served(findings):
    assert [f.entities[0].id for f in findings] == ["COVER1"]
    f = findings[0]
    assert f.entities[0].role == "cover"
    assert [e.id for e in f.entities if e.role == "served"] == ["H03"]
    assert f.evidence["served"] == {"H03": 15}
    m = f.evidence["measured"]
    assert m["close_losses"] == 15 and m["wins"] == 0 and m["top_served_expected"] < 1
    assert m["surprise"] >= PARAMS["min_surprise"]
    assert all(0 <= c["gap"] <= PARAMS["close_gap"] for c in f.evidence["covers"])
    assert "15" in f.evidence["explanation"]["zh"] and "H03" in f.evidence["explanation"]["en"]
    assert ["Organization:H03", "WON", f"Lot:{f.evidence['covers'][0]['lot_id']}"] in f.evidence["edges"]


def test_mutual_covering_is_reciprocal_and_not_service():
    co = cobidding(market_world())
    losses = cover_bidder.losing_gaps(co.bids, PARAMS["close_gap"])
    win_rate = co.bids.groupby("org_id")["is_winner"].mean()
    pairs = cover_bidder.served_pairs(co, losses, win_rate).set_index(["org_id", "winner_id"])
    assert not pairs.loc[("COVER1", "H03"), "reciprocal"]
    assert pairs.loc[("RING2", "RING1"), "reciprocal"] and pairs.loc[("RING1", "RING2"), "reciprocal"]
    assert pairs.loc[("COVER1", "H03"), "surprise"] > pairs.drop(("COVER1", "H03"))["surprise"].max()


def test_losing_gaps_close_means_at_most_close_gap_above_the_winner():
    losses = cover_bidder.losing_gaps(cobidding(market_world()).bids, 0.03)
    assert ((losses["gap"] >= 0) & (losses["gap"] <= 0.03)).eq(losses["close"]).all()
    assert losses.groupby("lot_id")["p_close"].nunique().max() == 1


def test_firms_with_too_few_bids_are_not_judged():
    assert cover_bidder.detect(market_world(), {**PARAMS, "min_bids": 16}, seed=1) == []
