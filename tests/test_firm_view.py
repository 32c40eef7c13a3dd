"""Firm-level views: Bid/Lot paths collapse into firm edges, hubs page through their firms,
and an edge opens into the stored bids and lots behind it."""

from __future__ import annotations

from conftest import as_bundle
from workbench_world import hub_tables, open_view, tiny_store

from bidgraph.cases.scoped_store import RegionViews
from bidgraph.graph import firm_view
from bidgraph.graph.embedded.store import EmbeddedStore


def test_a_shared_ip_shows_the_firms_behind_it_not_bids(tmp_path, tiny_tables):
    api = open_view(tiny_store(tmp_path / "ws", tiny_tables)).api
    view = firm_view.hub_firms(api, "IP:10.0.0.7")
    assert view["total"] == 2
    assert [n["id"] for n in view["nodes"]] == ["Organization:A", "Organization:B"]
    edge = view["edges"][0]
    assert edge["type"] == "USED_IP" and edge["properties"] == {"bids": ["B1"], "lots": ["L1"], "wins": 1}
    behind = firm_view.behind(api, edge)
    assert {"Bid:B1", "Lot:L1", "Organization:A", "IP:10.0.0.7"} <= {n["id"] for n in behind["nodes"]}
    assert {e["type"] for e in behind["edges"]} >= {"SUBMITTED", "UPLOADED_FROM", "FOR_LOT"}


def test_a_firm_shows_people_hubs_and_co_bidders(tmp_path, tiny_tables):
    api = open_view(tiny_store(tmp_path / "ws", tiny_tables)).api
    view = firm_view.firm_relations(api, "Organization:A")
    by_type = {(e["type"], e["target"] if e["source"] == "Organization:A" else e["source"]): e for e in view["edges"]}
    assert by_type[("HOLDS_ROLE", "Person:P1")]["properties"]["role"] == "legal_rep"
    assert by_type[("USED_IP", "IP:10.0.0.7")]["properties"]["firms"] == 2
    assert by_type[("CO_BID", "Organization:B")]["properties"]["lots"] == ["L1"]
    assert not any(n["label"] == "Bid" for n in view["nodes"])
    people = firm_view.hub_firms(api, "Person:P1")
    assert people["total"] == 2 and {e["properties"]["role"] for e in people["edges"]} == {"legal_rep", "shareholder"}


def test_a_hub_pages_through_its_firms(tmp_path):
    store = EmbeddedStore(tmp_path / "hub")
    store.load(as_bundle(hub_tables()))
    api = open_view(store).api
    first = firm_view.hub_firms(api, "IP:61.1.1.1")
    second = firm_view.hub_firms(api, "IP:61.1.1.1", offset=20)
    assert first["total"] == 330 and len(first["nodes"]) == len(second["nodes"]) == firm_view.PAGE
    assert not {n["id"] for n in first["nodes"]} & {n["id"] for n in second["nodes"]}
    assert first == firm_view.hub_firms(api, "IP:61.1.1.1")  # deterministic


def test_a_firm_lists_the_hubs_it_shares_before_its_people(tmp_path, tiny_tables):
    api = open_view(tiny_store(tmp_path / "ws", tiny_tables)).api
    types = [e["type"] for e in firm_view.firm_relations(api, "Organization:A")["edges"]]
    assert types.index("USED_IP") < types.index("HOLDS_ROLE") < types.index("CO_BID")
    own = firm_view.firm_relations(api, "Organization:C")["edges"]  # C alone used 10.0.9.9: last
    assert [e["type"] for e in own][-1] == "USED_IP" and own[-1]["properties"]["firms"] == 1


def test_two_firms_that_bid_together_get_one_co_bid_link(tmp_path, tiny_tables):
    api = open_view(tiny_store(tmp_path / "ws", tiny_tables)).api
    from_a = {e["id"]: e for e in firm_view.firm_relations(api, "Organization:A")["edges"] if e["type"] == "CO_BID"}
    from_b = {e["id"]: e for e in firm_view.firm_relations(api, "Organization:B")["edges"] if e["type"] == "CO_BID"}
    shared = from_a.keys() & from_b.keys()
    assert shared == {"Organization:A|CO_BID|Organization:B"}
    assert from_a[next(iter(shared))] == from_b[next(iter(shared))]


def test_firm_tables_are_kept_per_graph_version_and_region(tmp_path, tiny_tables):
    store = tiny_store(tmp_path / "ws", tiny_tables)
    views = RegionViews(store)
    city, county = views.store(None), views.store("330102")
    assert firm_view._tables(city) is firm_view._tables(city)
    assert firm_view._tables(county) is not firm_view._tables(city)
    city_first = firm_view.firm_relations(city, "Organization:A"), firm_view.firm_relations(county, "Organization:A")
    alone = firm_view.firm_relations(RegionViews(store).store("330102"), "Organization:A")
    assert city_first[1] == alone  # the county's answer is its own, whoever asked first
    kept = firm_view._tables(city)
    tiny_tables = {**tiny_tables, "bid_uploads": tiny_tables["bid_uploads"].iloc[:2]}
    store.load(as_bundle(tiny_tables))  # a new graph version
    assert firm_view._tables(city) is not kept
    assert "IP:10.0.9.9" not in {e["target"] for e in firm_view.firm_relations(city, "Organization:C")["edges"]}
