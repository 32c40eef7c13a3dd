"""frequent_winner: "bid kings" (标王) — firms that take a share of a tenderer's, an agency's
or a region's awards far above their share of its bids.

Rule
----
Within one context (a tenderer, an agency, or a region), a firm whose share of the awards is
at least ``min_win_share`` and at least ``min_share_ratio`` times its share of the bids, with
``min_wins`` wins or more, and whose win count its bids cannot explain: the binomial tail of
its wins against the fair draw's expectation (``sum 1/n`` over its bids) scaled by its record
in other contexts (:func:`bidgraph.detectors.stats.win_stats.context_pairs`), Bonferroni-adjusted over
all tested pairs, is at most ``alpha``. The concentration of the context's awards is measured
by the Herfindahl–Hirschman index of win shares (HHI), reported beside the HHI of bid shares.
Chinese supervision platforms run this 标王 analysis (中标集中度) routinely; the OECD Guidelines
for Fighting Bid Rigging list "the same supplier always wins with a buyer" among the signs of
market allocation, and concentration indices such as the HHI are the standard measure of it.

Guard against honest winners: a large firm that wins because it is cheapest among many real
competitors is not a 标王. Its record elsewhere already raises its expectation; besides, a win
is *competitive* when the firm had the lowest price among at least ``min_competitors`` valid
bids, the lot's price spread (coefficient of variation) is not below the ``spread_quantile``
quantile of such lots (rigged lots show compressed prices), and its margin over the second
price is not below the same quantile of winning margins (a winner that always lands just
under a rival knew the prices). The score is ``surprise * (1 - competitive wins / wins)`` with
``surprise = -log10(p_adj) / surprise_full`` clipped to [0, 1]; a pair whose competitive share
exceeds ``max_competitive_share`` is not reported.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidgraph.detectors.core.common import bilingual, uid
from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.core.finding import Entity, Finding
from bidgraph.detectors.stats.win_stats import bid_outcomes, context_pairs, surprise_score, upper_tail

__all__ = ["DEFAULTS", "DETECTOR", "detect"]

DEFAULTS = {
    "min_wins": 4,  # fewest wins in the context before a firm can be flagged
    "min_win_share": 0.1,  # fewest share of the context's awards
    "min_share_ratio": 2.0,  # win share must be at least this multiple of the bid share
    "alpha": 0.05,  # fence on the Bonferroni-adjusted binomial tail of the wins (fair draw x record elsewhere)
    "prior_wins": 2.0,  # prior wins (and expected wins) smoothing the firm's record in other contexts
    "surprise_full": 8.0,  # -log10(p_adj) that gives score 1 before the competition discount
    "min_competitors": 5,  # a win counts as competitive only with at least this many valid bids
    "spread_quantile": 0.25,  # ... a price CV and a margin over the 2nd price not below this quantile of contested wins
    "max_competitive_share": 0.6,  # firms with more of their wins competitive than this are not reported
}

DETECTOR = ModuleDetector(
    "frequent_winner", rule_version="1", defaults=DEFAULTS, module=__name__, requires=("bids.is_winner",)
)

_CONTEXTS = {  # bid column: (entity role, relationship from the org to the project, zh, en)
    "tenderer_id": ("tenderer", "TENDERED", "招标人", "tenderer"),
    "agency_id": ("agency", "AGENT_FOR", "代理机构", "agency"),
    "region_code": (None, None, "地区", "region"),
}


def _shares(pairs: pd.DataFrame, ctx: str) -> pd.DataFrame:
    totals = pairs.groupby(ctx)[["bids", "wins"]].transform("sum")
    pairs["win_share"] = pairs["wins"] / totals["wins"].where(totals["wins"] > 0)
    pairs["bid_share"] = pairs["bids"] / totals["bids"]
    pairs["context_wins"], pairs["context_bids"] = totals["wins"], totals["bids"]
    hhi = pairs.assign(w2=pairs["win_share"] ** 2, b2=pairs["bid_share"] ** 2).groupby(ctx)[["w2", "b2"]].sum()
    pairs = pairs.join(hhi.rename(columns={"w2": "hhi_wins", "b2": "hhi_bids"}), on=ctx)
    return pairs.rename(columns={ctx: "context"}).assign(dimension=ctx)


def _competitive_wins(b: pd.DataFrame, params: dict) -> tuple[pd.Series, dict]:
    """Which bids are wins of honest-looking price competition, and the fences used."""
    min_comp, q = int(params["min_competitors"]), float(params["spread_quantile"])
    contested = b[b["is_winner"] & (b["n_bidders"] >= min_comp)]
    fences = {
        "cv_fence": float(contested["lot_cv"].quantile(q)) if len(contested) else 0.0,
        "margin_fence": float(contested["margin"].quantile(q)) if len(contested) else 0.0,
    }
    competitive = (
        b["is_winner"]
        & b["is_lowest"]
        & (b["n_bidders"] >= min_comp)
        & (b["lot_cv"] >= fences["cv_fence"])
        & (b["margin"] >= fences["margin_fence"])
    )
    return competitive, fences


def detect(snapshot, params: dict, seed: int) -> list:
    """Firms dominating a context's awards beyond what competition explains (``seed`` unused)."""
    b = bid_outcomes(snapshot)
    if b.empty:
        return []
    b["competitive_win"], fences = _competitive_wins(b, params)
    prior = float(params["prior_wins"])
    min_wins = int(params["min_wins"])
    every = [_shares(context_pairs(b, c, prior, ("competitive_win",)), c) for c in _CONTEXTS]
    n_tests = max(1, sum(int((pairs["bids"] >= min_wins).sum()) for pairs in every))
    # only pairs with min_wins wins can be flagged: the two million others are counted as tests, not joined
    pairs = pd.concat([pairs[pairs["wins"] >= min_wins] for pairs in every], ignore_index=True)
    pairs["p"] = upper_tail(pairs["wins"], pairs["expected"], pairs["bids"])
    pairs["p_adj"] = np.minimum(1.0, pairs["p"] * n_tests)
    pairs["competitive_share"] = pairs["competitive_win"] / pairs["wins"].clip(lower=1)
    flagged = pairs[
        (pairs["win_share"] >= float(params["min_win_share"]))
        & (pairs["win_share"] >= float(params["min_share_ratio"]) * pairs["bid_share"])
        & (pairs["p_adj"] <= float(params["alpha"]))
        & (pairs["competitive_share"] <= float(params["max_competitive_share"]))
    ].copy()
    flagged["score"] = surprise_score(flagged["p_adj"], float(params["surprise_full"])) * (
        1 - flagged["competitive_share"]
    )
    won = b[b["is_winner"] & b["org_id"].isin(flagged["org_id"])]  # the flagged firms' wins, sliced per finding below
    findings = []
    for r in flagged.to_dict("records"):
        lots = won[(won[r["dimension"]] == r["context"]) & (won["org_id"] == r["org_id"])]
        findings.append(_finding(r, lots, n_tests, fences, params))
    findings.sort(key=lambda f: (-f.score, [e.id for e in f.entities]))
    return findings


