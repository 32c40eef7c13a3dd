"""screen_ring: firms that keep meeting in tenders whose prices look coordinated (报价呈规律性差异的常同场企业群).

Rule
----
The price-screen model (the one ``price_screen`` uses, :mod:`bidgraph.detectors.stats.screening`)
gives every lot with at least ``min_bids`` valid priced bids a probability ``p_t`` that its
prices were coordinated (``model``, ``min_bids`` and ``close_gap`` are ``[price_screen]``'s
settings, read from there, so both detectors always apply one model). Its *excess* ``e_t = p_t - mean(p)`` is measured against the
snapshot's own market (no labels: the market's base rate). A firm's *exposure* ``E_f`` is the
sum of ``e_t`` over the lots it bid on: evidence accumulates only where a tender looks more
coordinated than the market's average, so a busy honest firm does not accumulate. Firms are
linked by the summed excess of the lots they both bid on (positive links only) and grouped
into Leiden communities (modularity, weighted, seeded): a cartel is a group of firms that meet
in coordinated-looking tenders, so members share evidence. A firm's score is its exposure plus
the mean exposure of its community.

A firm is flagged when its score's percentile among the firms with a screened lot reaches
``min_percentile``, the score is positive and it bid on at least ``min_lots``
coordinated-looking lots (``e_t > 0``). The finding's score is that percentile. As a ranking,
every firm with a screened lot is scored: its percentile when its score is positive, else 0.
Entities: the firm (member), its community's ``context_members`` strongest other members and
its ``context_lots`` heaviest lots (context).

Why it is a red flag: a single lot's screens are weak evidence, but rigging is repeated by the
same group, so coordinated-looking lots concentrate on the ring's members and the firms they
meet (Imhof, Karagök & Rutz (2018), "Screening for bid rigging: does it work?", *Journal of
Competition Law & Economics*; Huber & Imhof (2019), "Machine learning with screens for
detecting bid-rigging cartels", *International Journal of Industrial Organization*; Wachs &
Kertész (2019), "A network approach to cartel detection in public auction markets",
*Scientific Reports*; 《招标投标法实施条例》第四十条第四项 “不同投标人的投标报价呈规律性差异”).
A lead for a closer look, never proof.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

import igraph as ig
import numpy as np
import pandas as pd
from scipy import sparse

from bidgraph.detectors.core.common import bilingual, uid
from bidgraph.detectors.core.contract import ModuleDetector, Ranked
from bidgraph.detectors.core.finding import Entity, Finding
from bidgraph.detectors.stats.screening import ScreenedLots, snapshot_screens
from bidgraph.graph.snapshot import Snapshot

__all__ = ["DEFAULTS", "DETECTOR", "detect", "firm_scores"]

DEFAULTS = {
    "min_percentile": 0.9,  # a firm's score must reach this percentile among firms with a screened lot
    "min_lots": 2,  # ... and the firm must have bid on this many coordinated-looking lots (excess > 0)
    "context_members": 5,  # community members named as context, strongest exposure first
    "context_lots": 5,  # lots named as context, highest excess first
}

# the lots' probabilities come from [price_screen] model, min_bids and close_gap: one model, one setting
DETECTOR = ModuleDetector(
    "screen_ring",
    rule_version="1",
    defaults=DEFAULTS,
    module=__name__,
    requires=("bids.price",),
    reads=("price_screen",),
)


def detect(snapshot: Snapshot, params: Mapping, seed: int) -> Ranked:
    """One finding per firm whose screen-weighted exposure and community pass the fence, and the
    score of every firm with a screened lot: its percentile when its score is positive, else 0
    (no coordinated-looking evidence)."""
    bids, lots = snapshot_screens(snapshot, params["price_screen"])
    if lots is None:
        return Ranked([], "company", {})
    firms, excess = firm_scores(lots, seed)
    flagged = firms[
        (firms["percentile"] >= params["min_percentile"])
        & (firms["score"] > 0)
        & (firms["coordinated_lots"] >= params["min_lots"])
    ]
    context = _Context.of(firms, excess, lots, bids)
    findings = [_finding(org, me, context, lots, params) for org, me in flagged.to_dict("index").items()]
    findings.sort(key=lambda f: (-f.score, f.entities[0].id))
    ranking = firms["percentile"].where(firms["score"] > 0, 0.0)
    return Ranked(findings, "company", dict(zip(map(str, lots.org_ids[ranking.index]), ranking)))


def firm_scores(lots: ScreenedLots, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """Exposure, community and score of every firm that bid on a screened lot.

    Returns
    -------
    firms : DataFrame indexed by org code: ``lots`` (screened lots bid on), ``coordinated_lots``
        (of which excess > 0), ``exposure``, ``community``, ``community_size``,
        ``community_exposure`` (its mean exposure), ``score`` and ``percentile``.
    excess : Series of ``e_t`` indexed by lot code (screened lots only).
    """
    p = lots.screens["probability"].dropna()
    excess = (p - p.mean()).rename("excess")
    entry = lots.bids[["lot", "org"]].drop_duplicates()
    entry = entry[entry["lot"].isin(excess.index)]
    row, firm_codes = pd.factorize(entry["lot"], sort=True)[0], np.unique(entry["org"])
    col = np.searchsorted(firm_codes, entry["org"].to_numpy())
    e = excess.reindex(np.unique(entry["lot"])).to_numpy()
    incidence = sparse.csr_matrix((np.ones(len(entry)), (row, col)), shape=(len(e), len(firm_codes)))
    firms = pd.DataFrame(
        {
            "lots": np.asarray(incidence.sum(axis=0)).ravel().astype(int),
            "coordinated_lots": (incidence.T @ (e > 0)).astype(int),
            "exposure": incidence.T @ e,
        },
        index=pd.Index(firm_codes, name="org"),
    )
    ties = sparse.triu(incidence.T @ sparse.diags(e) @ incidence, k=1).tocoo()
    keep = ties.data > 0
    membership = _communities(len(firm_codes), ties.row[keep], ties.col[keep], ties.data[keep], seed)
    firms["community"] = membership
    by_community = firms.groupby("community")["exposure"]
    firms["community_size"] = by_community.transform("size").astype(int)
    firms["community_exposure"] = by_community.transform("mean")
    firms["score"] = firms["exposure"] + firms["community_exposure"]
    firms["percentile"] = firms["score"].rank(pct=True, method="max")
    return firms, excess


def _communities(n: int, a: np.ndarray, b: np.ndarray, weight: np.ndarray, seed: int) -> np.ndarray:
    """Leiden modularity communities of the positive co-bidding ties (isolated firms alone)."""
    order = np.lexsort((b, a))
    # igraph reads a list of tuples of Python ints several times faster than rows of a 2-D array
    graph = ig.Graph(n=n, edges=list(zip(a[order].tolist(), b[order].tolist())))
    # igraph's own Leiden: at province (1.5 million ties) 7x faster than leidenalg's, same modularity;
    # it draws from igraph's process-wide generator, so the seed is set for this call and restored
    ig.set_random_number_generator(random.Random(int(seed)))
    try:
        partition = graph.community_leiden("modularity", weights=weight[order].tolist(), n_iterations=2)
    finally:
        ig.set_random_number_generator(random)
    return np.asarray(partition.membership)


@dataclass(frozen=True)
class _Context:
    """What every flagged firm's finding looks up, gathered once: the lots' ``excess`` and
    ``probability`` by lot code, the ``lot``, ``org`` and ``bid_id`` of each row of ``lots.bids``,
    each firm's rows (``rows_of``), each community's firms with positive exposure, strongest
    first (``peers_of``), and the node ids of the firms and lots by code (``org_nodes``,
    ``lot_nodes``): thousands of findings name them, so each is made once."""

    excess: np.ndarray
    probability: np.ndarray
    market_mean: float
    rows_of: dict
    peers_of: dict
    lot_of_row: np.ndarray
    org_of_row: np.ndarray
    bid_ids: np.ndarray
    org_nodes: np.ndarray
    lot_nodes: np.ndarray

    @classmethod
    def of(cls, firms: pd.DataFrame, excess: pd.Series, lots: ScreenedLots, bids: pd.DataFrame) -> _Context:
        by_lot = np.full((2, len(lots.lot_ids)), np.nan)
        by_lot[0, excess.index.to_numpy()] = excess.to_numpy()
        by_lot[1, lots.screens.index.to_numpy()] = lots.screens["probability"].to_numpy()
        ranked = firms[firms["exposure"] > 0].sort_values(
            ["community", "exposure"], ascending=[True, False], kind="mergesort"
        )
        community = ranked["community"].to_numpy()
        starts = np.flatnonzero(np.diff(community, prepend=-1))
        return cls(
            by_lot[0],
            by_lot[1],
            float(lots.screens["probability"].mean()),
            lots.bids.groupby("org").indices,
            dict(zip(community[starts].tolist(), np.split(ranked.index.to_numpy(), starts[1:]))),
            lots.bids["lot"].to_numpy(),
            lots.bids["org"].to_numpy(),
            bids["bid_id"].to_numpy(),
            np.array([uid("Organization", o) for o in lots.org_ids], dtype=object),
            np.array([uid("Lot", t) for t in lots.lot_ids], dtype=object),
        )


def _finding(org: int, me: dict, context: _Context, lots: ScreenedLots, params: Mapping) -> Finding:
    """The finding of one flagged firm (org code; ``me``, its row of ``firms``)."""
    org_id = str(lots.org_ids[org])
    community = context.peers_of.get(me["community"])
    strongest = [] if community is None else community[: params["context_members"] + 1].tolist()
    peers = [o for o in strongest if o != org][: params["context_members"]]
    lot_of_row = context.lot_of_row
    mine = np.unique(lot_of_row[context.rows_of[org]])
    mine = mine[context.excess[mine] > 0]
    heavy = mine[np.argsort(-context.excess[mine], kind="stable")[: params["context_lots"]]]
    peer_ids = [str(lots.org_ids[o]) for o in peers]
    lot_rows = [
        {
            "lot_id": str(lots.lot_ids[t]),
            "probability": round(float(context.probability[t]), 4),
            "excess": round(float(context.excess[t]), 4),
        }
        for t in heavy
    ]
    base = context.market_mean
    measured = {
        "lots": int(me["lots"]),
        "coordinated_lots": int(me["coordinated_lots"]),
        "exposure": round(float(me["exposure"]), 4),
        "market_mean_probability": round(base, 4),
        "community_size": int(me["community_size"]),
        "community_exposure": round(float(me["community_exposure"]), 4),
        "score": round(float(me["score"]), 4),
        "percentile": round(float(me["percentile"]), 4),
    }
    zh = (
        f"企业{org_id}参与了{measured['lots']}个可筛查标段，其中{measured['coordinated_lots']}个的报价协调概率高于"
        f"本批均值{base:.2f}，累计超额{measured['exposure']:.2f}；其所在的常同场企业群共{measured['community_size']}家，"
        f"平均累计超额{measured['community_exposure']:.2f}。合计得分{measured['score']:.2f}，在全部可筛查企业中的百分位为"
        f"{measured['percentile']:.0%}（阈值{params['min_percentile']:.0%}，且协调标段≥{params['min_lots']}个）。"
    )
    en = (
        f"Firm {org_id} bid on {measured['lots']} screened lots, {measured['coordinated_lots']} of them more "
        f"coordinated-looking than the snapshot's mean probability {base:.2f}, for a summed excess of "
        f"{measured['exposure']:.2f}; its co-bidding community has {measured['community_size']} firms with mean "
        f"excess {measured['community_exposure']:.2f}. Score {measured['score']:.2f}, percentile "
        f"{measured['percentile']:.0%} among firms with a screened lot (threshold {params['min_percentile']:.0%}, "
        f"and >= {params['min_lots']} coordinated-looking lots)."
    )
    if lot_rows:
        zh += "权重最高的标段：" + "、".join(f"{r['lot_id']}（概率{r['probability']:.2f}）" for r in lot_rows) + "。"
        en += (
            " Heaviest lots: "
            + ", ".join(f"{r['lot_id']} (probability {r['probability']:.2f})" for r in lot_rows)
            + "."
        )
    if peer_ids:
        zh += "群内累计超额最高的其他企业：" + "、".join(peer_ids) + "。"
        en += " Strongest other members: " + ", ".join(peer_ids) + "."
    rows = np.concatenate([context.rows_of[o] for o in [org, *peers]])
    # heavy holds a few lots (context_lots): comparing with each is cheaper than np.isin's set-up
    rows = np.sort(rows[(lot_of_row[rows, None] == heavy).any(axis=1)])
    shown_bids = list(
        zip(
            context.org_nodes[context.org_of_row[rows]].tolist(),
            [uid("Bid", b) for b in context.bid_ids[rows].tolist()],
            context.lot_nodes[lot_of_row[rows]].tolist(),
        )
    )
    nodes = [uid("Organization", org_id)] + [uid("Organization", p) for p in peer_ids]
    nodes += [uid("Lot", r["lot_id"]) for r in lot_rows] + [b for _, b, _ in shown_bids]
    edges = [[o, "SUBMITTED", b] for o, b, _ in shown_bids] + [[b, "FOR_LOT", t] for _, b, t in shown_bids]
    return Finding(
        DETECTOR.id,
        float(me["percentile"]),
        [Entity("company", org_id, "member")]
        + [Entity("company", p, "context") for p in peer_ids]
        + [Entity("lot", str(r["lot_id"]), "context") for r in lot_rows],
        f"Firm {org_id}: {measured['coordinated_lots']} coordinated-looking lots, excess {measured['exposure']:.2f}, "
        f"community of {measured['community_size']} (percentile {measured['percentile']:.0%})",
        {
            "rule": bilingual(
                "企业在报价协调概率高于本批均值的标段中累计的超额，加上其常同场企业群的平均累计超额（价格筛查加权的共同投标社区）",
                "A firm's summed excess coordination probability over its lots, plus the mean of its co-bidding "
                "community's (screen-weighted co-bidding communities)",
            ),
            "explanation": bilingual(zh, en),
            "measured": measured,
            "thresholds": {
                "min_percentile": params["min_percentile"],
                "min_lots": params["min_lots"],
                "min_bids": params["price_screen"]["min_bids"],
            },
            "lots": lot_rows,
            "community": peer_ids,
            "nodes": nodes,
            "edges": edges,
        },
    )
