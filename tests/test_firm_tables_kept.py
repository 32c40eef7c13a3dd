"""The firm-level tables kept on disk beside their graph version (graph/firm_disk.py): what a
later process reads equals what a fresh build makes, a new version gets its own, a county's are
its own, two builders at once leave one whole copy, and city staff never build a region index."""

from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import as_bundle
from workbench_world import tiny_store

from bidgraph.cases.scoped_store import RegionViews
from bidgraph.errors import NotFound
from bidgraph.graph import firm_disk, firm_view
from bidgraph.graph.firm_tables import FORMAT, build_arrays


def _folder(store, region: str = "city"):
    return store.workspace.require_current() / firm_disk.FOLDER / f"{FORMAT}-{region}"


def _same(a: dict, b: dict) -> None:
    assert sorted(a) == sorted(b)
    for name in a:
        if isinstance(a[name], pa.Array):
            assert a[name].to_pylist() == b[name].to_pylist(), name
        else:
            assert np.array_equal(np.asarray(a[name]), np.asarray(b[name])), name


def two_counties(tiny_tables: dict) -> dict:
    """The tiny world and a second project in county 330105, where firm D bid from the IP that A
    and B used in 330102."""
    t = dict(tiny_tables)
    extra = {
        "projects": {**t["projects"].iloc[0].to_dict(), "project_id": "PR2", "region_code": "330105", "_row": 3},
        "lots": {**t["lots"].iloc[0].to_dict(), "lot_id": "L3", "project_id": "PR2", "_row": 4},
        "bids": {**t["bids"].iloc[0].to_dict(), "bid_id": "B6", "lot_id": "L3", "org_id": "D", "_row": 7},
        "bid_uploads": {**t["bid_uploads"].iloc[0].to_dict(), "bid_id": "B6", "mac": "AA:BB:CC:DD:EE:06", "_row": 5},
        "organizations": {**t["organizations"].iloc[-1].to_dict(), "org_id": "D", "name": "丁公司", "_row": 9},
    }
    for name, row in extra.items():
        t[name] = pd.concat([t[name], pd.DataFrame([row]).astype(t[name].dtypes.to_dict())], ignore_index=True)
    return t


def test_kept_tables_equal_a_fresh_build_and_answer_alike(tmp_path, tiny_tables):
    store = tiny_store(tmp_path / "ws", tiny_tables)
    city = RegionViews(store).store(None)
    firm_view.warm(city)
    kept = firm_disk.read(_folder(store))
    _same(kept, build_arrays(store.snapshot(), firm_view.BID_HUBS))
    later = RegionViews(store).store(None)  # what a new process gets: the tables read from disk
    for uid in ("Organization:A", "Organization:B", "Organization:C"):
        assert firm_view.firm_relations(later, uid) == firm_view.firm_relations(store, uid)  # store: built per call
    assert firm_view.hub_firms(later, "IP:10.0.0.7") == firm_view.hub_firms(store, "IP:10.0.0.7")
    assert firm_view.months(later, ["Lot:L2", "Bid:B1", "Bid:nope"]) == {"Lot:L2": "2024-03", "Bid:B1": "2024-03"}
    assert firm_view.firm_wins(later) == {"Organization:A": 1, "Organization:B": 1}


def test_a_new_version_gets_its_own_tables(tmp_path, tiny_tables):
    store = tiny_store(tmp_path / "ws", tiny_tables)
    firm_view.warm(RegionViews(store).store(None))
    first = _folder(store)
    store.load(as_bundle({**tiny_tables, "bid_uploads": tiny_tables["bid_uploads"].iloc[:2]}))
    later = RegionViews(store).store(None)
    own = firm_view.firm_relations(later, "Organization:C")["edges"]
    assert "IP:10.0.9.9" not in {e["target"] for e in own}
    assert _folder(store) != first and _folder(store).exists()
    assert firm_disk.read(first)["hub.IP.values"].to_pylist() == ["10.0.0.7", "10.0.9.9"]  # the old one untouched


