"""price_screen — lots whose bid prices look coordinated (报价离散度异常低、报价紧密聚集).

Rule
----
For every lot with at least ``min_bids`` valid priced bids, compute the price screens of the
bid-rigging literature from the bids (:mod:`bidgraph.detectors.screens.features`: coefficient of
variation, spread, difference and relative distance between the two lowest bids, kurtosis,
skewness, Kolmogorov-Smirnov distance to uniform, gaps between neighbouring bids, share of
near-identical bids, losers' CV, and the mean bid over the ceiling price) and each screen's
percentile among all screened lots of the snapshot. The model trained on real cartel cases
(:mod:`bidgraph.detectors.screens.model`, ``docs/model-card-price-screen.md``) turns the percentiles of
its features into a probability and a coordination index in [0, 1] (0: the competitive end of
every feature, 1: the coordinated end of every one). The same is done over each lot's
*coalition*: the bidders who meet another bidder of the lot on ``coalition_min_meetings``
lots or more, and on at least ``coalition_min_share`` of the lots of the less active of the
two; a ring hiding among honest outsiders shows there.

A lot is flagged when its index (whole lot or coalition) reaches ``min_score`` and at least
``min_tail_screens`` screens sit in their coordinated ``tail``. The score is that index.
Entities: the lot (context), its winners (winner), coalition members (member), and the other
bidders: cover when the whole lot's prices look coordinated, context (outsiders) when only the
coalition's do.

Why it is a red flag: firms that compete price independently, so their bids scatter; when a
ring decides the winner, the others file "cover" prices near the designated one, and the bids
bunch together with tell-tale gaps (Huber & Imhof 2019, Imhof, Karagök & Rutz 2018; García
Rodríguez et al. 2022; OECD Guidelines for Fighting Bid Rigging; 《招标投标法实施条例》第四十条
“不同投标人的投标报价呈现规律性差异”). A screen is evidence for a closer look, never proof.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidgraph.detectors.core.common import bilingual, uid
from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.core.finding import Entity, Finding
from bidgraph.detectors.screens.features import (
    DIRECTION,
    SCREENS,
    coalition_members,
    coalition_screens,
    percentiles,
)
from bidgraph.detectors.stats.screening import ScreenedLots, screened_lots, snapshot_screens
from bidgraph.graph.snapshot import Snapshot

__all__ = ["DEFAULTS", "DETECTOR", "detect", "screen_lots"]

# screen_ring reads min_bids, close_gap and model from this section too (one model for both)
DEFAULTS = {
    "min_bids": 3,  # valid priced bids a lot needs to be screened (the legal minimum of a tender)
    "min_score": 0.85,  # coordination index (0 competitive .. 1 coordinated, whole lot or coalition) to flag
    "tail": 0.1,  # a screen is "crossed" when it sits in the most coordinated 10 % of the snapshot's lots
    "min_tail_screens": 3,  # screens (whole lot or coalition) that must be crossed as well
    "close_gap": 0.02,  # neighbouring bids closer than this fraction count as close (close_share screen)
    "coalition_min_meetings": 3,  # a pair of bidders meeting on this many lots or more forms a coalition ...
    "coalition_min_share": 0.5,  # ... if they also meet on this share of the less active one's lots
    "coalition_min_members": 3,  # coalition screens need this many coalition bids on the lot
    "model": "",  # model JSON to use instead of the shipped one (empty: the shipped model)
}

DETECTOR = ModuleDetector(
    "price_screen", rule_version="1", defaults=DEFAULTS, module=__name__, requires=("bids.price",)
)

_NAMES = {
    "cv": ("变异系数", "coefficient of variation"),
    "spd": ("极差率", "spread"),
    "diffp": ("最低两价差率", "gap between the two lowest"),
    "rd": ("相对距离", "relative distance"),
    "kurt": ("峰度", "kurtosis"),
    "skew": ("偏度", "skewness"),
    "ks": ("KS距离", "KS distance"),
    "gap_median": ("相邻报价中位间距", "median neighbour gap"),
    "close_share": ("紧邻报价占比", "close-bid share"),
    "cv_losers": ("落标价变异系数", "losers' CV"),
    "mean_to_ceiling": ("均价/最高限价", "mean bid / ceiling"),
}
_TAIL_SCREENS = (*SCREENS, "mean_to_ceiling")


def detect(snapshot: Snapshot, params: dict, seed: int) -> list[Finding]:
    """One finding per lot whose prices look coordinated (``seed`` unused: deterministic)."""
    bids, screened = snapshot_screens(snapshot, params)
    if screened is None:
        return []
    lots, members = screen_lots(bids, params, screened)
    flagged = lots[lots["flagged"]]
    if flagged.empty:
        return []
    coalition: dict[str, set] = {}
    for lot_id, org in members[members["lot_id"].isin(flagged.index)].itertuples(index=False):
        coalition.setdefault(lot_id, set()).add(org)
    mine = bids[bids["lot_id"].isin(flagged.index)].sort_values(["lot_id", "price", "bid_id"], kind="mergesort")
    per_lot: dict[str, list[dict]] = {}
    for record in mine[["lot_id", "bid_id", "org_id", "price", "is_winner"]].to_dict("records"):
        per_lot.setdefault(record["lot_id"], []).append(record)
    rows = flagged.to_dict("index")
    findings = [
        _finding(lot_id, rows[lot_id], per_lot[lot_id], coalition.get(lot_id, set()), params)
        for lot_id in flagged.index
    ]
    findings.sort(key=lambda f: (-f.score, f.entities[0].id))
    return findings


def screen_lots(
    bids: pd.DataFrame, params: dict, given: ScreenedLots | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Screens, percentiles and the model's verdict for every lot with ``min_bids`` priced bids.

    ``bids`` has ``lot_id``, ``org_id``, ``price`` (> 0), ``is_winner`` and ``ceiling_price``.

    Returns
    -------
    lots : DataFrame indexed by ``lot_id``: the screens, ``pct_<screen>`` (the screen's
        percentile among the screened lots, turned so that 1 is the most coordinated-looking
        end: the lowest CV, the highest RD), the same for ``coalition_<screen>`` where a lot has a coalition smaller
        than the lot, ``probability``, ``index``, ``coalition_index``, ``score``,
        ``tail_screens`` (screens in the coordinated tail, whole lot or coalition) and ``flagged``.
    members : DataFrame of the coalitions' (``lot_id``, ``org_id``) rows
        (:func:`bidgraph.detectors.screens.features.coalition_members`).

    ``given`` is :func:`screened_lots` of ``bids`` when the caller has it already.
    """
    lots = screened_lots(bids, params) if given is None else given
    coded, model, screens = lots.bids, lots.model, lots.screens
    lot_ids, org_ids = lots.lot_ids, lots.org_ids
    members = coalition_members(
        coded, params["coalition_min_meetings"], params["coalition_min_share"], lot="lot", org="org"
    )
    out = screens.join(_coordination_percentiles(screens))
    out["index"] = model.coordination_index(screens)
    screened = np.zeros(len(lot_ids), dtype=bool)
    screened[screens.index.to_numpy()] = True
    coalition = coalition_screens(
        coded[screened[coded["lot"].to_numpy()]],
        members,
        params["coalition_min_members"],
        lot="lot",
        org="org",
        close_gap=params["close_gap"],
    )
    coalition = coalition[coalition["coalition_size"] < out["n_bids"].reindex(coalition.index)]
    as_lots = coalition.rename(columns=lambda c: c.removeprefix("coalition_")).rename(columns={"size": "n_bids"})
    out = out.join(coalition).join(_coordination_percentiles(as_lots, screens, "coalition_"))
    out["coalition_index"] = model.coordination_index(as_lots, screens).reindex(out.index)
    out["score"] = out[["index", "coalition_index"]].max(axis=1)
    out["tail_screens"] = np.maximum(_in_tail(out, "", params["tail"]), _in_tail(out, "coalition_", params["tail"]))
    out["flagged"] = (out["score"] >= params["min_score"]) & (out["tail_screens"] >= params["min_tail_screens"])
    out.index = pd.Index(lot_ids[out.index.to_numpy()], name="lot_id")
    members = pd.DataFrame({"lot_id": lot_ids[members["lot"].to_numpy()], "org_id": org_ids[members["org"].to_numpy()]})
    return out, members


