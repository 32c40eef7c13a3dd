"""Co-bidding: which firms meet on the same lots, and how often chance alone would bring them
together.

Shared by ``bid_ring``, ``hidden_link`` and ``cover_bidder``. Everything is vectorised over a
sparse lots x firms incidence matrix ``A``: the co-bid counts are ``A^T A``, never an all-pairs
loop, so a province (1,000,000 bids, 200,000 firms) takes seconds.

The null model ("random draws from the same market"): a lot belongs to a market. If firm *i*
entered ``n_im`` of the ``L_m`` lots of market *m* and entered them independently of firm *j*,
the expected number of lots where they meet is ``E_ij = sum_m n_im * n_jm / L_m``. Two markets
explain meetings, and a pair is expected to meet as often as the larger of the two predicts:
the lot's region and category (local firms meet because they are all there is), and, where the
lot's specialty is known (``lot_specialty``), the city's lots of that category and specialty
(the dozen firms qualified for water works meet on nearly every water-works lot by necessity).
The surprise of a pair is ``-log10 P(X >= observed)`` for ``X ~ Poisson(E_ij)``. A small county
whose five firms enter every lot, or a specialty's whole qualified pool, has ``E`` close to the
observed count and no surprise; a ring that meets on 20 lots where chance predicts 3 has a
surprise above 10.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse, stats

from bidgraph.detectors.core.common import bids_in_context, uid
from bidgraph.detectors.stats.shared_values import firms_per_value, trace_node
from bidgraph.detectors.stats.specialty import lot_specialty
from bidgraph.graph.snapshot import Snapshot, positions

__all__ = [
    "CoBidding",
    "cobidding",
    "expected_entries",
    "pair_price_ties",
    "shared_values",
    "trace_graph",
    "traced_lots",
]

LN10 = np.log(10.0)


@dataclass(frozen=True)
class CoBidding:
    """The co-bidding projection of one snapshot.

    Attributes
    ----------
    bids : DataFrame
        Valid bids in context plus integer codes ``lot``, ``firm``, ``market`` (region and
        category) and ``specialty_market`` (category and specialty, city-wide; the lot's
        ``market`` where its specialty is unknown).
    firms : ndarray of str
        ``firms[code]`` is the org_id of firm code ``code``.
    lots : ndarray of str
        ``lots[code]`` is the lot_id of lot code ``code``.
    incidence : csr_matrix
        lots x firms, 1 where the firm bid on the lot.
    pairs : DataFrame
        One row per firm pair (``a < b``, codes) that met at least ``min_cobids`` times:
        ``cobids``, ``expected``, ``surprise`` (-log10 Poisson tail), ``lift``
        (observed / expected), ``n_a``, ``n_b`` (lots each entered) and ``jaccard``.
    rates : dict of DataFrame
        Per market column (``market``, ``specialty_market``): each firm's ``n`` lots entered in
        a market and the market's ``lots`` (the null model's entry rates).
    lot_markets : DataFrame
        Per lot code, its ``market`` and ``specialty_market``.
    """

    bids: pd.DataFrame
    firms: np.ndarray
    lots: np.ndarray
    incidence: sparse.csr_matrix
    pairs: pd.DataFrame
    rates: dict[str, pd.DataFrame]
    lot_markets: pd.DataFrame


MARKETS = ("market", "specialty_market")


def cobidding(snapshot: Snapshot, min_cobids: int = 2) -> CoBidding:
    """Build the co-bidding projection and its null model.

    Parameters
    ----------
    snapshot : Snapshot
    min_cobids : int
        Pairs that met on fewer lots are not listed (they can never be flagged).

    The projection is made once per snapshot (with the pairs that met twice or more) and shared
    by the detectors of a batch; a larger ``min_cobids`` keeps its pairs that met often enough
    (every column of a pair depends on that pair alone).
    """
    floor = min(min_cobids, 2)
    co = snapshot.derived(("cobidding", floor), lambda: _cobidding(snapshot, floor))
    pairs = co.pairs if min_cobids == floor else co.pairs[co.pairs["cobids"] >= min_cobids].reset_index(drop=True)
    return replace(co, bids=co.bids.copy(deep=False), pairs=pairs.copy(deep=False))


def _cobidding(snapshot: Snapshot, min_cobids: int) -> CoBidding:
    bids = bids_in_context(snapshot)
    bids["lot"], lots = pd.factorize(bids["lot_id"], sort=True)
    bids["firm"], firms = pd.factorize(bids["org_id"], sort=True)
    # a lot's markets are its own: keyed once per lot (row = lot code), then spread to its bids
    per_lot = bids[["lot", "region_code", "category"]].drop_duplicates("lot").sort_values("lot").reset_index(drop=True)
    # as objects first: a column missing everywhere comes out of the join as float, which takes no "?"
    category = per_lot["category"].astype(object).fillna("?").astype(str)
    market_key = per_lot["region_code"].astype(object).fillna("?").astype(str) + "|" + category
    specialty = lot_specialty(snapshot, bids).reindex(lots).reset_index(drop=True)
    specialty_key = ("*|" + category + "|" + specialty.astype(str)).where(specialty.notna(), market_key)
    lot = bids["lot"].to_numpy()
    bids["market"] = pd.factorize(market_key, sort=True)[0][lot]
    bids["specialty_market"] = pd.factorize(specialty_key, sort=True)[0][lot]
    n_lots, n_firms = len(lots), len(firms)
    entry = bids[["lot", "firm", *MARKETS]].drop_duplicates(["lot", "firm"])  # the columns counted, not two dozen
    incidence = sparse.csr_matrix(
        (np.ones(len(entry), dtype=np.float32), (entry["lot"].to_numpy(), entry["firm"].to_numpy())),
        shape=(n_lots, n_firms),
    )
    rates = {market: _entry_counts(entry, market) for market in MARKETS}
    co = sparse.triu(incidence.T @ incidence, k=1).tocoo()
    keep = co.data >= min_cobids
    a, b, cobids = co.row[keep], co.col[keep], co.data[keep].astype(np.int64)
    n_firm_lots = np.asarray(incidence.sum(axis=0)).ravel()
    expected = np.maximum(*(_expected(entry, rates[market], a, b, market) for market in MARKETS))
    surprise = -stats.poisson.logsf(cobids - 1, np.maximum(expected, 1e-9)) / LN10
    pairs = pd.DataFrame(
        {
            "a": a,
            "b": b,
            "cobids": cobids,
            "expected": expected,
            "surprise": surprise,
            "lift": cobids / np.maximum(expected, 1e-9),
            "n_a": n_firm_lots[a],
            "n_b": n_firm_lots[b],
        }
    )
    pairs["jaccard"] = pairs["cobids"] / (pairs["n_a"] + pairs["n_b"] - pairs["cobids"])
    pairs = pairs.sort_values(["a", "b"], ignore_index=True)
    lot_markets = bids[["lot", *MARKETS]].drop_duplicates("lot").set_index("lot")
    return CoBidding(
        bids, np.asarray(firms, dtype=object), np.asarray(lots, dtype=object), incidence, pairs, rates, lot_markets
    )


def _expected(entry: pd.DataFrame, rates: pd.DataFrame, a: np.ndarray, b: np.ndarray, market: str) -> np.ndarray:
    """``E_ab = sum_m n_am n_bm / L_m`` over the ``market`` column (``rates`` its entry counts),
    for the listed pairs only (a masked ``D^T W D``)."""
    counts = rates["n"] / np.sqrt(rates["lots"])
    n_firms = int(entry["firm"].max()) + 1 if len(entry) else 0
    n_markets = int(entry[market].max()) + 1 if len(entry) else 0
    d = sparse.csr_matrix(
        (counts.to_numpy(), (rates["firm"].to_numpy(), rates[market].to_numpy())), shape=(n_firms, n_markets)
    )
    if len(a) == 0:
        return np.zeros(0)
    return np.asarray(d[a].multiply(d[b]).sum(axis=1)).ravel()


def _entry_counts(entry: pd.DataFrame, market: str) -> pd.DataFrame:
    """Per firm and market: ``n`` lots entered and ``lots`` in the market."""
    lots_per_market = entry.groupby(market)["lot"].nunique()
    counts = entry.groupby(["firm", market]).size().rename("n").reset_index()
    return counts.assign(lots=lots_per_market.reindex(counts[market]).to_numpy())


def expected_entries(co: CoBidding, lots: np.ndarray) -> np.ndarray:
    """How many of ``lots`` (lot codes) each firm would enter, entering as it does elsewhere in
    their markets: the larger of the two markets' predictions, as for pairs."""
    out = np.zeros(len(co.firms))
    for market in MARKETS:
        chosen = co.lot_markets[market].reindex(lots).value_counts()
        rates = co.rates[market]
        in_market = rates[market].to_numpy()
        lots_in = np.zeros(int(in_market.max(initial=-1)) + 1)
        lots_in[chosen.index.to_numpy()] = chosen.to_numpy()
        # only the entry rows of the chosen markets count (the others add 0): sum those alone
        rows = np.flatnonzero(lots_in[in_market] > 0)
        e = rates["n"].to_numpy()[rows] / rates["lots"].to_numpy()[rows] * lots_in[in_market[rows]]
        per_firm = pd.Series(e).groupby(rates["firm"].to_numpy()[rows]).sum()
        expected = np.zeros(len(co.firms))
        expected[per_firm.index.to_numpy()] = per_firm.to_numpy()
        out = np.maximum(out, expected)
    return out


