"""cover_bidder: the firm that always loses just above H03 is found; losers in a competitive county are not."""
import pytest

from bidgraph.detectors import cover_bidder
from bidgraph.detectors.settings import load_settings
from bidding_worlds import market_world

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
    assert m["close_seconds"] == 15 and m["wins"] == 0 and m["expected_close_seconds"] < 5
    assert all(0 <= c["gap"] <= PARAMS["close_gap"] for c in f.evidence["covers"])
    assert "15" in f.evidence["explanation"]["zh"] and "H03" in f.evidence["explanation"]["en"]


def test_close_seconds_only_when_nearest_above_and_close():
    from bidgraph.detectors.cobidding import cobidding
    losses = cover_bidder.close_seconds(cobidding(market_world()).bids, 0.05)
    per_lot = losses[losses["close_second"]].groupby("lot_id").size()
    assert per_lot.max() == 1
    assert (losses.loc[losses["close_second"], "gap"] <= 0.05).all()


def test_firms_with_too_few_bids_are_not_judged():
    assert cover_bidder.detect(market_world(), {**PARAMS, "min_bids": 16}, seed=1) == []
