"""contract_splitting: one purchase cut into pieces that each stay under the tender threshold.

Rule
----
Lots of one tenderer won by one firm in one category, each following the previous within
``window_days``, each bought by a non-open procedure for less than the open-tender threshold of
its category (settings ``thresholds``: 4,000,000 yuan for construction, lower for goods and
services), on average close under it (at least ``near_ratio`` of it), while together they reach
the threshold. (A lot that was tendered openly avoided nothing, so it is no piece of a split.) Splitting a purchase to avoid open tendering (化整为零规避招标) is forbidden
by 《招标投标法》第四条 and 《政府采购法》第二十八条, and is one of the lifecycle warnings of city
supervision platforms; Cardinal's and the OECD's red flags include it too.

Score: ``(1 - 0.5 ** (lots - 1)) * (0.5 + 0.5 * mean(amount / threshold))``: more pieces and
pieces closer under the threshold weigh more.
"""

from __future__ import annotations

import pandas as pd

from bidgraph.detectors.core.common import bilingual, uid
from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.core.finding import Entity, Finding
from bidgraph.detectors.stats.lifecycle import awards
from bidgraph.graph.schema import schema

__all__ = ["DEFAULTS", "DETECTOR", "detect"]

DEFAULTS = {
    # the open-tender threshold in yuan, by project category
    "thresholds": {"construction": 4000000, "emergency": 4000000, "goods": 2000000, "services": 2000000},
    "near_ratio": 0.6,  # the pieces must be worth on average at least this share of the threshold ("just under" it)
    "open_procedures": ["open"],  # procedures that count as open tendering; others are non-open
    "window_days": 90,  # a lot joins the group if it comes within this many days of the previous one
    "min_lots": 3,  # fewest lots in a group: "several" pieces (two under-threshold buys adding up happen by chance)
}

DETECTOR = ModuleDetector(
    "contract_splitting",
    rule_version="1",
    defaults=DEFAULTS,
    module=__name__,
    requires=("bids.is_winner", "projects.category", "projects.procedure", ("lots.opened_on", "lots.published_on")),
)


def detect(snapshot, params: dict, seed: int) -> list[Finding]:
    """Groups of under-threshold lots of one tenderer and winner (``seed`` unused)."""
    a = awards(snapshot)
    thresholds = params["thresholds"]
    a["threshold"] = a["category"].map(thresholds).astype(float)  # str dtype when there are no awards
    a["amount"] = a["amount"].fillna(a["price"]).fillna(a["ceiling_price"])
    a["date"] = a["opened_on"].fillna(a["published_on"])
    a = a.dropna(subset=["threshold", "amount", "date", "tenderer_id"])
    non_open = ~a["procedure"].isin(params["open_procedures"])
    a = a[(a["amount"] < a["threshold"]) & non_open].sort_values(
        ["tenderer_id", "org_id", "category", "date", "lot_id"]
    )
    if a.empty:
        return []
    key = a.groupby(["tenderer_id", "org_id", "category"], sort=False).ngroup()
    gap = a["date"].diff().dt.days
    new_group = (key != key.shift()) | (gap > params["window_days"])
    a["group"] = new_group.cumsum().to_numpy()
    a = a[a.groupby("group")["group"].transform("size") >= params["min_lots"]]  # most runs are one lot: skip them
    findings = []
    for _, g in a.groupby("group", sort=True):
        total, threshold = g["amount"].sum(), g["threshold"].iat[0]
        if len(g) < params["min_lots"] or total < threshold or (g["amount"] / threshold).mean() < params["near_ratio"]:
            continue
        findings.append(_finding(g, total, threshold, params))
    return findings


def _finding(g: pd.DataFrame, total: float, threshold: float, params: dict) -> Finding:
    n = len(g)
    closeness = float((g["amount"] / threshold).mean())
    score = (1 - 0.5 ** (n - 1)) * (0.5 + 0.5 * closeness)
    tenderer, org, category = g["tenderer_id"].iat[0], g["org_id"].iat[0], g["category"].iat[0]
    span = int((g["date"].max() - g["date"].min()).days)
    lots = g["lot_id"].tolist()
    procedures = sorted(set(g["procedure"].dropna()))
    entities = [Entity("company", tenderer, "tenderer"), Entity("company", org, "winner")]
    entities += [Entity("lot", lot, "context") for lot in lots]
    nodes = [uid("Organization", tenderer), uid("Organization", org)] + [uid("Lot", lot) for lot in lots]
    edges = [[uid("Organization", org), "WON", uid("Lot", lot)] for lot in lots]
    edges += [[uid("Organization", tenderer), "TENDERED", uid("Project", p)] for p in g["project_id"]]
    nodes += [uid("Project", p) for p in g["project_id"]]
    rows = [
        {"lot_id": r.lot_id, "date": r.date.date().isoformat(), "amount": float(r.amount), "procedure": r.procedure}
        for r in g.itertuples()
    ]
    return Finding(
        DETECTOR.id,
        score,
        entities,
        f"Tenderer {tenderer} awarded {n} {category} lots worth {total:,.0f} yuan in {span} days to {org}, "
        f"each under the {threshold:,.0f} yuan open-tender threshold",
        {
            "rule": bilingual(
                "同一招标人在短期内把同类采购拆分为多个低于公开招标限额的标段，并由同一家企业中标（化整为零规避招标）。",
                "One tenderer splits a purchase of one kind into several lots under the open-tender threshold within a short window, all won by one firm.",
            ),
            "explanation": bilingual(
                f"招标人{tenderer}在{span}天内将{n}个{zh(category)}类标段（合计{total:,.0f}元，超过限额{threshold:,.0f}元）"
                f"授予同一企业{org}；各标段均低于限额，平均为限额的{closeness:.0%}，"
                f"采购方式：{'、'.join(zh(p) for p in procedures)}。",
                f"Tenderer {tenderer} gave {n} {category} lots totalling {total:,.0f} yuan (above the {threshold:,.0f} "
                f"threshold) to {org} within {span} days; each lot is under the threshold, on average "
                f"{closeness:.0%} of it; procedures: {', '.join(procedures)}.",
            ),
            "measured": {
                "lots": n,
                "total_amount": float(total),
                "span_days": span,
                "mean_share_of_threshold": round(closeness, 4),
            },
            "thresholds": {
                "open_tender_threshold": float(threshold),
                "window_days": params["window_days"],
                "min_lots": params["min_lots"],
                "near_ratio": params["near_ratio"],
            },
            "lots": rows,
            "nodes": nodes,
            "edges": edges,
        },
    )


def zh(value: str) -> str:
    """The Chinese name of an enum value (category, procedure)."""
    return schema().value_label(value, "zh")
