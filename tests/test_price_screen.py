"""price_screen: lots whose bid prices look coordinated, whole lot or among repeat co-bidders."""

from __future__ import annotations

import json

import numpy as np
import pytest
from bidding_worlds import QUIET, RING, market_world
from sklearn.metrics import roc_auc_score
from snapshot_fixture import make_snapshot

from bidgraph.detectors import price_screen
from bidgraph.detectors.core.settings import load_settings
from bidgraph.detectors.stats.screening import priced_bids
from bidgraph.errors import InputError

PARAMS = load_settings()["price_screen"]
CEILING = 1_000_000.0


def _world(seed: int = 5, ring_lots: int = 0):
    """30 competitive lots (five of twelve honest firms, 80-98 % of the ceiling, lowest wins),
    lot ``COORD`` (five firms within 0.6 % of each other just under the ceiling), lot ``WIDE``
    (prices spread 60-99 %), and optionally ``ring_lots`` lots where ring firms R1-R3 bid within
    1 % of each other among three one-off outsiders who bid anywhere."""
    rng = np.random.default_rng(seed)
    honest = [f"H{i:02d}" for i in range(12)]
    lots: dict[str, dict[str, float]] = {}
    for i in range(30):
        firms = rng.choice(honest, size=5, replace=False)
        lots[f"C{i:02d}"] = dict(zip(firms, rng.uniform(0.80, 0.98, 5)))
    lots["COORD"] = {"K1": 0.990, "K2": 0.993, "K3": 0.994, "K4": 0.996, "K5": 0.997}
    lots["WIDE"] = {"W1": 0.60, "W2": 0.70, "W3": 0.85, "W4": 0.92, "W5": 0.99}
    for i in range(ring_lots):
        base = rng.uniform(0.90, 0.95)
        offers = {f"R{k}": base * (1 + 0.004 * k) for k in (1, 2, 3)}
        offers.update({f"X{i}{k}": v for k, v in zip("abc", rng.uniform(0.70, 0.99, 3))})
        lots[f"R{i:02d}"] = offers
    bids = []
    for lot_id, offers in lots.items():
        winner = min(offers, key=offers.get)
        bids += [
            {
                "bid_id": f"{lot_id}-{org}",
                "lot_id": lot_id,
                "org_id": org,
                "price": round(r * CEILING, 2),
                "is_winner": org == winner,
                "is_valid": True,
            }
            for org, r in offers.items()
        ]
    return make_snapshot(bids=bids, lots=[{"lot_id": l, "project_id": "P1", "ceiling_price": CEILING} for l in lots])


def _by_lot(findings):
    return {next(e.id for e in f.entities if e.type == "lot"): f for f in findings}


def test_coordinated_lot_fires_and_competitive_lot_does_not():
    findings = _by_lot(price_screen.detect(_world(), PARAMS, 0))
    assert "COORD" in findings and "WIDE" not in findings
    f = findings["COORD"]
    assert f.score == max(x.score for x in findings.values()) and f.score >= PARAMS["min_score"]
    roles = {(e.type, e.id): e.role for e in f.entities}
    assert roles[("lot", "COORD")] == "context" and roles[("company", "K1")] == "winner"
    assert {roles[("company", k)] for k in ("K2", "K3", "K4", "K5")} == {"cover"}
    ev = f.evidence
    assert ev["nodes"][0] == "Lot:COORD" and "Organization:K3" in ev["nodes"] and "Bid:COORD-K5" in ev["nodes"]
    assert ["Organization:K1", "WON", "Lot:COORD"] in ev["edges"]
    m = ev["measured"]
    assert m["n_bids"] == 5 and m["cv"] < 0.005 and m["cv_coordination_percentile"] == 1.0
    assert m["tail_screens"] >= PARAMS["min_tail_screens"] and "cv" in ev["crossed"]
    assert ev["thresholds"]["min_score"] == PARAMS["min_score"]
    for lang in ("zh", "en"):
        text = ev["explanation"][lang]
        assert f"{m['cv']:.4g}" in text and str(PARAMS["min_score"]) in text and "100%" in text
    assert "变异系数" in ev["explanation"]["zh"] and "coefficient of variation" in ev["explanation"]["en"]


def test_ring_among_outsiders_is_caught_by_its_coalition():
    findings = _by_lot(price_screen.detect(_world(ring_lots=6), PARAMS, 0))
    ring = [f for lot, f in findings.items() if lot.startswith("R")]
    assert len(ring) >= 4
    for f in ring:
        m = f.evidence["measured"]
        assert m["coalition_size"] == 3 and m["coalition_index"] > m["index"]
        roles = {e.id: e.role for e in f.entities if e.type == "company"}
        assert {roles[o] for o in ("R1", "R2", "R3") if roles[o] != "winner"} == {"member"}
        assert {r for o, r in roles.items() if o.startswith("X")} <= {"context", "winner"}
        assert "coalition_cv" in m and "常在一起投标" in f.evidence["explanation"]["zh"]


def test_invalid_unpriced_and_thin_lots_are_not_screened():
    snap = _world()
    bids = snap["bids"]
    bids.loc[bids["lot_id"] == "COORD", "is_valid"] = [True, True, False, False, True]  # three valid bids,
    bids.loc[bids["bid_id"] == "COORD-K5", "price"] = None  # one of them unpriced: two are left to screen
    assert "COORD" not in _by_lot(price_screen.detect(snap, PARAMS, 0))


def test_same_input_same_findings():
    a = [f.to_json() for f in price_screen.detect(_world(ring_lots=4), PARAMS, 0)]
    b = [f.to_json() for f in price_screen.detect(_world(ring_lots=4), PARAMS, 1)]
    assert a and json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_stricter_settings_flag_fewer_lots_and_bad_model_path_is_an_input_error(tmp_path):
    loose = price_screen.detect(_world(ring_lots=6), dict(PARAMS, min_score=0.7, min_tail_screens=1), 0)
    strict = price_screen.detect(_world(ring_lots=6), dict(PARAMS, min_score=0.95), 0)
    assert len(loose) > len(strict)
    with pytest.raises(InputError, match="price-screen model"):
        price_screen.detect(_world(), dict(PARAMS, model=str(tmp_path / "none.json")), 0)


def test_ring_lots_of_the_market_world_rank_above_honest_ones():
    snap = market_world(7)
    lots, _ = price_screen.screen_lots(priced_bids(snap), PARAMS)
    bids = snap["bids"]
    ring_lots = set(bids.loc[bids["org_id"].isin(RING + QUIET), "lot_id"].value_counts().loc[lambda c: c >= 3].index)
    is_ring = lots.index.isin(ring_lots)
    assert is_ring.sum() == 42
    assert roc_auc_score(is_ring, lots["score"]) > 0.95
