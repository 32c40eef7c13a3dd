"""A version whose table starts with the live table's rows keeps the live segment files (linked)
and writes only the rows after them (graph/embedded/persist.py); readers see one table, equal
to the same rows loaded whole, with the same digest."""

import os

import pandas as pd
import pyarrow as pa
import pytest
from conftest import as_bundle

from bidgraph.graph.embedded.persist import (
    MERGE_FACTOR,
    SEGMENTS,
    kept_segments,
    map_table,
    segment_files,
    take_rows,
)
from bidgraph.graph.embedded.store import EmbeddedStore
from bidgraph.graph.embedded.versions import LazyTables


def _world(tiny_tables: dict[str, pd.DataFrame], bids: int, price_of_first: float = 1e6) -> dict[str, pd.DataFrame]:
    """The tiny world with ``bids`` bids by its three bidders on its two lots."""
    rows = pd.DataFrame(
        {
            "bid_id": [f"B{i + 1}" for i in range(bids)],
            "lot_id": [("L1", "L2")[i % 2] for i in range(bids)],
            "org_id": [("A", "B", "C")[i % 3] for i in range(bids)],
            "price": [price_of_first, *(1e6 + i for i in range(1, bids))],
            "is_winner": [i < 2 for i in range(bids)],
            "is_valid": [True] * bids,
            "_file": "fixture.csv",
            "_row": range(2, bids + 2),
        }
    )
    like = tiny_tables["bids"]
    return {**tiny_tables, "bids": rows.astype(like.dtypes.to_dict())[list(like.columns)]}


def _bids_file(store: EmbeddedStore):
    return store.workspace.require_current() / "index" / "tables" / "bids.arrow"


def _load(path, tables) -> EmbeddedStore:
    store = EmbeddedStore(path)
    store.load(as_bundle(tables))
    return store


def test_a_few_new_rows_are_written_as_one_small_segment(tmp_path, tiny_tables):
    store = _load(tmp_path / "ws", _world(tiny_tables, 36))
    live = _bids_file(store)
    store.load(as_bundle(_world(tiny_tables, 40)))
    files = segment_files(_bids_file(store))
    assert len(files) == 2 and os.path.samefile(files[0], live) and os.stat(files[1]).st_nlink == 1
    tail = pa.ipc.open_file(str(files[1])).read_all()
    assert tail.column("bid_id").to_pylist() == ["B37", "B38", "B39", "B40"]
    assert os.path.getsize(files[1]) < os.path.getsize(files[0])

    whole = _load(tmp_path / "whole", _world(tiny_tables, 40))
    appended, once = map_table(files[0]), map_table(_bids_file(whole))
    assert appended.column("bid_id").num_chunks == 2 and once.column("bid_id").num_chunks == 1
    assert appended.schema.equals(once.schema, check_metadata=True) and appended.equals(once)
    version, whole_version = store.workspace.require_current(), whole.workspace.require_current()
    assert all(LazyTables(version)[name].equals(frame) for name, frame in LazyTables(whole_version).items())
    assert store.workspace.manifest()["table_sha256"] == whole.workspace.manifest()["table_sha256"]
    assert store.workspace.manifest()["content_sha256"] == whole.workspace.manifest()["content_sha256"]
    assert store.node("Bid:B40")["properties"] == whole.node("Bid:B40")["properties"]


def test_a_changed_live_row_has_its_table_written_whole(tmp_path, tiny_tables):
    store = _load(tmp_path / "ws", _world(tiny_tables, 36))
    store.load(as_bundle(_world(tiny_tables, 40, price_of_first=2e6)))
    files = segment_files(_bids_file(store))
    assert len(files) == 1 and os.stat(files[0]).st_nlink == 1
    assert map_table(files[0]).column("price")[0].as_py() == 2e6


def test_segments_outlive_the_version_that_wrote_them(tmp_path, tiny_tables, monkeypatch):
    monkeypatch.setenv("BIDGRAPH_KEEP_VERSIONS", "1")
    store = _load(tmp_path / "ws", _world(tiny_tables, 36))
    for bids in (40, 44):
        store.load(as_bundle(_world(tiny_tables, bids)))
    assert [p.name for p in (tmp_path / "ws" / "versions").iterdir()] == ["v000003"]
    files = segment_files(_bids_file(store))
    assert [pa.ipc.open_file(str(p)).read_all().num_rows for p in files] == [36, 8]  # 4 rows, then 4 more: merged
    whole = _load(tmp_path / "whole", _world(tiny_tables, 44))
    assert map_table(files[0]).equals(map_table(_bids_file(whole)))
    assert store.workspace.manifest()["content_sha256"] == whole.workspace.manifest()["content_sha256"]


@pytest.mark.parametrize("first", [1, 329])
def test_a_year_of_nightly_appends_keeps_few_segments_and_writes_few_days(first):
    """Segment sizes in days of rows, from a first load of ``first`` days, appending one a night."""
    sizes, written = [first], []
    for _ in range(365):
        keep = kept_segments(sizes, 1)
        sizes = [*sizes[:keep], sum(sizes[keep:]) + 1]
        written.append(sizes[-1])
        assert len(sizes) <= SEGMENTS
        assert all(before >= MERGE_FACTOR * after for before, after in zip(sizes, sizes[1:]))
    assert sorted(written)[len(written) // 2] <= 3  # most nights write a day or a few
    assert sum(written) / len(written) < 20  # against first + 183 days a night written whole


def test_rows_are_taken_from_segments_as_from_one_chunk():
    table = pa.table({"n": range(10), "s": [f"v{i}" for i in range(10)]})
    segments = pa.concat_tables([table.slice(0, 6), table.slice(6, 3), table.slice(9)])
    positions = [9, 0, 7, 5, 7, 6]
    assert take_rows(segments, positions).equals(table.take(positions))
    assert take_rows(segments, []).equals(table.slice(0, 0))
    assert take_rows(table, positions).equals(table.take(positions))
