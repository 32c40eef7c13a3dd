"""agency_affinity: a firm winning one agency's lots beyond chance, stronger with an insider."""

import copy

import pytest
from snapshot_fixture import lots_of, make_snapshot, market, set_winner

from bidgraph.detectors import agency_affinity
from bidgraph.detectors.core.settings import load_settings

PARAMS = load_settings()["agency_affinity"]


@pytest.fixture(scope="module")
def honest():
    return market(seed=4, n_lots=400, n_agencies=5)


def _pairs(findings):
    return [
        (next(e.id for e in f.entities if e.role == "agency"), next(e.id for e in f.entities if e.role == "winner"))
        for f in findings
    ]


def test_honest_market_has_no_affinity(honest):
    assert agency_affinity.detect(make_snapshot(**honest), PARAMS, 1) == []


def test_insider_at_the_agency_is_in_the_finding_and_raises_the_score(honest):
    rows = copy.deepcopy(honest)
    for lot in lots_of(rows, "agency_id", "A02")[:16]:
        set_winner(rows, lot, "F007", price=2e6)
    plain = agency_affinity.detect(make_snapshot(**rows), PARAMS, 1)
    rows["persons"] = [{"person_id": "P5", "name": "钱七"}]
    rows["person_roles"] = [
        {"person_id": "P5", "org_id": "A02", "role": "employee"},
        {"person_id": "P5", "org_id": "F007", "role": "legal_rep"},
    ]
    linked = agency_affinity.detect(make_snapshot(**rows), PARAMS, 1)
    assert _pairs(plain) == _pairs(linked) == [("A02", "F007")]
    assert linked[0].score > plain[0].score
    assert linked[0].evidence["paths"] == ["A02 ←employee— Person P5 (钱七) —legal_rep→ F007"]
    assert ["Organization:A02", "AGENT_FOR", "Project:P" + lots_of(rows, "agency_id", "A02")[0][1:]] in linked[
        0
    ].evidence["edges"]
    assert plain[0].evidence["paths"] == []