def _finding(r, lots: pd.DataFrame, n_tests: int, fences: dict, params: dict) -> Finding:
    role, relation, zh, en = _CONTEXTS[r["dimension"]]
    c, f = r["context"], r["org_id"]
    lot_ids = sorted(lots["lot_id"])
    nodes = {uid("Organization", f)} | {uid("Lot", l) for l in lot_ids}
    edges: set[tuple[str, str | None, str]] = {(uid("Organization", f), "WON", uid("Lot", l)) for l in lot_ids}
    edges |= {(uid("Project", p), "HAS_LOT", uid("Lot", l)) for p, l in zip(lots["project_id"], lots["lot_id"])}
    nodes |= {uid("Project", p) for p in lots["project_id"]}
    entities = [Entity("company", f, "winner")]
    if role:
        nodes.add(uid("Organization", c))
        edges |= {(uid("Organization", c), relation, uid("Project", p)) for p in lots["project_id"]}
        entities.append(Entity("company", c, role))
    entities += [Entity("lot", l, "context") for l in lot_ids]
    w, n = int(r["wins"]), int(r["bids"])
    ws, bs = float(r["win_share"]), float(r["bid_share"])
    explanation = bilingual(
        f"{zh}{c}：{f}中标{w}次（占该{zh}中标数{r['context_wins']:.0f}的{ws:.0%}），投标{n}次（占投标数的{bs:.1%}），"
        f"中标份额是投标份额的{ws / bs:.1f}倍；公平抽签期望中标{r['mu']:.2f}次，结合其在其他{zh}处的表现"
        f"（实际/期望={r['strength']:.2f}）期望{r['expected']:.2f}次，二项上尾p={r['p']:.2g}，"
        f"经{n_tests}次检验校正后p={r['p_adj']:.2g}。该{zh}中标集中度HHI={r['hhi_wins']:.3f}（投标份额HHI={r['hhi_bids']:.3f}）。"
        f"其中{int(r['competitive_win'])}次属充分竞争下的最低价中标（≥{params['min_competitors']}家有效投标、"
        f"报价离散系数≥{fences['cv_fence']:.3f}、领先次低价≥{fences['margin_fence']:.2%}），已按比例降低得分。",
        f"At {en} {c}, {f} won {w} of {r['context_wins']:.0f} awards ({ws:.0%}) with {n} bids ({bs:.1%} of the "
        f"bids): {ws / bs:.1f}x its bid share. A fair draw expects {r['mu']:.2f} wins, its record elsewhere "
        f"(wins/expected {r['strength']:.2f}) {r['expected']:.2f}; binomial upper tail p = {r['p']:.2g}, adjusted "
        f"over {n_tests} tests p = {r['p_adj']:.2g}. Award concentration HHI {r['hhi_wins']:.3f} (bid shares "
        f"{r['hhi_bids']:.3f}). {int(r['competitive_win'])} of the wins were lowest prices among >= "
        f"{params['min_competitors']} valid bids with a normal spread (CV >= {fences['cv_fence']:.3f}) and margin "
        f"(>= {fences['margin_fence']:.2%}); the score is reduced in proportion.",
    )
    evidence = {
        "rule": bilingual(
            f"某企业在同一{zh}的中标份额远高于其投标份额，且无法以充分竞争下的低价解释（标王）。",
            f"A firm's share of one {en}'s awards is far above its share of the bids, "
            f"and not explained by winning honest price competition (bid king).",
        ),
        "explanation": explanation,
        "measured": {
            "context_kind": en,
            "context": str(c),
            "bids": n,
            "wins": w,
            "win_share": round(ws, 4),
            "bid_share": round(bs, 4),
            "expected_fair_draw": round(float(r["mu"]), 4),
            "record_elsewhere": round(float(r["strength"]), 4),
            "expected": round(float(r["expected"]), 4),
            "p": float(r["p"]),
            "p_adj": float(r["p_adj"]),
            "tests": n_tests,
            "hhi_wins": round(float(r["hhi_wins"]), 4),
            "hhi_bids": round(float(r["hhi_bids"]), 4),
            "competitive_wins": int(r["competitive_win"]),
            "competitive_share": round(float(r["competitive_share"]), 4),
        },
        "thresholds": {
            **{
                k: params[k]
                for k in (
                    "min_wins",
                    "min_win_share",
                    "min_share_ratio",
                    "alpha",
                    "prior_wins",
                    "min_competitors",
                    "spread_quantile",
                    "max_competitive_share",
                    "surprise_full",
                )
            },
            **{k: round(v, 6) for k, v in fences.items()},
        },
        "nodes": sorted(nodes),
        "edges": [list(e) for e in sorted(edges)],
        "won_lots": lot_ids,
    }
    summary = f"{f} won {w} of {r['context_wins']:.0f} awards ({ws:.0%}) at {en} {c} with {bs:.1%} of the bids"
    return Finding(DETECTOR.id, float(r["score"]), entities, summary, evidence)
