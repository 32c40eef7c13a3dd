"""cover_bidder — firms that bid often, almost never win, and lose just above the same winner
(陪标专业户).

Rule: for each firm with enough bids and a low win rate, count its losses where it was the
nearest bid above the winner, within ``close_gap`` of the winning price ("close seconds").
If the losers of a lot were exchangeable, a firm losing a lot of *k* priced bids would be the
nearest above the winner with probability ``1 / (k - 1)``; the surprise is
``-log10 P(X >= close seconds)`` for ``X ~ Poisson(sum of those probabilities)``. The firms it
served are the winners of its close seconds.

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

from bidgraph.detectors.base import Entity, Finding
from bidgraph.detectors.cobidding import cobidding
from bidgraph.detectors.common import bilingual, uid
from bidgraph.graph.snapshot import Snapshot

__all__ = ["DETECTOR_ID", "detect", "close_seconds"]

DETECTOR_ID = "cover_bidder"


def detect(snapshot: Snapshot, params: dict, seed: int) -> list[Finding]:
    """One finding per cover bidder, naming the winners it served."""
    bids = cobidding(snapshot, min_cobids=2).bids
    losses = close_seconds(bids, params["close_gap"])
    if losses.empty:
        return []
    per_firm = bids.groupby("org_id").agg(bids=("bid_id", "size"), wins=("is_winner", "sum"))
    per_firm["win_rate"] = per_firm["wins"] / per_firm["bids"]
    judged = per_firm[(per_firm["bids"] >= params["min_bids"]) & (per_firm["win_rate"] <= params["max_win_rate"])]
    loss = losses[losses["org_id"].isin(judged.index)]
    stats_ = loss.groupby("org_id").agg(losses=("lot_id", "size"), close_seconds=("close_second", "sum"),
                                        expected=("p_second", "sum"))
    stats_ = stats_.join(judged)
    stats_["surprise"] = -stats.poisson.logsf(stats_["close_seconds"] - 1, stats_["expected"].clip(lower=1e-9)) / np.log(10)
    stats_ = stats_[(stats_["close_seconds"] > 0) & (stats_["surprise"] >= params["min_surprise"])]
    findings = []
    for org, row in stats_.iterrows():
        mine = loss[(loss["org_id"] == org) & loss["close_second"]]
        served = mine["winner_id"].value_counts()
        served = served.sort_index().sort_values(ascending=False, kind="stable")
        concentration = float((served / served.sum()).pow(2).sum())  # Herfindahl of the served winners
        structure = 1 - np.exp(-row["surprise"] / params["surprise_scale"])
        close_share = row["close_seconds"] / row["losses"]
        behaviour = ((1 - row["win_rate"] / params["max_win_rate"]) + close_share + concentration) / 3
        score = float(structure * behaviour)
        if score >= params["min_score"]:
            findings.append(_finding(org, row, mine, served, concentration, score, params))
    findings.sort(key=lambda f: (-f.score, f.entities[0].id))
    return findings


def close_seconds(bids: pd.DataFrame, close_gap: float) -> pd.DataFrame:
    """Every losing priced bid on a lot with a priced winner, with its position against the winner.

    Columns: ``org_id``, ``lot_id``, ``bid_id``, ``winner_id``, ``winner_bid_id``, ``gap``
    (price / winning price - 1), ``p_second`` (``1 / (k - 1)``, the chance an exchangeable loser
    is the nearest above the winner among the lot's ``k`` priced bids) and ``close_second``
    (the nearest bid above the winner and within ``close_gap`` of it).
    """
    priced = bids[bids["price"].notna() & (bids["price"] > 0)]
    winners = priced[priced["is_winner"]].drop_duplicates("lot_id")
    winners = winners[["lot_id", "org_id", "bid_id", "price"]].rename(
        columns={"org_id": "winner_id", "bid_id": "winner_bid_id", "price": "winning_price"})
    losers = priced[~priced["is_winner"]].merge(winners, on="lot_id")
    losers = losers[losers["org_id"] != losers["winner_id"]]
    k = priced.groupby("lot_id").size()
    losers["p_second"] = 1 / (k.reindex(losers["lot_id"]).to_numpy() - 1)
    losers["gap"] = losers["price"] / losers["winning_price"] - 1
    above = losers[losers["gap"] >= 0]
    nearest = above.sort_values(["lot_id", "gap", "org_id"]).drop_duplicates("lot_id")["bid_id"]
    losers["close_second"] = losers["bid_id"].isin(nearest) & (losers["gap"] <= close_gap)
    return losers[["org_id", "lot_id", "bid_id", "winner_id", "winner_bid_id", "gap", "p_second", "close_second",
                   "opened_on"]].sort_values(["org_id", "opened_on", "lot_id"], na_position="last", ignore_index=True)


def _finding(org, row, mine, served, concentration, score, params) -> Finding:
    measured = {"bids": int(row["bids"]), "wins": int(row["wins"]), "win_rate": round(float(row["win_rate"]), 3),
                "close_seconds": int(row["close_seconds"]), "expected_close_seconds": round(float(row["expected"]), 2),
                "surprise": round(float(row["surprise"]), 2), "median_gap": round(float(mine["gap"].median()), 4),
                "served_concentration": round(concentration, 3)}
    m = measured
    top = served.index[0]
    zh = (f"{org}投标{m['bids']}次仅中标{m['wins']}次（中标率{m['win_rate']:.0%}，阈值{params['max_win_rate']:.0%}），"
          f"其中{m['close_seconds']}次报价紧贴中标价之上（中位差{m['median_gap']:.2%}，阈值{params['close_gap']:.0%}），"
          f"若随机落败仅应{m['expected_close_seconds']}次（意外度{m['surprise']}，阈值{params['min_surprise']}）；"
          f"最常陪衬{top}（{int(served.iloc[0])}次）。")
    en = (f"{org} bid {m['bids']} times and won {m['wins']} (win rate {m['win_rate']:.0%}, threshold "
          f"{params['max_win_rate']:.0%}); {m['close_seconds']} of its losses sat just above the winner (median gap "
          f"{m['median_gap']:.2%}, threshold {params['close_gap']:.0%}) where random losing predicts "
          f"{m['expected_close_seconds']} (surprise {m['surprise']}, threshold {params['min_surprise']}); "
          f"it most often served {top} ({int(served.iloc[0])} times).")
    nodes = sorted({uid("Organization", org)} | {uid("Organization", w) for w in served.index}
                   | {uid("Lot", l) for l in mine["lot_id"]} | {uid("Bid", b) for b in mine["bid_id"]}
                   | {uid("Bid", b) for b in mine["winner_bid_id"]})
    edges = []
    for r in mine.itertuples(index=False):
        edges += [[uid("Organization", org), "SUBMITTED", uid("Bid", r.bid_id)], [uid("Bid", r.bid_id), "FOR_LOT", uid("Lot", r.lot_id)],
                  [uid("Organization", r.winner_id), "WON", uid("Lot", r.lot_id)]]
    covers = [{"lot_id": r.lot_id, "winner": r.winner_id, "gap": round(float(r.gap), 4)} for r in mine.itertuples(index=False)]
    entities = ([Entity("company", str(org), "cover")] + [Entity("company", str(w), "served") for w in served.index]
                + [Entity("lot", str(l), "context") for l in dict.fromkeys(mine["lot_id"])])
    return Finding(DETECTOR_ID, score, entities,
                   f"{org} lost {m['close_seconds']} times just above the winner, mostly {top}",
                   {"rule": bilingual("频繁投标、几乎不中标、报价总是紧贴同一中标人之上的企业（陪标专业户）",
                                      "A firm that bids often, almost never wins, and whose losing bids sit just "
                                      "above the same winners (a professional cover bidder)"),
                    "explanation": bilingual(zh, en), "measured": measured,
                    "thresholds": {k: params[k] for k in ("min_bids", "max_win_rate", "min_surprise", "close_gap", "min_score")},
                    "nodes": nodes, "edges": edges, "served": {str(k): int(v) for k, v in served.items()},
                    "covers": covers})
