"""The tables behind the firm-level views (``graph/firm_view.py``), built once from a snapshot:
every bid as integer codes (firm, lot, won), every bid → IP / device / document link as codes,
and for each a grouping (bids of a firm, of a lot; links of a hub value, of a firm), so that a
hub's firms or a firm's relations are a few array slices instead of joins over the snapshot.

Keys (bid, firm, lot and hub values) are sorted Arrow strings, a key's code its position, so
that a look-up is a binary search and nothing needs a hash table built when the tables open.
Everything else is a numpy array. :func:`build_arrays` makes them with Arrow and numpy, no
Python loop over rows.

A store that can keep derived tables (``derived(name, build)``, the scoped store: once per
graph version and region) keeps them, and they are written beside the graph version they come
from (``<version folder>/firm_tables/``, see :mod:`bidgraph.graph.firm_disk`), so that only the
first process after a load builds them; any other query API gets them built per call.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from bidgraph.graph import firm_disk

__all__ = [
    "FirmTables",
    "firm_tables",
    "build_arrays",
    "Groups",
    "Keys",
    "text_array",
    "sorted_codes",
    "distinct_sorted",
]

Arrays = dict[str, Any]  # name -> np.ndarray or pa.Array (the keys)
NO_MONTH = -1
# The format of the arrays kept on disk, part of their folder's name (``f1-city``): a process
# reads only the folder of its own FORMAT, so copies an older build_arrays kept beside a version
# are never read by a newer one. Bump it with any change to what build_arrays makes (a new array,
# another dtype, order or meaning); the old folders are then left unread until the version goes.
FORMAT = "f1"


class Keys:
    """Sorted string keys ↔ integer codes (a key's code is its position)."""

    def __init__(self, keys: pa.Array):
        self.keys = keys

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, code: int) -> str:  # what bisect reads
        return self.keys[code].as_py()

    def code(self, key: str) -> int | None:
        at = bisect.bisect_left(self, key)
        return at if at < len(self.keys) and self[at] == key else None

    def codes(self, keys: Iterable[str]) -> np.ndarray:
        """Codes of ``keys`` (-1 for a key not here)."""
        return np.array([c if (c := self.code(k)) is not None else -1 for k in keys], dtype=np.int64)

    def take(self, codes: np.ndarray) -> list[str]:
        return self.keys.take(pa.array(np.asarray(codes, dtype=np.int64))).to_pylist()


class Groups:
    """Positions of an array of codes, grouped by code: ``members(c)`` in ascending position."""

    def __init__(self, order: np.ndarray, bounds: np.ndarray):
        self._order, self._bounds = order, bounds

    @staticmethod
    def arrays(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
        """The (order, bounds) of a grouping of ``codes`` (each below ``size``)."""
        order = np.argsort(codes, kind="stable").astype(np.int32)
        bounds = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=size))]).astype(np.int64)
        return order, bounds

    def members(self, code: int) -> np.ndarray:
        return np.asarray(self._order[self._bounds[code] : self._bounds[code + 1]], dtype=np.int64)

    def many(self, codes: np.ndarray) -> np.ndarray:
        parts = [self.members(int(c)) for c in codes]
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


class HubLinks:
    """Every (bid, value) link of one hub label, as codes, grouped by value and by firm, with
    the number of firms behind each value."""

    def __init__(self, arrays: Arrays, prefix: str):
        get = lambda name: arrays[f"{prefix}.{name}"]  # noqa: E731
        self.bid, self.value = get("bid"), get("value")
        self.values = Keys(get("values"))
        self.by_value = Groups(get("by_value.order"), get("by_value.bounds"))
        self.by_firm = Groups(get("by_firm.order"), get("by_firm.bounds"))
        self.firms = get("firms")


