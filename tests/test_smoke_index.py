"""The smoke index adds weighted findings up per entity and can say why."""

from conftest import as_bundle
from snapshot_fixture import make_snapshot

from bidgraph.cli import main
from bidgraph.detectors import smoke_index
from bidgraph.graph.embedded.store import EmbeddedStore

PARAMS = {
    **smoke_index.DEFAULTS,
    "weights": {"bid_ring": 40, "shared_device": 30, "procedure_gap": 25},
    "detector_cap": 50,
    "min_index": 60,
}


def finding(fid, detector, score, *entities):
    return {
        "id": fid,
        "detector": detector,
        "score": score,
        "severity": "high",
        "summary": "",
        "entities": [{"type": t, "id": i, "role": r} for t, i, r in entities],
        "evidence": {},
    }


SNAP = make_snapshot(
    bids=[{"bid_id": "B1", "lot_id": "L1", "org_id": "A"}],
    projects=[{"project_id": "P1", "name": "p", "tenderer_id": "T"}],
    lots=[{"lot_id": "L1", "project_id": "P1"}],
)
FINDINGS = [
    finding("F-1", "bid_ring", 0.9, ("company", "A", "member"), ("company", "B", "member"), ("lot", "L1", "context")),
    finding("F-2", "shared_device", 1.0, ("company", "A", "member"), ("lot", "L1", "context")),
    finding("F-3", "shared_device", 1.0, ("company", "A", "member")),
    finding("F-4", "procedure_gap", 0.8, ("lot", "L1", "context"), ("company", "A", "winner")),
    finding("F-5", "unweighted_detector", 1.0, ("company", "A", "member")),
]


def test_index_is_the_capped_sum_of_its_findings():
    scores = smoke_index.smoke_scores(FINDINGS, SNAP, PARAMS)
    a = scores[(scores["level"] == "org") & (scores["entity"] == "A")].iloc[0]
    # bid_ring 36 + shared_device min(50, 30 + 30) + procedure_gap 20 = 106 -> capped at 100
    assert a["by_detector"] == {"bid_ring": 36.0, "shared_device": 50.0, "procedure_gap": 20.0}
    assert a["index"] == 100.0
    assert [c["finding"] for c in a["contributions"]] == ["F-1", "F-2", "F-3", "F-4"]
    b = scores[(scores["level"] == "org") & (scores["entity"] == "B")].iloc[0]
    assert b["index"] == 36.0 and b["findings"] == 1


def test_companies_named_as_context_do_not_count():
    context = [finding("F-9", "bid_ring", 1.0, ("company", "A", "member"), ("company", "C", "context"))]
    orgs = set(smoke_index.smoke_scores(context, SNAP, PARAMS, level="org")["entity"])
    assert orgs == {"A"}


def test_lot_findings_count_for_project_and_tenderer():
    scores = smoke_index.smoke_scores(FINDINGS, SNAP, PARAMS).set_index(["level", "entity"])
    # F-1, F-2 and F-4 name lot L1: 36 + 30 + 20
    assert scores.loc[("lot", "L1"), "index"] == 86.0
    assert scores.loc[("project", "P1"), "index"] == 86.0
    assert scores.loc[("tenderer", "T"), "index"] == 86.0


def test_detect_reports_entities_over_the_fence_with_their_decomposition():
    found = smoke_index.detect(SNAP, PARAMS, 0, findings=FINDINGS)
    assert {(f.entities[0].type, f.entities[0].id) for f in found} == {
        ("company", "A"),
        ("lot", "L1"),
        ("project", "P1"),
        ("company", "T"),
    }
    a = next(f for f in found if f.entities[0].id == "A")
    assert a.score == 1.0 and a.evidence["measured"]["index"] == 100.0
    assert "冒烟指数" in a.evidence["explanation"]["zh"]


def test_no_findings_no_smoke():
    assert smoke_index.detect(SNAP, PARAMS, 0, findings=[]) == []


