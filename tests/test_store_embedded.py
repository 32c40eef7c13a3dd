import shutil

import pytest
from conftest import as_bundle

from bidgraph.errors import NotFound, StoreError
from bidgraph.graph.embedded.store import EmbeddedStore
from bidgraph.graph.embedded.versions import Workspace


@pytest.fixture
def store(tmp_path, tiny_tables):
    s = EmbeddedStore(tmp_path / "ws")
    s.load(as_bundle(tiny_tables))
    return s


def test_info_counts_nodes_and_relationships(store):
    info = store.info()
    assert info["nodes"]["Organization"] == 5
    assert info["nodes"]["Bid"] == 5
    assert info["nodes"]["IP"] == 2
    assert info["nodes"]["Device"] == 2
    assert info["nodes"]["Phone"] == 2
    assert info["relationships"]["SUBMITTED"] == 5
    assert info["relationships"]["WON"] == 2
    assert info["relationships"]["UPLOADED_FROM"] == 3
    assert info["relationships"]["HOLDS_ROLE"] == 2
    assert info["store"] == "embedded"


def test_node_has_properties_roles_and_source(store):
    node = store.node("Organization:A")
    assert node["properties"]["name"] == "甲建设工程有限公司"
    assert "Bidder" in node["labels"]
    assert node["source"] == {"table": "organizations", "file": "fixture.csv", "row": 4}
    assert "Tenderer" in store.node("Organization:T1")["labels"]
    assert store.node("Organization:A")["degree"]["SUBMITTED"] == 1


def test_unknown_node_is_a_clear_error(store):
    with pytest.raises(NotFound, match="no node 'Organization:NOPE'"):
        store.node("Organization:NOPE")
    with pytest.raises(NotFound):
        store.node("garbage")


def test_expand_by_type_with_paging(store):
    page = store.expand("IP:10.0.0.7")
    assert page["total"] == 2 and {n["id"] for n in page["nodes"]} == {"Bid:B1", "Bid:B2"}
    lot = store.expand("Lot:L1", types=["FOR_LOT"], limit=2)
    assert lot["total"] == 3 and len(lot["edges"]) == 2
    rest = store.expand("Lot:L1", types=["FOR_LOT"], limit=2, offset=2)
    assert len(rest["edges"]) == 1
    seen = {e["source"] for e in lot["edges"] + rest["edges"]}
    assert seen == {"Bid:B1", "Bid:B2", "Bid:B3"}
    assert lot["by_type"] == {"FOR_LOT": 3}


def test_paths_between_firms(store):
    result = store.paths("Organization:A", "Organization:B", max_hops=4)
    # A and B are linked in two hops through their shared person and their shared phone.
    assert {tuple(p["nodes"]) for p in result["paths"]} == {
        ("Organization:A", "Person:P1", "Organization:B"),
        ("Organization:A", "Phone:13800000001", "Organization:B"),
    }
    typed = store.paths("Organization:A", "Organization:C", max_hops=4, types=["SUBMITTED", "FOR_LOT"])
    assert typed["paths"] == [
        {
            "nodes": ["Organization:A", "Bid:B1", "Lot:L1", "Bid:B3", "Organization:C"],
            "edges": typed["paths"][0]["edges"],
        }
    ]
    assert [e["type"] for e in typed["paths"][0]["edges"]] == ["SUBMITTED", "FOR_LOT", "FOR_LOT", "SUBMITTED"]
    assert store.paths("Organization:A", "Organization:C", max_hops=1)["paths"] == []


def test_subgraph_keeps_only_links_among_given_nodes(store):
    sub = store.subgraph(["Organization:A", "Bid:B1", "Lot:L1", "Bid:B5"])
    types = sorted(e["type"] for e in sub["edges"])
    assert types == ["FOR_LOT", "SUBMITTED", "WON"]


def test_search_by_name_key_and_registry_numbers(store):
    assert store.search("甲建设")[0]["id"] == "Organization:A"
    assert store.search("10.0.0.7")[0]["id"] == "IP:10.0.0.7"
    assert store.search("aa-bb-cc-dd-ee-01")[0]["id"] == "Device:AA:BB:CC:DD:EE:01"
    assert store.search("11010519491231002x")[0]["id"] == "Person:P1"
    assert store.search("丙市政")[0]["id"] == "Organization:C"
    assert store.search("乙建设有限公司")[0]["id"] in {"Organization:B", "Organization:A"}  # fuzzy
    assert store.search("' OR 1=1; MATCH (n) DETACH DELETE n //") == []
    assert store.search("   ") == []


def test_loading_same_content_twice_changes_nothing(tmp_path, tiny_tables):
    s = EmbeddedStore(tmp_path / "ws")
    first = s.load(as_bundle(tiny_tables))
    again = s.load(as_bundle(tiny_tables))
    assert again == {"version": first["version"], "unchanged": True}


