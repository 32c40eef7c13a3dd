"""Specialty niches of the hard world (``--realism hard``).

Water works (水利工程), medical equipment (医疗设备) and engineering consultancy (工程咨询与监理)
are each supplied, city-wide, by a dozen qualified firms. On every lot of the specialty each of
them bids with its own steady propensity (60-95 %), so they meet on nearly every lot; they
compete honestly with persistent cost differences (sd 1.8 % of the ceiling), and the niche
leader (cheapest and strongest) wins often. The specialty's expert pool is small (8 experts), so
the same experts legitimately sit on most of its panels. Inside the first niche of each city a
ring of four of its firms rigs some lots against the other niche firms, who always bid.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidgraph.citygen.market import honest_prices
from bidgraph.citygen.names import SUBTYPES, SUPPLY_OF_SUBTYPE
from bidgraph.citygen.rigging import rig_loosely
from bidgraph.citygen.scales import Scale
from bidgraph.citygen.schemes import draw_traces, free_firms, leave_personal_traces
from bidgraph.citygen.tamper import BidBook
from bidgraph.citygen.world import World

__all__ = ["NICHE_EXPERTS", "NICHE_FIRMS", "NICHE_SUBTYPES", "plant_niches", "shrink_expert_pools"]

NICHE_SUBTYPES = (2, 5, 8)  # names.SUBTYPES: 水利工程, 医疗设备, 工程咨询与监理
NICHE_FIRMS = 12
NICHE_EXPERTS = 8
_RING_SIZE = 4


def shrink_expert_pools(rng, world: World) -> list[dict]:
    """Keep 8 experts in each niche specialty (the rest move to other specialties); they are
    marked so that no bias or affinity is planted on them: their many seats are legitimate."""
    ex = world.experts
    specialty = ex["specialty"].to_numpy().copy()
    others = np.setdiff1d(np.arange(len(SUBTYPES)), NICHE_SUBTYPES)
    records = []
    for s in NICHE_SUBTYPES:
        pool = np.flatnonzero(specialty == s)
        specialty[pool[NICHE_EXPERTS:]] = rng.choice(others, max(len(pool) - NICHE_EXPERTS, 0))
        records.append({"subtype": s, "experts": pool[:NICHE_EXPERTS]})
    ex["specialty"] = specialty
    ex.loc[np.concatenate([r["experts"] for r in records]), "bias"] = "small_pool"
    return records


def plant_niches(
    rng, world: World, lots: pd.DataFrame, book: BidBook, scale: Scale, used: np.ndarray
) -> tuple[list[dict], list[dict]]:
    """Niche markets and the rings inside them; returns (niche records, ring records)."""
    orgs = world.orgs
    eligible = (lots["n_bidders"].to_numpy() >= 3) & (lots["category"].to_numpy() != "emergency")
    niches, rings = [], []
    for c in range(scale.cities):
        for i, s in enumerate(NICHE_SUBTYPES):
            pool = free_firms(
                world, (orgs["supply"].to_numpy() == SUPPLY_OF_SUBTYPE[s]) & (orgs["city"].to_numpy() == c)
            )
            firms = np.sort(rng.choice(pool, NICHE_FIRMS, replace=False))
            cost, quality = rng.normal(0.0, 0.018, NICHE_FIRMS), rng.normal(0.0, 0.8, NICHE_FIRMS)
            leader = int(np.argmin(cost))
            cost[leader] -= 0.02
            quality[leader] = quality.max() + 0.8
            leader_firm = int(firms[leader])
            orgs.loc[firms, "cost"], orgs.loc[firms, "quality"] = cost, quality
            orgs.loc[firms, "tag"] = "niche"
            mine = np.flatnonzero(eligible & ~used & (lots["subtype"].to_numpy() == s) & (lots["city"].to_numpy() == c))
            used[mine] = True
            bids = _niche_bids(rng, world, lots, mine, firms)
            if i == 0:
                ring = _ring_inside(rng, world, lots, scale, mine, firms[firms != leader_firm], bids)
                rings.append(ring)
                firms = np.setdiff1d(firms, ring["members"])
                bids = pd.concat([bids[~np.isin(bids["lot"], ring["lots"])], ring.pop("bids")], ignore_index=True)
            book.put(mine, bids)
            niches.append({"subtype": s, "firms": firms, "leader": leader_firm, "lots": mine})
    return niches, rings


def _niche_bids(rng, world: World, lots: pd.DataFrame, mine: np.ndarray, firms: np.ndarray) -> pd.DataFrame:
    """Each niche firm bids on each lot with its own propensity; at least the three keenest bid."""
    propensity = rng.uniform(0.6, 0.95, len(firms))
    joins = rng.random((len(mine), len(firms))) < propensity
    keenest = np.argsort(-propensity)[:3]
    short = joins.sum(axis=1) < 3
    joins[np.ix_(short, keenest)] = True
    lot_i, firm_i = np.nonzero(joins)
    return honest_prices(rng, world, lots, mine[lot_i], firms[firm_i])


def _ring_inside(rng, world: World, lots, scale: Scale, mine, candidates, bids) -> dict:
    """Four niche firms rig some of the niche's lots; the other niche firms still bid on them."""
    members = np.sort(rng.choice(candidates, _RING_SIZE, replace=False))
    ring_lots = rng.choice(mine, min(scale.ring_lots, len(mine)), replace=False)
    ring_lots = ring_lots[np.argsort(lots["opened"].to_numpy()[ring_lots], kind="stable")]
    world.orgs.loc[members, "tag"] = "ring"
    honest = bids[np.isin(bids["lot"].to_numpy(), ring_lots)]
    tenderers, counts = np.unique(lots["tenderer"].to_numpy()[ring_lots], return_counts=True)
    regions, r_counts = np.unique(lots["region"].to_numpy()[ring_lots], return_counts=True)
    ring = {
        "members": members,
        "lots": ring_lots,
        "traces": draw_traces(rng),
        "organiser": int(members[0]),
        "favourite_tenderer": int(tenderers[np.argmax(counts)]),
        "region": int(regions[np.argmax(r_counts)]),
        "supply": int(lots["supply"].to_numpy()[ring_lots[0]]),
        "variant": "niche",
        "bids": rig_loosely(rng, world.orgs["quality"].to_numpy(), ring_lots, members, honest, 1.0),
    }
    leave_personal_traces(rng, world, ring)
    return ring
