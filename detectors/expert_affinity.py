"""expert_affinity: an evaluation expert who sits on a firm's panels more often than the draw
explains and scores it above the rest of the panel.

Rule
----
Two facts about one (expert, firm) pair, each measured against its own null:

* **Sitting.** Experts are drawn per lot from a pool by field. The chance that expert ``e``
  sits on a lot of category ``c`` is their share of that category's panels *outside the
  firm's lots*; the expected number of the firm's lots with ``e`` on the panel is the sum of
  those chances over the firm's evaluated lots. Observed count ``k`` against it: Poisson upper tail ``p_sit``.
* **Favour.** On those lots, ``e``'s deviation from the other panelists' mean for the firm's
  bids (:mod:`bidgraph.detectors.stats.panels`), minus ``e``'s mean deviation on all bids (an
  expert who scores everyone high is not favouring this firm), in units of ``e``'s own
  deviation spread: ``t = favour / (sd / sqrt(k))``; ``p_fav`` its normal upper tail.

A pair with ``k >= min_panels``, ``p_sit <= alpha_each``, ``p_fav <= alpha_each`` and ``favour
>= min_points`` is flagged when Fisher's combination of the two p-values, Bonferroni-adjusted
over all pairs with ``k >= min_panels``, is at most ``alpha``. Score ``-log10(p_adj) /
surprise_full`` clipped to [0, 1].

Chinese trading centres' 评标专家倾向性 analysis looks for experts repeatedly drawn for the same
bidders (抽取规避失灵, 专家与投标人关系) who then favour them; OECD's Guidelines for Fighting
Bid Rigging and the procurement-integrity literature treat captured evaluators as a core
corruption risk.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from bidgraph.detectors.core.common import bilingual, uid
from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.core.finding import Entity, Finding
from bidgraph.detectors.stats.codes import first_rows, row_key
from bidgraph.detectors.stats.panels import score_deviations
from bidgraph.detectors.stats.win_stats import surprise_score, upper_tail

__all__ = ["DEFAULTS", "DETECTOR", "detect"]

DEFAULTS = {
    "min_panels": 3,  # fewest panels the expert sat on for the firm's lots
    "alpha_each": 0.01,  # fence on each of the two p-values (sitting; favour)
    "alpha": 0.01,  # fence on the Fisher-combined p-value, Bonferroni-adjusted over tested pairs
    "min_points": 3.0,  # the favour must be at least this many points above the panel
    "min_panel_size": 3,  # bids scored by fewer experts than this are ignored
    "surprise_full": 8.0,  # -log10(p_adj) that gives score 1
}

DETECTOR = ModuleDetector(
    "expert_affinity", rule_version="1", defaults=DEFAULTS, module=__name__, requires=("expert_scores",)
)


def _expected_sittings(dev: pd.DataFrame, snapshot, lot_ids: pd.Index) -> pd.DataFrame:
    """Per (expert, firm): lots sat together ``k`` and the draw's expectation ``expected``
    (``dev`` with integer codes for expert_id, org_id and lot_id; ``lot_ids`` decodes lots).

    The expert's chance of sitting on a lot of category ``c`` is estimated leaving the firm's
    own lots out (panels of ``e`` in ``c`` outside the firm's lots / lots of ``c`` outside the
    firm's lots), so the pairing under test does not inflate its own expectation.
    """
    lots = snapshot["lots"][["lot_id", "project_id"]].merge(
        snapshot["projects"][["project_id", "category"]], on="project_id", how="left"
    )
    cat = lots.set_index("lot_id")["category"].reindex(lot_ids).astype(object).fillna("unknown")
    category = pd.factorize(cat, sort=True)[0]  # codes in the categories' order, as grouping by name sorts them
    expert, org, lot = (dev[c].to_numpy() for c in ("expert_id", "org_id", "lot_id"))
    n_org, n_cat = int(org.max()) + 1, int(category.max()) + 1
    sat = first_rows(row_key(expert, org, lot))[0]
    expert, org, lot = expert[sat], org[sat], lot[sat]
    cat = category[lot]
    # distinct counts, each under a key of integer codes sorted as its columns
    cat_lots = np.bincount(cat[first_rows(lot)[0]], minlength=n_cat)
    panel = first_rows(row_key(lot, expert))[0]
    expert_cat, expert_panels = np.unique(expert[panel] * n_cat + cat[panel], return_counts=True)
    lot_firm = first_rows(row_key(lot, org))[0]
    firm_cat, firm_lots = np.unique(org[lot_firm] * n_cat + cat[lot_firm], return_counts=True)
    pair_cat, together = np.unique((expert * n_org + org) * n_cat + cat, return_counts=True)
    pair, k = np.unique(expert * n_org + org, return_counts=True)
    # one term per (pair, category of the firm's lots), the categories in order within each pair
    first_term = np.searchsorted(firm_cat, pair % n_org * n_cat)
    n_terms = np.searchsorted(firm_cat, (pair % n_org + 1) * n_cat) - first_term
    term_pair = np.repeat(np.arange(len(pair)), n_terms)
    term = np.arange(n_terms.sum()) - np.repeat(np.cumsum(n_terms) - n_terms - first_term, n_terms)
    c, f_lots = firm_cat[term] % n_cat, firm_lots[term]
    k_c = _looked_up(pair_cat, together, pair[term_pair] * n_cat + c)
    e_panels = _looked_up(expert_cat, expert_panels, pair[term_pair] // n_org * n_cat + c)
    mu = f_lots * np.minimum((e_panels - k_c) / np.maximum(cat_lots[c] - f_lots, 1), 1)
    expected = pd.Series(mu).groupby(term_pair).sum()  # pandas' compensated sum, as before: the same last bits
    return pd.DataFrame(
        {"expert_id": pair // n_org, "org_id": pair % n_org, "k": k.astype(float), "expected": expected.to_numpy()}
    )


def _looked_up(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The value of each ``wanted`` key among the sorted ``keys``, 0 where it is not there."""
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[at] == wanted, values[at], 0)


