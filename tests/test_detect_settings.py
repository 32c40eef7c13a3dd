"""Effective settings = code defaults < the workspace's settings.toml < --settings; the batch
records each detector's rule version."""

import pytest
from snapshot_fixture import make_snapshot

from bidgraph.cli import main
from bidgraph.detectors import bid_ring, procedure_gap, smoke_index
from bidgraph.detectors.core.runner import RECOMPUTED, run_batch
from bidgraph.detectors.core.settings import RUN_DEFAULTS, load_settings, settings_for
from bidgraph.errors import InputError


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_come_from_the_code():
    settings = load_settings()
    assert settings["run"] == RUN_DEFAULTS
    assert settings["bid_ring"] == bid_ring.DEFAULTS
    settings["bid_ring"]["min_lots"] = 99  # a copy: changing it leaves the defaults alone
    assert bid_ring.DEFAULTS["min_lots"] != 99 and load_settings()["bid_ring"]["min_lots"] != 99


def test_workspace_file_then_settings_file(tmp_path):
    write(tmp_path / "settings.toml", "[run]\nseed = 5\n[bid_ring]\nmin_lots = 7\nmin_members = 4\n")
    mine = write(tmp_path / "mine.toml", "[bid_ring]\nmin_lots = 9\n")
    from_workspace = settings_for(tmp_path)
    assert from_workspace["run"]["seed"] == 5 and from_workspace["bid_ring"]["min_lots"] == 7
    both = settings_for(tmp_path, mine)
    assert both["bid_ring"]["min_lots"] == 9 and both["bid_ring"]["min_members"] == 4 and both["run"]["seed"] == 5
    assert both["bid_ring"]["min_cobids"] == bid_ring.DEFAULTS["min_cobids"]
    assert settings_for(tmp_path / "no-settings-here", mine)["run"] == RUN_DEFAULTS


@pytest.mark.parametrize(
    "text, message",
    [
        ("[bid_rings]\nmin_lots = 3\n", "unknown section [bid_rings]"),
        ("[bid_ring]\nmin_lot = 3\n", "[bid_ring] has no setting 'min_lot'"),
        ("[bid_ring\n", "settings file"),
    ],
)
def test_a_typo_is_a_one_line_error(tmp_path, text, message):
    with pytest.raises(InputError) as err:
        load_settings(write(tmp_path / "bad.toml", text))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_missing_settings_file_is_named(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_summary_rows_carry_the_rule_version_and_partial_settings_take_defaults():
    snap = make_snapshot(bids=[{"bid_id": "B1", "lot_id": "L1", "org_id": "A", "is_winner": True, "is_valid": False}])
    findings, summary = run_batch(snap, {"procedure_gap": {"publicity_days": 5}}, ["procedure_gap"], progress=False)
    # the smoke index reruns over the merged findings of a subset run
    assert [(r["detector"], r["rule_version"]) for r in summary] == [
        ("procedure_gap", "1"),
        ("smoke_index", smoke_index.DETECTOR.rule_version),
    ]
    assert "note" not in summary[0] and summary[1]["note"] == RECOMPUTED
    gaps = [f for f in findings if f["detector"] == "procedure_gap"]
    assert [f["evidence"]["thresholds"]["min_bidding_days"] for f in gaps] == [
        procedure_gap.DEFAULTS["min_bidding_days"]
    ]
    assert gaps[0]["evidence"]["thresholds"]["publicity_days"] == 5


def test_detect_uses_the_workspace_settings(tmp_path, tiny_tables, capsys):
    from test_cli_core import write_bundle

    ws = tmp_path / "ws"
    main(["load", str(write_bundle(tiny_tables, tmp_path / "b")), "--workspace", str(ws), "--quiet"])
    write(ws / "settings.toml", "[no_such_detector]\nx = 1\n")
    capsys.readouterr()
    assert main(["detect", "--workspace", str(ws), "--quiet"]) == 2
    assert "unknown section [no_such_detector]" in capsys.readouterr().err
    write(ws / "settings.toml", "[run]\nseed = 1\n")
    assert main(["detect", "--workspace", str(ws), "--quiet", "--detectors", "procedure_gap"]) == 0
    assert "rule_version" in capsys.readouterr().out
