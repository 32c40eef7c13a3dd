"""What the Neo4j store writes for a load or an append (graph/neo4j/delta.py): a plan of
parameterized statements, checked here without a server (the statements run against a live
one in tests/test_store_neo4j.py, when BIDGRAPH_NEO4J_URI is set)."""

import re
from collections import Counter

import pandas as pd
from conftest import as_bundle

from bidgraph.graph.embedded.store import EmbeddedStore
from bidgraph.graph.neo4j.delta import plain_rows, plan
from bidgraph.graph.neo4j.snapshot import _typed
from bidgraph.graph.schema import schema


def _written(steps) -> tuple[Counter, Counter]:
    """Rows per node label and per relationship type that MERGE statements write."""
    nodes, rels = Counter(), Counter()
    for step in steps:
        if step.rows and " MERGE (n:" in step.query:
            nodes[re.search(r"MERGE \(n:(\w+)", step.query).group(1)] += len(step.rows)
        elif step.rows and "MERGE (a)-[r:" in step.query:
            rels[re.search(r"\[r:(\w+)", step.query).group(1)] += len(step.rows)
    return nodes, rels


def _round_trip(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables as a Neo4j snapshot types them back (values sent as parameters, read, typed)."""
    return {n: _typed(schema(), n, pd.DataFrame(plain_rows(f, f.columns))) for n, f in tables.items()}


def test_a_first_load_writes_every_node_and_relationship_the_embedded_store_holds(tiny_tables, tmp_path):
    embedded = EmbeddedStore(tmp_path)
    embedded.load(as_bundle(tiny_tables))
    nodes, rels = _written(plan(schema(), {}, tiny_tables))
    assert dict(nodes) == {k: v for k, v in embedded.info()["nodes"].items() if v}
    assert dict(rels) == {k: v for k, v in embedded.info()["relationships"].items() if v}


def test_the_same_tables_read_back_from_neo4j_plan_no_write(tiny_tables):
    steps = plan(schema(), _round_trip(tiny_tables), tiny_tables)
    assert [s for s in steps if s.rows] == []  # only the role labels are set again


def test_an_updated_row_rewrites_its_node_and_only_its_relationships(tiny_tables):
    after = dict(tiny_tables)
    orgs = tiny_tables["organizations"].copy()
    orgs.loc[orgs["org_id"] == "C", "phone"] = "13900000009"
    after["organizations"] = orgs
    steps = plan(schema(), _round_trip(tiny_tables), after)
    nodes, rels = _written(steps)
    assert dict(nodes) == {"Organization": 1, "Phone": 1}
    assert [r["key"] for s in steps if s.rows and "MERGE (n:Organization" in s.query for r in s.rows] == ["C"]
    drops = [s for s in steps if "DELETE r" in s.query]
    assert [(s.params, [r["a"] for r in s.rows]) for s in drops] == [({"table": "organizations:"}, ["C"])]
    assert [s.rows for s in steps if "DETACH DELETE" in s.query] == [["13800000003"]]  # C's old phone, unused now
    assert rels == Counter({"HAS_PHONE": 1})


def test_a_deleted_row_detaches_its_node(tiny_tables):
    after = {**tiny_tables, "bids": tiny_tables["bids"][tiny_tables["bids"]["bid_id"] != "B5"]}
    steps = plan(schema(), tiny_tables, after)
    assert [(re.search(r"MATCH \(n:(\w+)", s.query).group(1), s.rows) for s in steps if "DETACH" in s.query] == [
        ("Bid", ["B5"])
    ]


def test_plans_carry_values_only_as_parameters(tiny_tables):
    sch = schema()
    labels = set(sch.nodes) | {r for n in sch.nodes.values() for r in n.role_labels}
    after = {**tiny_tables, "bids": tiny_tables["bids"].iloc[1:]}
    for step in plan(sch, tiny_tables, after) + plan(sch, {}, tiny_tables):
        assert "'" not in step.query and '"' not in step.query, step.query
        for label in re.findall(r"\(\w+:(\w+)", step.query):
            assert label in labels, step.query
        for rtype in re.findall(r"\[\w*:(\w+)", step.query):
            assert rtype in sch.relationship_types, step.query
