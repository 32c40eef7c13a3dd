"""Every relationship of a built index joins the vertices whose keys its row holds
(graph/embedded/persist.py), whether a table's keys ascend (a row is then its key's vertex,
found without a look-up) or not (looked up among the label's keys)."""

import json

import numpy as np
import pyarrow as pa
import pytest

from bidgraph.graph.embedded.persist import load_array, map_table, write_index
from bidgraph.graph.embedded.reuse import as_text
from bidgraph.graph.embedded.versions import as_arrow
from bidgraph.graph.schema import schema


@pytest.mark.parametrize("reverse", [False, True])
def test_relationships_join_the_keys_of_their_rows(tiny_tables, tmp_path, reverse):
    frames = {name: frame.iloc[::-1] if reverse else frame for name, frame in tiny_tables.items()}
    tables = {name: as_arrow(frame.reset_index(drop=True)) for name, frame in frames.items()}
    index = write_index(tmp_path, tables)
    meta = json.loads((index / "meta.json").read_text(encoding="utf-8"))
    labels = meta["labels"]
    vertex_keys = pa.concat_arrays(
        [as_text(map_table(index / "keys" / f"{e['label']}.arrow").column("key")) for e in labels]
    )
    src, dst, espec, erow = (load_array(index / f"{name}.npy") for name in ("src", "dst", "espec", "erow"))
    sorted_labels = {e["label"] for e in labels if e["sorted"] and e["size"] > 1}
    # both ways of finding a vertex are used: bids' keys ascend as given, organizations' do not
    assert ("Bid" in sorted_labels) != reverse and "Organization" not in sorted_labels
    for spec, i in enumerate(meta["sources"]):
        rel = schema().relationships[i]
        table = tables[rel.table]
        mine = np.flatnonzero(espec == spec)
        rows = pa.array(erow[mine].astype(np.int64))
        for vertices, column in ((src[mine], rel.start.column), (dst[mine], rel.end.column)):
            held = as_text(table.column(column)).take(rows).to_pylist()
            assert vertex_keys.take(pa.array(vertices.astype(np.int64))).to_pylist() == held, (rel.type, column)
