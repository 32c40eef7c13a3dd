"""A table the export lacks reads like a loaded one with no rows: the same dtypes."""

from __future__ import annotations

from bidgraph.cli import main
from bidgraph.graph.embedded.store import EmbeddedStore
from bidgraph.graph.snapshot import Snapshot, empty_table
from bidgraph.loaders.bundle import read_bundle


def test_an_absent_table_has_the_dtypes_of_a_loaded_one(tmp_path):
    world = tmp_path / "small"
    assert (
        main(["--workspace", str(tmp_path / "unused"), "generate", str(world), "--scale", "small", "--seed", "3"]) == 0
    )
    store = EmbeddedStore(tmp_path / "w")
    store.load(read_bundle(world))
    loaded = store.snapshot()
    compared = set()
    for name in loaded.tables:
        table, empty = loaded[name], empty_table(name)
        filled = [c for c in table.columns if table[c].notna().any()]
        assert table[filled].dtypes.to_dict() == empty[filled].dtypes.to_dict(), name
        compared |= {str(empty[c].dtype) for c in filled}
    assert {"str", "float64", "Int64", "datetime64[ns]", "boolean", "int64"} <= compared


def test_date_arithmetic_works_on_an_absent_table():
    changes = Snapshot({})["personnel_changes"]
    assert (changes["changed_on"] - changes["changed_on"]).dt.days.empty
