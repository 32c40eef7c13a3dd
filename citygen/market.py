"""Honest procurement: projects and lots, who bids on them, at what price, and who wins.

Everything is columnar. ``lots`` carries the project's attributes it needs (tenderer, region,
category, procedure...) so later stages never join back. Bids are drawn per *slot*: each lot
gets ``n_bidders`` slots, each filled from a pool of firms of the lot's supply category —
local (same 区县), city-wide or province-wide — by activity weight, with one vectorised
``searchsorted`` over per-pool cumulative weights.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidgraph.citygen.names import SUBTYPES, SUPPLY_OF_SUBTYPE, join
from bidgraph.citygen.world import SUBTYPE_MIX, World

__all__ = [
    "DAY0",
    "DAY1",
    "PROCEDURE_WINDOW",
    "THRESHOLDS",
    "make_lots",
    "project_lots",
    "sample_bids",
    "settle",
    "soft_cap",
]

# Open tendering is compulsory at or above these budgets (yuan), by what is bought.
THRESHOLDS = {"construction": 4_000_000, "goods": 2_000_000, "services": 2_000_000}
SUPPLY_NAMES = np.array(["construction", "goods", "services"])
DAY0, DAY1 = np.datetime64("2022-01-01"), np.datetime64("2024-09-30")
MIN_OPEN_DAYS = 20  # days from notice to opening for open/invited tenders (招标投标法 第24条)
# Days from notice to bid opening, by procedure: (minimum, extra spread).
PROCEDURE_WINDOW = {
    "open": (20, 16),
    "invited": (20, 10),
    "competitive_negotiation": (10, 8),
    "inquiry": (3, 6),
    "single_source": (5, 5),
    "direct": (2, 5),
}
_BELOW = {  # procedures below the threshold, by supply category
    0: (["open", "invited", "competitive_negotiation", "inquiry", "direct"], [0.35, 0.1, 0.2, 0.25, 0.1]),
    1: (["open", "inquiry", "competitive_negotiation", "single_source", "direct"], [0.3, 0.35, 0.2, 0.05, 0.1]),
    2: (["open", "competitive_negotiation", "inquiry", "single_source", "direct"], [0.3, 0.35, 0.2, 0.05, 0.1]),
}
_EMERGENCY = (["direct", "single_source", "competitive_negotiation"], [0.4, 0.25, 0.35])
_LOWEST_PRICE_SHARE = np.array([0.55, 0.6, 0.2])
_CEILING = {0: (np.log(2.5e6), 1.0), 1: (np.log(9e5), 0.9), 2: (np.log(6e5), 0.8)}


def make_lots(rng: np.random.Generator, n_projects: int, world: World, city: int) -> pd.DataFrame:
    """Honest projects of one city, one row per lot (1-4 lots per project)."""
    orgs, regions = world.orgs, world.regions
    tend = world.tenderers[orgs.loc[world.tenderers, "city"].to_numpy() == city]
    t_region = orgs.loc[tend, "region"].to_numpy()
    act = orgs.loc[tend, "activity"].to_numpy()
    # A tenderer's share: its region's share of the city, split by activity within the region.
    w = regions.weight[t_region] * act / np.bincount(t_region, weights=act, minlength=len(regions))[t_region]
    tenderer = tend[rng.choice(len(tend), n_projects, p=w / w.sum())]
    ttype = orgs.loc[tenderer, "ttype"].to_numpy().astype(int)
    cum = SUBTYPE_MIX.cumsum(axis=1)
    subtype = (rng.random(n_projects)[:, None] > cum[ttype]).sum(axis=1)
    # The small county mostly builds (roads, schools, dykes), which its own few builders bid for.
    county = orgs.loc[tenderer, "region"].to_numpy() == regions.small_county
    subtype = np.where(county & (rng.random(n_projects) < 0.7), rng.choice([0, 1, 2, 3], n_projects), subtype)
    emergency = (rng.random(n_projects) < 0.04) & np.isin(subtype, [1, 2, 4, 6])
    n_lots = np.where(rng.random(n_projects) < 0.25, rng.integers(2, 5, n_projects), 1)
    approved = DAY0 + rng.integers(0, int((DAY1 - DAY0).astype(int)) - 90, n_projects).astype("timedelta64[D]")
    return project_lots(rng, world, tenderer, subtype, emergency, n_lots, approved)


def project_lots(
    rng, world: World, tenderer, subtype, emergency, n_lots, approved, ceilings=None, procedure=None
) -> pd.DataFrame:
    """Lots of the given projects; prices, procedures, dates and bidder counts drawn unless given.

    ``ceilings`` (one per lot) and ``procedure`` (one per project) let a scheme fix them.
    """
    orgs = world.orgs
    P = len(tenderer)
    supply = SUPPLY_OF_SUBTYPE[subtype]
    category = np.where(emergency, "emergency", SUPPLY_NAMES[supply])
    proj = np.repeat(np.arange(P), n_lots)
    L = len(proj)
    if ceilings is None:
        mu = np.array([_CEILING[s][0] for s in range(3)])[supply[proj]]
        sd = np.array([_CEILING[s][1] for s in range(3)])[supply[proj]]
        ceilings = np.clip(np.round(np.exp(rng.normal(mu, sd)), -2), 5e4, 2e8)
    budget = np.round(np.bincount(proj, weights=ceilings, minlength=P) * rng.uniform(1.0, 1.08, P), -3)
    if procedure is None:
        threshold = np.array([THRESHOLDS[s] for s in SUPPLY_NAMES])[supply]
        procedure = np.empty(P, dtype=object)
        above = budget >= threshold
        procedure[above] = np.where(rng.random(int(above.sum())) < 0.93, "open", "invited")
        for s, (choices, p) in _BELOW.items():
            idx = np.flatnonzero(~above & ~emergency & (supply == s))
            procedure[idx] = np.asarray(choices)[rng.choice(len(choices), len(idx), p=p)]
        idx = np.flatnonzero(emergency)
        procedure[idx] = np.asarray(_EMERGENCY[0])[rng.choice(3, len(idx), p=_EMERGENCY[1])]
    procedure = np.asarray(procedure, dtype=object)
    agency_city = orgs.loc[world.agencies, "city"].to_numpy()
    t_city = orgs.loc[tenderer, "city"].to_numpy()
    agency = np.full(P, -1)
    use_agency = (procedure == "open") | (rng.random(P) < 0.7)
    for c in np.unique(t_city):
        ag = world.agencies[agency_city == c]
        wa = orgs.loc[ag, "activity"].to_numpy()
        idx = np.flatnonzero(use_agency & (t_city == c))
        agency[idx] = ag[rng.choice(len(ag), len(idx), p=wa / wa.sum())]
    names = _project_names(rng, orgs.loc[tenderer, "name"].to_numpy(), subtype, emergency, approved)

    proc = procedure[proj]
    lo = np.array([PROCEDURE_WINDOW[p][0] for p in proc])
    spread = np.array([PROCEDURE_WINDOW[p][1] for p in proc])
    emerg = emergency[proj]
    lo[emerg], spread[emerg] = 1, 4
    published = (
        approved[proj]
        + rng.integers(5, 60, P)[proj].astype("timedelta64[D]")
        + (rng.integers(0, 20, L) * (n_lots[proj] > 1)).astype("timedelta64[D]")
    )
    opened = published + (lo + rng.integers(0, spread + 1)).astype("timedelta64[D]")
    lowest = np.isin(proc, ["inquiry", "single_source", "direct"]) | (rng.random(L) < _LOWEST_PRICE_SHARE[supply[proj]])
    single = np.isin(proc, ["single_source", "direct"])
    n_bid = np.select(
        [proc == "open", proc == "invited", proc == "competitive_negotiation", proc == "inquiry"],
        [
            3 + np.minimum(rng.poisson(3.4, L), 14),
            3 + np.minimum(rng.poisson(1.5, L), 4),
            3 + (rng.random(L) < 0.3),
            3 + np.minimum(rng.poisson(0.8, L), 3),
        ],
        1,
    )
    # Few firms in the small county: its tenders draw 3-4 bidders.
    county = orgs.loc[tenderer, "region"].to_numpy()[proj] == world.regions.small_county
    n_bid = np.where(county, np.minimum(n_bid, 3 + (rng.random(L) < 0.5)), n_bid)
    k = np.arange(L) - np.repeat(np.cumsum(n_lots) - n_lots, n_lots) + 1
    lot_name = np.where(n_lots[proj] > 1, join(names[proj], "第", k, "标段"), names[proj])
    return pd.DataFrame(
        {
            "project": proj,
            "k": k,
            "name": lot_name,
            "project_name": names[proj],
            "tenderer": tenderer[proj],
            "agency": agency[proj],
            "region": orgs.loc[tenderer, "region"].to_numpy()[proj],
            "city": t_city[proj],
            "subtype": subtype[proj],
            "supply": supply[proj],
            "category": category[proj],
            "procedure": proc,
            "budget": budget[proj],
            "approved": approved[proj],
            "ceiling": ceilings,
            "published": published,
            "opened": opened,
            "evaluation": np.where(lowest, "lowest_price", "comprehensive"),
            "n_bidders": np.where(single, 1, n_bid),
        }
    )


def _project_names(rng, tenderer_names, subtype, emergency, approved) -> np.ndarray:
    P = len(subtype)
    obj = np.empty(P, dtype=object)
    work = np.empty(P, dtype=object)
    for s, (_, _, objects, works) in enumerate(SUBTYPES):
        idx = np.flatnonzero(subtype == s)
        obj[idx] = np.asarray(objects)[rng.integers(0, len(objects), len(idx))]
        work[idx] = np.asarray(works)[rng.integers(0, len(works), len(idx))]
    year = np.asarray(approved, dtype="datetime64[Y]").astype(int) + 1970
    prefix = np.where(emergency, "应急抢险", join(year, "年"))
    return join(tenderer_names, prefix, obj.astype(str), work.astype(str))


# --------------------------------------------------------------------------------------------
# Bids

_LOCAL, _CITY = 0.55, 0.42  # the rest is province-wide (only when there are several cities)
_COUNTY_LOCAL = 0.97


def sample_bids(rng: np.random.Generator, world: World, lots: pd.DataFrame) -> pd.DataFrame:
    """Honest bids: which firms bid on each lot, their price ratio to the ceiling, their
    technical quality, and validity. Columns: lot, org, ratio, tech, valid."""
    orgs, regions = world.orgs, world.regions
    firms = world.firms
    f_region = orgs.loc[firms, "region"].to_numpy()
    f_city = orgs.loc[firms, "city"].to_numpy()
    f_supply = orgs.loc[firms, "supply"].to_numpy()
    f_act = orgs.loc[firms, "activity"].to_numpy()
    county = regions.small_county
    in_county = f_region == county
    R, C = len(regions), int(regions.city.max()) + 1
    # Pools: 0..3R-1 local (region, supply), then 3C city pools, then 3 province pools.
    pool_local = f_region * 3 + f_supply
    pool_city = 3 * R + f_city * 3 + f_supply
    pool_prov = 3 * R + 3 * C + f_supply
    city_w = np.where(in_county, 0.05 * f_act, f_act)
    pool = np.concatenate([pool_local, pool_city, pool_prov])
    member = np.concatenate([firms, firms, firms])
    weight = np.concatenate([f_act, city_w, city_w])
    order = np.lexsort((member, pool))
    pool, member, weight = pool[order], member[order], weight[order]
    n_pools = 3 * R + 3 * C + 3
    tot = np.bincount(pool, weights=weight, minlength=n_pools)
    cum = np.cumsum(weight)
    before = np.concatenate([[0.0], np.cumsum(tot)[:-1]])
    key = pool + (cum - before[pool]) / tot[pool]  # in (pool, pool + 1]

    n = lots["n_bidders"].to_numpy()
    # A few spare slots absorb duplicate draws (many in the small county's tiny pool).
    in_small = lots["region"].to_numpy() == county
    draw = np.where(n > 1, n + 2 + 8 * in_small, 1)
    lot = np.repeat(np.arange(len(lots)), draw)
    S = len(lot)
    l_region = lots["region"].to_numpy()[lot]
    l_supply = lots["supply"].to_numpy()[lot]
    l_city = lots["city"].to_numpy()[lot]
    u = rng.random(S)
    # The small county's building work goes to its own few builders; it buys goods and services
    # from the city like everyone else.
    local_p = np.where((l_region == county) & (l_supply == 0), _COUNTY_LOCAL, _LOCAL)
    city_p = local_p + (_CITY if C > 1 else 1.0)
    chosen = np.where(
        u < local_p,
        l_region * 3 + l_supply,
        np.where(u < city_p, 3 * R + l_city * 3 + l_supply, 3 * R + 3 * C + l_supply),
    )
    empty = tot[chosen] <= 0
    chosen[empty] = 3 * R + l_city[empty] * 3 + l_supply[empty]
    idx = np.searchsorted(key, chosen + rng.random(S) * (1 - 1e-12) + 1e-12)
    org = member[np.minimum(idx, len(member) - 1)]
    prio = rng.random(S)
    # Drop repeated firms on a lot, then keep the lot's first n_bidders slots by priority.
    o = np.lexsort((prio, org, lot))
    lot, org, prio = lot[o], org[o], prio[o]
    keep = np.r_[True, (lot[1:] != lot[:-1]) | (org[1:] != org[:-1])]
    lot, org, prio = lot[keep], org[keep], prio[keep]
    o = np.lexsort((prio, lot))
    lot, org = lot[o], org[o]
    first = np.searchsorted(lot, lot)
    slot = np.arange(len(lot)) - first
    keep = slot < n[lot]
    lot, org = lot[keep], org[keep]
    return honest_prices(rng, world, lots, lot, org)


def honest_prices(rng, world: World, lots: pd.DataFrame, lot: np.ndarray, org: np.ndarray) -> pd.DataFrame:
    """Bids of ``org`` on ``lot`` priced and scored the honest way, sorted by lot and org."""
    orgs = world.orgs
    L = len(lots)
    centre = rng.uniform(0.885, 0.935, L)
    sd = rng.uniform(0.025, 0.055, L)
    B = len(lot)
    ratio = centre[lot] + orgs["cost"].to_numpy()[org] + sd[lot] * rng.standard_normal(B)
    single = lots["n_bidders"].to_numpy()[lot] == 1
    # Soft floor: very low draws are squeezed towards 0.82 (nobody bids at a loss), without ties.
    ratio = np.where(ratio < 0.82, 0.82 - 0.25 * (0.82 - ratio), ratio)
    ratio = np.where(single, rng.uniform(0.95, 0.995, B), soft_cap(ratio))
    tech = 0.6 * orgs["quality"].to_numpy()[org] + 0.8 * rng.standard_normal(B)
    valid = single | (rng.random(B) > 0.035)
    bids = pd.DataFrame({"lot": lot, "org": org, "ratio": ratio, "tech": tech, "valid": valid})
    return bids.sort_values(["lot", "org"], kind="stable").reset_index(drop=True)


def soft_cap(ratio: np.ndarray, knee: float = 0.985, cap: float = 0.995) -> np.ndarray:
    """Draws above ``knee`` squeezed below ``cap`` (nobody bids over the ceiling), keeping their
    order: a hard cap gave every such bid of a lot the same price to the yuan, three honest
    firms tied exactly, which 第四十条(四) reads as collusion."""
    width = cap - knee
    return np.where(ratio > knee, knee + width * (1 - np.exp(-(ratio - knee) / width)), ratio)


def settle(bids: pd.DataFrame, lots: pd.DataFrame, tech_score: np.ndarray) -> pd.DataFrame:
    """Prices, comprehensive scores, ranks and winners.

    Valid bids are ranked by price (lowest_price) or by score = 30 x lowest valid price / price
    + the panel's mean technical score out of 70 (comprehensive). An open or invited tender
    with fewer than 3 valid bids fails (流标): no winner.
    """
    lot = bids["lot"].to_numpy()
    ceiling = lots["ceiling"].to_numpy()[lot]
    price = np.round(bids["ratio"].to_numpy() * ceiling, 2)
    valid = bids["valid"].to_numpy()
    comp = lots["evaluation"].to_numpy()[lot] == "comprehensive"
    L = len(lots)
    low = np.full(L, np.inf)
    np.minimum.at(low, lot[valid], price[valid])
    score = np.where(comp & valid, np.round(30 * low[lot] / price + tech_score, 2), np.nan)
    key = np.where(comp, -np.nan_to_num(score, nan=-1e9), price)
    key = np.where(valid, key, np.inf)
    o = np.lexsort((bids["org"].to_numpy(), key, lot))
    rank_sorted = np.arange(len(o)) - np.searchsorted(lot[o], lot[o]) + 1
    rank = np.empty(len(o), np.int64)
    rank[o] = rank_sorted
    n_valid = np.bincount(lot[valid], minlength=L)
    proc = lots["procedure"].to_numpy()
    needs3 = np.isin(proc, ["open", "invited"])
    awarded = np.where(needs3, n_valid >= 3, n_valid >= 1)
    out = bids.copy()
    out["price"] = price
    out["score"] = score
    out["rank"] = np.where(valid, rank, -1)
    out["winner"] = valid & (rank == 1) & awarded[lot]
    return out
