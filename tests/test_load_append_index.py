"""An append keeps what it can of the live version's index (graph/embedded/reuse.py): unchanged
files are linked, the relationships of rows that did not change are renumbered instead of
resolved again. What it writes must be byte for byte what a build from nothing writes."""

import importlib.util
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from bidgraph.cli import main
from bidgraph.graph.embedded import versions
from bidgraph.graph.embedded.persist import map_table
from bidgraph.graph.embedded.reuse import first_rows, first_seen
from bidgraph.graph.embedded.store import EmbeddedStore

BENCH = Path(__file__).resolve().parents[1] / "bench" / "daily.py"


@pytest.fixture(scope="module")
def days(tmp_path_factory) -> list[Path]:
    world = tmp_path_factory.mktemp("world") / "small"
    assert main(["--workspace", str(world.parent / "unused"), "generate", str(world), "--seed", "11"]) == 0
    spec = importlib.util.spec_from_file_location("bench_daily", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.split(world, tmp_path_factory.mktemp("days"), 3)


def _files(folder: Path) -> dict[str, object]:
    """The index's files, byte for byte; its tables by schema and content (an append keeps a
    grown table in segments, graph/embedded/persist.py)."""
    files: dict[str, object] = {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.parent != folder / "tables"
    }
    for path in sorted((folder / "tables").glob("*.arrow")):
        table = map_table(path)
        files[str(path.relative_to(folder))] = (table.schema.serialize().to_pybytes(), table)
    return files


@pytest.fixture
def whole_builds(monkeypatch, tmp_path) -> list[list[str]]:
    """Every index a load writes is built a second time from the same tables with nothing
    kept; each entry lists the files that came out different (none, if keeping is right)."""
    real, found = versions.write_index, []

    def both(version, tables, previous=None, unchanged=frozenset()):
        out = real(version, tables, previous, unchanged)
        whole = real(Path(tempfile.mkdtemp(dir=tmp_path)), tables)
        kept, fresh = _files(out), _files(whole)
        found.append(sorted(set(kept) ^ set(fresh)) + [n for n in kept if n in fresh and kept[n] != fresh[n]])
        return out

    monkeypatch.setattr(versions, "write_index", both)
    return found


def test_an_append_writes_the_index_a_whole_build_writes(days, tmp_path, whole_builds):
    ws = tmp_path / "ws"
    for day in days:
        assert main(["--workspace", str(ws), "load", str(day), "--append", "--quiet"]) == 0
    assert whole_builds == [[]] * len(days)
    version = EmbeddedStore(ws).workspace.require_current()
    assert not (version / "tables").exists()  # each table kept once, in the index
    linked = [p.name for p in (version / "index" / "tables").glob("*.arrow") if os.stat(p).st_nlink > 1]
    assert "regions.arrow" in linked  # no day brings regions: the live file is kept


def test_a_changed_endpoint_or_a_deletion_is_resolved_again(days, tmp_path, whole_builds):
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "load", str(days[0]), "--append", "--quiet"]) == 0
    bids = pd.read_csv(days[0] / "bids.csv", dtype=str)
    other = bids["org_id"].iloc[-1]
    fix = tmp_path / "fix"
    fix.mkdir()
    bids.iloc[:1].assign(org_id=other).to_csv(fix / "bids.csv", index=False)  # a bid moved to another firm
    assert main(["--workspace", str(ws), "load", str(fix), "--append", "--quiet"]) == 0
    assert EmbeddedStore(ws).node(f"Bid:{bids['bid_id'].iloc[0]}")["properties"]["org_id"] == other
    payment = pd.read_csv(days[0] / "payments.csv", dtype=str)["payment_id"].iloc[0]
    marked = tmp_path / "marked"
    marked.mkdir()
    pd.DataFrame({"payment_id": [payment], "deleted": ["1"]}).to_csv(marked / "payments.csv", index=False)
    assert main(["--workspace", str(ws), "load", str(marked), "--append", "--quiet"]) == 0
    assert whole_builds == [[]] * 3


def test_few_endpoints_resolve_as_many_do():
    """An append's few endpoints are hashed and the keys looked up among them; a load hashes the
    keys. Both give each endpoint the first row holding its key, and refuse an unknown one."""
    from bidgraph.errors import NotFound
    from bidgraph.graph.embedded.persist import _endpoint_ids

    keys = pa.array([f"k{i}" for i in range(100)] + ["k7"], pa.large_string())
    few = [pa.array(["k7", "k99", "k7"], pa.large_string()), pa.array(["k0"], pa.large_string())]
    every = pa.array([f"k{i}" for i in range(100)], pa.large_string())
    assert [list(ids) for ids in _endpoint_ids(keys, few, "L")] == [[7, 99, 7], [0]]
    assert [list(ids) for ids in _endpoint_ids(keys, [*few, every], "L")] == [[7, 99, 7], [0], list(range(100))]
    for ends in ([pa.array(["k1", "none"], pa.large_string())], [every, pa.array(["none"], pa.large_string())]):
        with pytest.raises(NotFound, match="none"):
            _endpoint_ids(keys, ends, "L")


def test_the_first_position_of_each_code_is_found_from_the_running_greatest():
    rng = np.random.default_rng(3)
    values = pa.array([f"v{n}" for n in rng.integers(0, 500, 20_000)], pa.large_string())
    codes = pc.dictionary_encode(values).indices.to_numpy()
    assert np.array_equal(first_seen(codes), first_rows(codes, codes.max() + 1))
    assert len(first_seen(codes[:0])) == 0
