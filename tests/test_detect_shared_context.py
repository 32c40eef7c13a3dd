"""What the detectors of a batch share is made once per snapshot (``Snapshot.derived``) and
changes no finding: the batch on a fresh snapshot, on a snapshot whose shared frames are already
made, and with nothing shared at all gives the same findings, ids, scores and evidence."""

from __future__ import annotations

import gc

import pytest

from bidgraph.citygen import generate_city
from bidgraph.detectors.core.common import bids_in_context
from bidgraph.detectors.core.runner import run_batch
from bidgraph.detectors.core.settings import load_settings
from bidgraph.detectors.stats.cobidding import _cobidding, cobidding
from bidgraph.detectors.stats.panels import score_deviations
from bidgraph.graph.snapshot import Snapshot
from bidgraph.loaders.bundle import read_bundle


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("world")
    generate_city(folder, scale="small", seed=11)
    return read_bundle(folder).tables


def test_sharing_changes_no_finding(world, monkeypatch):
    shared = Snapshot(dict(world))
    first = run_batch(shared, load_settings(), progress=False)
    again = run_batch(shared, load_settings(), progress=False)  # every shared frame already made
    monkeypatch.setattr(Snapshot, "derived", lambda self, key, make: make())
    alone = run_batch(Snapshot(dict(world)), load_settings(), progress=False)
    drop = ("seconds",)
    rows = [[{k: v for k, v in r.items() if k not in drop} for r in summary] for _, summary in (first, again, alone)]
    assert first[0] and first[0] == again[0] == alone[0]
    assert rows[0] == rows[1] == rows[2]


def test_a_column_one_caller_adds_reaches_no_other(world):
    snapshot = Snapshot(dict(world))
    mine = bids_in_context(snapshot)
    mine["mine"] = 1
    co = cobidding(snapshot, min_cobids=3)
    co.bids["mine"] = 1
    assert "mine" not in bids_in_context(snapshot) and "mine" not in cobidding(snapshot, min_cobids=3).bids


def test_a_larger_min_cobids_is_the_shared_pairs_that_met_often_enough(world):
    snapshot = Snapshot(dict(world))
    cobidding(snapshot, min_cobids=2)
    shared, own = cobidding(snapshot, min_cobids=4).pairs, _cobidding(snapshot, 4).pairs
    assert len(own) and shared.equals(own)


def test_each_scored_bid_is_named_with_its_firm_and_the_deviations_are_shared_read_only(world):
    snapshot = Snapshot(dict(world))
    deviations = score_deviations(snapshot)
    firms = world["bids"].set_index("bid_id")["org_id"]
    assert len(deviations) and deviations["org_id"].tolist() == firms.reindex(deviations["bid_id"]).tolist()
    deviations["mine"] = 1
    assert "mine" not in score_deviations(snapshot)


def test_the_batch_leaves_the_collector_as_it_found_it(world, monkeypatch):
    before = gc.get_threshold()
    snapshot = Snapshot(dict(world))
    monkeypatch.setattr(Snapshot, "derived", lambda self, key, make: 1 / 0)  # those that share a frame fail
    _, summary = run_batch(snapshot, load_settings(), only=["bid_ring", "frequent_winner"], progress=False)
    assert [r["status"] for r in summary if r["detector"] == "bid_ring"] == ["error"]
    assert gc.get_threshold() == before
