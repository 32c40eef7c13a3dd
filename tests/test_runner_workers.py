"""The batch in worker processes (``[run] workers``) returns what the serial batch returns: the
same findings with the same ids and the same summary rows, in the same order; a detector that
fails in a worker, or a worker that dies, costs only its own rows."""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
from collections import defaultdict

import pytest
from snapshot_fixture import make_snapshot
from test_not_applicable import bids_only_rows

from bidgraph.citygen import generate_city
from bidgraph.detectors import bid_ring, hidden_link
from bidgraph.detectors.core.contract import missing_input
from bidgraph.detectors.core.registry import by_id, chosen
from bidgraph.detectors.core.runner import UNITS, run_batch, worker_count
from bidgraph.detectors.core.settings import load_settings
from bidgraph.graph import collector
from bidgraph.graph.snapshot import Snapshot
from bidgraph.loaders.bundle import read_bundle


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("city")
    generate_city(folder, scale="small", seed=3)
    return read_bundle(folder).tables


def batch(tables: dict, workers: int, only: list[str] | None = None, previous=None) -> str:
    """The batch's findings and rows (without their seconds) as the JSON they are stored as."""
    settings = load_settings()
    settings["run"]["workers"] = workers
    findings, summary = run_batch(Snapshot(dict(tables)), settings, only, False, previous)
    rows = [{k: v for k, v in row.items() if k != "seconds"} for row in summary]
    return json.dumps([findings, rows], ensure_ascii=False)


@pytest.fixture(scope="module")
def serial(city) -> str:
    return batch(city, 1)


def test_in_workers_the_batch_is_the_serial_batch(city, serial):
    assert json.loads(serial)[0]
    assert batch(city, 2) == serial


def test_a_subset_run_in_workers_is_the_serial_one(city, serial, tiny_tables):
    only = ["bid_ring", "cover_bidder", "shared_device", "statutory_presumption"]
    assert batch(city, 2, only, json.loads(serial)) == batch(city, 1, only, json.loads(serial))
    assert batch(tiny_tables, 2) == batch(tiny_tables, 1)


def test_a_detector_failing_in_a_worker_is_its_error_row(monkeypatch):
    def broken(snapshot, params, seed):
        raise TypeError("boom")

    monkeypatch.setattr(hidden_link, "detect", broken)
    tables = make_snapshot(bids=bids_only_rows()).tables
    rows = {r["detector"]: r for r in json.loads(batch(tables, 2))[1]}
    assert rows["hidden_link"]["status"] == "error" and rows["hidden_link"]["error"] == "TypeError: boom"
    assert rows["bid_ring"]["status"] == rows["cover_bidder"]["status"] == rows["smoke_index"]["status"] == "ok"
    assert batch(tables, 2) == batch(tables, 1)


def test_a_worker_that_dies_costs_only_the_detectors_it_had_not_finished(monkeypatch):
    tables = make_snapshot(bids=bids_only_rows()).tables
    whole = json.loads(batch(tables, 1))

    def dies(snapshot, params, seed):
        os._exit(3)

    monkeypatch.setattr(hidden_link, "detect", dies)  # bid_ring, hidden_link, cover_bidder: one unit
    findings, summary = json.loads(batch(tables, 2))
    rows = {r["detector"]: r for r in summary}
    assert [r["detector"] for r in summary] == [r["detector"] for r in whole[1]]
    for lost in ("hidden_link", "cover_bidder"):
        assert rows[lost]["status"] == "error" and "exit code 3" in rows[lost]["error"]
    assert rows["bid_ring"]["status"] == "ok" and rows["smoke_index"]["status"] == "ok"
    kept = {"hidden_link", "cover_bidder", "smoke_index"}
    assert [f for f in findings if f["detector"] not in kept] == [f for f in whole[0] if f["detector"] not in kept]


def test_one_worker_runs_the_batch_in_this_process_and_more_do_not(monkeypatch):
    calls: list[int] = []
    real = bid_ring.detect

    def counted(snapshot, params, seed):
        calls.append(os.getpid())  # a worker's list is its own copy
        return real(snapshot, params, seed)

    monkeypatch.setattr(bid_ring, "detect", counted)
    tables = make_snapshot(bids=bids_only_rows()).tables
    batch(tables, 2)
    assert calls == []
    batch(tables, 1)
    assert calls == [os.getpid()]


def test_workers_default_to_the_usable_cores_and_units_name_independent_detectors():
    assert load_settings()["run"]["workers"] == 0
    assert worker_count(load_settings()) == len(os.sched_getaffinity(0))
    listed = [i for unit in UNITS for i in unit]
    assert len(listed) == len(set(listed))
    assert all(i in by_id() and not by_id()[i].combines for i in listed)


# Frames of Snapshot.derived that each worker may make again for itself: integer codes and rows
# of ids, and the bids-lots-projects join and lot sizes (0.5-0.9 CPU s at province, 2026-11-29).
CHEAP_TO_REMAKE = {"codes", "factorised", "rows", "bids_in_context", "lot_sizes"}


def test_detectors_that_share_a_derived_frame_run_in_one_unit(city):
    """``UNITS`` is kept by hand: a frame two units both derive is made in two workers. Each
    detector runs on a fresh snapshot that records the frames it asks for."""
    unit_of = {i: n for n, unit in enumerate(UNITS) for i in unit}
    made_by: dict[str, set] = defaultdict(set)
    asked: set[str] = set()

    class Recording(Snapshot):
        def derived(self, key, make):
            asked.add(key[0] if isinstance(key, tuple) else key)
            return super().derived(key, make)

    for detector in [d for d in chosen(None) if not d.combines]:
        asked.clear()
        snapshot = Recording(dict(city))
        if missing_input(detector, snapshot):
            continue
        sections = {s: by_id()[s].defaults for s in detector.reads}
        detector.detect(snapshot, dict(detector.defaults), 0, findings=[], scores={}, sections=sections)
        for frame in asked:
            made_by[frame].add(unit_of.get(detector.id, detector.id))
    assert {"cobidding", "screened_lots", "bid_outcomes", "awards"} <= set(made_by)  # the probe sees them
    shared = {frame: units for frame, units in made_by.items() if len(units) > 1 and frame not in CHEAP_TO_REMAKE}
    assert not shared, f"frames derived in several units of UNITS (put their detectors in one): {shared}"


@pytest.mark.parametrize("workers", [1, 2])
def test_what_the_caller_does_meanwhile_runs_once_here_while_the_workers_run(tiny_tables, workers):
    calls = []

    def meanwhile() -> None:
        calls.append((os.getpid(), sorted(p.name for p in multiprocessing.active_children())))

    settings = load_settings()
    settings["run"]["workers"] = workers
    alone, _ = run_batch(Snapshot(dict(tiny_tables)), settings, progress=False)
    found, _ = run_batch(Snapshot(dict(tiny_tables)), settings, progress=False, meanwhile=meanwhile)
    assert calls == [(os.getpid(), ["bidgraph-detect"] * workers if workers > 1 else [])]
    assert found == alone


def test_a_process_that_ends_without_freeing_stops_collecting_once_the_workers_are_done(tiny_tables, monkeypatch):
    monkeypatch.setattr(collector, "_kept", [])  # as the command line's end_without_freeing leaves it
    settings = load_settings()
    settings["run"]["workers"] = 2
    on_while_workers_ran = []
    try:
        run_batch(
            Snapshot(dict(tiny_tables)),
            settings,
            progress=False,
            meanwhile=lambda: on_while_workers_ran.append(gc.isenabled()),
        )
        assert on_while_workers_ran == [True] and not gc.isenabled()
    finally:
        gc.enable()
