"""tenderer_affinity: a firm winning one tenderer's lots beyond its bids and record elsewhere."""

import copy

import pytest
from snapshot_fixture import lots_of, make_snapshot, market, set_winner

from bidgraph.detectors import tenderer_affinity
from bidgraph.detectors.core.settings import load_settings

PARAMS = load_settings()["tenderer_affinity"]


def _pairs(findings):
    return [
        (next(e.id for e in f.entities if e.role == "tenderer"), next(e.id for e in f.entities if e.role == "winner"))
        for f in findings
    ]


@pytest.fixture(scope="module")
def honest():
    return market(seed=3, n_lots=400)


@pytest.fixture
def rows(honest):
    return copy.deepcopy(honest)


def test_honest_market_has_no_affinity(honest):
    assert tenderer_affinity.detect(make_snapshot(**honest), PARAMS, 1) == []


def test_planted_winner_is_found_with_its_lots(rows):
    planted = lots_of(rows, "tenderer_id", "T04")[:14]
    for lot in planted:
        set_winner(rows, lot, "F033", price=2e6)
    findings = tenderer_affinity.detect(make_snapshot(**rows), PARAMS, 1)
    assert _pairs(findings) == [("T04", "F033")]
    f = findings[0]
    assert set(planted) <= set(f.evidence["won_lots"]) and f.evidence["won_lots"] == sorted(f.evidence["won_lots"])
    assert f.evidence["measured"]["p_adj"] <= PARAMS["alpha"] and not f.evidence["measured"]["person_link"]
    assert ["Organization:F033", "WON", f"Lot:{planted[0]}"] in f.evidence["edges"]
    assert "Bonferroni" in f.evidence["explanation"]["en"] and "校正" in f.evidence["explanation"]["zh"]


def test_cheap_firm_winning_everywhere_is_not_tied_to_one_tenderer(rows):
    for b in list(rows["bids"]):  # F001 halves its price and wins every lot it enters
        if b["org_id"] == "F001":
            set_winner(rows, b["lot_id"], "F001", price=b["price"] * 0.5)
    findings = tenderer_affinity.detect(make_snapshot(**rows), PARAMS, 1)
    assert all(w != "F001" for _, w in _pairs(findings))


def test_person_link_makes_a_weaker_pattern_a_finding(rows):
    for lot in lots_of(rows, "tenderer_id", "T06")[:6]:
        set_winner(rows, lot, "F040", price=2e6)
    rows["persons"] = [{"person_id": "P9", "name": "赵六"}]
    without = tenderer_affinity.detect(make_snapshot(**rows), PARAMS, 1)
    rows["person_roles"] = [
        {"person_id": "P9", "org_id": "T06", "role": "official"},
        {"person_id": "P9", "org_id": "F040", "role": "shareholder"},
    ]
    linked = tenderer_affinity.detect(make_snapshot(**rows), PARAMS, 1)
    assert ("T06", "F040") not in _pairs(without)
    assert _pairs(linked) == [("T06", "F040")]
    ev = linked[0].evidence
    assert ev["paths"] == ["T06 ←official— Person P9 (赵六) —shareholder→ F040"]
    assert ["Person:P9", "HOLDS_ROLE", "Organization:T06"] in ev["edges"]
    assert {"type": "person", "id": "P9", "role": "link"} in [e.to_json() for e in linked[0].entities]
