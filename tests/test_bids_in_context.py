"""bids_in_context: the bids joined with their lot and project by row position, as the left merge
on the id strings it replaced joined them (unknown lots and projects left empty, bids kept in
order, invalid ones dropped when asked)."""

from __future__ import annotations

import pandas as pd
import pytest
from snapshot_fixture import make_snapshot

from bidgraph.detectors.core.common import bids_in_context


def _snapshot():
    bids = [
        {"bid_id": "B1", "lot_id": "L2", "org_id": "A", "price": 10.0, "is_valid": True, "is_winner": True},
        {"bid_id": "B2", "lot_id": "L9", "org_id": "B", "price": 11.0, "is_valid": None},  # no such lot
        {"bid_id": "B3", "lot_id": "L1", "org_id": "C", "price": 12.0, "is_valid": False},
        {"bid_id": "B4", "lot_id": "L3", "org_id": "A", "price": 13.0, "is_valid": True},  # lot of no project
        {"bid_id": "B5", "lot_id": None, "org_id": "B", "price": 14.0, "is_valid": True},
    ]
    lots = [
        {"lot_id": "L1", "project_id": "P1", "ceiling_price": 100.0, "published_on": "2025-01-02"},
        {"lot_id": "L2", "project_id": "P2", "ceiling_price": None, "opened_on": "2025-02-03"},
        {"lot_id": "L3", "project_id": "P9"},
    ]
    projects = [
        {"project_id": "P2", "tenderer_id": "T", "agency_id": "G", "category": "works"},
        {"project_id": "P1", "tenderer_id": "U", "region_code": "R1", "procedure": "open"},
    ]
    return make_snapshot(bids=bids, lots=lots, projects=projects)


def _merged(snapshot, valid_only: bool) -> pd.DataFrame:
    bids = snapshot["bids"]
    if valid_only:
        bids = bids[bids["is_valid"].fillna(True).astype(bool)]
    lots = snapshot["lots"][["lot_id", "project_id", "ceiling_price", "published_on", "opened_on"]]
    projects = snapshot["projects"][["project_id", "tenderer_id", "agency_id", "region_code", "category", "procedure"]]
    out = bids.merge(lots, on="lot_id", how="left").merge(projects, on="project_id", how="left")
    out["is_winner"] = out["is_winner"].fillna(False).astype(bool)
    return out


@pytest.mark.parametrize("valid_only", [True, False])
def test_the_join_is_the_left_merge_on_the_ids(valid_only):
    snapshot = _snapshot()
    joined = bids_in_context(snapshot, valid_only=valid_only)
    pd.testing.assert_frame_equal(joined, _merged(snapshot, valid_only), check_exact=True)
    assert joined["bid_id"].tolist() == (["B1", "B2", "B4", "B5"] if valid_only else ["B1", "B2", "B3", "B4", "B5"])
    b4 = joined.set_index("bid_id").loc["B4"]
    assert b4["project_id"] == "P9" and pd.isna(b4["tenderer_id"])
