"""schema.cypher must agree with graph/schema.toml."""

import re

import pytest
from conftest import REPO

from bidgraph.errors import SchemaError
from bidgraph.graph.schema import _parse, schema

CONSTRAINT = re.compile(r"CREATE CONSTRAINT (\w+) IF NOT EXISTS FOR \(n:(\w+)\) REQUIRE n\.(\w+) IS UNIQUE;")
INDEX = re.compile(r"CREATE INDEX (\w+) IF NOT EXISTS FOR \(n:(\w+)\) ON \(n\.(\w+)\);")
STORE_LABELS = {"Finding": "id", "BidgraphLoad": "content_sha256"}  # written by the Neo4j store itself


def statements():
    text = (REPO / "schema.cypher").read_text(encoding="utf-8")
    return [s.strip() for s in re.sub(r"//.*", "", text).split(";") if s.strip()]


def test_every_statement_is_a_known_form():
    for s in statements():
        assert CONSTRAINT.fullmatch(s + ";") or INDEX.fullmatch(s + ";"), s


def test_every_node_label_has_its_key_constraint_and_nothing_else():
    found = {m.group(2): m.group(3) for s in statements() if (m := CONSTRAINT.fullmatch(s + ";"))}
    expected = {label: node.key for label, node in schema().nodes.items()} | STORE_LABELS
    assert found == expected


def test_indexes_name_real_properties():
    sch = schema()
    for s in statements():
        if m := INDEX.fullmatch(s + ";"):
            label, prop = m.group(2), m.group(3)
            if label in STORE_LABELS:
                continue
            table = sch.nodes[label].entity_table
            assert prop in sch.tables[table].columns, s


def test_schema_rejects_names_that_would_be_unsafe_in_cypher():
    doc = {
        "tables": {"t": {"key": "id", "columns": {"id": {"type": "id"}, "x": {"type": "text"}}}},
        "nodes": {"Bad Label) DETACH DELETE n //": {"key": "id", "from": [{"table": "t", "column": "id"}]}},
        "relationships": [],
    }
    with pytest.raises(SchemaError, match="plain identifiers"):
        _parse(doc)


def test_values_sent_to_neo4j_are_plain():
    """Every missing value pandas can hold (NaN, NaT, pd.NA) is dropped, dates become ISO text,
    numpy scalars become Python ones: what the driver accepts as parameters."""
    import numpy as np
    import pandas as pd

    from bidgraph.graph.neo4j.store import _props

    frame = pd.DataFrame(
        {
            "ok": pd.array([True, None], dtype="boolean"),
            "day": pd.to_datetime(["2024-03-05", None]),
            "rank": pd.array([1, None], dtype="Int64"),
            "price": [np.float64(2.5), np.nan],
        }
    )
    assert _props(frame, frame.columns) == [{"ok": True, "day": "2024-03-05T00:00:00", "rank": 1, "price": 2.5}, {}]
