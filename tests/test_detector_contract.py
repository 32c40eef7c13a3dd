"""Every registered detector satisfies the contract of detectors/core/contract.py.

Each detector declares the input it ``requires`` in schema terms, met where its data exists (on
a bids-only bundle the runner reports it not applicable: tests/test_not_applicable.py). Each
detector runs on small worlds (a generated small city, the co-bidding market of
bidding_worlds, a one-release OCDS file) with parameters that fail on any key its DEFAULTS do
not declare, and must use every key it declares.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from bidding_worlds import market_world
from snapshot_fixture import make_snapshot, market

import bidgraph.detectors
from bidgraph.citygen import generate_city
from bidgraph.detectors.core.contract import missing_input
from bidgraph.detectors.core.finding import Finding
from bidgraph.detectors.core.registry import DETECTORS
from bidgraph.detectors.core.settings import code_defaults, reference_toml
from bidgraph.graph.embedded.store import EmbeddedStore
from bidgraph.graph.schema import schema
from bidgraph.loaders.bundle import read_bundle
from bidgraph.loaders.ocds import read_ocds_bundle

REPO = Path(__file__).resolve().parents[1]
IDS = [d.id for d in DETECTORS]
# a source: a statute 《...》, a guideline or tool (OECD, Cardinal), or an author-year reference
SOURCE = re.compile(r"《[^》]+》|\bOECD\b|\bCardinal\b|\(\d{4}\)")


class StrictParams(Mapping):
    """The defaults, failing on any other key (also through ``get``), remembering what was read."""

    def __init__(self, detector_id: str, values: Mapping, read: set[str]):
        self.detector_id, self.values, self.read = detector_id, values, read

    def __getitem__(self, key: str):
        if key not in self.values:
            raise AssertionError(f"{self.detector_id} reads {key!r}, which its DEFAULTS do not declare")
        self.read.add(key)
        return self.values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


@pytest.fixture(scope="module")
def worlds(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("worlds")
    generate_city(root / "city", scale="small", seed=3)
    city = EmbeddedStore(root / "city-ws")
    city.load(read_bundle(root / "city"))
    ocds_file = root / "single-bid.jsonl"
    ocds_file.write_text(
        '{"ocid": "ocds-1", "date": "2024-01-01", "buyer": {"id": "B1"},'
        ' "tender": {"id": "T1", "numberOfTenderers": 1, "procurementMethod": "selective"}}\n'
    )
    ocds = EmbeddedStore(root / "ocds-ws")
    ocds.load(read_ocds_bundle(ocds_file))
    return {"city": city.snapshot(), "market": market_world(), "ocds": ocds.snapshot(), "ceiling": ceiling_world()}


def ceiling_world():
    """A market where one tenderer's winners all bid at the ceiling: savings that stray from peers
    (no generated world plants an efficiency scheme yet)."""
    rows = market(seed=1)
    t03 = {p["project_id"] for p in rows["projects"] if p["tenderer_id"] == "T03"}
    lots = {lot["lot_id"] for lot in rows["lots"] if lot["project_id"] in t03}
    for bid in rows["bids"]:
        if bid["lot_id"] in lots and bid["is_winner"]:
            bid["price"] = 998_000
    return make_snapshot(**rows)


@pytest.fixture(scope="module")
def runs(worlds) -> tuple[dict[str, dict[str, list]], dict[str, set[str]]]:
    """Findings per world and detector, and the parameter keys each detector read."""
    read: dict[str, set[str]] = {d.id: set() for d in DETECTORS}
    found: dict[str, dict[str, list]] = {}
    for name, snapshot in worlds.items():
        found[name] = {}
        batch: list[dict] = []
        for detector in sorted(DETECTORS, key=lambda d: d.combines):
            params = StrictParams(detector.id, detector.defaults, read[detector.id])
            result = detector.detect(snapshot, params, 7, findings=batch)
            found[name][detector.id] = result
            batch += [f.to_json() for f in result]
    return found, read


def test_ids_are_unique_and_name_their_module():
    assert len(set(IDS)) == len(IDS)
    for detector in DETECTORS:
        assert detector.source.__name__ == f"bidgraph.detectors.{detector.id}"
        assert detector.source.DETECTOR is detector


def test_every_detector_module_is_registered():
    modules = {info.name for info in pkgutil.iter_modules(bidgraph.detectors.__path__) if not info.ispkg}
    with_detect = {m for m in modules if hasattr(importlib.import_module(f"bidgraph.detectors.{m}"), "detect")}
    assert with_detect == set(IDS)


@pytest.mark.parametrize("detector", DETECTORS, ids=IDS)
def test_docstring_states_the_rule_and_a_source(detector):
    doc = detector.source.__doc__ or ""
    assert doc.startswith(detector.id) and "Rule" in doc
    assert SOURCE.search(doc), f"{detector.id}: the docstring names no source"


@pytest.mark.parametrize("detector", DETECTORS, ids=IDS)
def test_rule_version_and_combines(detector):
    assert re.fullmatch(r"[1-9][0-9]*", detector.rule_version)
    assert detector.combines == (detector.id == "smoke_index")


def _toml_plain(value) -> bool:
    if isinstance(value, bool | int | float | str):
        return True
    if isinstance(value, list):
        return all(_toml_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _toml_plain(v) for k, v in value.items())
    return False


@pytest.mark.parametrize("detector", DETECTORS, ids=IDS)
def test_defaults_are_plain_toml_values(detector):
    assert detector.defaults and all(_toml_plain(v) for v in detector.defaults.values())
    assert tomllib.loads(reference_toml())[detector.id] == dict(detector.defaults)


def test_the_reference_settings_file_is_what_the_code_generates():
    reference = reference_toml()
    assert (REPO / "detectors" / "settings.toml").read_text(encoding="utf-8") == reference, (
        "detectors/settings.toml is stale: python -m bidgraph.detectors.core.settings > detectors/settings.toml"
    )
    assert tomllib.loads(reference) == code_defaults()
    assert "# a pair must meet on at least this many lots" in reference  # the comments in code come along


@pytest.mark.parametrize("detector", DETECTORS, ids=IDS)
def test_reads_only_and_all_of_its_declared_parameters(runs, detector):
    _, read = runs
    assert read[detector.id] == set(detector.defaults)


@pytest.mark.parametrize("detector", DETECTORS, ids=IDS)
def test_returns_findings_of_its_own_id(runs, detector):
    found, _ = runs
    results = [f for world in found.values() for f in world[detector.id]]
    assert results, f"{detector.id} found nothing in any world: the check below would prove nothing"
    assert all(isinstance(f, Finding) and f.detector == detector.id for f in results)


@pytest.mark.parametrize("detector", DETECTORS, ids=IDS)
def test_declares_what_it_requires_in_schema_terms(detector):
    tables = schema().tables
    for requirement in detector.requires:
        for need in (requirement,) if isinstance(requirement, str) else requirement:
            table, _, column = need.partition(".")
            assert table in tables and (not column or column in tables[table].columns), f"{detector.id}: {need}"


@pytest.mark.parametrize("detector", DETECTORS, ids=IDS)
def test_requirements_are_met_where_its_data_exists(worlds, detector):
    """Not over-strict: the generated city (or, for the OCDS indicators, an OCDS load) has what it needs."""
    world = worlds["ocds" if detector.id == "red_flag" else "city"]
    assert missing_input(detector, world) == []