class FirmTables:
    """Bids, hub links and lot months of one snapshot (see the module docstring), over the
    arrays of :func:`build_arrays` (fresh or memory-mapped from disk: the same)."""

    def __init__(self, arrays: Arrays, hubs: Iterable[str]):
        self.arrays = arrays
        self.bids, self.firms, self.lots = Keys(arrays["bids"]), Keys(arrays["firms"]), Keys(arrays["lots"])
        self.firm, self.lot, self.won = arrays["firm"], arrays["lot"], arrays["won"]
        self.by_firm = Groups(arrays["by_firm.order"], arrays["by_firm.bounds"])
        self.by_lot = Groups(arrays["by_lot.order"], arrays["by_lot.bounds"])
        self.hubs = {label: HubLinks(arrays, f"hub.{label}") for label in hubs}
        self.wins = arrays["wins"]

    def month(self, lot: int) -> str | None:
        """``YYYY-MM`` of the lot's opening date (None without one)."""
        m = int(self.arrays["lot_month"][lot])
        return None if m == NO_MONTH else f"{m // 12:04d}-{m % 12 + 1:02d}"

    def runs(self, key: np.ndarray, bids: np.ndarray) -> list[tuple[int, list[str], list[str], int]]:
        """The bids ``bids`` (codes) grouped by ``key`` (one code per bid, ascending code
        order): per group its key, bid ids and lot ids (sorted, unique) and its wins."""
        order = np.argsort(key, kind="stable")
        key, bids = key[order], bids[order]
        cuts = np.flatnonzero(key[1:] != key[:-1]) + 1
        bid_ids = self.bids.take(bids)
        lot_ids = self.lots.take(self.lot[bids])
        won = np.concatenate([[0], np.cumsum(self.won[bids])])
        out = []
        for start, end in zip([0, *cuts.tolist()], [*cuts.tolist(), len(key)]):
            if end > start:
                wins = int(won[end] - won[start])
                out.append((int(key[start]), sorted(set(bid_ids[start:end])), sorted(set(lot_ids[start:end])), wins))
        return out


def text_array(column: pd.Series) -> pa.Array:
    """A column of ids as one Arrow string array (nulls kept)."""
    array = pa.array(column, from_pandas=True)
    array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    return array if pa.types.is_large_string(array.type) else pc.cast(array, pa.large_string())


