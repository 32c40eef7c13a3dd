"""Evaluation panels: each expert's score against the rest of the panel, for the same bid.

Used by ``expert_affinity`` and ``expert_bias``. The deviation of an expert's score is
measured against the mean of the *other* experts who scored the same bid, so the expert does
not pull the reference towards themselves (偏离度 as Chinese evaluation-supervision systems
define it: the gap between one expert's score and the panel's).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["score_deviations"]


def score_deviations(snapshot, min_panel: int = 3) -> pd.DataFrame:
    """One row per (expert, bid) with ``dev = score - mean of the other experts' scores``.

    Columns: lot_id, expert_id, bid_id, org_id, score, others_mean, dev, panel (experts who
    scored the bid). Bids scored by fewer than ``min_panel`` experts are left out; an
    expert's repeated score of one bid is averaged.
    """
    es = snapshot["expert_scores"]
    if es.empty:
        return pd.DataFrame(columns=["lot_id", "expert_id", "bid_id", "org_id", "score", "others_mean", "dev", "panel"])
    es = es.assign(score=pd.to_numeric(es["score"], errors="coerce")).dropna(subset=["score"])
    es = es.groupby(["lot_id", "expert_id", "bid_id"], as_index=False, sort=False)["score"].mean()
    per_bid = es.groupby("bid_id")["score"]
    es["panel"] = per_bid.transform("size")
    es = es[es["panel"] >= min_panel].copy()
    total = es.groupby("bid_id")["score"].transform("sum")
    es["others_mean"] = (total - es["score"]) / (es["panel"] - 1)
    es["dev"] = es["score"] - es["others_mean"]
    return es.merge(snapshot["bids"][["bid_id", "org_id"]], on="bid_id", how="inner")
