"""expert_bias: evaluation experts whose scores stray from their panels far more than peers'.

Rule
----
For every bid an expert scored, the deviation is the expert's score minus the mean of the
other panel members' scores for that bid. Per panel (lot), the expert's mean absolute
deviation is taken; per expert, the mean over panels (``mad``), for experts with at least
``min_panels`` panels. Against all such experts the robust z is ``(mad - median) / (1.4826 *
MAD)``. Experts also differ honestly in leniency, and a few panels make a noisy average, so
a second fact is required: the expert's count of 畸高畸低 scores (``|deviation| >=
extreme_points``, the "abnormally high or low score" of provincial evaluation rules) must be
improbable at the rate such scores occur among all experts (binomial upper tail,
Bonferroni-adjusted over the judged experts, ``p_adj <= alpha``). An expert at ``z >= z_fence``
with ``p_adj <= alpha`` is flagged. Score ``1 - 2^(-z / z_fence)`` (0.5 at the fence). The
signed mean deviation tells 畸高 (consistently high) from 畸低 (low) from erratic.

Chinese public-resource trading centres run exactly this 评标专家评分偏离度/倾向性 analysis
(畸高畸低评分 must be explained under 《评标委员会和评标方法暂行规定》 and provincial expert
management rules); an expert who systematically departs from colleagues is either careless or
steering, and OECD's Guidelines for Fighting Bid Rigging name evaluation integrity among the
controls. Deviation statistics: :mod:`bidgraph.detectors.stats.panels`.
"""

from __future__ import annotations

import pandas as pd
from scipy.stats import binom

from bidgraph.detectors.core.common import bilingual, uid
from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.core.finding import Entity, Finding
from bidgraph.detectors.stats.panels import score_deviations

__all__ = ["DEFAULTS", "DETECTOR", "detect"]

DEFAULTS = {
    "z_fence": 3.5,  # robust z of the expert's mean absolute deviation that flags (score 0.5 here)
    "alpha": 0.01,  # fence on the Bonferroni-adjusted binomial tail of the expert's extreme scores
    "min_panels": 2,  # fewest panels (lots) an expert must have sat on to be judged
    "min_panel_size": 3,  # bids scored by fewer experts than this are ignored (no panel to compare with)
    "extreme_points": 10.0,  # a score this many points from the others' mean is extreme (畸高畸低)
}

DETECTOR = ModuleDetector(
    "expert_bias", rule_version="1", defaults=DEFAULTS, module=__name__, requires=("expert_scores",)
)


def _expert_stats(dev: pd.DataFrame, extreme: float) -> pd.DataFrame:
    dev = dev.assign(abs_dev=dev["dev"].abs(), extreme=dev["dev"].abs() >= extreme)
    per_panel = dev.groupby(["expert_id", "lot_id"], sort=False).agg(
        abs_dev=("abs_dev", "mean"), dev=("dev", "mean"), bids=("bid_id", "size"), extreme=("extreme", "sum")
    )
    return per_panel.groupby("expert_id").agg(
        panels=("abs_dev", "size"),
        mad=("abs_dev", "mean"),
        mean_dev=("dev", "mean"),
        bids=("bids", "sum"),
        extreme=("extreme", "sum"),
    )


def detect(snapshot, params: dict, seed: int) -> list:
    """Experts deviating from their panels far more than their peers (``seed`` unused)."""
    dev = score_deviations(snapshot, int(params["min_panel_size"]))
    if dev.empty:
        return []
    stats = _expert_stats(dev, float(params["extreme_points"]))
    rate = float(stats["extreme"].sum()) / max(1, int(stats["bids"].sum()))
    stats = stats[stats["panels"] >= int(params["min_panels"])].copy()
    if len(stats) < 3:
        return []
    stats["p"] = binom.sf(stats["extreme"] - 1, stats["bids"], rate)
    stats["p_adj"] = (stats["p"] * len(stats)).clip(upper=1.0)
    centre = float(stats["mad"].median())
    spread = 1.4826 * float((stats["mad"] - centre).abs().median())
    spread = max(spread, 1e-9)
    stats["z"] = (stats["mad"] - centre) / spread
    fence = float(params["z_fence"])
    flagged = stats[(stats["z"] >= fence) & (stats["p_adj"] <= float(params["alpha"]))].sort_index()
    if flagged.empty:
        return []
    lots = dev[dev["expert_id"].isin(flagged.index)].groupby("expert_id")["lot_id"].agg(lambda s: sorted(set(s)))
    worst = (
        dev[dev["expert_id"].isin(flagged.index)]
        .assign(a=dev["dev"].abs())
        .sort_values(["expert_id", "a", "bid_id"], ascending=[True, False, True])
        .groupby("expert_id")
        .head(5)
    )
    findings = [
        _finding(e, r, lots[e], worst[worst["expert_id"] == e], centre, spread, len(stats), rate, params)
        for e, r in flagged.iterrows()
    ]
    findings.sort(key=lambda f: (-f.score, f.entities[0].id))
    return findings