def pair_price_ties(
    snapshot: Snapshot, co: CoBidding, pairs: pd.DataFrame, lots: np.ndarray | None = None
) -> pd.DataFrame:
    """How the prices of each listed pair relate on the lots where both bid (of ``lots``, lot
    codes, when given), ``co`` being ``snapshot``'s projection.

    Returns one row per pair (``a``, ``b`` codes) with ``price_lots`` (co-bid lots where both
    priced), ``gap`` (median of ``|ln(p_a / p_b)|``), ``market_spread`` (what two bidders on a
    lot of the same market usually differ by: the market's median over lots of the mean
    ``|ln(p_x / p_y)|`` among the lot's bidders, taken over the pair's lots) and
    ``closeness`` = ``gap / market_spread`` (well below 1: the two price as one). The market,
    not the lot, is the yardstick: on a lot a ring controls, every bid is close.
    """
    priced, lot_market, market_spread = snapshot.derived("cobidding_prices", lambda: _prices(co))
    wanted = pairs[["a", "b"]].drop_duplicates()
    firms = pd.Index(np.union1d(wanted["a"], wanted["b"]))
    sub = priced[priced["firm"].isin(firms)]
    left = sub.rename(columns={"firm": "a", "logp": "la"})[["lot", "a", "la"]]
    right = sub.rename(columns={"firm": "b", "logp": "lb"})[["lot", "b", "lb"]]
    both = left.merge(right, on="lot")
    both = both[both["a"] < both["b"]].merge(wanted, on=["a", "b"])
    if lots is not None:
        both = both[both["lot"].isin(lots)]
    both["gap"] = (both["la"] - both["lb"]).abs()
    both["market_spread"] = market_spread.reindex(lot_market.reindex(both["lot"]).to_numpy()).to_numpy()
    out = (
        both.groupby(["a", "b"])
        .agg(price_lots=("lot", "size"), gap=("gap", "median"), market_spread=("market_spread", "median"))
        .reset_index()
    )
    out["closeness"] = out["gap"] / out["market_spread"].clip(lower=1e-6)
    return out


