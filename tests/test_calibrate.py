"""bidgraph calibrate: verdicts an office would give re-weight the smoke index, shown on another world.

Verdicts are simulated from a hard synthetic world's truth on the top leads (a collusive firm's
lead confirmed, any other dismissed); the weights calibrate writes are then judged on a world of
a different seed, which neither the defaults nor the verdicts have seen (docs/EVALUATION.md,
Calibration).
"""

from __future__ import annotations

import json
import tomllib

import pandas as pd
import pytest

from bidgraph.cases.cases import record_feedback
from bidgraph.cases.db import CasesStore
from bidgraph.cases.users import User
from bidgraph.citygen import generate_city
from bidgraph.cli import main
from bidgraph.detectors.core.runner import run_batch
from bidgraph.detectors.core.settings import load_settings, settings_for
from bidgraph.evaluation.metrics import ranking_figures
from bidgraph.evaluation.truth import _collusive_firms
from bidgraph.graph.embedded.store import EmbeddedStore
from bidgraph.loaders.bundle import read_bundle

LEADS = 40  # organization leads an office works through, highest smoke index first
CALIBRATED_ON, JUDGED_ON = 11, 12  # seeds of the hard worlds


def _world(root, seed):
    bundle = root / f"hard-{seed}"
    generate_city(bundle, scale="small", seed=seed, realism="hard")
    workspace = root / f"ws-{seed}"
    EmbeddedStore(workspace).load(read_bundle(bundle))
    return workspace, _collusive_firms(json.loads((bundle / "truth.json").read_text(encoding="utf-8")))


def org_ap(workspace, settings, positives) -> float:
    """Collusive-firm AP of the organization smoke index over every firm with evidence."""
    settings["smoke_index"]["min_index"] = 0
    findings, _ = run_batch(EmbeddedStore(workspace).snapshot(), settings, progress=False)
    smoke = [f for f in findings if f["detector"] == "smoke_index" and f["entities"][0]["role"] == "org"]
    index = pd.Series({f["entities"][0]["id"]: f["score"] for f in smoke}, dtype=float)
    return ranking_figures(index, positives)["average_precision"]


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    root = tmp_path_factory.mktemp("calibrate")
    workspace, positives = _world(root, CALIBRATED_ON)
    assert main(["detect", "--quiet", "--workspace", str(workspace)]) == 0
    findings = EmbeddedStore(workspace).findings()
    leads = sorted(
        (f for f in findings if f["detector"] == "smoke_index" and f["entities"][0]["role"] == "org"),
        key=lambda f: (-f["score"], f["id"]),
    )[:LEADS]
    cases = CasesStore(workspace)
    office = User("investigator1", "investigator")
    for lead in leads:
        confirmed = lead["entities"][0]["id"] in positives
        verdict, reason = ("confirmed", "核实 / confirmed") if confirmed else ("dismissed", "排除 / dismissed")
        record_feedback(cases, office, lead, verdict, reason)
    return root, workspace


def test_calibrate_writes_the_fitted_weights_and_prints_the_figure(calibrated, capsys):
    _, workspace = calibrated
    assert main(["calibrate", "--seed", "3", "--dry-run", "--workspace", str(workspace)]) == 0
    dry = capsys.readouterr().out
    assert "cross-validated AP" in dry and "交叉验证平均精度" in dry
    assert not (workspace / "settings.toml").exists()
    assert main(["calibrate", "--seed", "3", "--workspace", str(workspace)]) == 0
    assert capsys.readouterr().out.startswith(dry)  # same seed, same figure and weights
    section = tomllib.loads((workspace / "settings.toml").read_text(encoding="utf-8"))["smoke_index"]
    assert section["combine"] == "noisy_or" == settings_for(workspace)["smoke_index"]["combine"]  # what they fit
    written = section["weights"]
    assert written == settings_for(workspace)["smoke_index"]["weights"]
    assert set(written) == set(load_settings()["smoke_index"]["weights"])
    assert all(0 <= w <= 1 for w in written.values())


def test_calibrated_weights_on_a_world_of_another_seed(calibrated, capsys):
    root, workspace = calibrated
    if not (workspace / "settings.toml").exists():
        assert main(["calibrate", "--seed", "3", "--workspace", str(workspace)]) == 0
    judged, positives = _world(root, JUDGED_ON)
    before = org_ap(judged, load_settings(), positives)
    after = org_ap(judged, load_settings(workspace / "settings.toml"), positives)
    with capsys.disabled():
        print(f"\nhard small/{JUDGED_ON}: collusive-firm AP of the org smoke index {before:.3f} -> {after:.3f}")
    # the default (each firm's strongest piece of evidence) 0.584, calibrated noisy-OR 0.725 (docs/EVALUATION.md)
    assert 0 < before < after <= 1
