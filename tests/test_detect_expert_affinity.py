"""expert_affinity: an expert drawn onto one firm's panels who favours it; not a general lenient one."""

import copy

import numpy as np
import pandas as pd
import pytest
from snapshot_fixture import make_snapshot, market

from bidgraph.detectors import expert_affinity
from bidgraph.detectors.core.settings import load_settings
from bidgraph.graph.snapshot import Snapshot

PARAMS = load_settings()["expert_affinity"]


@pytest.fixture(scope="module")
def honest():
    return market(seed=8, n_lots=400)


def _seat(rows, expert, org, n_lots, bonus):
    """Put ``expert`` on the panels of ``n_lots`` of ``org``'s lots (replacing one panelist),
    adding ``bonus`` to its score of ``org``'s bid."""
    bids = {b["bid_id"] for b in rows["bids"] if b["org_id"] == org}
    lots = sorted({b["lot_id"] for b in rows["bids"] if b["bid_id"] in bids})[:n_lots]
    for lot in lots:
        panel = sorted({r["expert_id"] for r in rows["expert_scores"] if r["lot_id"] == lot})
        replaced = panel[0] if expert not in panel else expert
        for r in rows["expert_scores"]:
            if r["lot_id"] == lot and r["expert_id"] == replaced:
                r["expert_id"] = expert
                if r["bid_id"] in bids:
                    r["score"] += bonus
    return lots


def _pairs(findings):
    return [(f.entities[0].id, f.entities[1].id) for f in findings]


def test_honest_draws_give_no_affinity(honest):
    assert expert_affinity.detect(make_snapshot(**honest), PARAMS, 1) == []


def test_expert_seated_on_a_firms_panels_who_favours_it_is_found(honest):
    rows = copy.deepcopy(honest)
    lots = _seat(rows, "E005", "F012", 20, 8.0)
    findings = expert_affinity.detect(make_snapshot(**rows), PARAMS, 1)
    assert _pairs(findings) == [("E005", "F012")]
    m = findings[0].evidence["measured"]
    assert m["panels_together"] >= 20 > 3 * m["expected_panels"]
    assert m["favour_points"] > PARAMS["min_points"]
    assert {e.id for e in findings[0].entities if e.type == "lot"} >= set(lots)


def test_seated_but_neutral_or_favouring_everyone_is_not_affinity(honest):
    rows = copy.deepcopy(honest)
    _seat(rows, "E005", "F012", 20, 0.0)  # drawn often, scores like the panel
    for r in rows["expert_scores"]:  # E006 scores every bid 8 points high
        if r["expert_id"] == "E006":
            r["score"] += 8
    assert expert_affinity.detect(make_snapshot(**rows), PARAMS, 1) == []


def _expected_by_frames(dev, category):
    """The reference: the draw's expectation as joins and group-bys of frames (``category`` by lot code)."""
    sat = dev[["expert_id", "org_id", "lot_id"]].drop_duplicates()
    sat["category"] = category[sat["lot_id"].to_numpy()]
    panels = sat[["lot_id", "expert_id", "category"]].drop_duplicates()
    lots_per_cat = panels.groupby("category")["lot_id"].nunique().rename("cat_lots")
    expert_cat = panels.groupby(["expert_id", "category"]).size().rename("expert_panels")
    firm_cat = sat[["lot_id", "org_id", "category"]].drop_duplicates().groupby(["org_id", "category"]).size()
    together = sat.groupby(["expert_id", "org_id", "category"]).size().rename("k").reset_index()
    terms = (
        together[["expert_id", "org_id"]]
        .drop_duplicates()
        .merge(firm_cat.rename("firm_lots").reset_index(), on="org_id")
        .merge(together, on=["expert_id", "org_id", "category"], how="left")
        .join(expert_cat, on=["expert_id", "category"])
        .join(lots_per_cat, on="category")
        .fillna({"k": 0, "expert_panels": 0})
    )
    outside = (terms["cat_lots"] - terms["firm_lots"]).clip(lower=1)
    terms["mu"] = terms["firm_lots"] * ((terms["expert_panels"] - terms["k"]) / outside).clip(upper=1)
    return terms.groupby(["expert_id", "org_id"], as_index=False).agg(k=("k", "sum"), expected=("mu", "sum"))


def test_expected_sittings_are_those_of_joining_the_frames():
    rng = np.random.default_rng(11)
    n_lots = 300
    dev = pd.DataFrame(
        {
            "expert_id": rng.integers(0, 40, 5000),
            "org_id": rng.integers(0, 60, 5000),
            "lot_id": rng.integers(0, n_lots, 5000),
        }
    )
    lot_ids = pd.Index([f"L{i:03d}" for i in range(n_lots)])
    lots = pd.DataFrame({"lot_id": lot_ids, "project_id": [f"P{i % 90}" for i in range(n_lots)]})
    projects = pd.DataFrame(
        {"project_id": [f"P{i}" for i in range(90)], "category": rng.choice(["工程", "货物", "服务", None], 90)}
    )
    got = expert_affinity._expected_sittings(dev, Snapshot({"lots": lots, "projects": projects}), lot_ids)
    category = pd.factorize(
        lots.merge(projects, on="project_id")["category"].astype(object).fillna("unknown"), sort=True
    )[0]
    pd.testing.assert_frame_equal(got, _expected_by_frames(dev, category), check_exact=True)
