"""schema.cypher is generated from graph/schema.toml, ships inside the package, and the Cypher
the Neo4j store builds names only what the schema declares (checked without a server)."""

import re

import pytest
from conftest import REPO

from bidgraph.errors import SchemaError
from bidgraph.graph.neo4j import findings, read, search, write
from bidgraph.graph.schema import _parse, schema
from bidgraph.graph.schema_cypher import render, shipped_text, statements

CONSTRAINT = re.compile(r"CREATE CONSTRAINT (\w+) IF NOT EXISTS FOR \(n:(\w+)\) REQUIRE n\.(\w+) IS UNIQUE")
INDEX = re.compile(r"CREATE (?:TEXT )?INDEX (\w+) IF NOT EXISTS FOR \(n:(\w+)\) ON \(n\.(\w+)\)")


def test_schema_cypher_is_what_the_schema_generates():
    """Regenerate with: .venv/bin/python -m bidgraph.graph.schema --cypher > schema.cypher"""
    assert (REPO / "schema.cypher").read_text(encoding="utf-8") == render(schema())


def test_the_package_ships_the_same_schema_cypher():
    assert shipped_text() == (REPO / "schema.cypher").read_text(encoding="utf-8")


def test_every_statement_is_a_known_form():
    for s in statements(render(schema())):
        assert CONSTRAINT.fullmatch(s) or INDEX.fullmatch(s), s


def test_every_node_label_has_its_key_constraint_and_nothing_else():
    sch = schema()
    found = {m.group(2): m.group(3) for s in statements(render(sch)) if (m := CONSTRAINT.fullmatch(s))}
    expected = {label: node.key for label, node in sch.nodes.items()}
    assert found == expected | {"Finding": "id", "BidgraphLoad": "content_sha256"}


def test_indexes_name_real_properties_and_cover_every_search_field():
    sch = schema()
    indexed = {(m.group(2), m.group(3)) for s in statements(render(sch)) if (m := INDEX.fullmatch(s))}
    for label, prop in indexed:
        if label in sch.store_nodes:
            assert prop in sch.store_nodes[label].properties
        else:
            assert prop in sch.tables[sch.nodes[label].entity_table].columns
    assert {(f.label, f.property) for f in sch.search_fields} <= indexed
    assert ("Finding", "detector") in indexed and ("Project", "region_code") in indexed
    names = [m.group(1) for s in statements(render(sch)) if (m := CONSTRAINT.fullmatch(s) or INDEX.fullmatch(s))]
    assert len(names) == len(set(names))


def test_the_cypher_printer_is_a_command(capsys):
    from bidgraph.graph.schema import main

    assert main(["--cypher"]) == 0
    assert capsys.readouterr().out == render(schema())


def test_schema_rejects_names_that_would_be_unsafe_in_cypher():
    doc = {
        "tables": {"t": {"key": "id", "columns": {"id": {"type": "id"}, "x": {"type": "text"}}}},
        "nodes": {"Bad Label) DETACH DELETE n //": {"key": "id", "from": [{"table": "t", "column": "id"}]}},
        "relationships": [],
    }
    with pytest.raises(SchemaError, match="plain identifiers"):
        _parse(doc)


def _built_queries(sch) -> list[str]:
    """Every Cypher text graph/neo4j/ builds from the schema."""
    queries = [write.merge_nodes_query(n) for n in sch.nodes.values()]
    queries += [
        write.merge_relationships_query(r, sch.nodes[r.start.label], sch.nodes[r.end.label]) for r in sch.relationships
    ]
    queries += [write.role_label_query(n, role, t) for n in sch.nodes.values() for role, t in n.role_labels.items()]
    queries += [*write.load_marker_queries(sch), *findings.finding_queries(sch).values()]
    queries += [findings.flag_query(sch, label) for label in sch.entity_labels.values()]
    queries += search.search_queries(sch, "91330100MA2AAAAA1X")
    queries += [read.paths_query(sch, "(a:Organization {org_id: $a_key})", "(b:Lot {lot_id: $b_key})", 4, ["WON", "X"])]
    return queries


def test_the_store_builds_cypher_from_schema_names_only():
    sch = schema()
    labels = set(sch.nodes) | set(sch.store_nodes) | {r for n in sch.nodes.values() for r in n.role_labels}
    types = set(sch.relationship_types) | set(sch.store_relationships)
    keys = {n.label: n.key for n in sch.nodes.values()} | {n.label: n.key for n in sch.store_nodes.values()}
    for q in _built_queries(sch):
        for label in re.findall(r"\(\w+:(\w+)", q) + re.findall(r"SET \w+:(\w+)", q):
            assert label in labels, q
        for rtype in re.findall(r"\[\w*:(\w+)", q):
            assert rtype in types, q
        for label, key in re.findall(r"\(\w+:(\w+) \{(\w+):", q):
            assert keys[label] == key, q
        assert "'" not in q and '"' not in q, q  # no literal values: they travel as parameters


def test_findings_link_through_flags_with_their_role():
    sch = schema()
    q = findings.flag_query(sch, "Organization")
    assert "(f:Finding {id: row.f})" in q and "(n:Organization {org_id: row.k})" in q
    assert q.endswith("MERGE (f)-[:FLAGS {role: row.role}]->(n)")
    assert read.paths_query(sch, "(a)", "(b)", 3, ["WON", "DROP_ALL"]).count(":WON*..3") == 1


def test_values_sent_to_neo4j_are_plain():
    """Every missing value pandas can hold (NaN, NaT, pd.NA) is dropped, dates become ISO text,
    numpy scalars become Python ones: what the driver accepts as parameters."""
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(
        {
            "ok": pd.array([True, None], dtype="boolean"),
            "day": pd.to_datetime(["2024-03-05", None]),
            "rank": pd.array([1, None], dtype="Int64"),
            "price": [np.float64(2.5), np.nan],
        }
    )
    rows = write.plain_rows(frame, frame.columns)
    assert rows == [{"ok": True, "day": "2024-03-05T00:00:00", "rank": 1, "price": 2.5}, {}]


def test_the_load_marker_changes_with_the_content(tiny_tables):
    first = write.content_hash(tiny_tables)
    assert write.content_hash(dict(tiny_tables)) == first
    changed = {**tiny_tables, "bids": tiny_tables["bids"].iloc[1:]}
    assert write.content_hash(changed) != first