def _finding(expert, r, lots, worst, centre, spread, n_experts, rate, params) -> Finding:
    z, fence = float(r["z"]), float(params["z_fence"])
    score = 1 - 2 ** (-z / fence)
    lean = abs(float(r["mean_dev"])) >= float(r["mad"]) / 2
    direction = ("high" if r["mean_dev"] > 0 else "low") if lean else "erratic"
    word_zh = {"high": "整体偏高", "low": "整体偏低", "erratic": "忽高忽低"}[direction]
    nodes = (
        {uid("Expert", expert)} | {uid("Bid", b) for b in worst["bid_id"]} | {uid("Lot", l) for l in worst["lot_id"]}
    )
    edges = {(uid("Expert", expert), "SCORED", uid("Bid", b)) for b in worst["bid_id"]}
    edges |= {(uid("Bid", b), "FOR_LOT", uid("Lot", l)) for b, l in zip(worst["bid_id"], worst["lot_id"])}
    examples = [
        {
            "bid": b,
            "lot": l,
            "company": o,
            "score": round(float(s), 2),
            "others_mean": round(float(m), 2),
            "deviation": round(float(d), 2),
        }
        for b, l, o, s, m, d in zip(
            worst["bid_id"], worst["lot_id"], worst["org_id"], worst["score"], worst["others_mean"], worst["dev"]
        )
    ]
    explanation = bilingual(
        f"专家{expert}参加{int(r['panels'])}个评标委员会、评分{int(r['bids'])}份，与同组其他专家平均分的平均绝对偏差"
        f"为{r['mad']:.2f}分，全部{n_experts}名专家的中位数为{centre:.2f}分（稳健尺度{spread:.2f}），稳健z={z:.1f}"
        f"（阈值{fence}）；平均偏差{r['mean_dev']:+.2f}分（{word_zh}）。偏差≥{params['extreme_points']}分的畸高畸低评分"
        f"{int(r['extreme'])}份，全体专家中此类评分占{rate:.2%}，二项上尾p={r['p']:.2g}，经{n_experts}名专家校正后"
        f"p={r['p_adj']:.2g}（阈值{params['alpha']}）。",
        f"Expert {expert} sat on {int(r['panels'])} panels and scored {int(r['bids'])} bids; the mean absolute "
        f"deviation from the other panel members' mean is {r['mad']:.2f} points against a median of "
        f"{centre:.2f} over {n_experts} experts (robust scale {spread:.2f}): robust z {z:.1f} (fence {fence}). "
        f"Mean signed deviation {r['mean_dev']:+.2f} ({direction}). {int(r['extreme'])} scores deviate by >= "
        f"{params['extreme_points']} points, against a rate of {rate:.2%} over all experts: binomial tail "
        f"p = {r['p']:.2g}, adjusted over {n_experts} experts p = {r['p_adj']:.2g} (fence {params['alpha']}).",
    )
    evidence = {
        "rule": bilingual(
            "评标专家评分与同组专家的偏离度远高于其他专家（畸高畸低、倾向性评分）。",
            "An evaluation expert's scores deviate from the rest of the panel far more than other experts' do.",
        ),
        "explanation": explanation,
        "measured": {
            "panels": int(r["panels"]),
            "bids_scored": int(r["bids"]),
            "mean_abs_deviation": round(float(r["mad"]), 4),
            "mean_deviation": round(float(r["mean_dev"]), 4),
            "direction": direction,
            "extreme_scores": int(r["extreme"]),
            "extreme_rate_all_experts": round(rate, 6),
            "p": float(r["p"]),
            "p_adj": float(r["p_adj"]),
            "robust_z": round(z, 3),
            "median_mad_all_experts": round(centre, 4),
            "robust_scale": round(spread, 4),
            "experts_compared": n_experts,
        },
        "thresholds": {k: params[k] for k in ("z_fence", "alpha", "min_panels", "min_panel_size", "extreme_points")},
        "nodes": sorted(nodes),
        "edges": [list(e) for e in sorted(edges)],
        "largest_deviations": examples,
        "panels": list(lots),
    }
    summary = (
        f"Expert {expert} deviates from fellow panelists by {r['mad']:.1f} points on average "
        f"(median expert {centre:.1f}; robust z {z:.1f}) over {int(r['panels'])} panels"
    )
    return Finding(
        DETECTOR.id,
        score,
        [Entity("expert", expert, "expert")] + [Entity("lot", l, "context") for l in lots],
        summary,
        evidence,
    )
