"""The price-screen model's probability for every lot of a snapshot, computed one way for every
detector that reads it (``price_screen`` flags lots with it, ``screen_ring`` weighs firms with it).

The parameters are ``price_screen``'s: ``model`` (a model JSON, empty for the shipped one),
``min_bids`` (lots with fewer valid priced bids get no probability; never fewer than the
model's own minimum) and ``close_gap`` (what counts as near-identical neighbouring bids).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bidgraph.detectors.screens.features import lot_screens
from bidgraph.detectors.screens.model import ScreenModel, load_model
from bidgraph.graph.snapshot import Snapshot, positions

__all__ = ["ScreenedLots", "priced_bids", "screened_lots", "snapshot_screens"]


@dataclass(frozen=True)
class ScreenedLots:
    """The screens and the model's probability of every lot with enough bids.

    Attributes
    ----------
    bids : DataFrame
        The priced bids with integer codes: ``lot``, ``org``, ``price``, ``is_winner``,
        ``ceiling_price`` (row for row the ``bids`` given to :func:`screened_lots`).
    lot_ids, org_ids : ndarray
        ``lot_ids[code]`` is the lot_id of lot code ``code``; likewise for firms.
    screens : DataFrame
        Indexed by lot code, only lots with ``min_bids`` bids or more: ``lot_screens``
        columns plus ``probability``.
    model : ScreenModel
        The model that gave the probabilities.
    """

    bids: pd.DataFrame
    lot_ids: np.ndarray
    org_ids: np.ndarray
    screens: pd.DataFrame
    model: ScreenModel


def priced_bids(snapshot: Snapshot) -> pd.DataFrame:
    """Valid bids with a positive price, and their lot's ceiling price (the only context used).

    Columns: ``bid_id``, ``lot_id``, ``org_id``, ``price``, ``is_winner``, ``ceiling_price``.
    """
    b = snapshot["bids"]
    b = b.loc[b["is_valid"].fillna(True).to_numpy(bool), ["bid_id", "lot_id", "org_id", "price", "is_winner"]]
    price = pd.to_numeric(b["price"], errors="coerce")
    lots = snapshot["lots"]
    where = positions(lots["lot_id"], b["lot_id"])  # a lot listed twice: its first row
    ceiling = np.append(pd.to_numeric(lots["ceiling_price"], errors="coerce").to_numpy(dtype=float), np.nan)[where]
    out = pd.DataFrame(
        {
            # the ids as they are stored: to_numpy would make a Python string of each
            "bid_id": b["bid_id"].array,
            "lot_id": b["lot_id"].array,
            "org_id": b["org_id"].array,
            "price": price.to_numpy(dtype=float),
            "is_winner": b["is_winner"].fillna(False).astype(bool).to_numpy(),
            "ceiling_price": ceiling,
        }
    )
    return out[out["price"] > 0].reset_index(drop=True)


def snapshot_screens(snapshot: Snapshot, params: Mapping[str, Any]) -> tuple[pd.DataFrame, ScreenedLots | None]:
    """:func:`priced_bids` of ``snapshot`` and their :func:`screened_lots` (None when no bid is
    priced), made once per snapshot and settings (``price_screen`` and ``screen_ring`` read the
    same); read-only."""
    key = ("screened_lots", params["model"], int(params["min_bids"]), float(params["close_gap"]))
    return snapshot.derived(key, lambda: _screened(snapshot, params))


def _screened(snapshot: Snapshot, params: Mapping[str, Any]) -> tuple[pd.DataFrame, ScreenedLots | None]:
    bids = priced_bids(snapshot)
    return bids, None if bids.empty else screened_lots(bids, params)


def screened_lots(bids: pd.DataFrame, params: Mapping[str, Any]) -> ScreenedLots:
    """Screens and model probability of every lot of ``bids`` (from :func:`priced_bids`) with at
    least ``params["min_bids"]`` bids, percentiles taken among those lots."""
    model = load_model(params["model"] or None)
    min_bids = max(int(params["min_bids"]), model.min_bids)
    # integer codes: grouping and matching on them is many times faster than on id strings
    lot_code, lot_ids = pd.factorize(bids["lot_id"], sort=True)
    org_code, org_ids = pd.factorize(bids["org_id"], sort=True)
    coded = pd.DataFrame(
        {
            "lot": lot_code,
            "org": org_code,
            "price": bids["price"].to_numpy(),
            "is_winner": bids["is_winner"].to_numpy(),
            "ceiling_price": bids["ceiling_price"].to_numpy(),
        }
    )
    screens = lot_screens(coded, lot="lot", ceiling="ceiling_price", close_gap=params["close_gap"])
    screens = screens[screens["n_bids"] >= min_bids].copy()
    screens["probability"] = model.predict_proba(screens)
    return ScreenedLots(coded, np.asarray(lot_ids, dtype=object), np.asarray(org_ids, dtype=object), screens, model)
