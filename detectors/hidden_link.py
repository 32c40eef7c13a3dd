"""hidden_link — pairs of firms with no recorded tie that behave as one (隐性关联).

Rule: for every pair of firms that meet on more lots than random entry into their market
predicts (the ``cobidding`` null model), predict a link from how alike they are on the bidding
graph:

- the lots they enter (Jaccard similarity of their lot sets);
- whom they lose to (cosine similarity of the winners of the lots each entered: two fronts of
  one firm lose to the same firms and win the same lots);
- how their prices relate (``1 - gap / market spread``: the median gap between their prices on
  the lots they share, against what two bidders in that market usually differ by).

Pairs that already share a person, phone, email, address, upload IP, device or document are
left out: the registry or the trace detectors show that tie. What remains is the relationship
nobody recorded.

Why it is a red flag: firms under one control (a boss behind several licences, 挂靠 companies
lending their name) enter the same lots, price from one worksheet and step aside for the same
winners, and hide their ties from the business registry.

Sources: OECD, *Guidelines for Fighting Bid Rigging in Public Procurement* (suspicious bidding
patterns between apparently independent firms); Conley & Decarolis (2016), coordinated entry
from who bids with whom; Liben-Nowell & Kleinberg (2007), link prediction by node similarity;
Chinese platforms' 围标串标 screens on "different bidders acting in concert"
(《招标投标法实施条例》第四十条).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from bidgraph.detectors.core.common import bilingual, uid
from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.core.finding import Entity, Finding
from bidgraph.detectors.stats.cobidding import CoBidding, cobidding, pair_price_ties, shared_values
from bidgraph.graph.snapshot import Snapshot

__all__ = ["DEFAULTS", "DETECTOR", "detect", "pair_similarity"]

DEFAULTS = {
    "min_cobids": 4,  # a pair must meet on at least this many lots
    "min_surprise": 3.0,  # -log10 P(meetings >= observed) under the same-region-and-category null model
    "public_min_firms": 8,  # a trace value held by this many firms is public and is not a recorded tie
    "surprise_scale": 5.0,  # structure factor = 1 - exp(-pair surprise / this)
    "min_score": 0.3,  # pairs scoring below this are not reported
    "max_findings": 500,  # report at most this many pairs (the highest scores)
    # Similarity = weighted mean of: lots Jaccard, same-winners cosine, price closeness (1 - gap / market spread).
    "weights": {"lots": 1.0, "winners": 1.0, "prices": 1.0},
}

DETECTOR = ModuleDetector("hidden_link", rule_version="1", defaults=DEFAULTS, module=__name__)


def detect(snapshot: Snapshot, params: dict, seed: int) -> list[Finding]:
    """One finding per untied pair whose similarity score reaches ``min_score`` (top ``max_findings``)."""
    co = cobidding(snapshot, min_cobids=int(params["min_cobids"]))
    cand = co.pairs[co.pairs["surprise"] >= params["min_surprise"]]
    if cand.empty:
        return []
    ties = shared_values(snapshot, int(params["public_min_firms"]) - 1, orgs=co.firms[np.union1d(cand["a"], cand["b"])])
    tied = pd.MultiIndex.from_frame(ties[["org_a", "org_b"]].drop_duplicates())
    names = pd.MultiIndex.from_arrays([co.firms[cand["a"]], co.firms[cand["b"]]])
    cand = cand[~names.isin(tied)]
    if cand.empty:
        return []
    scored = pair_similarity(snapshot, co, cand, params)
    scored = scored[scored["score"] >= params["min_score"]]
    scored = scored.assign(org_a=co.firms[scored["a"]], org_b=co.firms[scored["b"]])
    scored = scored.sort_values(["score", "org_a", "org_b"], ascending=[False, True, True]).head(
        int(params["max_findings"])
    )
    bids = _PairBids(co.bids.loc[co.bids["firm"].isin(np.union1d(scored["a"], scored["b"]))])
    return [_finding(bids.shared(row.a, row.b), row, params) for row in scored.itertuples(index=False)]


class _PairBids:
    """The listed bids sorted once as a finding shows them (by opening, lot and firm), each firm's
    rows found once: selecting and sorting a frame per pair cost seconds at province scale."""

    def __init__(self, bids: pd.DataFrame) -> None:
        shown = bids.sort_values(["opened_on", "lot_id", "org_id"], na_position="last", kind="stable")
        self.lot = shown["lot"].to_numpy()
        self.ids = {c: shown[c].to_numpy(dtype=object) for c in ("lot_id", "org_id", "bid_id")}
        firm = shown["firm"].to_numpy()
        order = np.argsort(firm, kind="stable")
        firms, starts = np.unique(firm[order], return_index=True)
        self.rows = dict(zip(firms.tolist(), np.split(order, starts[1:])))

    def shared(self, a: int, b: int) -> dict[str, np.ndarray]:
        """The two firms' bids on the lots both entered, in the order shown."""
        rows_a, rows_b = self.rows[a], self.rows[b]
        rows = np.sort(np.concatenate([rows_a, rows_b]))
        rows = rows[np.isin(self.lot[rows], np.intersect1d(self.lot[rows_a], self.lot[rows_b]))]
        return {c: v[rows] for c, v in self.ids.items()}