def _prices(co: CoBidding) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """The priced bids (one per lot and firm, with ``logp``), each lot's market and each market's
    usual spread: the same for every call of :func:`pair_price_ties` on a snapshot (bid_ring
    makes several, hidden_link one)."""
    priced = co.bids.loc[co.bids["price"].notna() & (co.bids["price"] > 0), ["lot", "firm", "price"]]
    priced = priced.drop_duplicates(["lot", "firm"])
    priced = priced.assign(logp=np.log(priced["price"].astype(float)))
    lot_market = co.lot_markets["market"]
    spread = _lot_spread(priced)
    return priced, lot_market, spread.groupby(lot_market.reindex(spread.index).to_numpy()).median()


def _lot_spread(priced: pd.DataFrame) -> pd.Series:
    """Per lot, the typical |log price difference| between two of its bidders.

    For sorted log prices the mean absolute pairwise difference is
    ``2 / (k (k-1)) * sum_i (2i - k - 1) x_i`` (Gini mean difference), computed without pairs.
    """
    p = priced.sort_values(["lot", "logp"])
    k = p.groupby("lot")["logp"].transform("size").to_numpy()
    i = p.groupby("lot").cumcount().to_numpy() + 1
    term = (2 * i - k - 1) * p["logp"].to_numpy()
    total = pd.Series(term, index=p["lot"].to_numpy()).groupby(level=0).sum()
    size = p.groupby("lot").size()
    return (2 * total / (size * (size - 1))).where(size > 1)


