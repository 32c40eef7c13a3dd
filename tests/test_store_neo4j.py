"""The Neo4j store against a live server. No server can be installed on the project's
machines, so these run only where BIDGRAPH_NEO4J_URI points at one (a scratch database:
the tests delete everything in it)."""

import os

import pytest
from conftest import as_bundle

from bidgraph.errors import NotFound
from bidgraph.graph.embedded.store import EmbeddedStore

pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.skipif(
        not os.environ.get("BIDGRAPH_NEO4J_URI"),
        reason="BIDGRAPH_NEO4J_URI is not set: no live Neo4j server to test against",
    ),
]


@pytest.fixture
def neo(tiny_tables):
    from bidgraph.graph.neo4j.store import Neo4jStore

    store = Neo4jStore.from_env()
    store.connection.run("MATCH (n) DETACH DELETE n")
    store.load(as_bundle(tiny_tables))
    yield store
    store.connection.run("MATCH (n) DETACH DELETE n")
    store.close()


def _counts(store) -> tuple[dict, dict]:
    info = store.info()
    return {k: v for k, v in info["nodes"].items() if v}, {k: v for k, v in info["relationships"].items() if v}


def test_counts_match_the_embedded_store(neo, tiny_tables, tmp_path):
    embedded = EmbeddedStore(tmp_path)
    embedded.load(as_bundle(tiny_tables))
    assert _counts(neo) == _counts(embedded)


def test_loading_twice_changes_nothing(neo, tiny_tables):
    before = neo.info()
    assert neo.load(as_bundle(tiny_tables))["unchanged"] is True
    assert neo.info() == before


def test_queries(neo):
    assert neo.node("Organization:A")["properties"]["name"] == "甲建设工程有限公司"
    assert "Bidder" in neo.node("Organization:A")["labels"]
    with pytest.raises(NotFound):
        neo.node("Organization:NOPE")
    page = neo.expand("IP:10.0.0.7")
    assert page["total"] == 2
    paths = neo.paths("Organization:A", "Organization:B")
    assert {tuple(p["nodes"]) for p in paths["paths"]} == {
        ("Organization:A", "Person:P1", "Organization:B"),
        ("Organization:A", "Phone:13800000001", "Organization:B"),
    }
    assert neo.search("甲建设")[0]["id"] == "Organization:A"
    assert neo.search("' OR 1=1 MATCH (n) DETACH DELETE n //") == []
    assert neo.info()["nodes"]["Organization"] == 5


def test_snapshot_round_trip(neo, tiny_tables):
    snap = neo.snapshot()
    assert sorted(snap["bids"]["bid_id"]) == sorted(tiny_tables["bids"]["bid_id"])
    assert sorted(snap["bid_uploads"]["ip"].dropna()) == sorted(tiny_tables["bid_uploads"]["ip"].dropna())


def test_findings_are_nodes_linked_to_what_they_flag(neo):
    finding = {
        "id": "F-000001",
        "detector": "shared_device",
        "score": 0.9,
        "severity": "high",
        "summary": "x",
        "entities": [{"type": "company", "id": "A", "role": "member"}],
        "evidence": {},
    }
    neo.save_findings([finding])
    assert neo.findings() == [finding]
    linked = neo.connection.run(
        "MATCH (:Finding {id: $id})-[:FLAGS]->(o:Organization) RETURN o.org_id AS k", id="F-000001"
    )
    assert linked == [{"k": "A"}]


def test_append_day_by_day_equals_loading_at_once(neo, tiny_tables, tmp_path):
    """Issue 14, the team path: an append writes only the difference, in one transaction."""
    first = {**tiny_tables, "bids": tiny_tables["bids"].iloc[:3]}
    neo.connection.run("MATCH (n) DETACH DELETE n")
    neo.load(as_bundle(first))
    report = neo.append(as_bundle({"bids": tiny_tables["bids"].iloc[3:]}))
    assert report["unchanged"] is False and report["changes"]["bids"]["added"] == 2
    embedded = EmbeddedStore(tmp_path)
    embedded.load(as_bundle(tiny_tables))
    assert _counts(neo) == _counts(embedded)
    assert neo.append(as_bundle({"bids": tiny_tables["bids"].iloc[3:]}))["unchanged"] is True


def test_an_appended_update_keeps_history(neo, tiny_tables):
    orgs = tiny_tables["organizations"].copy()
    orgs.loc[orgs["org_id"] == "C", "phone"] = "13900000009"
    report = neo.append(as_bundle({"organizations": orgs[orgs["org_id"] == "C"]}))
    assert report["changes"]["organizations"]["updated"] == 1
    assert neo.node("Organization:C")["properties"]["phone"] == "13900000009"
    assert [h["values"]["phone"] for h in neo.history("Organization:C")] == ["13800000003"]
    assert neo.expand("Phone:13900000009")["total"] == 1
    with pytest.raises(NotFound):
        neo.node("Phone:13800000003")  # no row names it any more


def test_the_latest_batch_record_is_read_alone(neo):
    assert neo.last_batch() is None
    for n in (1, 2, 10):
        neo.save_batch({"id": f"B-{n:06d}", "at": f"2026-11-{n:02d}", "graph_version": "v", "changes": {}})
    assert neo.last_batch()["id"] == "B-000010" == neo.batches()[-1]["id"]
