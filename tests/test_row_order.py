"""Findings do not depend on the order rows were loaded in: an export appended a day at a time
holds the same rows as one loaded whole, in another order, and must give the same findings to
the last bit of every p-value (issue 14: appended equals loaded at once). Sums of floats (panel
deviations, a fair draw's expected wins) are added in an order of the ids, not of the rows."""

import copy

import numpy as np
import pandas as pd
from snapshot_fixture import make_snapshot, market
from test_detect_expert_affinity import _seat
from test_detect_frequent_winner import lots_of, set_winner

from bidgraph.detectors import expert_affinity, frequent_winner, tenderer_affinity
from bidgraph.detectors.core.settings import load_settings
from bidgraph.detectors.stats.panels import score_deviations
from bidgraph.detectors.stats.win_stats import bid_outcomes, context_pairs


def _fractional(rows: dict) -> dict:
    """Scores with fractional parts, whose sums differ in their last bits with the order of adding."""
    rows = copy.deepcopy(rows)
    rng = np.random.default_rng(3)
    for r in rows["expert_scores"]:
        r["score"] = round(r["score"] * 1.1 + rng.uniform(0, 1), 3)
    return rows


def _shuffled(rows: dict) -> dict:
    rows = copy.deepcopy(rows)
    rng = np.random.default_rng(4)
    for table in ("expert_scores", "bids"):
        order = rng.permutation(len(rows[table]))
        rows[table] = [rows[table][i] for i in order]
    return rows


def test_score_deviations_are_the_same_in_any_row_order():
    rows = _fractional(market(seed=6, n_lots=300))
    loaded, appended = make_snapshot(**rows), make_snapshot(**_shuffled(rows))
    assert not loaded["expert_scores"]["bid_id"].equals(appended["expert_scores"]["bid_id"])
    pd.testing.assert_frame_equal(score_deviations(loaded), score_deviations(appended), check_exact=True)


def test_expert_affinity_finds_the_same_in_any_row_order():
    rows = market(seed=8, n_lots=400)
    _seat(rows, "E005", "F012", 20, 8.0)  # an expert drawn onto a firm's panels, who favours it
    rows = _fractional(rows)
    params = load_settings()["expert_affinity"]
    a = expert_affinity.detect(make_snapshot(**rows), params, 1)
    b = expert_affinity.detect(make_snapshot(**_shuffled(rows)), params, 1)
    assert a and [f.to_json() for f in a] == [f.to_json() for f in b]


def test_win_pattern_detectors_find_the_same_in_any_row_order():
    rows = market(seed=5, n_lots=400, bidders=(4, 8))
    for lot in lots_of(rows, "tenderer_id", "T03")[:15]:  # a tenderer's 标王
        set_winner(rows, lot, "F010", price=2e6)
    shuffled = _shuffled(rows)
    for detector in (frequent_winner, tenderer_affinity):
        params = load_settings()[detector.DETECTOR.id]
        a = detector.detect(make_snapshot(**rows), params, 1)
        b = detector.detect(make_snapshot(**shuffled), params, 1)
        assert [f.to_json() for f in a] == [f.to_json() for f in b]
    assert frequent_winner.detect(make_snapshot(**rows), load_settings()["frequent_winner"], 1)


def test_a_fair_draws_expected_wins_are_the_same_in_any_row_order():
    rows = market(seed=5, n_lots=400, bidders=(4, 8))
    expected = [
        context_pairs(bid_outcomes(make_snapshot(**r)), "tenderer_id", 1.0).sort_values(
            ["tenderer_id", "org_id"], ignore_index=True
        )[["mu", "mu_elsewhere", "expected"]]
        for r in (rows, _shuffled(rows))
    ]
    pd.testing.assert_frame_equal(*expected, check_exact=True)
