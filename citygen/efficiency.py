"""Trading efficiency (交易效率, issue 13): a tenderer whose tenders knock bidders out.

Planted, ``KNOCKOUTS_PER_CITY`` per city: one tenderer's open or invited lots of one category and
region on which more than a third of the bids are declared invalid at opening (排斥潜在投标人:
a favoured firm faces fewer real rivals), so its invalid-bid rate strays from its peers'
(``efficiency_anomaly``). Decoy ``contentious_lots``: an honest tenderer's cell of as many lots
where a single lot lost most of its bids at opening (one dispute is not a pattern).

Runs before the award, on a generator of its own (``default_rng([seed, 13, 1])``), so the world's
other draws do not move; the lots it touches are marked used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["KNOCKOUTS_PER_CITY", "efficiency_truth", "plant_knockouts"]

KNOCKOUTS_PER_CITY = 2
_MIN_LOTS = 6  # lots of the tenderer's cell (category, region) planted or used as a decoy
_MAX_LOTS = 10
_MIN_BIDS = 5  # a lot keeps at least three valid bids after the knockouts (an award needs three)


def plant_knockouts(seed: int, lots: pd.DataFrame, bids: pd.DataFrame, used: np.ndarray):
    """``bids`` with the knocked-out bids invalid, and the truth: ``(bids, planted, decoys)``, each
    record a tenderer with its category, region and lots (row positions)."""
    rng = np.random.default_rng([seed, 13, 1])
    n_bids = np.bincount(bids["lot"].to_numpy(), minlength=len(lots))
    eligible = (
        ~used
        & np.isin(lots["procedure"].to_numpy(), ["open", "invited"])
        & (lots["category"].to_numpy() != "emergency")
        & (n_bids >= _MIN_BIDS)
    )
    cells = lots[eligible].groupby(["city", "tenderer", "category", "region"]).groups
    ready = sorted(key for key, rows in cells.items() if len(rows) >= _MIN_LOTS)
    order = rng.permutation(len(ready))
    valid = bids["valid"].to_numpy().copy()
    by_lot = bids.groupby("lot").indices
    planted: list[dict] = []
    decoys: list[dict] = []
    taken: set[int] = set()
    for i in order:
        city, tenderer, category, region = ready[i]
        want_planted = sum(r["city"] == city for r in planted) < KNOCKOUTS_PER_CITY
        want_decoy = sum(r["city"] == city for r in decoys) < KNOCKOUTS_PER_CITY
        if tenderer in taken or not (want_planted or want_decoy):
            continue
        taken.add(tenderer)
        rows = np.sort(np.asarray(cells[ready[i]]))[:_MAX_LOTS]
        hit = rows if want_planted else rows[np.argsort(-n_bids[rows], kind="stable")[:1]]
        for lot in hit:
            mine = by_lot[lot]
            standing = mine[valid[mine]]
            out = max(0, min(len(standing) - 3, int(np.ceil((0.5 if want_planted else 0.8) * len(mine)))))
            valid[rng.choice(standing, out, replace=False)] = False
        used[rows] = True
        record = {"city": int(city), "tenderer": int(tenderer), "category": category, "region": region, "lots": rows}
        (planted if want_planted else decoys).append(record)
    return bids.assign(valid=valid), planted, decoys


def efficiency_truth(planted: list, decoys: list, ids, lot_ids, lots: pd.DataFrame) -> dict:
    """truth.json's ``efficiency_anomaly`` items (tenderer, its lots, and the agencies that ran
    them, which ran the openings) and decoy ``contentious_lots``."""

    def item(r: dict) -> dict:
        agencies = lots["agency"].to_numpy()[r["lots"]]
        return {
            "tenderer_id": str(ids.org(np.array([r["tenderer"]]))[0]),
            "lot_ids": [str(v) for v in lot_ids[r["lots"]].tolist()],
            "agency_ids": sorted({str(v) for v in ids.org(agencies[agencies >= 0]).tolist()}),
        }

    return {
        "efficiency_anomaly": [item(r) | {"kind": "invalid_rate"} for r in planted],
        "decoys": {"contentious_lots": [item(r) for r in decoys]},
    }