def _favour(dev: pd.DataFrame) -> pd.DataFrame:
    per_expert = dev.groupby("expert_id")["dev"].agg(expert_mean="mean", expert_sd="std")
    n_org = int(dev["org_id"].max()) + 1
    pair = dev["expert_id"].to_numpy() * n_org + dev["org_id"].to_numpy()  # one key, sorted as (expert, org)
    per_pair = dev["dev"].groupby(pair).agg(pair_mean="mean", scored="size")
    per_pair.insert(0, "org_id", per_pair.index % n_org)
    per_pair.insert(0, "expert_id", per_pair.index // n_org)
    per_pair = per_pair.reset_index(drop=True).join(per_expert, on="expert_id")
    per_pair["favour"] = per_pair["pair_mean"] - per_pair["expert_mean"]
    sd = per_pair["expert_sd"].fillna(0.0).clip(lower=1e-6)
    per_pair["t"] = per_pair["favour"] / (sd / np.sqrt(per_pair["scored"]))
    return per_pair


def detect(snapshot, params: dict, seed: int) -> list:
    """(expert, firm) pairs drawn together too often and scored in the firm's favour
    (``seed`` unused: deterministic)."""
    dev = score_deviations(snapshot, int(params["min_panel_size"]))
    if dev.empty:
        return []
    # integer codes in the ids' order: grouping and joining on them is many times faster than on strings
    ids = {c: pd.factorize(dev[c], sort=True) for c in ("expert_id", "org_id", "lot_id")}
    coded = dev.assign(**{c: code for c, (code, _) in ids.items()})
    pairs = _expected_sittings(coded, snapshot, ids["lot_id"][1]).merge(_favour(coded), on=["expert_id", "org_id"])
    min_panels = int(params["min_panels"])
    n_tests = max(1, int((pairs["k"] >= min_panels).sum()))
    pairs["p_sit"] = upper_tail(pairs["k"], pairs["expected"])
    pairs["p_fav"] = norm.sf(pairs["t"])
    fisher = -2 * (np.log(np.clip(pairs["p_sit"], 1e-300, 1)) + np.log(np.clip(pairs["p_fav"], 1e-300, 1)))
    pairs["p"] = chi2.sf(fisher, 4)
    pairs["p_adj"] = np.minimum(1.0, pairs["p"] * n_tests)
    each = float(params["alpha_each"])
    flagged = pairs[
        (pairs["k"] >= min_panels)
        & (pairs["p_sit"] <= each)
        & (pairs["p_fav"] <= each)
        & (pairs["favour"] >= float(params["min_points"]))
        & (pairs["p_adj"] <= float(params["alpha"]))
    ].copy()
    flagged["score"] = surprise_score(flagged["p_adj"], float(params["surprise_full"]))
    flagged_rows = coded.assign(row=np.arange(len(coded))).merge(
        flagged[["expert_id", "org_id"]], on=["expert_id", "org_id"]
    )["row"]
    rows = dev.iloc[flagged_rows.to_numpy()]
    flagged = flagged.assign(**{c: ids[c][1].take(flagged[c].to_numpy()) for c in ("expert_id", "org_id")})
    by_pair = {k: g.sort_values(["lot_id", "bid_id"]) for k, g in rows.groupby(["expert_id", "org_id"])}
    findings = [
        _finding(r, by_pair[(r["expert_id"], r["org_id"])], n_tests, params) for r in flagged.to_dict("records")
    ]
    findings.sort(key=lambda f: (-f.score, [e.id for e in f.entities]))
    return findings


def _finding(r, rows: pd.DataFrame, n_tests: int, params: dict) -> Finding:
    e, f = r["expert_id"], r["org_id"]
    nodes = (
        {uid("Expert", e), uid("Organization", f)}
        | {uid("Bid", b) for b in rows["bid_id"]}
        | {uid("Lot", l) for l in rows["lot_id"]}
    )
    edges = {(uid("Expert", e), "SCORED", uid("Bid", b)) for b in rows["bid_id"]}
    edges |= {(uid("Organization", f), "SUBMITTED", uid("Bid", b)) for b in rows["bid_id"]}
    edges |= {(uid("Bid", b), "FOR_LOT", uid("Lot", l)) for b, l in zip(rows["bid_id"], rows["lot_id"])}
    lots = sorted(set(rows["lot_id"]))
    scores = [
        {
            "lot": l,
            "bid": b,
            "score": round(float(s), 2),
            "others_mean": round(float(m), 2),
            "deviation": round(float(d), 2),
        }
        for l, b, s, m, d in zip(rows["lot_id"], rows["bid_id"], rows["score"], rows["others_mean"], rows["dev"])
    ]
    k, mu = int(r["k"]), float(r["expected"])
    explanation = bilingual(
        f"专家{e}在{f}投标的{k}个标段担任评委，按其在该企业以外同类标段评委中的抽取比例应为{mu:.2f}次（泊松上尾p={r['p_sit']:.2g}）；"
        f"在这些标段对{f}的评分比同组其他专家平均高{r['pair_mean']:+.2f}分，扣除其对所有投标的平均偏差"
        f"（{r['expert_mean']:+.2f}）后偏向{r['favour']:+.2f}分，t={r['t']:.1f}（p={r['p_fav']:.2g}）。"
        f"Fisher合并p={r['p']:.2g}，经{n_tests}对检验校正后p={r['p_adj']:.2g}（阈值{params['alpha']}）。",
        f"Expert {e} sat on {k} panels of lots that {f} bid for; the expert's share of panels in those "
        f"categories outside the firm's lots expects {mu:.2f} (Poisson tail p = {r['p_sit']:.2g}). On them the expert scored {f} "
        f"{r['pair_mean']:+.2f} points against the other panelists' mean; less the expert's mean deviation on all "
        f"bids ({r['expert_mean']:+.2f}) that is a favour of {r['favour']:+.2f}, t = {r['t']:.1f} (p = {r['p_fav']:.2g}). "
        f"Fisher-combined p = {r['p']:.2g}, adjusted over {n_tests} pairs p = {r['p_adj']:.2g} (fence {params['alpha']}).",
    )
    evidence = {
        "rule": bilingual(
            "评标专家被抽中参加某投标人项目评审的次数超出抽取概率，且对其评分明显高于同组专家。",
            "An expert sits on a firm's panels more often than the draw explains and scores it above the rest of the panel.",
        ),
        "explanation": explanation,
        "measured": {
            "panels_together": k,
            "expected_panels": round(mu, 4),
            "p_sitting": float(r["p_sit"]),
            "mean_deviation_for_firm": round(float(r["pair_mean"]), 4),
            "mean_deviation_all_bids": round(float(r["expert_mean"]), 4),
            "favour_points": round(float(r["favour"]), 4),
            "favour_t": round(float(r["t"]), 3),
            "p_favour": float(r["p_fav"]),
            "p_combined": float(r["p"]),
            "p_adj": float(r["p_adj"]),
            "tests": n_tests,
        },
        "thresholds": {
            k_: params[k_]
            for k_ in ("min_panels", "alpha_each", "alpha", "min_points", "min_panel_size", "surprise_full")
        },
        "nodes": sorted(nodes),
        "edges": [list(x) for x in sorted(edges)],
        "scores": scores,
    }
    summary = (
        f"Expert {e} sat on {k} of {f}'s panels (expected {mu:.1f}) and scored it "
        f"{r['favour']:+.1f} points above the rest of the panel"
    )
    return Finding(
        DETECTOR.id,
        float(r["score"]),
        [Entity("expert", e, "expert"), Entity("company", f, "member")] + [Entity("lot", l, "context") for l in lots],
        summary,
        evidence,
    )
