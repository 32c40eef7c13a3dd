"""Low-level edits of the bid table that planted schemes share: make a firm win a lot, add bids."""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["add_bids", "force_wins"]


def add_bids(bids: pd.DataFrame, lot, org, ratio, tech, valid=True) -> pd.DataFrame:
    """``bids`` with the given rows added (a pair already present is replaced)."""
    new = pd.DataFrame({"lot": np.asarray(lot, np.int64), "org": np.asarray(org, np.int64),
                        "ratio": np.asarray(ratio, float) * np.ones(len(lot)),
                        "tech": np.asarray(tech, float) * np.ones(len(lot)), "valid": valid})
    pair = bids["lot"].to_numpy() * (1 << 32) + bids["org"].to_numpy()
    drop = np.isin(pair, new["lot"].to_numpy() * (1 << 32) + new["org"].to_numpy())
    out = pd.concat([bids[~drop], new], ignore_index=True)
    return out.sort_values(["lot", "org"], kind="stable").reset_index(drop=True)


def force_wins(rng: np.random.Generator, bids: pd.DataFrame, lot: np.ndarray, org: np.ndarray,
               quality: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Make ``org[i]`` the best bid on ``lot[i]``: a valid price just under every other bid
    (0.3-1.5 % below the cheapest rival) and a technical offer above the best rival's. Adds the bid if missing.

    Returns the new table and the ratio each winner bid.
    """
    lot, org = np.asarray(lot), np.asarray(org)
    b_lot, b_org, b_ratio = bids["lot"].to_numpy(), bids["org"].to_numpy(), bids["ratio"].to_numpy()
    is_pick = np.isin(b_lot * (1 << 32) + b_org, lot * (1 << 32) + org)
    rival = np.isin(b_lot, lot) & ~is_pick & bids["valid"].to_numpy()
    best = pd.Series(b_ratio[rival]).groupby(b_lot[rival]).min()
    rival_min = best.reindex(lot).fillna(0.97).to_numpy()
    ratio = np.minimum(rival_min * (1 - rng.uniform(0.003, 0.015, len(lot))), 0.99)
    # A technical offer clearly above the best rival's (0.8 quality units = 4 points of 70).
    best_tech = pd.Series(bids["tech"].to_numpy()[rival]).groupby(b_lot[rival]).max()
    tech = np.maximum(best_tech.reindex(lot).fillna(0.0).to_numpy() + 0.8,
                      0.6 * quality[org] + 1.2) + 0.3 * rng.standard_normal(len(lot))
    return add_bids(bids, lot, org, ratio, tech, True), ratio