def test_a_county_user_sees_only_its_region_from_kept_tables(tmp_path, tiny_tables):
    store = tiny_store(tmp_path / "ws", two_counties(tiny_tables))
    views = RegionViews(store)
    assert firm_view.hub_firms(views.store(None), "IP:10.0.0.7")["total"] == 3
    for _ in range(2):  # built, then read from disk by a new view
        views = RegionViews(store)
        west, east = views.store("330102"), views.store("330105")
        assert [n["id"] for n in firm_view.hub_firms(west, "IP:10.0.0.7")["nodes"]] == [
            "Organization:A",
            "Organization:B",
        ]
        assert [n["id"] for n in firm_view.hub_firms(east, "IP:10.0.0.7")["nodes"]] == ["Organization:D"]
        assert "Organization:D" not in str(firm_view.firm_relations(west, "Organization:A"))
    assert _folder(store, "330102").exists() and _folder(store, "330105").exists()
    with pytest.raises(NotFound):
        firm_view.firm_relations(views.store("330105"), "Organization:A")


def test_builders_at_once_leave_one_whole_copy(tmp_path, tiny_tables):
    store = tiny_store(tmp_path / "ws", tiny_tables)
    arrays = build_arrays(store.snapshot(), firm_view.BID_HUBS)
    folder = tmp_path / "kept" / "f-city"
    assert not at_once(lambda: firm_disk.write(folder, arrays))
    assert [p.name for p in folder.parent.iterdir()] == ["f-city"]  # no temporary folder left
    _same(firm_disk.read(folder), arrays)


def at_once(work, threads: int = 8) -> list[BaseException]:
    """Run ``work`` in ``threads`` threads at once; what they raised."""
    errors: list[BaseException] = []

    def run():
        try:
            work()
        except BaseException as e:  # noqa: BLE001 - returned to the test
            errors.append(e)

    started = [threading.Thread(target=run) for _ in range(threads)]
    for t in started:
        t.start()
    for t in started:
        t.join()
    return errors


def test_city_staff_build_no_region_index(tmp_path, tiny_tables):
    store = tiny_store(tmp_path / "ws", tiny_tables)
    views = RegionViews(store)
    city = views.store(None)
    firm_view.hub_firms(city, "IP:10.0.0.7")
    firm_view.firm_relations(city, "Organization:A")
    firm_view.behind(city, firm_view.hub_firms(city, "IP:10.0.0.7")["edges"][0])
    assert views._index._index is None


def test_the_workbench_warms_each_new_version_in_the_background(tmp_path, tiny_tables):
    from bidgraph.workbench.app import keep_warm

    store = tiny_store(tmp_path / "ws", tiny_tables)
    stop = keep_warm(store, every=0.05)
    try:
        _until(_folder(store).exists)
        store.load(as_bundle({**tiny_tables, "bid_uploads": tiny_tables["bid_uploads"].iloc[:2]}))
        _until(_folder(store).exists)
        assert store.workspace.require_current().name == "v000002"
    finally:
        stop.set()


def _until(done, seconds: float = 30.0) -> None:
    """Wait for a background thread's work (a deadline against hanging, not a timing check)."""
    end = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < end, "not done in time"
        time.sleep(0.02)


def test_a_users_snapshot_is_one_object_per_version(tmp_path, tiny_tables):
    """What callers derive from it (integer codes, joins) is made once per version, not per request."""
    store = tiny_store(tmp_path / "ws", tiny_tables)
    for region in (None, "330102"):
        scoped = RegionViews(store).store(region)
        first = scoped.snapshot()
        assert scoped.snapshot() is first
        codes = first.codes("bids", "org_id")
        assert scoped.snapshot().codes("bids", "org_id") is codes
    store.load(as_bundle(two_counties(tiny_tables)))
    later = scoped.snapshot()
    assert later is not first and later.version != first.version