def sorted_codes(values: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """``values`` (no nulls) as codes into their distinct values, sorted: (codes, keys)."""
    encoded = pc.dictionary_encode(values)
    order = pc.sort_indices(encoded.dictionary).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[encoded.indices.to_numpy(zero_copy_only=False)], encoded.dictionary.take(pa.array(order))


def distinct_sorted(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` by a sort (numpy's hash-based unique is several times slower on int64)."""
    values = np.sort(values)
    return values[np.concatenate([[True], values[1:] != values[:-1]])] if len(values) else values


def _months(lots: pd.DataFrame, keys: pa.Array) -> np.ndarray:
    """Per lot code, the month of its opening date as ``year * 12 + month - 1`` (NO_MONTH without one)."""
    out = np.full(len(keys), NO_MONTH, dtype=np.int32)
    if "opened_on" not in lots or not len(lots):
        return out
    opened = pd.to_datetime(lots["opened_on"], errors="coerce")
    known = (opened.notna() & lots["lot_id"].notna()).to_numpy()
    codes = pc.index_in(text_array(lots["lot_id"]).filter(pa.array(known)), value_set=keys).to_numpy(
        zero_copy_only=False
    )
    out[codes] = (opened[known].dt.year * 12 + opened[known].dt.month - 1).to_numpy(dtype=np.int32)
    return out


def build_arrays(snap, hubs: dict[str, list[tuple[str, str]]]) -> Arrays:
    """The arrays of :class:`FirmTables` from ``snap``'s bids, lots and the hub ``(table,
    column)`` sources of each hub label (see ``graph/firm_view.py``)."""
    bids, lots = snap["bids"], snap["lots"]
    bid_ids = text_array(bids["bid_id"]).fill_null("")
    by_id = pc.sort_indices(bid_ids).to_numpy()
    out: Arrays = {"bids": bid_ids.take(pa.array(by_id))}
    firm, out["firms"] = sorted_codes(text_array(bids["org_id"]).fill_null("").take(pa.array(by_id)))
    lot_ids = text_array(bids["lot_id"]).fill_null("").take(pa.array(by_id))
    lot, out["lots"] = sorted_codes(pa.concat_arrays([lot_ids, text_array(lots["lot_id"]).drop_null()]))
    out["firm"], out["lot"] = firm.astype(np.int32), lot[: len(lot_ids)].astype(np.int32)
    won = bids["is_winner"].fillna(False).astype(bool).to_numpy() if "is_winner" in bids else np.zeros(len(bids), bool)
    out["won"] = won[by_id]
    out["by_firm.order"], out["by_firm.bounds"] = Groups.arrays(out["firm"], len(out["firms"]))
    out["by_lot.order"], out["by_lot.bounds"] = Groups.arrays(out["lot"], len(out["lots"]))
    out["wins"] = np.bincount(out["firm"][out["won"]], minlength=len(out["firms"])).astype(np.int32)
    out["lot_month"] = _months(lots, out["lots"])
    bid_codes: dict[str, pa.Array] = {}  # per hub table, its rows' bid codes (one look-up per table)
    for label, sources in hubs.items():
        out.update(_hub_arrays(snap, sources, out, bid_codes, f"hub.{label}"))
    return out


def _hub_arrays(snap, sources: list[tuple[str, str]], out: Arrays, bid_codes: dict, prefix: str) -> Arrays:
    bid_parts, value_parts = [], []
    for table, column in sources:
        frame = snap[table] if table in snap.tables else None
        if frame is None or column not in frame or not len(frame):
            continue
        if table not in bid_codes:
            bid_codes[table] = pc.index_in(text_array(frame["bid_id"]), value_set=out["bids"])
        code, value = bid_codes[table], text_array(frame[column])
        known = pc.and_(pc.is_valid(code), pc.is_valid(value))  # a link of a bid the view does not hold
        bid_parts.append(code.filter(known).to_numpy(zero_copy_only=False).astype(np.int64))
        value_parts.append(value.filter(known))
    if value_parts:
        value, keys = sorted_codes(pa.concat_arrays(value_parts))
        bid = np.concatenate(bid_parts)
    else:
        value, keys, bid = np.empty(0, np.int64), pa.array([], pa.large_string()), np.empty(0, np.int64)
    width, firms = max(len(keys), 1), len(out["firms"])
    pairs = distinct_sorted(bid * width + value)  # each (bid, value) link once, as one integer
    bid, value = (pairs // width).astype(np.int32), (pairs % width).astype(np.int32)
    firm = out["firm"][bid].astype(np.int64)
    by_value, by_firm = Groups.arrays(value, len(keys)), Groups.arrays(firm, firms)
    users = distinct_sorted(value.astype(np.int64) * firms + firm) // max(firms, 1)  # (value, firm) pairs, by value
    return {
        f"{prefix}.bid": bid,
        f"{prefix}.value": value,
        f"{prefix}.values": keys,
        f"{prefix}.by_value.order": by_value[0],
        f"{prefix}.by_value.bounds": by_value[1],
        f"{prefix}.by_firm.order": by_firm[0],
        f"{prefix}.by_firm.bounds": by_firm[1],
        f"{prefix}.firms": np.bincount(users, minlength=len(keys)).astype(np.int32),
    }


def firm_tables(api, hubs: dict[str, list[tuple[str, str]]]) -> FirmTables:
    """The :class:`FirmTables` of ``api``'s snapshot: kept by the store when it can keep derived
    tables (once per graph version and region, and on disk beside the version), else built now."""
    derived = getattr(api, "derived", None)
    if derived is None:
        return FirmTables(build_arrays(api.snapshot(), hubs), hubs)
    build = lambda snap: build_arrays(snap, hubs)  # noqa: E731
    return derived("firm_tables", lambda view: FirmTables(firm_disk.kept(view, FORMAT, build), hubs))
