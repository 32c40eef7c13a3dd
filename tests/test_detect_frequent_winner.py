"""frequent_winner: a context's 标王 is flagged; a big cheap winner and a local price leader are not."""

import copy

import pytest
from snapshot_fixture import lots_of, make_snapshot, market, set_winner

from bidgraph.detectors import frequent_winner
from bidgraph.detectors.core.settings import load_settings

PARAMS = load_settings()["frequent_winner"]


@pytest.fixture(scope="module")
def honest():
    return market(seed=5, n_lots=400, bidders=(4, 8))


def _winners(findings):
    return {next(e.id for e in f.entities if e.role == "winner") for f in findings}


def _enter_and_undercut(rows, lots, org, factor):
    """``org`` bids on ``lots`` at ``factor`` times the lowest rival price, and so wins."""
    for lot in lots:
        rivals = [b for b in rows["bids"] if b["lot_id"] == lot and b["org_id"] != org]
        rows["bids"] = [b for b in rows["bids"] if not (b["lot_id"] == lot and b["org_id"] == org)]
        set_winner(rows, lot, org, price=min(b["price"] for b in rivals) * factor)


def test_honest_market_has_no_bid_king(honest):
    assert frequent_winner.detect(make_snapshot(**honest), PARAMS, 1) == []


def test_firm_awarded_a_tenderers_lots_at_high_prices_is_a_bid_king(honest):
    rows = copy.deepcopy(honest)
    for lot in lots_of(rows, "tenderer_id", "T03")[:15]:
        set_winner(rows, lot, "F010", price=2e6)
    findings = [
        f
        for f in frequent_winner.detect(make_snapshot(**rows), PARAMS, 1)
        if f.evidence["measured"]["context_kind"] == "tenderer"
    ]
    assert _winners(findings) == {"F010"}
    m = findings[0].evidence["measured"]
    assert m["context"] == "T03" and m["competitive_wins"] == 0
    assert m["win_share"] >= 2 * m["bid_share"] and m["hhi_wins"] > m["hhi_bids"]
    assert "HHI" in findings[0].evidence["explanation"]["zh"]


def test_big_cheap_firm_winning_everywhere_is_not_a_bid_king(honest):
    rows = copy.deepcopy(honest)
    _enter_and_undercut(rows, [l["lot_id"] for l in rows["lots"]][::2], "F001", 0.9)
    assert "F001" not in _winners(frequent_winner.detect(make_snapshot(**rows), PARAMS, 1))


def test_local_price_leader_winning_open_competitions_is_not_a_bid_king(honest):
    rows = copy.deepcopy(honest)
    _enter_and_undercut(rows, lots_of(rows, "tenderer_id", "T05"), "F050", 0.9)
    assert "F050" not in _winners(frequent_winner.detect(make_snapshot(**rows), PARAMS, 1))
    # the same wins by a hair's breadth (always 0.1% under the best rival) are not honest competition
    rows = copy.deepcopy(honest)
    _enter_and_undercut(rows, lots_of(rows, "tenderer_id", "T05"), "F050", 0.999)
    assert "F050" in _winners(frequent_winner.detect(make_snapshot(**rows), PARAMS, 1))
