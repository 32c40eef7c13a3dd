"""expert_affinity: an expert drawn onto one firm's panels who favours it; not a general lenient one."""

import copy

import pytest
from snapshot_fixture import make_snapshot, market

from bidgraph.detectors import expert_affinity
from bidgraph.detectors.core.settings import load_settings

PARAMS = load_settings()["expert_affinity"]


@pytest.fixture(scope="module")
def honest():
    return market(seed=8, n_lots=400)


def _seat(rows, expert, org, n_lots, bonus):
    """Put ``expert`` on the panels of ``n_lots`` of ``org``'s lots (replacing one panelist),
    adding ``bonus`` to its score of ``org``'s bid."""
    bids = {b["bid_id"] for b in rows["bids"] if b["org_id"] == org}
    lots = sorted({b["lot_id"] for b in rows["bids"] if b["bid_id"] in bids})[:n_lots]
    for lot in lots:
        panel = sorted({r["expert_id"] for r in rows["expert_scores"] if r["lot_id"] == lot})
        replaced = panel[0] if expert not in panel else expert
        for r in rows["expert_scores"]:
            if r["lot_id"] == lot and r["expert_id"] == replaced:
                r["expert_id"] = expert
                if r["bid_id"] in bids:
                    r["score"] += bonus
    return lots


def _pairs(findings):
    return [(f.entities[0].id, f.entities[1].id) for f in findings]


def test_honest_draws_give_no_affinity(honest):
    assert expert_affinity.detect(make_snapshot(**honest), PARAMS, 1) == []


def test_expert_seated_on_a_firms_panels_who_favours_it_is_found(honest):
    rows = copy.deepcopy(honest)
    lots = _seat(rows, "E005", "F012", 20, 8.0)
    findings = expert_affinity.detect(make_snapshot(**rows), PARAMS, 1)
    assert _pairs(findings) == [("E005", "F012")]
    m = findings[0].evidence["measured"]
    assert m["panels_together"] >= 20 > 3 * m["expected_panels"]
    assert m["favour_points"] > PARAMS["min_points"]
    assert {e.id for e in findings[0].entities if e.type == "lot"} >= set(lots)


def test_seated_but_neutral_or_favouring_everyone_is_not_affinity(honest):
    rows = copy.deepcopy(honest)
    _seat(rows, "E005", "F012", 20, 0.0)  # drawn often, scores like the panel
    for r in rows["expert_scores"]:  # E006 scores every bid 8 points high
        if r["expert_id"] == "E006":
            r["score"] += 8
    assert expert_affinity.detect(make_snapshot(**rows), PARAMS, 1) == []