def traced_lots(snapshot: Snapshot, co: CoBidding, traces: pd.DataFrame) -> np.ndarray:
    """Lot codes where two firms' bids carry one value of ``traces`` (``shared_values`` rows):
    the lots they uploaded from one machine or filed one document on."""
    values = snapshot.derived("bid_trace_values", lambda: _bid_trace_values(snapshot))
    if values is None or traces.empty:
        return np.zeros(0, dtype=np.int64)
    values = values[values["value"].isin(traces["value"].unique())]  # the merge's rows, found cheaply first
    values = values.merge(traces[["kind", "value"]].drop_duplicates(), on=["kind", "value"])
    firms = pd.unique(traces[["org_a", "org_b"]].to_numpy().ravel())
    on = values.merge(co.bids[["bid_id", "lot", "org_id"]], on="bid_id")
    on = on[on["org_id"].isin(firms)]
    per = on.groupby(["lot", "kind", "value"])["org_id"].nunique()
    return np.unique(per[per >= 2].index.get_level_values("lot").to_numpy())


def _bid_trace_values(snapshot: Snapshot) -> pd.DataFrame | None:
    """Every upload and document trace of a bid: ``bid_id``, ``value`` (str), ``kind``."""
    frames = [
        snapshot[table][["bid_id", kind]].rename(columns={kind: "value"}).assign(kind=kind)
        for table, kinds in (("bid_uploads", BID_TRACES[:3]), ("bid_documents", BID_TRACES[3:]))
        for kind in kinds
        if kind in snapshot[table]
    ]
    if not frames:
        return None
    return pd.concat(frames, ignore_index=True).dropna(subset=["value"]).astype({"value": str})


BID_TRACES = ("ip", "mac", "hardware_id", "fingerprint", "file_sha256")


