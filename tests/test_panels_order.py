"""Panel deviations do not depend on the order the scores were loaded in: an export appended a
day at a time holds the same rows as one loaded whole, in another order, and must give the same
findings to the last bit (issue 14: appended equals loaded at once)."""

import copy

import numpy as np
import pandas as pd
from snapshot_fixture import make_snapshot, market
from test_detect_expert_affinity import _seat

from bidgraph.detectors import expert_affinity
from bidgraph.detectors.core.settings import load_settings
from bidgraph.detectors.stats.panels import score_deviations


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
