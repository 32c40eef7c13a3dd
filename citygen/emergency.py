"""Emergency repeat suppliers (应急项目, issue 13): single source is lawful, a standing favourite is not.

Planted, one per city: ``REPEAT_LOTS`` emergency projects of one kind go to one tenderer, each by
single source or direct award to the same free firm, opened a day after the notice and signed as
soon as the 3-day publicity allows (``efficiency_anomaly``'s ``emergency_repeat_supplier``;
speed is watched too). Decoys per city: ``emergency_spread``, one tenderer with ``SPREAD_LOTS``
emergency projects, each awarded to its own supplier at the usual pace; and ``urgent_award``,
one emergency project awarded as fast as the planted ones (one urgent award is not a pattern).

Emergency projects of one lot are reassigned to the tenderer (its region and name with them); no
new project is drawn. Runs before the award on a generator of its own
(``default_rng([seed, 13, 3])``); the lots it touches are marked used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidgraph.citygen.names import SUPPLY_OF_SUBTYPE
from bidgraph.citygen.schemes import free_firms

__all__ = ["REPEAT_LOTS", "SPREAD_LOTS", "emergency_truth", "hasten_awards", "plant_emergency"]

REPEAT_LOTS = 5
SPREAD_LOTS = 4
_PUBLICITY = np.timedelta64(3, "D")  # the winning candidates' publicity (条例第54条) is kept


def plant_emergency(seed: int, world, lots: pd.DataFrame, bids: pd.DataFrame, used: np.ndarray):
    """Returns ``(lots, bids, planted, decoys)``: planted ``{tenderer, org, lots}`` per city, decoys
    ``{emergency_spread: [{tenderer, lots}], urgent_award: [{tenderer, lots}]}``; the fast lots
    (planted and urgent) are to be signed by ``hasten_awards``."""
    rng = np.random.default_rng([seed, 13, 3])
    lots, bids = lots.copy(), bids.copy()
    per_project = np.bincount(lots["project"].to_numpy())[lots["project"].to_numpy()]
    eligible = (
        ~used
        & (lots["category"].to_numpy() == "emergency")
        & np.isin(lots["procedure"].to_numpy(), ["single_source", "direct"])
        & (per_project == 1)
    )
    planted: list[dict] = []
    decoys: dict[str, list[dict]] = {"emergency_spread": [], "urgent_award": []}
    for city in np.unique(lots["city"].to_numpy()):
        free = np.flatnonzero(eligible & (lots["city"].to_numpy() == city))
        subtype = lots["subtype"].to_numpy()[free]
        if len(free) < REPEAT_LOTS + SPREAD_LOTS + 1:
            continue
        kinds, counts = np.unique(subtype, return_counts=True)
        common = kinds[np.argmax(counts)]
        rows = rng.permutation(free[subtype == common])[:REPEAT_LOTS]
        rest = rng.permutation(np.setdiff1d(free, rows))
        tenderer = int(lots["tenderer"].iat[rows[0]])
        mask = (world.orgs["supply"].to_numpy() == SUPPLY_OF_SUBTYPE[common]) & (world.orgs["city"].to_numpy() == city)
        supplier = int(rng.choice(free_firms(world, mask)))
        world.orgs.loc[supplier, "tag"] = "emergency_supplier"
        _reassign(world, lots, rows, tenderer)
        bids.loc[bids["lot"].isin(rows), "org"] = supplier
        spread, urgent = rest[:SPREAD_LOTS], rest[SPREAD_LOTS : SPREAD_LOTS + 1]
        others = [t for t in lots["tenderer"].to_numpy()[spread] if t != tenderer]
        spread_tenderer = int(others[0])
        _reassign(world, lots, spread, spread_tenderer)
        fast = np.concatenate([rows, urgent])
        lots.loc[fast, "opened"] = lots["published"].to_numpy()[fast] + np.timedelta64(1, "D")
        used[np.concatenate([rows, spread, urgent])] = True
        planted.append({"tenderer": tenderer, "org": supplier, "lots": rows})
        decoys["emergency_spread"].append({"tenderer": spread_tenderer, "lots": spread})
        decoys["urgent_award"].append({"tenderer": int(lots["tenderer"].iat[urgent[0]]), "lots": urgent})
    return lots, bids, planted, decoys


def _reassign(world, lots: pd.DataFrame, rows: np.ndarray, tenderer: int) -> None:
    """Single-lot projects ``rows`` bought by ``tenderer`` instead: its region, and its name in theirs."""
    orgs = world.orgs
    new = str(orgs.at[tenderer, "name"])
    for row in rows:
        old = str(orgs.at[int(lots["tenderer"].iat[row]), "name"])
        for col in ("project_name", "name"):
            lots.iat[row, lots.columns.get_loc(col)] = new + str(lots[col].iat[row])[len(old) :]
    lots.loc[rows, "tenderer"] = tenderer
    lots.loc[rows, "region"] = orgs.at[tenderer, "region"]


def hasten_awards(contracts: pd.DataFrame, lots: pd.DataFrame, planted: list, decoys: dict) -> pd.DataFrame:
    """The fast lots' contracts signed as soon as the publicity after opening allows."""
    fast = np.concatenate([r["lots"] for r in planted + decoys["urgent_award"]] or [np.zeros(0, int)])
    hit = np.isin(contracts["lot"].to_numpy(), fast)
    contracts = contracts.copy()
    contracts.loc[hit, "signed"] = lots["opened"].to_numpy()[contracts["lot"].to_numpy()[hit]] + _PUBLICITY
    return contracts


def emergency_truth(planted: list, decoys: dict, ids, lot_ids) -> dict:
    """truth.json's ``emergency_repeat_supplier`` items (tenderer, supplier, lots) and its decoys."""

    def org(i: int) -> str:
        return str(ids.org(np.array([i]))[0])

    def lots_of(r: dict) -> list[str]:
        return [str(v) for v in lot_ids[r["lots"]].tolist()]

    return {
        "emergency_repeat_supplier": [
            {"tenderer_id": org(r["tenderer"]), "org_id": org(r["org"]), "lot_ids": lots_of(r)} for r in planted
        ],
        "decoys": {
            name: [{"tenderer_id": org(r["tenderer"]), "lot_ids": lots_of(r)} for r in records]
            for name, records in decoys.items()
        },
    }
