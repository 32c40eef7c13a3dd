"""The region index kept on disk beside its graph version (cases/region_index.py through
graph/firm_disk.py): what a later process reads answers like a fresh build, a new version or a
new format is built again, builders at once leave one whole copy and no dead builder's temporary
folder survives, and a county user still sees only its region through it."""

from __future__ import annotations

import os
import time

import pytest
from conftest import as_bundle
from test_firm_tables_kept import _same, at_once, two_counties
from workbench_world import tiny_store

from bidgraph.cases import region_index
from bidgraph.cases.region_index import RegionIndex, build_arrays
from bidgraph.cases.scoped_store import RegionViews
from bidgraph.errors import NotFound
from bidgraph.graph import firm_disk

TYPES = ("project", "lot", "bid", "company", "ip", "device", "document", "person", "expert", "contract", "payment")


def _folder(store, form: str = region_index.FORMAT):
    return store.workspace.require_current() / region_index.KIND / f"{form}-city"


def _answers(index: RegionIndex, snapshot) -> dict:
    """Every id's regions, every region's ids and every name, as the index tells them."""
    ids = {t: set(snapshot[table][col].dropna().astype(str)) for t, (table, col) in _ID_COLUMNS.items()}
    regions = set(snapshot["projects"]["region_code"].dropna().astype(str)) | {"999999"}
    return {
        "regions": {(t, i): index.regions(t, i) for t, found in ids.items() for i in found | {"nope"}},
        "ids_in": {(t, r): index.ids_in(t, r) for t in TYPES for r in regions},
        "names": {uid: index.names.get(uid) for uid in ("Organization:A", "Organization:D", "Lot:L1", "Lot:nope")},
    }


# entity type -> (table, id column) of the ids whose regions are compared
_ID_COLUMNS = {
    "project": ("projects", "project_id"), "lot": ("lots", "lot_id"), "bid": ("bids", "bid_id"),
    "company": ("organizations", "org_id"), "ip": ("bid_uploads", "ip"), "device": ("bid_uploads", "mac"),
}  # fmt: skip


def test_the_kept_index_equals_a_fresh_build_and_answers_alike(tmp_path, tiny_tables):
    store = tiny_store(tmp_path / "ws", two_counties(tiny_tables))
    RegionViews(store).regions()  # builds and keeps it
    snapshot = store.snapshot()
    _same(firm_disk.read(_folder(store)), build_arrays(snapshot))
    later = RegionViews(store).regions()  # what a new process gets: the index read from disk
    fresh = RegionIndex(snapshot)
    assert _answers(later, snapshot) == _answers(fresh, snapshot)
    assert later.regions("company", "D") == {"330105"} and later.regions("ip", "10.0.0.7") == {"330102", "330105"}
    assert later.names.get("Organization:D") == "丁公司"


def test_a_new_version_gets_its_own_index(tmp_path, tiny_tables):
    store = tiny_store(tmp_path / "ws", tiny_tables)
    views = RegionViews(store)
    assert views.regions().regions("company", "D") == frozenset()
    first = _folder(store)
    store.load(as_bundle(two_counties(tiny_tables)))
    assert views.regions().regions("company", "D") == {"330105"}  # the same views follow the version
    assert _folder(store) != first and _folder(store).exists()
    assert firm_disk.read(first)["regions"].to_pylist() == ["330102"]  # the old one untouched


def test_a_new_format_is_built_again_and_the_old_copy_not_read(tmp_path, tiny_tables, monkeypatch):
    store = tiny_store(tmp_path / "ws", tiny_tables)
    RegionViews(store).regions()
    built: list[str] = []
    counted = lambda tables: built.append("built") or build_arrays(tables)  # noqa: E731
    monkeypatch.setattr(region_index, "build_arrays", counted)
    RegionViews(store).regions()
    assert built == []  # same format: read from disk
    monkeypatch.setattr(region_index, "FORMAT", "r-next")
    RegionViews(store).regions()
    assert built == ["built"] and _folder(store, "r-next").exists()


def test_builders_at_once_leave_one_whole_copy_and_no_dead_builders_folder(tmp_path, tiny_tables):
    store = tiny_store(tmp_path / "ws", tiny_tables)
    parent = _folder(store).parent
    parent.mkdir(parents=True)
    dead = parent / f"{firm_disk.TMP}{_folder(store).name}-crashed"  # a builder of this folder that died
    old = parent / f"{firm_disk.TMP}other-crashed"  # another folder's builder, dead for hours
    young = parent / f"{firm_disk.TMP}other-building"  # another folder's builder, still at work
    for folder in (dead, old, young):
        folder.mkdir()
    hours_ago = time.time() - 3 * firm_disk.STALE_AFTER
    os.utime(old, (hours_ago, hours_ago))
    assert not at_once(lambda: RegionViews(store).regions())
    assert sorted(p.name for p in parent.iterdir()) == sorted([_folder(store).name, young.name])
    _same(firm_disk.read(_folder(store)), build_arrays(store.snapshot()))


def test_a_county_user_sees_only_its_region_through_the_kept_index(tmp_path, tiny_tables):
    store = tiny_store(tmp_path / "ws", two_counties(tiny_tables))
    RegionViews(store).regions()
    east = RegionViews(store).store("330105")  # reads the index from disk
    assert east.node("Organization:D")["id"] == "Organization:D"
    with pytest.raises(NotFound):
        east.node("Organization:A")
    assert {n["id"] for n in east.expand("IP:10.0.0.7")["nodes"]} <= {"Bid:B6", "Device:AA:BB:CC:DD:EE:06"}
    assert set(east.snapshot()["organizations"]["org_id"]) == {"D", "T1", "G1"}  # bidder, tenderer, agency


def test_city_staff_read_cases_without_the_region_index():
    from bidgraph.workbench.desk_base import DeskBase

    def no_index():
        raise AssertionError("city staff built the region index")

    city = type("Actor", (), {"region_code": None})()
    county = type("Actor", (), {"region_code": "330102"})()
    desk = DeskBase(None, no_index, lambda: (None, None))
    assert desk._cut_index(city) is None
    with pytest.raises(AssertionError):
        desk._cut_index(county)
