"""The tables behind the firm-level views (``graph/firm_view.py``), built once from a snapshot:
every bid as integer codes (firm, lot, won), every bid → IP / device / document link as codes,
and for each a grouping (bids of a firm, of a lot; links of a hub value, of a firm), so that a
hub's firms or a firm's relations are a few array slices instead of joins over the snapshot.

A store that can keep derived tables (``derived(name, build)``, the scoped store: once per
graph version and region) keeps them; any other query API gets them built per call.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["FirmTables", "firm_tables", "Groups", "Codes"]


def _strings(column: pd.Series) -> np.ndarray:
    return np.asarray(column.astype(str), dtype=object)


class Codes:
    """Keys ↔ integer codes (a key's code is its position)."""

    def __init__(self, keys: np.ndarray):
        self.keys = keys
        self._index = pd.Index(keys, dtype=object)

    def code(self, key: str) -> int | None:
        try:
            return int(self._index.get_loc(key))
        except KeyError:
            return None

    def codes(self, keys: list[str] | np.ndarray) -> np.ndarray:
        """Codes of ``keys`` (-1 for a key not here)."""
        return self._index.get_indexer(pd.Index(np.asarray(keys, dtype=object), dtype=object))


class Groups:
    """Positions of an array of codes, grouped by code: ``members(c)`` in ascending position."""

    def __init__(self, codes: np.ndarray, size: int):
        self._order = np.argsort(codes, kind="stable")
        self._bounds = np.searchsorted(codes[self._order], np.arange(size + 1))

    def members(self, code: int) -> np.ndarray:
        return self._order[self._bounds[code] : self._bounds[code + 1]]

    def many(self, codes: np.ndarray) -> np.ndarray:
        parts = [self.members(int(c)) for c in codes]
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


class HubLinks:
    """Every (bid, value) link of one hub label, as codes, grouped by value and by firm."""

    def __init__(self, bid: np.ndarray, values: np.ndarray, firm_of_bid: np.ndarray, firms: int):
        codes, keys = pd.factorize(values, sort=True)
        width = max(len(keys), 1)
        pairs = np.unique(bid * width + codes.astype(np.int64))  # each (bid, value) once, as one integer
        self.bid, self.value = pairs // width, pairs % width
        self.values = Codes(np.asarray(keys, dtype=object))
        self.by_value = Groups(self.value, len(keys))
        self.by_firm = Groups(firm_of_bid[self.bid], firms)


class FirmTables:
    """Bids, hub links and lot months of one snapshot (see the module docstring)."""

    def __init__(self, snap, hubs: dict[str, list[tuple[str, str]]]):
        bids = snap["bids"]
        self.bids = Codes(_strings(bids["bid_id"]))
        org, org_keys = pd.factorize(_strings(bids["org_id"]), sort=True)
        lot, lot_keys = pd.factorize(_strings(bids["lot_id"]), sort=True)
        self.firms, self.lots = Codes(np.asarray(org_keys, dtype=object)), Codes(np.asarray(lot_keys, dtype=object))
        self.firm, self.lot = org.astype(np.int64), lot.astype(np.int64)
        won = (
            bids["is_winner"].fillna(False).astype(bool) if "is_winner" in bids else pd.Series(False, index=bids.index)
        )
        self.won = won.to_numpy(dtype=bool)
        self.by_firm = Groups(self.firm, len(org_keys))
        self.by_lot = Groups(self.lot, len(lot_keys))
        self.hubs = {label: self._links(snap, sources) for label, sources in hubs.items()}
        self.lot_month = self._months(snap)
        wins = np.bincount(self.firm[self.won], minlength=len(org_keys))
        self.wins = {str(self.firms.keys[i]): int(wins[i]) for i in np.flatnonzero(wins)}

    def _links(self, snap, sources: list[tuple[str, str]]) -> HubLinks:
        bid_parts, value_parts = [], []
        for table, column in sources:
            frame = snap[table] if table in snap.tables else None
            if frame is None or column not in frame:
                continue
            part = frame[["bid_id", column]].dropna()
            codes = self.bids.codes(_strings(part["bid_id"]))
            known = codes >= 0  # a link of a bid the view does not hold
            bid_parts.append(codes[known])
            value_parts.append(_strings(part[column])[known])
        bid = np.concatenate(bid_parts).astype(np.int64) if bid_parts else np.empty(0, dtype=np.int64)
        values = np.concatenate(value_parts) if value_parts else np.empty(0, dtype=object)
        return HubLinks(bid, values, self.firm, len(self.firms.keys))

    @staticmethod
    def _months(snap) -> dict[str, str]:
        lots = snap["lots"]
        if "opened_on" not in lots:
            return {}
        opened = pd.to_datetime(lots["opened_on"], errors="coerce").dt.strftime("%Y-%m")
        return {lot: m for lot, m in zip(_strings(lots["lot_id"]), opened) if isinstance(m, str)}

    def runs(self, key: np.ndarray, bids: np.ndarray) -> list[tuple[int, list[str], list[str], int]]:
        """The bids ``bids`` (codes) grouped by ``key`` (one code per bid, ascending code
        order): per group its key, bid ids and lot ids (sorted, unique) and its wins."""
        order = np.argsort(key, kind="stable")
        key, bids = key[order], bids[order]
        cuts = np.flatnonzero(key[1:] != key[:-1]) + 1
        bid_ids = self.bids.keys[bids].tolist()
        lot_ids = self.lots.keys[self.lot[bids]].tolist()
        won = np.concatenate([[0], np.cumsum(self.won[bids])])
        out = []
        for start, end in zip([0, *cuts.tolist()], [*cuts.tolist(), len(key)]):
            if end > start:
                wins = int(won[end] - won[start])
                out.append((int(key[start]), sorted(set(bid_ids[start:end])), sorted(set(lot_ids[start:end])), wins))
        return out


def firm_tables(api, hubs: dict[str, list[tuple[str, str]]]) -> FirmTables:
    """The :class:`FirmTables` of ``api``'s snapshot: kept by the store when it can keep derived
    tables (once per graph version and region), else built now."""
    derived = getattr(api, "derived", None)
    if derived is None:
        return FirmTables(api.snapshot(), hubs)
    return derived("firm_tables", lambda snap: FirmTables(snap, hubs))
