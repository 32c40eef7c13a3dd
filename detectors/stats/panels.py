"""Evaluation panels: each expert's score against the rest of the panel, for the same bid.

Used by ``expert_affinity`` and ``expert_bias``. The deviation of an expert's score is
measured against the mean of the *other* experts who scored the same bid, so the expert does
not pull the reference towards themselves (偏离度 as Chinese evaluation-supervision systems
define it: the gap between one expert's score and the panel's).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidgraph.detectors.stats.codes import row_key
from bidgraph.graph.snapshot import positions

__all__ = ["score_deviations"]


def score_deviations(snapshot, min_panel: int = 3) -> pd.DataFrame:
    """One row per (expert, bid) with ``dev = score - mean of the other experts' scores``.

    Columns: lot_id, expert_id, bid_id, org_id, score, others_mean, dev, panel (experts who
    scored the bid). Bids scored by fewer than ``min_panel`` experts are left out; an
    expert's repeated score of one bid is averaged. Made once per snapshot (both panel
    detectors read it); each caller gets its own (copy-on-write) frame.
    """
    return snapshot.derived(("score_deviations", min_panel), lambda: _deviations(snapshot, min_panel)).copy(deep=False)


def _deviations(snapshot, min_panel: int) -> pd.DataFrame:
    es = snapshot["expert_scores"]
    if es.empty:
        return pd.DataFrame(columns=["lot_id", "expert_id", "bid_id", "org_id", "score", "others_mean", "dev", "panel"])
    es = es.assign(score=pd.to_numeric(es["score"], errors="coerce")).dropna(subset=["score"])
    # grouped on integer codes of the ids (grouping on the id strings costs seconds at province scale)
    keys = ["lot_id", "expert_id", "bid_id"]
    codes = {k: pd.factorize(es[k], sort=True) for k in keys}
    coded = pd.DataFrame({k: codes[k][0] for k in keys} | {"score": es["score"].to_numpy()})
    coded = coded[(coded[keys] >= 0).all(axis=1)]  # a missing id (code -1) is no group, as in a groupby
    # by bid, expert, lot and score, not in the order rows were loaded: the sums below then add the
    # same numbers in the same order whether the scores came in one export or a day at a time
    # (the last bits of a p-value differed between the two)
    triple = row_key(*(coded[k].to_numpy() for k in ("bid_id", "expert_id", "lot_id")))  # sorts as the three codes
    order = np.lexsort([coded["score"].to_numpy(), triple])
    coded, triple = coded.iloc[order], triple[order]
    # a (bid, expert, lot) is a run of sorted rows: its first row, and the runs numbered in order
    starts = np.diff(triple, prepend=-1) != 0
    mean = coded["score"].groupby(np.cumsum(starts), sort=False).mean()
    coded = coded.iloc[np.flatnonzero(starts)][keys].reset_index(drop=True).assign(score=mean.to_numpy())
    coded["panel"] = coded.groupby("bid_id")["score"].transform("size")
    coded = coded[coded["panel"] >= min_panel].reset_index(drop=True)
    total = coded.groupby("bid_id")["score"].transform("sum")
    es = pd.DataFrame({k: codes[k][1].take(coded[k].to_numpy()) for k in keys}).assign(
        score=coded["score"], panel=coded["panel"]
    )
    es["others_mean"] = (total - es["score"]) / (es["panel"] - 1)
    es["dev"] = es["score"] - es["others_mean"]
    # the bids' firms joined on the scored bids' codes (a merge on the id strings costs seconds)
    bids = snapshot["bids"]
    row = positions(bids["bid_id"], pd.Series(codes["bid_id"][1]))[coded["bid_id"].to_numpy()]
    es = es[row >= 0].reset_index(drop=True)
    es["org_id"] = bids["org_id"].array.take(row[row >= 0])
    return es
