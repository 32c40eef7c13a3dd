"""cover_bidder — firms that bid often, almost never win, and lose just above the same winner
(陪标专业户).

Rule: a "close loss" is a losing bid priced at or above the winning price by at most
``close_gap``; in the firm's market (region and category) a share ``q`` of all losing bids is
that close. For a firm *L* with enough bids and a low win rate, and each winner *W* it lost
close to ``k`` times, the null model says *L* and *W* would meet ``E`` times by random entry
into their market (``cobidding``), *W* would win a share ``w`` of those and *L* would be close
with probability ``q``: ``k ~ Poisson(E w q)``. The pair's surprise is ``-log10 P(X >= k)``,
less ``log10`` of the number of winners *L* lost to (it had that many chances). *W* is
*served* when ``k >= min_close_losses`` (again and again: in a big market two random
meetings are already improbable, and prove nothing), that corrected surprise reaches
``min_surprise``, and *W* never lost close above *L* in return (mutual covering is rotation: ``bid_ring``'s case).

Why it is a red flag: a cover bid (陪标) exists to make a designated winner's price look
competitive: it is placed just above that winner, it never means to win, and the same firm
lends itself again and again, often to the same winner or ring. An honest firm that rarely
wins loses at every position, to many winners, at ordinary distances.

Sources: OECD, *Guidelines for Fighting Bid Rigging in Public Procurement* (cover bidding;
"a firm that bids but never wins"); Imhof, Huber & Wallimann (the relative distance between
the two lowest bids as a screen); the 陪标 screening rules of Chinese public-resource trading
platforms (《招标投标法实施条例》第三十九条).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from bidgraph.detectors.core.common import bilingual, uid
from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.core.finding import Entity, Finding
from bidgraph.detectors.stats.cobidding import CoBidding, cobidding
from bidgraph.graph.snapshot import Snapshot

__all__ = ["DEFAULTS", "DETECTOR", "detect", "losing_gaps", "served_pairs"]

DEFAULTS = {
    "min_bids": 6,  # fewest valid bids for a firm to be judged
    "max_win_rate": 0.3,  # firms winning more often than this are not cover bidders (covers also bid on their own account)
    "min_surprise": 4.0,  # served winner: -log10 P(close losses to it >= observed) under random meetings, less log10(winners lost to)
    "close_gap": 0.03,  # a losing bid at most this fraction above the winning price is "just above" (a close loss)
    "min_close_losses": 3,  # a winner is served only after this many close losses just above it
    "surprise_scale": 5.0,  # structure factor = 1 - exp(-surprise / this)
    "min_score": 0.3,  # firms scoring below this are not reported
}

DETECTOR = ModuleDetector(
    "cover_bidder", rule_version="1", defaults=DEFAULTS, module=__name__, requires=("bids.is_winner", "bids.price")
)


def detect(snapshot: Snapshot, params: dict, seed: int) -> list[Finding]:
    """One finding per cover bidder, naming the winners it served."""
    co = cobidding(snapshot, min_cobids=2)
    losses = losing_gaps(co.bids, params["close_gap"])
    if losses.empty:
        return []
    per_firm = co.bids.groupby("org_id").agg(bids=("bid_id", "size"), wins=("is_winner", "sum"))
    per_firm["win_rate"] = per_firm["wins"] / per_firm["bids"]
    judged = per_firm[(per_firm["bids"] >= params["min_bids"]) & (per_firm["win_rate"] <= params["max_win_rate"])]
    pairs = served_pairs(co, losses, per_firm["win_rate"])
    pairs = pairs[
        pairs["org_id"].isin(judged.index)
        & ~pairs["reciprocal"]
        & (pairs["surprise"] >= params["min_surprise"])
        & (pairs["close_losses"] >= params["min_close_losses"])
    ]
    firms = (
        losses[losses["org_id"].isin(pairs["org_id"])]
        .groupby("org_id")
        .agg(losses=("lot_id", "size"), close_losses=("close", "sum"), expected_close=("p_close", "sum"))
        .join(judged)
    )
    losses = losses[losses["org_id"].isin(firms.index) & losses["close"]]
    pairs_of, losses_of = dict(iter(pairs.groupby("org_id"))), dict(iter(losses.groupby("org_id")))  # one pass each
    findings = []
    for org, row in firms.iterrows():
        served = pairs_of[org].sort_values(["surprise", "winner_id"], ascending=[False, True])
        mine = losses_of.get(org, losses.iloc[:0])
        mine = mine[mine["winner_id"].isin(served["winner_id"])]
        structure = 1 - np.exp(-served["surprise"].iloc[0] / params["surprise_scale"])
        served_share = len(mine) / row["close_losses"]
        behaviour = (
            (1 - row["win_rate"] / params["max_win_rate"]) + row["close_losses"] / row["losses"] + served_share
        ) / 3
        score = float(structure * behaviour)
        if score >= params["min_score"]:
            findings.append(_finding(org, row, mine, served, served_share, score, params))
    findings.sort(key=lambda f: (-f.score, f.entities[0].id))
    return findings


def served_pairs(co: CoBidding, losses: pd.DataFrame, win_rate: pd.Series) -> pd.DataFrame:
    """Per (loser ``org_id``, ``winner_id``) with two or more close losses: ``close_losses``
    (k), ``expected`` (``E w q``), ``surprise`` (corrected for the loser's number of winners) and
    ``reciprocal`` (the winner also lost close above the loser at least once)."""
    close = losses[losses["close"]]
    k = close.groupby(["org_id", "winner_id"]).agg(close_losses=("lot_id", "size")).reset_index()
    reciprocal = pd.MultiIndex.from_frame(k[["winner_id", "org_id"]])
    k["reciprocal"] = reciprocal.isin(pd.MultiIndex.from_frame(k[["org_id", "winner_id"]]))
    k = k[k["close_losses"] >= 2]
    code = pd.Series(np.arange(len(co.firms)), index=co.firms)
    a, b = code.reindex(k["org_id"]).to_numpy(), code.reindex(k["winner_id"]).to_numpy()
    met = co.pairs.set_index(["a", "b"])["expected"]
    e = met.reindex(pd.MultiIndex.from_arrays([np.minimum(a, b), np.maximum(a, b)])).to_numpy()
    q = losses.groupby("org_id")["p_close"].mean().reindex(k["org_id"]).to_numpy()
    k["expected"] = np.nan_to_num(e) * win_rate.reindex(k["winner_id"]).to_numpy() * q
    chances = losses.groupby("org_id")["winner_id"].nunique().reindex(k["org_id"]).to_numpy()
    k["surprise"] = -stats.poisson.logsf(k["close_losses"] - 1, np.maximum(k["expected"], 1e-9)) / np.log(
        10
    ) - np.log10(chances)
    return k.reset_index(drop=True)


def losing_gaps(bids: pd.DataFrame, close_gap: float) -> pd.DataFrame:
    """Every losing priced bid on a lot with a priced winner, and how close above the winner it sat
    (``bids``: a co-bidding projection's, with its lot, firm and market codes).

    Columns: ``org_id``, ``lot_id``, ``bid_id``, ``winner_id``, ``winner_bid_id``, ``gap``
    (price / winning price - 1), ``close`` (``0 <= gap <= close_gap``), ``p_close`` (the share
    of close losing bids in the lot's market: what an ordinary loser there would show) and
    ``opened_on``.
    """
    # the columns read, not all two dozen of a million bids; firms and lots compared and sorted as
    # their codes (``co.firms``, ``co.lots``: they sort as the ids do), not as the id strings
    shown = ["org_id", "lot_id", "bid_id", "opened_on"]
    priced = bids.loc[
        bids["price"].notna() & (bids["price"] > 0), ["lot", "firm", "market", "price", "is_winner", *shown]
    ]
    winners = priced[priced["is_winner"]].drop_duplicates("lot")
    winners = winners[["lot", "firm", "org_id", "bid_id", "price"]].rename(
        columns={"firm": "winner", "org_id": "winner_id", "bid_id": "winner_bid_id", "price": "winning_price"}
    )
    losers = priced[~priced["is_winner"]].merge(winners, on="lot")
    losers = losers[losers["firm"] != losers["winner"]]
    losers["gap"] = losers["price"] / losers["winning_price"] - 1
    losers["close"] = (losers["gap"] >= 0) & (losers["gap"] <= close_gap)
    losers["p_close"] = losers.groupby("market")["close"].transform("mean")
    return losers.sort_values(["firm", "opened_on", "lot"], na_position="last", ignore_index=True)[
        ["org_id", "lot_id", "bid_id", "winner_id", "winner_bid_id", "gap", "close", "p_close", "opened_on"]
    ]


def _finding(org, row, mine, served, served_share, score, params) -> Finding:
    top = served.iloc[0]
    measured = {
        "bids": int(row["bids"]),
        "wins": int(row["wins"]),
        "win_rate": round(float(row["win_rate"]), 3),
        "losses": int(row["losses"]),
        "close_losses": int(row["close_losses"]),
        "expected_close_losses": round(float(row["expected_close"]), 2),
        "top_served": str(top["winner_id"]),
        "top_served_close_losses": int(top["close_losses"]),
        "top_served_expected": round(float(top["expected"]), 3),
        "surprise": round(float(top["surprise"]), 2),
        "median_gap": round(float(mine["gap"].median()), 4),
        "served_share": round(served_share, 3),
    }
    m = measured
    zh = (
        f"{org}投标{m['bids']}次仅中标{m['wins']}次（中标率{m['win_rate']:.0%}，阈值{params['max_win_rate']:.0%}）；"
        f"{m['losses']}次落败中{m['close_losses']}次报价紧贴中标价之上（不超过{params['close_gap']:.0%}，本市场落败者常态"
        f"{m['expected_close_losses']}次）；其中{m['top_served_close_losses']}次紧贴{m['top_served']}，按随机同场仅应"
        f"{m['top_served_expected']}次（意外度{m['surprise']}，阈值{params['min_surprise']}），且对方从未反向陪衬；"
        f"被陪衬企业占其紧贴落败的{m['served_share']:.0%}，中位差{m['median_gap']:.2%}。"
    )
    en = (
        f"{org} bid {m['bids']} times and won {m['wins']} (win rate {m['win_rate']:.0%}, threshold "
        f"{params['max_win_rate']:.0%}); {m['close_losses']} of its {m['losses']} losses sat at most "
        f"{params['close_gap']:.0%} above the winner (the market's losers predict {m['expected_close_losses']}); "
        f"{m['top_served_close_losses']} of them just above {m['top_served']} where random meetings predict "
        f"{m['top_served_expected']} (surprise {m['surprise']}, threshold {params['min_surprise']}), and that winner "
        f"never covered for it in return; served winners take {m['served_share']:.0%} of its close losses, median "
        f"gap {m['median_gap']:.2%}."
    )
    nodes = sorted(
        {uid("Organization", org)}
        | {uid("Organization", w) for w in served["winner_id"]}
        | {uid("Lot", l) for l in mine["lot_id"]}
        | {uid("Bid", b) for b in mine["bid_id"]}
        | {uid("Bid", b) for b in mine["winner_bid_id"]}
    )
    edges = []
    for r in mine.itertuples(index=False):
        edges += [
            [uid("Organization", org), "SUBMITTED", uid("Bid", r.bid_id)],
            [uid("Bid", r.bid_id), "FOR_LOT", uid("Lot", r.lot_id)],
            [uid("Organization", r.winner_id), "WON", uid("Lot", r.lot_id)],
        ]
    covers = [
        {"lot_id": r.lot_id, "winner": r.winner_id, "gap": round(float(r.gap), 4)} for r in mine.itertuples(index=False)
    ]
    entities = (
        [Entity("company", str(org), "cover")]
        + [Entity("company", str(w), "served") for w in served["winner_id"]]
        + [Entity("lot", str(l), "context") for l in dict.fromkeys(mine["lot_id"])]
    )
    return Finding(
        DETECTOR.id,
        score,
        entities,
        f"{org} lost {len(mine)} times just above the winners it serves, mostly {m['top_served']}",
        {
            "rule": bilingual(
                "频繁投标、几乎不中标、报价反复紧贴同一中标人之上且对方从不回报的企业（陪标专业户）",
                "A firm that bids often, almost never wins, and again and again loses just above "
                "the same winners, who never cover for it in return (a professional cover bidder)",
            ),
            "explanation": bilingual(zh, en),
            "measured": measured,
            "thresholds": {
                k: params[k]
                for k in ("min_bids", "max_win_rate", "min_close_losses", "min_surprise", "close_gap", "min_score")
            },
            "nodes": nodes,
            "edges": edges,
            "served": {str(r.winner_id): int(r.close_losses) for r in served.itertuples(index=False)},
            "covers": covers,
        },
    )
