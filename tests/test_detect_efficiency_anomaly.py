"""efficiency_anomaly: a tenderer whose winners sit at the ceiling strays from its peers; an
honest market, and single-source emergency lots, do not; a repeat emergency supplier is watched."""

from snapshot_fixture import make_snapshot, market

from bidgraph.detectors import efficiency_anomaly

PARAMS = dict(efficiency_anomaly.DEFAULTS)


def _units(findings, kind: str) -> set[str]:
    return {e.id for f in findings if f.evidence["kind"] == kind for e in f.entities if e.role != "context"}


def _with_emergency(rows: dict, tenderer: str, winners: list[str]) -> None:
    """Single-source emergency lots of ``tenderer``, one bid each, won by ``winners`` in turn."""
    for i, org in enumerate(winners):
        lot, project = f"E-{tenderer}-{i}", f"PE-{tenderer}-{i}"
        rows["projects"].append(
            {
                "project_id": project,
                "name": project,
                "tenderer_id": tenderer,
                "category": "emergency",
                "procedure": "single_source",
            }
        )
        rows["lots"].append({"lot_id": lot, "project_id": project, "ceiling_price": 1e6})
        rows["bids"].append(
            {"bid_id": f"{lot}-{org}", "lot_id": lot, "org_id": org, "price": 990_000, "is_winner": True}
        )


def test_an_honest_market_is_silent():
    assert efficiency_anomaly.detect(make_snapshot(**market(seed=1)), PARAMS, 0) == []


def test_winners_at_the_ceiling_make_their_tenderer_stray():
    rows = market(seed=1)
    t03 = {p["project_id"] for p in rows["projects"] if p["tenderer_id"] == "T03"}
    lots = {l["lot_id"] for l in rows["lots"] if l["project_id"] in t03}
    for b in rows["bids"]:
        if b["lot_id"] in lots and b["is_winner"]:
            b["price"] = 998_000
    findings = efficiency_anomaly.detect(make_snapshot(**rows), PARAMS, 0)
    assert _units(findings, "tenderer_savings_rate") == {"T03"}
    f = next(f for f in findings if f.evidence["kind"] == "tenderer_savings_rate")
    assert f.evidence["measured"]["z"] <= -PARAMS["z_threshold"]
    assert f.evidence["measured"]["value"] < 0.01 and f.evidence["measured"]["stratum"] == "category+region_code"
    assert "节资率" in f.evidence["explanation"]["zh"] and "辽宁" in f.evidence["rule"]["zh"]
    assert all(lot in lots for lot in f.evidence["lots"])


def test_emergency_single_source_is_not_flagged_but_a_repeat_supplier_is():
    rows = market(seed=1)
    _with_emergency(rows, "T01", ["F001", "F001", "F001", "F002"])
    _with_emergency(rows, "T02", ["F003", "F004", "F005", "F006"])
    findings = efficiency_anomaly.detect(make_snapshot(**rows), PARAMS, 0)
    (f,) = findings
    assert f.evidence["kind"] == "emergency_repeat_supplier"
    assert {(e.id, e.role) for e in f.entities if e.type == "company"} == {("F001", "winner"), ("T01", "tenderer")}
    assert f.evidence["measured"]["share"] == 0.75 and "第六十六条" in f.evidence["rule"]["zh"]


def test_one_extreme_lot_is_not_a_pattern():
    """One of T03's 32 lots awarded at the ceiling: its z passes a fence of 2 only through that lot,
    so at that fence the tenderer stays silent; at 1.5 it is flagged, and the evidence says both."""
    rows = market(seed=1)
    t03 = {p["project_id"] for p in rows["projects"] if p["tenderer_id"] == "T03"}
    first = min(l["lot_id"] for l in rows["lots"] if l["project_id"] in t03)
    for b in rows["bids"]:
        if b["lot_id"] == first and b["is_winner"]:
            b["price"] = 998_000
    snapshot = make_snapshot(**rows)
    assert efficiency_anomaly.detect(snapshot, PARAMS | {"z_threshold": 2.0}, 0) == []
    loose = efficiency_anomaly.detect(snapshot, PARAMS | {"z_threshold": 1.5}, 0)
    f = next(f for f in loose if f.evidence["kind"] == "tenderer_savings_rate")
    assert f.evidence["measured"]["z"] <= -2.0 < f.evidence["measured"]["z_without_strongest_lot"] <= -1.5
    assert "去掉最极端的一个标段" in f.evidence["explanation"]["zh"]
