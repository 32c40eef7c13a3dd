"""A version keeps each table once, as the index's Arrow file (graph/embedded/versions.py), with
a content digest of each table's content; versions written before, with Parquet tables and an
older index or none, still open, append and detect."""

import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from conftest import as_bundle
from test_load_append import _bench, tables_by_key

from bidgraph.cli import main
from bidgraph.graph.embedded import persist, versions
from bidgraph.graph.embedded.persist import map_table, segment_files
from bidgraph.graph.embedded.store import EmbeddedStore
from bidgraph.graph.embedded.versions import LazyTables, content_digest, table_digest


def _table() -> pa.Table:
    return pa.table(
        {
            "s": pa.array(["a", None, "ccc", "", "dd"], pa.large_string()),
            "short": pa.array(["x", "yy", None, "z", ""], pa.string()),
            "n": pa.array([1, None, 3, 4, 5], pa.int64()),
            "b": pa.array([True, None, False, True, True]),
            "t": pa.array([0, 1, None, 3, 4], pa.timestamp("ns")),
            "x": pa.array([0.5, 1.5, 2.5, None, 4.5]),
            "full": pa.array([1, 2, 3, 4, 5], pa.int64()),
        }
    ).replace_schema_metadata({b"pandas": b"{}"})


def test_a_tables_digest_is_its_content_however_it_is_laid_out():
    table = _table()
    digest = table_digest(table)
    in_chunks = pa.concat_tables([table.slice(0, 2), table.slice(2, 1), table.slice(3)])
    assert in_chunks.column("s").num_chunks == 3 and table_digest(in_chunks) == digest
    first = pa.table({n: pa.array([None], t) for n, t in zip(table.schema.names, table.schema.types)})
    sliced = pa.concat_tables([first, table.cast(first.schema)]).combine_chunks().slice(1)  # arrays at offset 1
    assert table_digest(sliced.replace_schema_metadata(table.schema.metadata)) == digest
    full = table.column("full").chunk(0)
    bitmap = pa.py_buffer(np.packbits(np.ones(5, bool), bitorder="little").tobytes())
    with_bitmap = pa.Array.from_buffers(pa.int64(), 5, [bitmap, full.buffers()[1]])
    assert with_bitmap.buffers()[0] is not None
    assert table_digest(table.set_column(6, "full", with_bitmap)) == digest
    n = table.column("n").chunk(0)
    under_null = pa.py_buffer(np.array([1, 99, 3, 4, 5], np.int64).tobytes())  # another value where row 1 is null
    other_under_null = pa.Array.from_buffers(pa.int64(), 5, [n.buffers()[0], under_null])
    assert other_under_null.to_pylist() == n.to_pylist()
    assert table_digest(table.set_column(2, "n", other_under_null)) == digest


def test_a_tables_digest_is_taken_over_row_blocks_and_extended_from_the_kept_ones(monkeypatch):
    monkeypatch.setattr(versions, "BLOCK_ROWS", 2)
    table = _table()
    blocks = versions.table_blocks(table)
    assert len(blocks) == 3 * 32 and versions.table_blocks(table, 3) == blocks[32:]
    in_chunks = pa.concat_tables([table.slice(0, 3), table.slice(3)])  # a block across two chunks
    assert versions.table_blocks(in_chunks) == blocks and table_digest(in_chunks) == table_digest(table, blocks)
    first_rows = versions.table_blocks(table.slice(0, 3))
    assert versions._blocks(table, first_rows, 3) == blocks  # the first whole block kept, the rest hashed
    assert versions._blocks(table, b"\0" * 64, 3)[:32] == b"\0" * 32  # (kept: not hashed again)


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.set_column(0, "s", pa.array(["a", None, "ccc", "", "de"], pa.large_string())),
        lambda t: t.set_column(0, "s", pa.array(["a", "", "ccc", "", "dd"], pa.large_string())),  # a null filled
        lambda t: t.set_column(1, "short", pa.array(["xy", "y", None, "z", ""], pa.string())),  # bytes moved
        lambda t: t.set_column(3, "b", pa.array([True, None, False, True, False])),
        lambda t: t.set_column(4, "t", pa.array([0, 1, None, 3, 5], pa.timestamp("ns"))),
        lambda t: t.set_column(6, "full", pa.array([1, 2, 3, 4, 5], pa.int32())),
        lambda t: t.replace_schema_metadata({b"pandas": b"{}", b"PANDAS_ATTRS": b'{"a": 1}'}),
        lambda t: t.slice(0, 4),
    ],
)
def test_a_tables_digest_changes_with_its_content(change):
    assert table_digest(change(_table())) != table_digest(_table())


def test_new_versions_keep_each_table_once_with_its_digest(tmp_path, tiny_tables):
    store = EmbeddedStore(tmp_path / "ws")
    store.load(as_bundle(tiny_tables))
    version = store.workspace.require_current()
    assert not (version / "tables").exists()
    manifest = store.workspace.manifest()
    files = sorted((version / "index" / "tables").glob("*.arrow"))
    assert [p.stem for p in files] == sorted(tiny_tables)
    assert manifest["table_sha256"] == {p.stem: table_digest(map_table(p)) for p in files}
    assert manifest["content_sha256"] == content_digest(manifest["table_sha256"])


