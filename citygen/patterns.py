"""Prices in a regular pattern (投标报价呈规律性差异, 第四十条(四), issue 13), with their decoys.

Planted, ``PATTERN_RINGS_PER_CITY`` per city: a ring of 3-4 free firms of one district and supply
bids on ``PATTERN_LOTS`` lowest-price open tenders of its district; on each, the designated member
(rotating) prices just under the cheapest honest bid and the covers step up from its price by a
constant amount (a round number of yuan: the first ring) or a constant ratio (the second), so the
ring's prices are neighbours in the lot's order and exact up to the fen.

Decoys, ``DECOY_LOTS_PER_CITY`` lots of each kind per city: ``near_pattern_lots``, honest lots whose
three cheapest bids step almost evenly (each off by tens to hundreds of yuan: close prices are
no pattern), and ``round_price_lots``, where every bidder quotes whole thousands or ten-thousands
of yuan (round prices fall on an even step by chance). The planted rings' own defensive pricing,
covers at random distances above the winner, is the third decoy (truth's ``rings``).

Runs before the award, on a generator of its own (``default_rng([seed, 13, 2])``), outside the
bid-text pilot's lots (``bidfiles``); the lots it touches are marked used and the ring's firms tagged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidgraph.citygen.bidfiles import TEXTS_FROM
from bidgraph.citygen.schemes import free_firms

__all__ = ["DECOY_LOTS_PER_CITY", "PATTERN_LOTS", "PATTERN_RINGS_PER_CITY", "pattern_truth", "plant_price_patterns"]

PATTERN_RINGS_PER_CITY = 2
PATTERN_LOTS = 3  # lots each ring prices in a pattern ("several")
DECOY_LOTS_PER_CITY = 3
_MIN_BIDS = 6  # a lot keeps at least two honest bidders beside a ring of four
_KINDS = ("difference", "ratio")
_LAW = "招标投标法实施条例 第四十条(四)"


def plant_price_patterns(seed: int, world, lots: pd.DataFrame, bids: pd.DataFrame, used: np.ndarray):
    """``bids`` with the rings' and decoys' prices set; returns ``(bids, rings, decoys)``: each ring
    ``{kind, members, lots}`` (lot row positions), decoys ``{near_pattern_lots, round_price_lots}``."""
    rng = np.random.default_rng([seed, 13, 2])
    bids = bids.copy()
    n_bids = np.bincount(bids["lot"].to_numpy(), minlength=len(lots))
    eligible = (
        ~used
        & (lots["procedure"].to_numpy() == "open")
        & (lots["evaluation"].to_numpy() == "lowest_price")
        & (lots["category"].to_numpy() != "emergency")
        & (n_bids >= _MIN_BIDS)
        # the bid-text pilot's lots (first city, since 2024) are left to the bid-file schemes
        & ~((lots["city"].to_numpy() == 0) & (lots["opened"].to_numpy() >= TEXTS_FROM))
    )
    by_lot = bids.groupby("lot").indices
    rings: list[dict] = []
    decoys: dict[str, list[int]] = {"near_pattern_lots": [], "round_price_lots": []}
    for city in np.unique(lots["city"].to_numpy()):
        here = eligible & (lots["city"].to_numpy() == city)
        cells = lots[here].groupby(["region", "supply"]).groups
        ready = sorted(key for key, rows in cells.items() if len(rows) >= PATTERN_LOTS)
        for kind, i in zip(_KINDS, rng.permutation(len(ready))):
            region, supply = ready[i]
            pool = free_firms(
                world, (world.orgs["supply"].to_numpy() == supply) & (world.orgs["region"].to_numpy() == region)
            )
            if len(pool) < 4:
                continue
            members = rng.choice(pool, int(rng.integers(3, 5)), replace=False)
            rows = np.sort(rng.choice(np.asarray(cells[(region, supply)]), PATTERN_LOTS, replace=False))
            for j, lot in enumerate(rows):
                _ring_lot(rng, bids, by_lot[lot], np.roll(members, -j), lots["ceiling"].iat[lot], kind)
            used[rows] = True
            world.orgs.loc[members, "tag"] = "price_pattern"
            rings.append({"kind": kind, "members": members, "lots": rows})
        n_valid = np.bincount(bids["lot"].to_numpy(), weights=bids["valid"].to_numpy(), minlength=len(lots))
        free = np.flatnonzero(here & ~used & (n_valid >= 4))
        picked = rng.choice(free, min(len(free), 2 * DECOY_LOTS_PER_CITY), replace=False)
        for lot in picked[:DECOY_LOTS_PER_CITY]:
            _near_pattern(rng, bids, by_lot[lot])
        for lot in picked[DECOY_LOTS_PER_CITY:]:
            _round_prices(bids, by_lot[lot], lots["ceiling"].iat[lot])
        used[picked] = True
        decoys["near_pattern_lots"] += picked[:DECOY_LOTS_PER_CITY].tolist()
        decoys["round_price_lots"] += picked[DECOY_LOTS_PER_CITY:].tolist()
    return bids, rings, decoys


def _ring_lot(rng, bids: pd.DataFrame, rows: np.ndarray, members: np.ndarray, ceiling: float, kind: str) -> None:
    """The ring takes over bid rows of the lot (its members' own where they bid already) and
    prices them: the first member just under the cheapest honest bid, the others a step apart."""
    org = bids["org"].to_numpy()
    mine = [rows[org[rows] == m][0] if (org[rows] == m).any() else -1 for m in members]
    spare = [r for r in rng.permutation(rows) if org[r] not in members]
    taken = [r if r >= 0 else spare.pop() for r in mine]
    bids.loc[taken, "org"] = members
    others = [r for r in rows if r not in taken]
    honest = [r for r in others if bids.at[r, "valid"]] or others
    cheapest = float(bids.loc[honest, "ratio"].min()) * ceiling
    winner = round(cheapest * (1 - rng.uniform(0.02, 0.045)), 2)
    room = (cheapest - winner) / len(members) * rng.uniform(0.6, 0.9)  # the last cover stays under it
    if kind == "difference":
        unit = 1000.0 if room >= 1000 else 100.0
        step = max(unit, np.floor(room / unit) * unit)
        prices = winner + step * np.arange(len(members))
    else:
        factor = 1 + max(0.001, np.floor(1000 * room / winner) / 1000)
        prices = np.round(winner * factor ** np.arange(len(members)), 2)
    bids.loc[taken, "ratio"] = prices / ceiling
    bids.loc[taken, "valid"] = True


def _near_pattern(rng, bids: pd.DataFrame, rows: np.ndarray) -> None:
    """Honest bids that happen to be close: the three cheapest valid ones step almost evenly,
    each off the even step by 0.5-3 % of it (tens to hundreds of yuan)."""
    valid = rows[bids.loc[rows, "valid"].to_numpy()]
    order = valid[np.argsort(bids.loc[valid, "ratio"].to_numpy(), kind="stable")]
    low, fourth = bids.loc[order[[0, 3]], "ratio"].to_numpy()
    step = (fourth - low) / 3.5
    off = rng.uniform(0.005, 0.03, 2) * step * np.array([1.0, -1.0])
    bids.loc[order[1:3], "ratio"] = low + step * np.array([1, 2]) + off


def _round_prices(bids: pd.DataFrame, rows: np.ndarray, ceiling: float) -> None:
    """Every bidder quotes round prices: whole ten-thousands of yuan on a lot of 2 million or more, else thousands."""
    unit = 10_000.0 if ceiling >= 2e6 else 1_000.0
    bids.loc[rows, "ratio"] = np.round(bids.loc[rows, "ratio"].to_numpy() * ceiling / unit) * unit / ceiling


def pattern_truth(rings: list, decoys: dict, ids, lot_ids, bids: pd.DataFrame) -> dict:
    """truth.json's ``statutory.price_pattern`` items (one per ring lot: its bids, firms, the
    article, pattern kind and ring) and decoys ``near_pattern_lots`` and ``round_price_lots``."""
    lot_of, org_of = bids["lot"].to_numpy(), bids["org"].to_numpy()
    items = []
    for n, ring in enumerate(rings, 1):
        for lot in ring["lots"]:
            rows = np.flatnonzero((lot_of == lot) & np.isin(org_of, ring["members"]))
            items.append(
                {
                    "lot_id": str(lot_ids[lot]),
                    "bid_ids": [str(v) for v in ids.bid(rows).tolist()],
                    "org_ids": [str(v) for v in ids.org(org_of[rows]).tolist()],
                    "law": _LAW,
                    "pattern": ring["kind"],
                    "ring": f"PP{n:02d}",
                }
            )
    return {
        "price_pattern": items,
        "decoys": {name: [str(lot_ids[lot]) for lot in rows] for name, rows in decoys.items()},
    }
