"""Thin exports: a bundle of organizations, projects, lots and bids alone runs the whole batch,
and every detector whose input is missing says so instead of reporting a clean zero."""

from __future__ import annotations

import pandas as pd
import pytest
from snapshot_fixture import make_snapshot

from bidgraph.cli import main
from bidgraph.detectors.core.registry import DETECTORS
from bidgraph.detectors.core.runner import RECOMPUTED, run_batch
from bidgraph.detectors.core.settings import load_settings
from bidgraph.detectors.stats.cobidding import cobidding


def bids_only_rows() -> list[dict]:
    """Forty lots of five firms out of twelve, the lowest price winning; nothing else."""
    rows = []
    for lot in range(40):
        firms = [(lot + k * 5) % 12 for k in range(5)]
        for rank, firm in enumerate(sorted(set(firms))):
            price = 1000.0 + 37 * ((lot * 7 + firm * 13) % 11) + rank
            rows.append({"bid_id": f"B{lot}-{firm}", "lot_id": f"L{lot}", "org_id": f"F{firm}", "price": price})
    frame = pd.DataFrame(rows)
    frame["is_winner"] = frame["price"] == frame.groupby("lot_id")["price"].transform("min")
    return frame.to_dict("records")


def test_every_detector_runs_or_is_not_applicable_on_bids_alone():
    _, summary = run_batch(make_snapshot(bids=bids_only_rows()), load_settings(), progress=False)
    status = {row["detector"]: row for row in summary}
    assert set(status) == {d.id for d in DETECTORS}
    assert {row["status"] for row in summary} <= {"ok", "not_applicable"}
    assert status["shared_device"]["reason"] == "不适用：缺少 bid_uploads 数据 / not applicable: no bid_uploads data"
    assert status["procedure_gap"]["status"] == "not_applicable"
    for row in summary:
        assert (row["status"] == "not_applicable") == ("reason" in row)
    assert status["bid_ring"]["status"] == "ok" and status["price_screen"]["status"] == "ok"


def test_a_failing_detector_is_an_error_row_not_a_stop(monkeypatch):
    from bidgraph.detectors import hidden_link

    def broken(snapshot, params, seed):
        raise TypeError("boom")

    monkeypatch.setattr(hidden_link, "detect", broken)
    earlier = [{"detector": "cover_bidder", "status": "ok", "findings": 0}, {"detector": "hidden_link", "status": "ok"}]
    _, summary = run_batch(
        make_snapshot(bids=bids_only_rows()), load_settings(), ["hidden_link", "bid_ring"], False, ([], earlier)
    )
    # the earlier batch's other rows are kept, and the smoke index reruns over the merged findings
    assert [(r["detector"], r["status"]) for r in summary] == [
        ("bid_ring", "ok"),
        ("cover_bidder", "ok"),
        ("hidden_link", "error"),
        ("smoke_index", "ok"),
    ]
    assert summary[1] == earlier[0] and summary[-1]["note"] == RECOMPUTED


@pytest.mark.filterwarnings("error::DeprecationWarning", "error::FutureWarning")  # pandas 4 will raise
def test_without_region_or_category_the_null_model_is_one_market():
    co = cobidding(make_snapshot(bids=bids_only_rows()))
    assert co.bids["market"].nunique() == 1


def test_detect_prints_not_applicable_and_exits_0(tmp_path, capsys):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    bids = pd.DataFrame(bids_only_rows())
    firms = sorted(bids["org_id"].unique())
    lots = sorted(bids["lot_id"].unique())
    pd.DataFrame({"org_id": [*firms, "GOV"], "name": [*firms, "GOV"]}).to_csv(bundle / "organizations.csv", index=False)
    pd.DataFrame({"project_id": lots, "name": lots, "tenderer_id": "GOV"}).to_csv(bundle / "projects.csv", index=False)
    pd.DataFrame({"lot_id": lots, "project_id": lots}).to_csv(bundle / "lots.csv", index=False)
    bids.to_csv(bundle / "bids.csv", index=False)
    ws = str(tmp_path / "ws")
    assert main(["--workspace", ws, "load", "--quiet", str(bundle)]) == 0
    capsys.readouterr()
    assert main(["--workspace", ws, "detect", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "shared_device: 不适用：缺少 bid_uploads 数据 / not applicable: no bid_uploads data" in out
    assert "not_applicable" in out and " error " not in out