def shared_values(snapshot: Snapshot, max_firms_per_value: int = 5, orgs=None) -> pd.DataFrame:
    """Traces that tie two firms: the same upload IP, MAC, hardware id, document fingerprint or
    file hash on their bids, the same person in their roles, or the same phone, email or address.

    A value shared by more than ``max_firms_per_value`` firms (a public or carrier-NAT IP, a
    platform template's fingerprint, an industrial park's switchboard) ties nobody and is skipped.
    ``orgs`` (optional) limits the result to values held by one of these firms (their holders
    are still counted over all firms), which keeps a province cheap.

    Returns
    -------
    DataFrame with columns ``org_a``, ``org_b`` (``org_a < org_b``), ``kind`` (ip, mac,
    hardware_id, fingerprint, file_sha256, person, phone, email, address), ``value`` and
    ``bid_a``, ``bid_b`` (one bid of each firm that carries the value; missing for registry
    kinds); one row per pair, kind and value.
    """
    frames = []
    uploads, docs = snapshot.derived("bid_traces_by_firm", lambda: _by_firm(snapshot))
    kept = None if orgs is None else _kept_firms(snapshot, orgs)
    for table, kind in (
        (uploads, "ip"),
        (uploads, "mac"),
        (uploads, "hardware_id"),
        (docs, "fingerprint"),
        (docs, "file_sha256"),
    ):
        frames.append(_tagged(table, kind, kind, kept))
    frames.append(
        _tagged(snapshot.derived("role_holders", lambda: _role_holders(snapshot)), "person_id", "person", kept)
    )
    organizations = snapshot["organizations"].assign(firm=snapshot.codes("organizations", "org_id", ("bids", "org_id")))
    for kind in ("phone", "email", "address"):
        frames.append(_tagged(organizations, kind, kind, kept))
    # most values are one firm's: dropped before sorting, and kind by kind (each frame is one kind),
    # before the frames are put together (a missing value is held by no firm)
    values = pd.concat([f[_held_by_few(f, max_firms_per_value)] for f in frames], ignore_index=True)
    values = values.sort_values(["kind", "value", "org_id", "bid_id"]).drop_duplicates(["kind", "value", "org_id"])
    firms_per_value = values.groupby(["kind", "value"])["org_id"].transform("nunique")
    values = values[(firms_per_value >= 2) & (firms_per_value <= max_firms_per_value)]
    pairs = values.merge(values, on=["kind", "value"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["org_id_a"] < pairs["org_id_b"]]
    pairs = pairs.rename(columns={"org_id_a": "org_a", "org_id_b": "org_b", "bid_id_a": "bid_a", "bid_id_b": "bid_b"})
    return pairs[["org_a", "org_b", "kind", "value", "bid_a", "bid_b"]].sort_values(
        ["org_a", "org_b", "kind", "value"], ignore_index=True
    )


def _held_by_few(values: pd.DataFrame, most: int) -> np.ndarray:
    """Whether each row's (kind, value) is held by 2 to ``most`` firms, counted on integer codes."""
    firms = firms_per_value(*(pd.factorize(values[c])[0] for c in ("kind", "value", "org_id")))
    return (firms >= 2) & (firms <= most)


def _kept_firms(snapshot: Snapshot, orgs) -> np.ndarray:
    """Per firm code of the bids (``firm`` columns below), and -1 last, whether it is one of ``orgs``."""
    firms = snapshot.keys("bids", "org_id")
    kept = np.zeros(len(firms) + 1, dtype=bool)
    code = positions(firms, pd.Series(orgs, dtype=firms.dtype))
    kept[code[code >= 0]] = True
    return kept


def _role_holders(snapshot: Snapshot) -> pd.DataFrame:
    """``org_id``, ``person_id`` and ``firm`` (the firm's code among the bids' firms) of every role
    but an official's: the columns of 2.3 million roles at province, taken once for bid_ring and
    hidden_link (every column, twice, cost a second)."""
    roles = snapshot["person_roles"]
    firm = snapshot.codes("person_roles", "org_id", ("bids", "org_id"))
    other = (roles["role"] != "official").to_numpy()
    return roles.loc[other, ["org_id", "person_id"]].assign(firm=firm[other])


def _by_firm(snapshot: Snapshot) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The bid uploads and bid documents with the ``org_id`` of their bid and its ``firm`` code
    (those of a bid that is not there left out), joined by row position: a merge on the bid id
    strings hashed them again."""
    org, firm = snapshot["bids"]["org_id"].array, snapshot.codes("bids", "org_id")
    joined = []
    for table, kinds in (("bid_uploads", BID_TRACES[:3]), ("bid_documents", BID_TRACES[3:])):
        bid = snapshot.rows("bids", "bid_id")[snapshot.codes(table, "bid_id", ("bids", "bid_id"))]
        rows = snapshot[table].loc[bid >= 0, ["bid_id", *kinds]].reset_index(drop=True)  # not the other columns
        joined.append(rows.assign(org_id=org.take(bid[bid >= 0]), firm=firm[bid[bid >= 0]]))
    return joined[0], joined[1]


def _tagged(table: pd.DataFrame, column: str, kind: str, kept: np.ndarray | None) -> pd.DataFrame:
    """The rows of ``table`` with a ``column`` value (not blank), as ``org_id``, ``value``, ``kind``
    and ``bid_id`` (missing for a firm's own value); with ``kept`` (:func:`_kept_firms`), only
    the values some kept firm holds."""
    value = pa.array(table[column])
    rows = value.is_valid().to_numpy(zero_copy_only=False)
    if kept is not None:
        held = pa.array(kept[table["firm"].to_numpy()])
        rows &= _isin(value, pc.unique(value.filter(held)))
    cols = ["org_id", column] + (["bid_id"] if "bid_id" in table.columns else [])
    out = table[cols].iloc[np.flatnonzero(rows)].rename(columns={column: "value"})
    out = out[out["value"].astype(str).str.strip() != ""]
    if "bid_id" not in out.columns:
        out = out.assign(bid_id=None)
    return out.assign(kind=kind, value=out["value"].astype(str))


def _isin(column: pa.Array, values: pa.Array) -> np.ndarray:
    """Which of ``column`` are among ``values`` (missing ones never are): Arrow's hash lookup for
    id strings (pandas' ``isin`` on Arrow-backed strings costs seconds at province scale), else
    pandas'."""
    strings = (pa.types.is_string, pa.types.is_large_string)
    if any(t(column.type) for t in strings) and any(t(values.type) for t in strings):
        found = pc.is_in(column, value_set=values.drop_null().cast(column.type))
        return found.fill_null(False).to_numpy(zero_copy_only=False)
    return pd.Series(column.to_pandas()).isin(values.to_pandas()).to_numpy()


def trace_graph(traces: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """The nodes and edges (``[uid, TYPE, uid]``) that show the given ``shared_values`` rows."""
    nodes: set[str] = set()
    edges: set[tuple[str, str, str]] = set()
    for row in traces.itertuples(index=False):
        for org, bid in ((row.org_a, row.bid_a), (row.org_b, row.bid_b)):
            o = uid("Organization", org)
            nodes.add(o)
            if row.kind == "person":
                p = uid("Person", row.value)
                nodes.add(p)
                edges.add((p, "HOLDS_ROLE", o))
                continue
            label, rel = trace_node(row.kind)
            v = uid(label, row.value)
            nodes.add(v)
            if bid is None or (isinstance(bid, float) and np.isnan(bid)):
                edges.add((o, rel, v))
            else:
                b = uid("Bid", bid)
                nodes.add(b)
                edges.add((o, "SUBMITTED", b))
                edges.add((b, rel, v))
    return sorted(nodes), [list(e) for e in sorted(edges)]
