"""Expert panels and their scores.

Each comprehensive lot with a valid bid gets a panel of 5 or 7 experts drawn from the pool of
its specialty. Each panel member scores each valid bid's technical offer out of 70:
``48 + 4.5 x bid quality + the expert's lean + noise`` (clipped to 20-70). Planted: an expert's
favourite firm gets +12 from that expert, who sits on most of the firm's panels; biased
experts lean +9 (high) or -9 (low) points, or score with noise of sd 11 (erratic) against 2.5.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidgraph.citygen.world import World

__all__ = ["AFFINITY_BONUS", "BIAS_LEAN", "ERRATIC_SPREAD", "draw_panels", "plant_expert_bias", "score_bids"]

AFFINITY_BONUS = 12.0
BIAS_LEAN = 9.0
ERRATIC_SPREAD = 11.0


def plant_expert_bias(rng, world: World, panels: pd.DataFrame, count: int) -> list:
    """Mark ``count`` experts as high, low or erratic scorers (in turn), drawn among the experts
    with the most panel seats (the top 30 %), so that each bias shows in many scores."""
    ex = world.experts
    seats = np.bincount(panels["expert"].to_numpy(), minlength=len(ex))
    free = np.flatnonzero((ex["bias"].to_numpy() == "") & (seats >= np.quantile(seats, 0.7)))
    chosen = rng.choice(free, min(count, len(free)), replace=False)
    records = []
    for i, e in enumerate(chosen):
        kind = ("high", "low", "erratic")[i % 3]
        ex.loc[e, "bias"] = kind
        if kind == "erratic":
            ex.loc[e, "spread"] = ERRATIC_SPREAD
        else:
            ex.loc[e, "lean"] = BIAS_LEAN if kind == "high" else -BIAS_LEAN
        records.append({"expert": int(e), "direction": kind})
    return records


def draw_panels(rng, world: World, lots: pd.DataFrame, bids: pd.DataFrame, affinity: list) -> pd.DataFrame:
    """Panel membership: rows (lot, expert). ``affinity`` records put their expert on 90 % of
    their lots' panels (replacing a drawn member)."""
    comp = lots["evaluation"].to_numpy() == "comprehensive"
    has_valid = np.bincount(bids["lot"].to_numpy()[bids["valid"].to_numpy()], minlength=len(lots)) > 0
    panel_lots = np.flatnonzero(comp & has_valid)
    size = np.where(rng.random(len(panel_lots)) < 0.6, 5, 7)
    specialty = world.experts["specialty"].to_numpy()
    order = np.argsort(specialty, kind="stable")
    count = np.bincount(specialty, minlength=int(specialty.max()) + 1)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    s = lots["subtype"].to_numpy()[panel_lots]
    m = 21  # draws with replacement; duplicates are dropped, then k kept at random
    draws = order[start[s][:, None] + (rng.random((len(panel_lots), m)) * count[s][:, None]).astype(np.int64)]
    draws.sort(axis=1)
    dup = np.zeros_like(draws, bool)
    dup[:, 1:] = draws[:, 1:] == draws[:, :-1]
    prio = np.where(dup, np.inf, rng.random(draws.shape))
    pick = np.argsort(prio, axis=1)[:, :7]
    chosen = np.take_along_axis(draws, pick, axis=1)
    ok = np.take_along_axis(prio, pick, axis=1) < np.inf
    ok &= np.arange(7)[None, :] < size[:, None]
    pos = {int(lot): i for i, lot in enumerate(panel_lots)}
    for rec in affinity:
        for lot in rec["lots"]:
            i = pos.get(int(lot))
            if i is None or rng.random() >= 0.9 or (chosen[i][ok[i]] == rec["expert"]).any():
                continue
            chosen[i, np.flatnonzero(ok[i])[-1]] = rec["expert"]
    lot_col = np.repeat(panel_lots, 7).reshape(-1, 7)
    return pd.DataFrame({"lot": lot_col[ok], "expert": chosen[ok]})


def score_bids(rng, world: World, bids: pd.DataFrame, panels: pd.DataFrame, affinity: list):
    """Expert scores (rows: bid position, expert, score) and each bid's mean technical score."""
    valid = np.flatnonzero(bids["valid"].to_numpy())
    b_lot = bids["lot"].to_numpy()[valid]
    p_lot, p_exp = panels["lot"].to_numpy(), panels["expert"].to_numpy()
    p_start = np.searchsorted(p_lot, b_lot)
    p_count = np.searchsorted(p_lot, b_lot, side="right") - p_start
    bid = np.repeat(valid, p_count)
    k = np.arange(len(bid)) - np.repeat(np.cumsum(p_count) - p_count, p_count)
    expert = p_exp[np.repeat(p_start, p_count) + k]
    ex = world.experts
    tech = bids["tech"].to_numpy()[bid]
    score = (
        48
        + 4.5 * tech
        + ex["lean"].to_numpy()[expert]
        + ex["spread"].to_numpy()[expert] * rng.standard_normal(len(bid))
    )
    org = bids["org"].to_numpy()[bid]
    for rec in affinity:
        score[(expert == rec["expert"]) & (org == rec["org"])] += AFFINITY_BONUS
    score = np.round(np.clip(score, 20, 70), 1)
    mean = np.zeros(len(bids))
    total = np.bincount(bid, weights=score, minlength=len(bids))
    n = np.bincount(bid, minlength=len(bids))
    mean[n > 0] = total[n > 0] / n[n > 0]
    scores = pd.DataFrame({"bid": bid, "expert": expert, "score": score})
    return scores, mean
