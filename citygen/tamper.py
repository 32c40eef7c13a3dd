"""Edits of the bid table that planted schemes share.

Schemes touch disjoint sets of lots, so each takes the rows of *its* lots from a
:class:`BidBook`, edits that small frame (make a firm win, add cover bids, replace the lot's
bidders) and puts it back; the book applies every edit at once at the end. At province scale
this keeps planting to a few small frames instead of hundreds of passes over a million rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["BidBook", "add_bids", "force_wins"]


class BidBook:
    """Honest bids (sorted by lot) plus the planted replacements for some lots."""

    def __init__(self, bids: pd.DataFrame):
        self.base = bids
        lot = bids["lot"].to_numpy()
        self._start = np.searchsorted(lot, np.arange(int(lot.max()) + 2))
        self._edits: dict[int, pd.DataFrame] = {}
        self._frames: list[pd.DataFrame] = []
        self._edited: list[np.ndarray] = []

    def rows(self, lots) -> pd.DataFrame:
        """The current bids of ``lots`` (a fresh frame; edit it and :meth:`put` it back)."""
        lots = np.asarray(lots, np.int64)
        lots = lots[lots < len(self._start) - 1]
        a, b = self._start[lots], self._start[lots + 1]
        idx = np.repeat(a, b - a) + (np.arange((b - a).sum()) - np.repeat(np.cumsum(b - a) - (b - a), b - a))
        return self.base.iloc[idx].reset_index(drop=True)

    def put(self, lots, frame: pd.DataFrame) -> None:
        """Replace every bid of ``lots`` by ``frame`` (whose rows must all be on those lots)."""
        self._edited.append(np.asarray(lots, np.int64))
        self._frames.append(frame)

    def table(self) -> pd.DataFrame:
        """All bids, edits applied, sorted by lot and org."""
        if not self._frames:
            return self.base
        edited = np.concatenate(self._edited)
        keep = ~np.isin(self.base["lot"].to_numpy(), edited)
        out = pd.concat([self.base[keep], *self._frames], ignore_index=True)
        return out.sort_values(["lot", "org"], kind="stable").reset_index(drop=True)


def add_bids(bids: pd.DataFrame, lot, org, ratio, tech, valid=True) -> pd.DataFrame:
    """``bids`` with the given rows added (a pair already present is replaced)."""
    n = len(lot)
    new = pd.DataFrame(
        {
            "lot": np.asarray(lot, np.int64),
            "org": np.asarray(org, np.int64),
            "ratio": np.asarray(ratio, float) * np.ones(n),
            "tech": np.asarray(tech, float) * np.ones(n),
            "valid": np.asarray(valid, bool) & np.ones(n, bool),
        }
    )
    pair = bids["lot"].to_numpy() * (1 << 32) + bids["org"].to_numpy()
    drop = np.isin(pair, new["lot"].to_numpy() * (1 << 32) + new["org"].to_numpy())
    return pd.concat([bids[~drop], new], ignore_index=True)


def force_wins(
    rng: np.random.Generator, bids: pd.DataFrame, lot: np.ndarray, org: np.ndarray, quality: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    """Make ``org[i]`` the best bid on ``lot[i]``: a valid price just under every other bid
    (0.3-1.5 % below the cheapest rival) and a technical offer above the best rival's.
    Adds the bid if missing. Returns the new frame and the ratio each winner bid.
    """
    lot, org = np.asarray(lot), np.asarray(org)
    b_lot, b_org, b_ratio = bids["lot"].to_numpy(), bids["org"].to_numpy(), bids["ratio"].to_numpy()
    is_pick = np.isin(b_lot * (1 << 32) + b_org, lot * (1 << 32) + org)
    rival = np.isin(b_lot, lot) & ~is_pick & bids["valid"].to_numpy()
    best = pd.Series(b_ratio[rival]).groupby(b_lot[rival]).min()
    rival_min = best.reindex(lot).fillna(0.97).to_numpy()
    ratio = np.minimum(rival_min * (1 - rng.uniform(0.003, 0.015, len(lot))), 0.99)
    # A technical offer clearly above the best rival's (1.5 quality units = 6.75 points of 70).
    best_tech = pd.Series(bids["tech"].to_numpy()[rival]).groupby(b_lot[rival]).max()
    tech = np.maximum(
        best_tech.reindex(lot).fillna(0.0).to_numpy() + 1.5, 0.6 * quality[org] + 1.2
    ) + 0.3 * rng.standard_normal(len(lot))
    return add_bids(bids, lot, org, ratio, tech, True), ratio