def _coordination_percentiles(
    screens: pd.DataFrame, reference: pd.DataFrame | None = None, prefix: str = ""
) -> pd.DataFrame:
    """``pct_<prefix><screen>``: percentiles of each screen turned toward coordination (1 = the
    most coordinated-looking end), among the rows or among ``reference``'s rows."""
    cols = [k for k in _TAIL_SCREENS if k in screens]
    sign = [DIRECTION[k] for k in cols]
    ref = None if reference is None else reference[cols] * sign
    return percentiles(screens[cols] * sign, ref).add_prefix(f"pct_{prefix}")


def _in_tail(out: pd.DataFrame, prefix: str, tail: float) -> np.ndarray:
    """How many screens (with this column prefix) sit in their coordinated tail."""
    cols = [f"pct_{prefix}{k}" for k in _TAIL_SCREENS if f"pct_{prefix}{k}" in out]
    return (out[cols] >= 1 - tail).sum(axis=1).to_numpy()


def _screen_lines(row: dict, prefix: str, tail: float) -> tuple[dict, list[str], list[str], list[str]]:
    """Measured values, the screens in the tail, and one zh / en phrase per screen."""
    measured, crossed, zh, en = {}, [], [], []
    for k in _TAIL_SCREENS:
        value = row.get(f"{prefix}{k}", np.nan)
        if pd.isna(value):
            continue
        turned = float(row[f"pct_{prefix}{k}"])
        measured[f"{prefix}{k}"] = float(f"{value:.6g}")
        measured[f"{prefix}{k}_coordination_percentile"] = round(turned, 4)
        mark = ""
        if turned >= 1 - tail:
            crossed.append(f"{prefix}{k}")
            mark = "*"
        z, e = _NAMES[k]
        zh.append(f"{z}{value:.4g}（协调方向百分位{turned:.0%}）{mark}")
        en.append(f"{e} {value:.4g} (percentile {turned:.0%} toward coordination){mark}")
    return measured, crossed, zh, en