def pair_similarity(snapshot: Snapshot, co: CoBidding, pairs: pd.DataFrame, params: dict) -> pd.DataFrame:
    """The listed pairs with ``lots_sim``, ``winners_sim``, ``prices_sim``, ``structure`` and ``score``.

    ``score = structure * weighted mean of the three similarities``, with
    ``structure = 1 - exp(-surprise / surprise_scale)``.
    """
    out = pairs.copy()
    out["lots_sim"] = out["jaccard"]
    outcome = _outcome_vectors(co)
    a, b = out["a"].to_numpy(), out["b"].to_numpy()
    out["winners_sim"] = np.asarray(outcome[a].multiply(outcome[b]).sum(axis=1)).ravel()
    prices = pair_price_ties(snapshot, co, out)
    out = out.merge(prices, on=["a", "b"], how="left")
    out["prices_sim"] = (1 - out["closeness"]).clip(0, 1).fillna(0.0)
    w = params["weights"]
    similarity = (
        w["lots"] * out["lots_sim"] + w["winners"] * out["winners_sim"] + w["prices"] * out["prices_sim"]
    ) / sum(w.values())
    out["structure"] = 1 - np.exp(-out["surprise"] / params["surprise_scale"])
    out["score"] = out["structure"] * similarity
    return out


def _outcome_vectors(co: CoBidding) -> sparse.csr_matrix:
    """firms x firms, L2-normalised rows: for each lot a firm entered, who won it (itself included)."""
    winners = co.bids.loc[co.bids["is_winner"], ["lot", "firm"]].drop_duplicates("lot").set_index("lot")["firm"]
    entered = co.bids[["lot", "firm"]].drop_duplicates()
    won_by = winners.reindex(entered["lot"]).to_numpy()
    keep = ~np.isnan(won_by)
    n = len(co.firms)
    m = sparse.csr_matrix(
        (np.ones(int(keep.sum())), (entered["firm"].to_numpy()[keep], won_by[keep].astype(np.int64))), shape=(n, n)
    )
    m.sum_duplicates()
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    return sparse.diags(1 / np.where(norms > 0, norms, 1)) @ m


def _finding(bids: dict[str, np.ndarray], row, params: dict) -> Finding:
    lots = list(dict.fromkeys(bids["lot_id"]))
    nodes = sorted(
        {uid("Organization", row.org_a), uid("Organization", row.org_b)}
        | {uid("Lot", l) for l in lots}
        | {uid("Bid", b) for b in bids["bid_id"]}
    )
    edges = [[uid("Organization", o), "SUBMITTED", uid("Bid", b)] for o, b in zip(bids["org_id"], bids["bid_id"])] + [
        [uid("Bid", b), "FOR_LOT", uid("Lot", l)] for b, l in zip(bids["bid_id"], bids["lot_id"])
    ]
    measured = {
        "cobids": int(row.cobids),
        "expected": round(float(row.expected), 2),
        "surprise": round(float(row.surprise), 2),
        "lots_jaccard": round(float(row.lots_sim), 3),
        "winners_cosine": round(float(row.winners_sim), 3),
        "price_gap": None if pd.isna(row.gap) else round(float(row.gap), 4),
        "market_spread": None if pd.isna(row.market_spread) else round(float(row.market_spread), 4),
        "prices_similarity": round(float(row.prices_sim), 3),
        "structure": round(float(row.structure), 3),
    }
    m = measured
    zh = (
        f"{row.org_a}与{row.org_b}无登记关联，却在{m['cobids']}个标段同场（同地区同类别随机投标预期{m['expected']}次，"
        f"意外度{m['surprise']}，阈值{params['min_surprise']}）；参与标段重合度{m['lots_jaccard']}，"
        f"输给同一批中标人的相似度{m['winners_cosine']}，报价中位差{m['price_gap']}（市场常见差{m['market_spread']}）。"
    )
    en = (
        f"{row.org_a} and {row.org_b} have no recorded tie yet met on {m['cobids']} lots (random entry into the "
        f"same region and category predicts {m['expected']}; surprise {m['surprise']}, threshold "
        f"{params['min_surprise']}); lot-set Jaccard {m['lots_jaccard']}, same-winners cosine "
        f"{m['winners_cosine']}, median price gap {m['price_gap']} against a market spread of {m['market_spread']}."
    )
    return Finding(
        DETECTOR.id,
        float(row.score),
        [Entity("company", str(row.org_a), "member"), Entity("company", str(row.org_b), "member")]
        + [Entity("lot", l, "context") for l in lots],
        f"{row.org_a} and {row.org_b} bid as one on {m['cobids']} lots with no recorded tie",
        {
            "rule": bilingual(
                "无登记关联的两家企业在投标图上高度相似：同进同出、输给同一批企业、报价紧贴",
                "Two firms with no recorded tie that look alike on the bidding graph: the "
                "same lots, the same winners, prices that move together",
            ),
            "explanation": bilingual(zh, en),
            "measured": measured,
            "thresholds": {k: params[k] for k in ("min_cobids", "min_surprise", "min_score")},
            "nodes": nodes,
            "edges": edges,
            "lots": lots,
        },
    )
