"""Firm-level views: Bid/Lot paths collapse into firm edges, hubs page through their firms,
and an edge opens into the stored bids and lots behind it."""

from __future__ import annotations

from conftest import as_bundle
from workbench_world import hub_tables, open_view, tiny_store

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
