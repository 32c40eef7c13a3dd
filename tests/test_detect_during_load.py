"""Findings belong to the graph version they were computed on: a load that swaps the version
while the detectors run makes storing them fail cleanly, and the stored findings stay as they were."""

from __future__ import annotations

import os

import pytest
from conftest import as_bundle
from test_cli_core import write_bundle

from bidgraph.cli import main
from bidgraph.errors import StoreError
from bidgraph.graph.embedded.store import EmbeddedStore
from bidgraph.graph.jsonlines import read_jsonl

STALE = "the graph changed while the detectors ran"


def other_world(tiny_tables):
    changed = dict(tiny_tables)
    changed["bids"] = tiny_tables["bids"].iloc[:4]
    return changed


def test_findings_of_a_replaced_version_are_refused(tmp_path, tiny_tables):
    store = EmbeddedStore(tmp_path / "ws")
    store.load(as_bundle(tiny_tables))
    snapshot = store.snapshot()
    assert snapshot.version == store.info()["version"]
    store.save_findings([{"id": "F-000001"}], computed_on=snapshot.version)
    store.load(as_bundle(other_world(tiny_tables)))
    with pytest.raises(StoreError, match=STALE):
        store.save_findings([{"id": "F-000002"}], computed_on=snapshot.version)
    assert store.findings() == []  # the live version has none, and got none
    old = tmp_path / "ws" / "versions" / snapshot.version / "findings.jsonl"
    assert read_jsonl(old) == [{"id": "F-000001"}]  # the old version's findings are intact


def test_detect_fails_when_a_load_swaps_the_graph_during_the_run(tmp_path, tiny_tables, capsys, monkeypatch):
    import bidgraph.detectors.core.batches as batches  # detect runs the batch through record_batch

    ws = tmp_path / "ws"
    assert main(["load", str(write_bundle(tiny_tables, tmp_path / "b")), "--workspace", str(ws), "--quiet"]) == 0
    assert main(["detect", "--workspace", str(ws), "--quiet"]) == 0
    before = EmbeddedStore(ws).findings()
    assert before
    real_run = batches.run_batch

    def run_while_loading(*args, **kwargs):
        result = real_run(*args, **kwargs)
        EmbeddedStore(ws).load(as_bundle(other_world(tiny_tables)))  # another operator's load lands
        return result

    monkeypatch.setattr(batches, "run_batch", run_while_loading)
    capsys.readouterr()
    assert main(["detect", "--workspace", str(ws), "--quiet"]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("bidgraph:")]
    assert len(err) == 1 and STALE in err[0]
    assert EmbeddedStore(ws).findings() == []  # the new version has no findings from the old graph
    versions = sorted(p.name for p in (ws / "versions").iterdir())
    assert EmbeddedStore(ws).workspace.current.name == versions[-1]
    assert (ws / "versions" / versions[0] / "findings.jsonl").exists()
    assert len(before) == sum(1 for _ in open(ws / "versions" / versions[0] / "findings.jsonl", encoding="utf-8"))


@pytest.mark.neo4j
@pytest.mark.skipif(
    not os.environ.get("BIDGRAPH_NEO4J_URI"),
    reason="BIDGRAPH_NEO4J_URI is not set: no live Neo4j server to test against",
)
def test_neo4j_refuses_findings_of_a_replaced_load(tiny_tables):
    from bidgraph.graph.neo4j.store import Neo4jStore

    store = Neo4jStore.from_env()
    store.connection.run("MATCH (n) DETACH DELETE n")
    try:
        store.load(as_bundle(tiny_tables))
        snapshot = store.snapshot()
        store.save_findings([], computed_on=snapshot.version)
        store.load(as_bundle(other_world(tiny_tables)))
        with pytest.raises(StoreError, match=STALE):
            store.save_findings([], computed_on=snapshot.version)
        assert store.snapshot().version != snapshot.version
    finally:
        store.connection.run("MATCH (n) DETACH DELETE n")
        store.close()
