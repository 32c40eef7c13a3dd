"""red_flag reads the OCDS releases a load stored in the snapshot, never the files: the findings
after `bidgraph load` equal Cardinal's run on the file itself, and survive the file moving."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import as_bundle

from bidgraph.cli import main
from bidgraph.detectors import red_flag
from bidgraph.detectors.cardinal.engine import INDICATORS, flag_releases, read_releases, to_cardinal_json
from bidgraph.detectors.cardinal.settings import parse_settings
from bidgraph.detectors.core.settings import load_settings
from bidgraph.graph.embedded.store import EmbeddedStore
from bidgraph.loaders.ocds import read_ocds_bundle
from bidgraph.loaders.ocds_releases import iter_compiled_releases

PARAMS = load_settings()["red_flag"]
OCDS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ocds"
SAMPLES = sorted(OCDS.glob("*.jsonl")) if OCDS.is_dir() else []
needs_data = pytest.mark.skipif(not SAMPLES, reason=f"OCDS sample data not found at {OCDS}")


def load(sample: Path, workspace: Path) -> EmbeddedStore:
    assert main(["--workspace", str(workspace), "load", str(sample), "--quiet"]) == 0
    return EmbeddedStore(workspace)


def cardinal_on_file(sample: Path) -> list[dict]:
    """Every indicator with its defaults (the detector's default), on the file as Cardinal reads it."""
    run = flag_releases(read_releases(sample), parse_settings("".join(f"[{cls.code}]\n" for cls in INDICATORS)))
    return [f.to_json() for f in red_flag.findings_from_results(to_cardinal_json(run), run.flags, PARAMS["scores"])]


@needs_data
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_findings_after_load_equal_cardinal_on_the_file(sample, tmp_path):
    snapshot = load(sample, tmp_path / "ws").snapshot()
    found = [f.to_json() for f in red_flag.detect(snapshot, PARAMS, seed=0)]
    assert found and found == cardinal_on_file(sample)


@needs_data
def test_findings_do_not_need_the_file(tmp_path):
    sample = tmp_path / "moved.jsonl"
    shutil.copy(OCDS / "ukraine_prozorro_compiled.jsonl", sample)
    store = load(sample, tmp_path / "ws")
    expected = cardinal_on_file(sample)
    sample.unlink()
    assert [f.to_json() for f in red_flag.detect(store.snapshot(), PARAMS, seed=0)] == expected


@needs_data
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_embedded_store_round_trips_the_releases(sample, tmp_path):
    bundle = read_ocds_bundle(sample)
    stored = load(sample, tmp_path / "ws").snapshot()["ocds_releases"]
    pd.testing.assert_frame_equal(stored, bundle.tables["ocds_releases"])
    assert [json.loads(text) for text in stored["release"]] == list(iter_compiled_releases(sample))
    assert stored["position"].tolist() == list(range(1, len(stored) + 1))
    assert bundle.counts["ocds_releases"] == {"read": len(stored), "taken": len(stored), "quarantined": 0}


def test_release_text_is_canonical_and_kept_as_read(tmp_path):
    # Full-width characters would be folded by text cleaning (NFKC): the JSON must not be.
    release = {
        "tender": {"title": "（管网）＂改造＂", "numberOfTenderers": 1},
        "ocid": "ocds-z-1",
        "buyer": {"id": "B"},
    }
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(release, ensure_ascii=True) + "\n", encoding="utf-8")
    table = read_ocds_bundle(path).tables["ocds_releases"]
    assert table["release"].tolist() == [json.dumps(release, ensure_ascii=False, sort_keys=True, separators=(",", ":"))]
    assert (table["ocid"].tolist(), table["_row"].tolist(), table["_file"].tolist()) == (
        ["ocds-z-1"],
        [1],
        [str(path.resolve())],
    )


def test_a_bundle_that_is_not_ocds_has_no_releases_and_no_red_flags(tmp_path, tiny_tables):
    store = EmbeddedStore(tmp_path / "ws")
    store.load(as_bundle(tiny_tables))
    snapshot = store.snapshot()
    assert snapshot["ocds_releases"].empty and "release" in snapshot["ocds_releases"].columns
    assert red_flag.detect(snapshot, PARAMS, seed=0) == []