def test_frame_attrs_are_kept_with_the_table(tmp_path, tiny_tables):
    store = EmbeddedStore(tmp_path / "ws")
    tables = {name: frame.copy() for name, frame in tiny_tables.items()}
    tables["bids"].attrs = {"exported_by": "平台 A", "day": 3}
    first = store.load(as_bundle(tables))
    read = EmbeddedStore(tmp_path / "ws").snapshot().tables
    assert read["bids"].attrs == {"exported_by": "平台 A", "day": 3} and read["lots"].attrs == {}
    assert store.load(as_bundle(tables)) == {"version": first["version"], "unchanged": True}
    tables["bids"].attrs = {"exported_by": "平台 B", "day": 3}
    assert store.load(as_bundle(tables))["unchanged"] is False
    assert EmbeddedStore(tmp_path / "ws").snapshot().tables["bids"].attrs["exported_by"] == "平台 B"


@pytest.fixture(scope="module")
def days(tmp_path_factory) -> list[Path]:
    world = tmp_path_factory.mktemp("world") / "small"
    assert main(["--workspace", str(world.parent / "unused"), "generate", str(world), "--seed", "5"]) == 0
    return _bench().split(world, tmp_path_factory.mktemp("days"), 3)


def _bidgraph(ws: Path, *args) -> int:
    return main(["--workspace", str(ws), *map(str, args), "--quiet"])


def _info(ws: Path, capsys) -> dict:
    capsys.readouterr()
    main(["--workspace", str(ws), "info", "--json"])
    info = json.loads(capsys.readouterr().out)
    return {k: info[k] for k in ("nodes", "relationships", "tables", "history")}


def _as_written_before(ws: Path, keep_index: bool) -> None:
    """The live version as code before 2026-11-29 wrote it: each table also as Parquet (as
    ``pq.write_table`` of the frame's Arrow table wrote it), a manifest without table digests,
    and its index (whose tables were the same tables' Arrow copies) kept or not."""
    version = EmbeddedStore(ws).workspace.require_current()
    (version / "tables").mkdir()
    for name, frame in LazyTables(version).items():
        frame.to_parquet(version / "tables" / f"{name}.parquet", index=False)
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("table_sha256")
    (version / versions.BLOCKS).unlink()  # nor block digests
    manifest["content_sha256"] = "0" * 64  # the SHA-256 of the Parquet files: never equal to a new one
    (version / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    if not keep_index:
        shutil.rmtree(version / "index")


@pytest.mark.parametrize("keep_index", [False, True])
def test_a_version_written_before_opens_appends_and_detects(days, tmp_path, capsys, keep_index):
    ws, once = tmp_path / "old", tmp_path / "once"
    assert _bidgraph(ws, "load", days[0], "--append") == 0
    expected = tables_by_key(ws)
    _as_written_before(ws, keep_index)
    assert all(frame.equals(tables_by_key(ws)[name]) for name, frame in expected.items())
    assert _bidgraph(ws, "load", days[0], "--append") == 0  # the same export: nothing new
    assert EmbeddedStore(ws).workspace.require_current().name == "v000001"
    assert (ws / "versions" / "v000001" / "index" / "meta.json").exists()
    for day in days[1:]:
        assert _bidgraph(ws, "load", day, "--append") == 0
    for day in days:
        assert _bidgraph(once, "load", day, "--append") == 0
    assert (
        EmbeddedStore(ws).workspace.manifest()["table_sha256"]
        == EmbeddedStore(once).workspace.manifest()["table_sha256"]
    )
    for each in (ws, once):
        assert _bidgraph(each, "detect", "--out", each / "findings.jsonl") == 0
    assert _info(ws, capsys) == _info(once, capsys)
    bench = _bench()
    leads = [sorted(map(bench.lead, (each / "findings.jsonl").read_text().splitlines())) for each in (ws, once)]
    assert leads[0] == leads[1] and len(leads[0]) > 10


def test_appended_tables_digest_as_the_same_tables_loaded_whole(days, tmp_path):
    """An appended table is merged from the live one and the export's rows (a grown one kept in
    segments); loaded whole, the same content comes in one piece: the digests agree, and loading it onto the appended
    version writes nothing."""
    daily = tmp_path / "daily"
    for day in days:
        assert _bidgraph(daily, "load", day, "--append") == 0
    tables = {name: frame.copy() for name, frame in EmbeddedStore(daily).snapshot().tables.items()}
    tables_folder = EmbeddedStore(daily).workspace.require_current() / "index" / "tables"
    assert any(len(segment_files(path)) > 1 for path in tables_folder.glob("*.arrow"))  # a grown table in segments
    whole = EmbeddedStore(tmp_path / "whole")
    whole.load(as_bundle(tables))
    assert whole.workspace.manifest()["table_sha256"] == EmbeddedStore(daily).workspace.manifest()["table_sha256"]
    assert EmbeddedStore(daily).load(as_bundle(tables))["unchanged"] is True


def test_an_older_index_holding_the_only_tables_is_rebuilt_from_them(tmp_path, tiny_tables, monkeypatch, capsys):
    store = EmbeddedStore(tmp_path / "ws")
    store.load(as_bundle(tiny_tables))
    info, tables = _info(tmp_path / "ws", capsys), tables_by_key(tmp_path / "ws")
    monkeypatch.setattr(persist, "FORMAT", persist.FORMAT + 1)  # the next format: this index is older
    assert _info(tmp_path / "ws", capsys) == info
    assert all(frame.equals(tables_by_key(tmp_path / "ws")[name]) for name, frame in tables.items())
    meta = json.loads((store.workspace.require_current() / "index" / "meta.json").read_text(encoding="utf-8"))
    assert meta["format"] == persist.FORMAT
    assert not list(store.workspace.require_current().glob(".index-*"))
