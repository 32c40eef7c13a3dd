"""Snapshot.keys and Snapshot.codes: id columns as integer codes that sort as the ids do."""

import numpy as np
import pandas as pd
import pyarrow as pa
from snapshot_fixture import make_snapshot

from bidgraph.graph.snapshot import Snapshot, positions


def _snapshot():
    bids = [
        {"bid_id": b, "lot_id": lot, "org_id": org}
        for b, lot, org in [("B3", "L2", "A"), ("B1", "L1", "C"), ("B2", "L1", "A")]
    ]
    docs = [{"bid_id": b} for b in ("B2", "B9", None, "B3")]
    return make_snapshot(bids=bids, bid_documents=docs)


def test_codes_are_positions_among_the_sorted_ids():
    snapshot = _snapshot()
    assert list(snapshot.keys("bids", "bid_id")) == ["B1", "B2", "B3"]
    assert snapshot.codes("bids", "bid_id").tolist() == [2, 0, 1]
    assert snapshot.codes("bids", "lot_id").tolist() == [1, 0, 0]


def test_another_tables_ids_are_coded_as_the_keys_they_refer_to_and_unknown_or_missing_is_minus_one():
    snapshot = _snapshot()
    assert snapshot.codes("bid_documents", "bid_id", ("bids", "bid_id")).tolist() == [1, -1, -1, 2]


def test_a_table_row_for_row_beside_its_keys_has_their_codes():
    bids = [{"bid_id": b, "lot_id": "L1", "org_id": "A"} for b in ("B3", "B1", "B2")]
    uploads = [{"bid_id": b} for b in ("B3", "B1", "B2")]
    snapshot = make_snapshot(bids=bids, bid_uploads=uploads)
    assert snapshot.codes("bid_uploads", "bid_id", ("bids", "bid_id")).tolist() == [2, 0, 1]
    shuffled = make_snapshot(bids=bids, bid_uploads=uploads[::-1])
    assert shuffled.codes("bid_uploads", "bid_id", ("bids", "bid_id")).tolist() == [1, 0, 2]


def test_a_column_of_arrow_chunks_beside_a_plain_one_is_compared_not_refused():
    """An appended version's columns are Arrow chunks; a table beside them may be a plain one."""
    chunked = pd.Series(pd.arrays.ArrowExtensionArray(pa.chunked_array([["B3", "B1"], ["B2"]], type=pa.large_string())))
    bids = make_snapshot(bids=[{"bid_id": b, "lot_id": "L1", "org_id": "A"} for b in ("B3", "B1", "B2")]).tables["bids"]
    for uploads in (pd.Series(["B3", "B1", "B2"], dtype="str"), pd.Series(["B2", "B3", "B1"], dtype="str")):
        snapshot = Snapshot({"bids": bids.assign(bid_id=chunked), "bid_uploads": pd.DataFrame({"bid_id": uploads})})
        expected = positions(snapshot.keys("bids", "bid_id"), uploads).tolist()
        assert snapshot.codes("bid_uploads", "bid_id", ("bids", "bid_id")).tolist() == expected


def test_codes_are_made_once_per_snapshot():
    snapshot = _snapshot()
    first = snapshot.codes("bids", "org_id")
    assert snapshot.codes("bids", "org_id") is first and isinstance(first, np.ndarray)


def test_positions_of_a_few_values_among_many_keys_are_those_of_many_values():
    keys = pd.Series([f"P{i:03d}" for i in range(100)] + ["P007"], dtype="str")  # P007 twice: its first row
    few = pd.Series(["P042", None, "P007", "X", "P042"], dtype="str")
    many = pd.concat([few] * 30, ignore_index=True)
    assert positions(keys, few).tolist() == [42, -1, 7, -1, 42]
    assert positions(keys, many).tolist() == [42, -1, 7, -1, 42] * 30
