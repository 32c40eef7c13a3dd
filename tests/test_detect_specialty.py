"""A specialty's qualified firms meet by necessity: the co-bidding null model reads each lot's
specialty from its evaluation panel (or its bidders' usual panels) and does not call them linked."""

import numpy as np
from snapshot_fixture import make_snapshot

from bidgraph.detectors import hidden_link
from bidgraph.detectors.stats.cobidding import cobidding
from bidgraph.detectors.stats.specialty import lot_specialty

REGIONS = ["R1", "R2", "R3"]
NICHE = [f"N{i}" for i in range(1, 9)]


def specialty_world(with_panels: bool = True, seed: int = 4):
    """Three regions of ten general builders (40 lots each, 4 bidders drawn at random) and one
    city-wide water-works specialty of eight qualified firms that each enter 80 % of its 30
    lots; half of all lots were evaluated by a panel of their specialty's experts."""
    rng = np.random.default_rng(seed)
    projects, lots, bids, scores = [], [], [], []

    def lot(region, specialty, bidders):
        n = len(lots) + 1
        lot_id = f"L{n:03d}"
        projects.append(
            {"project_id": f"P{n:03d}", "name": lot_id, "tenderer_id": "GOV", "category": "construction"}
            | {"region_code": region, "procedure": "open"}
        )
        lots.append({"lot_id": lot_id, "project_id": f"P{n:03d}", "ceiling_price": 1e6})
        prices = rng.normal(0.9, 0.03, len(bidders))
        for org, price in zip(bidders, prices):
            bids.append(
                {"bid_id": f"{lot_id}-{org}", "lot_id": lot_id, "org_id": org, "price": price * 1e6}
                | {"is_winner": bool(price == prices.min()), "is_valid": True}
            )
            if with_panels and n % 2:
                scores.append({"lot_id": lot_id, "expert_id": specialty, "bid_id": f"{lot_id}-{org}", "score": 50})

    for region in REGIONS:
        general = [f"{region}G{i:02d}" for i in range(10)]
        for _ in range(40):
            lot(region, "房屋建筑工程", list(rng.choice(general, 4, replace=False)))
        for _ in range(10):
            lot(region, "水利工程", [f for f in NICHE if rng.random() < 0.8])
    experts = [{"expert_id": s, "person_id": s, "name": s, "specialty": s} for s in ("房屋建筑工程", "水利工程")]
    return make_snapshot(projects=projects, lots=lots, bids=bids, experts=experts, expert_scores=scores)


def niche_pairs(snapshot):
    co = cobidding(snapshot, min_cobids=2)
    niche = [i for i, f in enumerate(co.firms) if f in NICHE]
    return co.pairs[co.pairs["a"].isin(niche) & co.pairs["b"].isin(niche)]


def test_unpanelled_lots_take_their_bidders_usual_specialty():
    snap = specialty_world()
    specialty = lot_specialty(snap, snap["bids"])
    water = {b["lot_id"] for b in snap["bids"].to_dict("records") if b["org_id"] in NICHE}
    assert set(specialty[sorted(water)]) == {"水利工程"}
    assert specialty.notna().all()


def test_a_specialtys_qualified_firms_are_not_surprising_and_not_linked():
    snap = specialty_world()
    assert niche_pairs(snap)["surprise"].max() < 2
    assert not [f for f in hidden_link.detect(snap, hidden_link.DEFAULTS, 0) if {e.id for e in f.entities} & set(NICHE)]


def test_without_the_specialty_the_same_firms_look_linked():
    snap = specialty_world(with_panels=False)
    assert niche_pairs(snap)["surprise"].median() > hidden_link.DEFAULTS["min_surprise"]
