"""contract_change: large, repeated and price-undoing variations fire; a small legal change order does not."""

from snapshot_fixture import make_snapshot

from bidgraph.detectors import contract_change

PARAMS = dict(contract_change.DEFAULTS)


def _world(changes: list[dict]):
    """Lot L1: A bids 900k (lowest, wins), B 950k, C 1m; contract K1 of 900k to A."""
    bids = [
        {"bid_id": f"L1-{o}", "lot_id": "L1", "org_id": o, "price": p, "is_winner": o == "A", "is_valid": True}
        for o, p in (("A", 900_000), ("B", 950_000), ("C", 1_000_000))
    ]
    contracts = [{"contract_id": "K1", "lot_id": "L1", "org_id": "A", "amount": 900_000, "signed_on": "2024-01-10"}]
    return make_snapshot(bids=bids, contracts=contracts, contract_changes=changes)


def _change(i: int, delta: float) -> dict:
    return {
        "change_id": f"C{i}",
        "contract_id": "K1",
        "kind": "amount",
        "amount_delta": delta,
        "approved_on": "2024-05-01",
    }


def _kinds(findings):
    return sorted(f.evidence["kind"] for f in findings)


def test_a_small_legal_change_order_is_silent():
    assert contract_change.detect(_world([_change(1, 40_000)]), PARAMS, 0) == []


def test_a_large_change_growing_back_above_the_second_bid_fires_twice():
    findings = contract_change.detect(_world([_change(1, 120_000)]), PARAMS, 0)
    assert _kinds(findings) == ["large_change", "low_bid_high_settlement"]
    low = next(f for f in findings if f.evidence["kind"] == "low_bid_high_settlement")
    assert low.evidence["measured"]["second_lowest_price"] == 950_000
    assert low.evidence["measured"]["varied_amount"] == 1_020_000
    assert "次低报价" in low.evidence["explanation"]["zh"] and "第四十九条" in low.evidence["rule"]["zh"]
    assert {"type": "company", "id": "B", "role": "context"} in [e.to_json() for e in low.entities]
    assert ["Contract:K1", "AWARDED_TO", "Organization:A"] in low.evidence["edges"]
    assert [c["change_id"] for c in low.evidence["changes"]] == ["C1"]


def test_three_small_changes_are_repeated_but_not_large():
    findings = contract_change.detect(_world([_change(i, 10_000) for i in range(3)]), PARAMS, 0)
    assert _kinds(findings) == ["repeated_changes"]
    assert findings[0].score == 0.4


def test_the_share_is_a_setting():
    findings = contract_change.detect(_world([_change(1, 40_000)]), {**PARAMS, "max_added_share": 0.03}, 0)
    assert _kinds(findings) == ["large_change"]