def test_failed_load_leaves_previous_version_live(tmp_path, tiny_tables, monkeypatch):
    s = EmbeddedStore(tmp_path / "ws")
    s.load(as_bundle(tiny_tables))
    before = s.info()
    changed = dict(tiny_tables)
    changed["bids"] = tiny_tables["bids"].iloc[:3]

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("pyarrow.ipc.new_file", explode)
    with pytest.raises(OSError):
        s.load(as_bundle(changed))
    monkeypatch.undo()
    fresh = EmbeddedStore(tmp_path / "ws")
    assert fresh.info()["nodes"] == before["nodes"]
    assert not list((tmp_path / "ws" / "versions").glob(".tmp-*"))


def test_empty_workspace_says_what_to_do(tmp_path):
    with pytest.raises(StoreError, match="bidgraph load"):
        EmbeddedStore(tmp_path / "empty").info()


def test_findings_are_stored_with_the_version(store):
    store.save_findings([{"id": "F-000001", "detector": "shared_device"}])
    assert store.findings() == [{"id": "F-000001", "detector": "shared_device"}]
    assert Workspace(store.workspace.root).read_findings()[0]["id"] == "F-000001"


def test_paths_do_not_pass_through_hubs(tmp_path, tiny_tables, monkeypatch):
    import bidgraph.graph.embedded.index as index_module

    tables = dict(tiny_tables)
    import pandas as pd

    uploads = pd.concat([tables["bid_uploads"], tables["bid_uploads"].iloc[:2].assign(bid_id=["B4", "B5"], mac=None)])
    uploads["ip"] = "10.0.0.7"  # every bid from one address, as from a trading centre's terminal
    tables["bid_uploads"] = uploads
    s = EmbeddedStore(tmp_path / "ws")
    s.load(as_bundle(tables))
    via_ip = ("Organization:A", "Bid:B1", "IP:10.0.0.7", "Bid:B2", "Organization:B")
    types = ["SUBMITTED", "UPLOADED_FROM"]
    assert via_ip in [tuple(p["nodes"]) for p in s.paths("Organization:A", "Organization:B", types=types)["paths"]]
    monkeypatch.setattr(index_module, "HUB_DEGREE", 4)  # the address (5 uploads) is now a hub, the bids are not
    assert s.paths("Organization:A", "Organization:B", types=types)["paths"] == []
    # ...but a path may still start at a hub
    assert list(via_ip[2:]) in [p["nodes"] for p in s.paths("IP:10.0.0.7", "Organization:B", types=types)["paths"]]


def _answers(s: EmbeddedStore) -> list:
    return [
        s.info()["nodes"],
        s.info()["relationships"],
        s.node("Organization:A"),
        s.expand("Organization:A", limit=3, offset=1),
        s.expand("IP:10.0.0.7"),
        s.paths("Organization:A", "Organization:B"),
        s.search("甲建设"),
    ]


def test_the_index_is_written_with_the_version_and_opening_reads_no_table(store):
    """Issue 14, open fast: a query maps the index written at load; it parses no Parquet table."""
    assert (store.workspace.require_current() / "index" / "meta.json").exists()
    fresh = EmbeddedStore(store.workspace.root)
    assert fresh.expand("Organization:A")["total"] > 0 and fresh.search("甲建设")
    assert fresh.index.tables._read == {}  # type: ignore[attr-defined]


def test_a_version_without_an_index_builds_it_on_open_with_the_same_answers(store, tiny_tables):
    expected = _answers(store)
    version = store.workspace.require_current()
    (version / "tables").mkdir()  # a version written before indexes were kept: its tables as Parquet
    for name, frame in tiny_tables.items():
        frame.to_parquet(version / "tables" / f"{name}.parquet", index=False)
    index = version / "index"
    shutil.rmtree(index)
    assert _answers(EmbeddedStore(store.workspace.root)) == expected
    assert (index / "meta.json").exists()


def test_a_failed_index_build_leaves_the_previous_version_live(store, tiny_tables, monkeypatch):
    expected = _answers(store)
    changed = {**tiny_tables, "bids": tiny_tables["bids"].iloc[:3]}

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("bidgraph.graph.embedded.versions.write_index", explode)
    with pytest.raises(OSError):
        store.load(as_bundle(changed))
    assert _answers(EmbeddedStore(store.workspace.root)) == expected
    assert not list((store.workspace.root / "versions").glob(".tmp-*"))


def test_search_answers_the_same_from_its_indexes_as_from_a_scan(store):
    """The bigram postings and sorted exact fields (graph/embedded/textindex.py) only narrow
    what is read: every answer equals scanning every name."""
    texts = [
        "甲建设",
        "建筑有限",
        "建设工程有限公司",
        "甲建筑",
        "公司建设",
        "张伟",
        "张",
        "11010519491231002X",
        "138",
        "xyz",
    ]
    fast = [store.search(t) for t in texts]
    index = store.index
    index.text.has_postings = lambda *args: False  # type: ignore[method-assign]
    index.text.equal = lambda *args: None  # type: ignore[method-assign]
    assert [store.search(t) for t in texts] == fast
    assert fast[0][0]["id"] == "Organization:A" and fast[3]  # a typo still finds by shared pairs