def _finding(lot_id: str, row: dict, bids: list[dict], coalition: set, params: dict) -> Finding:
    """The finding of one flagged lot; ``bids`` are its priced bids, cheapest first."""
    via_coalition = pd.notna(row["coalition_index"]) and row["coalition_index"] > row["index"]
    measured = {
        "n_bids": int(row["n_bids"]),
        "probability": round(float(row["probability"]), 4),
        "index": round(float(row["index"]), 4),
        "score": round(float(row["score"]), 4),
        "tail_screens": int(row["tail_screens"]),
        "winner_position": _round(row["winner_position"]),
    }
    lot_m, lot_crossed, lot_zh, lot_en = _screen_lines(row, "", params["tail"])
    measured.update(lot_m)
    zh = (
        f"标段{lot_id}有{measured['n_bids']}个有效报价，协调指数{measured['index']:.2f}"
        f"（模型概率{measured['probability']:.2f}）：" + "；".join(lot_zh) + "。"
    )
    en = (
        f"Lot {lot_id} has {measured['n_bids']} valid priced bids, coordination index {measured['index']:.2f} "
        f"(model probability {measured['probability']:.2f}): " + "; ".join(lot_en) + "."
    )
    crossed = lot_crossed
    if pd.notna(row["coalition_index"]):
        co_m, co_crossed, co_zh, co_en = _screen_lines(row, "coalition_", params["tail"])
        measured.update(
            co_m, coalition_size=int(row["coalition_size"]), coalition_index=round(float(row["coalition_index"]), 4)
        )
        zh += (
            f"其中{measured['coalition_size']}家常在一起投标的企业（两两同场≥{params['coalition_min_meetings']}次且"
            f"≥各自标段的{params['coalition_min_share']:.0%}）"
            f"的报价协调指数{measured['coalition_index']:.2f}：" + "；".join(co_zh) + "。"
        )
        en += (
            f" Among them, {measured['coalition_size']} bidders who meet repeatedly (pairs on ≥ "
            f"{params['coalition_min_meetings']} lots together, ≥ {params['coalition_min_share']:.0%} of their lots) have coordination index "
            f"{measured['coalition_index']:.2f}: " + "; ".join(co_en) + "."
        )
        crossed = crossed + co_crossed
    zh += (
        f"得分{measured['score']:.2f}≥阈值{params['min_score']}，{measured['tail_screens']}项指标落入最可疑的"
        f"{params['tail']:.0%}（阈值{params['min_tail_screens']}项，标*者）。"
    )
    en += (
        f" Score {measured['score']:.2f} >= threshold {params['min_score']}; {measured['tail_screens']} screens in "
        f"the most coordinated {params['tail']:.0%} (threshold {params['min_tail_screens']}, marked *)."
    )
    outsider = "context" if via_coalition else "cover"
    winners = sorted({b["org_id"] for b in bids if b["is_winner"]})
    bidders = sorted({b["org_id"] for b in bids})
    entities = (
        [Entity("lot", str(lot_id), "context")]
        + [Entity("company", str(o), "winner") for o in winners]
        + [Entity("company", str(o), "member" if o in coalition else outsider) for o in bidders if o not in winners]
    )
    nodes = [uid("Lot", lot_id)] + [uid("Organization", o) for o in bidders] + [uid("Bid", b["bid_id"]) for b in bids]
    edges = []
    for b in bids:
        edges += [
            [uid("Organization", b["org_id"]), "SUBMITTED", uid("Bid", b["bid_id"])],
            [uid("Bid", b["bid_id"]), "FOR_LOT", uid("Lot", lot_id)],
        ]
    edges += [[uid("Organization", o), "WON", uid("Lot", lot_id)] for o in winners]
    where = "its repeat co-bidders' prices" if via_coalition else "its bid prices"
    return Finding(
        DETECTOR.id,
        float(row["score"]),
        entities,
        f"Lot {lot_id}: {where} look coordinated ({measured['tail_screens']} screens in the "
        f"{params['tail']:.0%} tail, index {measured['score']:.2f})",
        {
            "rule": bilingual(
                "报价离散度、间距与分布形态在本批标段中最像协调报价的标段（价格筛查，含常同场投标企业子集）",
                "Lots whose price dispersion, gaps and shape look the most coordinated of the "
                "snapshot (price screens, also over the bidders who meet repeatedly)",
            ),
            "explanation": bilingual(zh, en),
            "measured": measured,
            "thresholds": {
                k: params[k]
                for k in (
                    "min_bids",
                    "min_score",
                    "tail",
                    "min_tail_screens",
                    "coalition_min_meetings",
                    "coalition_min_share",
                    "coalition_min_members",
                    "close_gap",
                )
            },
            "crossed": crossed,
            "nodes": nodes,
            "edges": edges,
            "bids": [
                {
                    "bid_id": str(b["bid_id"]),
                    "org_id": str(b["org_id"]),
                    "price": float(b["price"]),
                    "is_winner": bool(b["is_winner"]),
                }
                for b in bids
            ],
        },
    )


def _round(value) -> float | None:
    return float(f"{value:.6g}") if pd.notna(value) else None
