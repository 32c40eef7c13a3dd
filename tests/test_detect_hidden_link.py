"""hidden_link: untied pairs that bid as one are found; tied pairs and the decoy county are not."""

import pandas as pd
import pytest
from bidding_worlds import COUNTY, QUIET, RING, market_world

from bidgraph.detectors import hidden_link
from bidgraph.detectors.core.settings import load_settings
from bidgraph.detectors.stats.cobidding import cobidding, pair_price_ties

PARAMS = load_settings()["hidden_link"]


def pairs(findings):
    return [tuple(sorted(e.id for e in f.entities if e.role == "member")) for f in findings]


@pytest.fixture(scope="module")
def findings():
    return hidden_link.detect(market_world(), PARAMS, seed=1)


def test_the_hidden_pair_ranks_first(findings):
    assert pairs(findings)[0] == ("TWIN1", "TWIN2")
    ev = findings[0].evidence
    assert ev["measured"]["cobids"] == 14 and ev["measured"]["price_gap"] < 0.01
    assert len(ev["lots"]) == 14 and ["Organization:TWIN1", "SUBMITTED", f"Bid:{ev['lots'][0]}-TWIN1"] in ev["edges"]


def test_pairs_with_a_recorded_trace_are_left_to_the_trace_detectors(findings):
    assert ("RING1", "RING2") not in pairs(findings)  # they share a MAC
    assert ("RING1", "RING3") in pairs(findings)
    tied = hidden_link.detect(market_world(twin_tie=True), PARAMS, seed=1)
    assert ("TWIN1", "TWIN2") not in pairs(tied)


def test_no_pair_of_the_decoy_county_or_of_honest_firms(findings):
    planted = set(RING) | set(QUIET) | {"TWIN1", "TWIN2", "COVER1", "H03"}
    assert all(set(p) <= planted for p in pairs(findings))
    assert not {m for p in pairs(findings) for m in p} & set(COUNTY)


def test_scores_sorted_and_max_findings_respected(findings):
    scores = [f.score for f in findings]
    assert scores == sorted(scores, reverse=True)
    assert len(hidden_link.detect(market_world(), {**PARAMS, "max_findings": 2}, seed=1)) == 2


def test_the_pair_price_ties_of_one_snapshot_share_its_prices_and_depend_only_on_the_pairs_asked():
    snapshot = market_world()
    co = cobidding(snapshot)
    few, some = co.pairs.iloc[:3], co.pairs.iloc[3:9]
    first = pair_price_ties(snapshot, co, few)
    assert "cobidding_prices" in snapshot._derived
    again = pair_price_ties(snapshot, co, some)
    fresh = market_world()
    pd.testing.assert_frame_equal(again, pair_price_ties(fresh, cobidding(fresh), some))
    pd.testing.assert_frame_equal(first, pair_price_ties(snapshot, co, few))
