"""quantity_growth: a settlement beyond contract plus approved changes fires; one within them does not."""

import pytest
from snapshot_fixture import make_snapshot

from bidgraph.detectors import quantity_growth

PARAMS = dict(quantity_growth.DEFAULTS)


def _world(settled: float, changes: list[float] = ()):
    bids = [{"bid_id": "B1", "lot_id": "L1", "org_id": "A", "price": 1_000_000, "is_winner": True}]
    return make_snapshot(
        bids=bids,
        contracts=[{"contract_id": "K1", "lot_id": "L1", "org_id": "A", "amount": 1_000_000}],
        contract_changes=[
            {"change_id": f"C{i}", "contract_id": "K1", "amount_delta": d} for i, d in enumerate(changes)
        ],
        settlements=[{"contract_id": "K1", "settled_amount": settled, "settled_on": "2025-01-31"}],
    )


def test_settlement_within_tolerance_is_silent():
    assert quantity_growth.detect(_world(1_040_000), PARAMS, 0) == []


def test_settlement_covered_by_an_approved_change_is_silent():
    assert quantity_growth.detect(_world(1_150_000, [80_000, 70_000]), PARAMS, 0) == []


def test_settlement_beyond_contract_and_changes_fires_with_the_numbers():
    (f,) = quantity_growth.detect(_world(1_300_000, [100_000]), PARAMS, 0)
    m = f.evidence["measured"]
    assert (m["allowed_amount"], m["settled_amount"], m["growth"]) == (1_100_000, 1_300_000, 0.1818)
    assert f.score == pytest.approx(0.5 + 2 * (0.2 / 1.1 - 0.05)) and f.severity == "medium"
    assert "第四十九条" in f.evidence["rule"]["zh"] and "18.2%" in f.evidence["explanation"]["zh"]
    assert f.evidence["settlement"] == {"file": "settlements.csv", "row": 2}
    assert ["Contract:K1", "AWARDED_TO", "Organization:A"] in f.evidence["edges"]


def test_tolerance_is_a_setting():
    assert quantity_growth.detect(_world(1_040_000), {**PARAMS, "tolerance": 0.02}, 0)