def test_rank_command_lists_the_stored_smoke_index(tmp_path, tiny_tables, capsys):
    store = EmbeddedStore(tmp_path)
    store.load(as_bundle(tiny_tables))
    batch = [
        finding("F-000001", "bid_ring", 0.9, ("company", "A", "member"), ("company", "B", "member")),
        finding("F-000002", "shared_device", 0.5, ("company", "B", "member")),
    ]
    smoke = smoke_index.detect(store.snapshot(), {**smoke_index.DEFAULTS, "min_index": 0}, 0, findings=batch)
    store.save_findings(batch + [{**f.to_json(), "id": f"F-{n:06d}"} for n, f in enumerate(smoke, start=3)])
    assert main(["rank", "--by", "org", "--top", "1", "--workspace", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    # B: bid_ring 45 x 0.9 + shared_device 30 x 0.5 with the default weights
    assert len(out) == 2 and out[1].split()[:3] == ["1", "B", "55.5"]


def _average_precision(scores, labels) -> float:
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(labels, scores.reindex(labels.index).fillna(0.0)))


def test_japan_org_index_beats_counting(tmp_path):
    """On the Japanese cartel (bids alone, price-screen model fitted on the Swiss datasets only),
    the organization-level index ranks cartel firms above both naive counts."""
    import pandas as pd
    import pytest

    from bidgraph.detectors.core.runner import run_batch
    from bidgraph.detectors.core.settings import load_settings
    from bidgraph.detectors.screens.datasets import collusion_files, read_collusion_csv
    from bidgraph.detectors.screens.model import MODEL_FEATURES, fit_model
    from bidgraph.detectors.screens.validation import dataset_screens

    files = collusion_files()
    if "japan" not in files or len(files) < 3:
        pytest.skip("the shared cartel datasets (../shared/data/collusion) are absent")
    others = [read_collusion_csv(f) for name, f in files.items() if name != "japan"]
    model = tmp_path / "without-japan.json"
    model.write_text(fit_model([(dataset_screens(d), d.labels) for d in others], MODEL_FEATURES, 1.0, 3, 0).to_json())
    raw = pd.read_csv(files["japan"])
    org = raw["Competitors"].astype(str)
    cartel = raw.groupby(org)["Collusive_competitor_original"].max()
    lots = raw.groupby("Tender")["Pre-Tender Estimate (PTE)"].first()
    snap = make_snapshot(
        bids=[
            {"bid_id": f"B{i}", "lot_id": str(t), "org_id": o, "price": float(p), "is_winner": bool(w)}
            for i, (t, o, p, w) in enumerate(zip(raw["Tender"], org, raw["Bid_value"], raw["Winner"]))
        ],
        lots=[{"lot_id": str(t), "project_id": f"P{t}", "ceiling_price": float(c)} for t, c in lots.items()],
    )
    settings = load_settings()
    settings["price_screen"]["model"] = settings["screen_ring"]["model"] = str(model)
    findings, _ = run_batch(snap, settings, progress=False)
    index = smoke_index.smoke_scores(findings, snap, settings["smoke_index"], level="org").set_index("entity")
    smoke = _average_precision(index["index"], cartel)
    ring = _average_precision(
        pd.Series({f["entities"][0]["id"]: f["score"] for f in findings if f["detector"] == "screen_ring"}), cartel
    )
    bids = _average_precision(org.value_counts().astype(float), cartel)
    pairs = raw[["Tender"]].assign(org=org).drop_duplicates()
    met = pairs.merge(pairs, on="Tender").query("org_x != org_y").groupby(["org_x", "org_y"]).size()
    shared = _average_precision(met.groupby(level=0).max().astype(float), cartel)
    assert bids == pytest.approx(0.261, abs=0.005) and shared == pytest.approx(0.179, abs=0.005)
    assert ring > 0.65
    assert smoke > max(bids, shared)
