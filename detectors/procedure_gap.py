"""procedure_gap: steps of the procedure missing or out of order (程序缺失).

Rule
----
Per awarded lot: ``award_before_opening`` — the contract was signed before the bids were
opened; ``contract_before_award`` — signed within ``publicity_days`` after opening, before the
candidates' publicity (中标候选人公示, at least 3 days: 《招标投标法实施条例》第五十四条) could end;
``short_publication`` — an open or invited tender opened less than ``min_bidding_days`` after
its notice (at least 20 days: 《招标投标法》第二十四条, 《政府采购法实施条例》); and
``award_without_valid_bid`` — a winner although no bid on the lot is valid.

Scores are fixed per kind (settings ``scores``) except short_publication, which grows with the
days missing: ``base + (1 - base) * missing / min_bidding_days``.
"""

from __future__ import annotations

import pandas as pd

from bidgraph.detectors.core.common import bilingual
from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.core.finding import Entity, Finding
from bidgraph.detectors.stats.lifecycle import awards, lot_evidence

__all__ = ["DEFAULTS", "DETECTOR", "detect"]

DEFAULTS = {
    "publicity_days": 3,  # candidates' publicity after opening before a contract may be signed (条例第54条)
    "min_bidding_days": 20,  # fewest days from notice to opening for open and invited tenders (招标投标法第24条)
    "tender_procedures": ["open", "invited"],  # procedures the bidding-period minimum applies to
    # score of each kind of gap (short_publication: the least, rising with the days missing)
    "scores": {
        "award_before_opening": 0.9,
        "contract_before_award": 0.6,
        "short_publication": 0.5,
        "award_without_valid_bid": 0.85,
    },
}

REQUIRES = (("contracts.signed_on", "lots.published_on", "bids.is_valid"),)  # dates of each step, bids that could win
DETECTOR = ModuleDetector("procedure_gap", rule_version="1", defaults=DEFAULTS, module=__name__, requires=REQUIRES)

_TEXT = {
    "award_before_opening": (
        "合同于{signed}签订，早于开标日{opened}",
        "the contract was signed on {signed}, before the opening on {opened}",
    ),
    "contract_before_award": (
        "开标后{days}天即签订合同，中标候选人公示期（{publicity}天）尚未结束",
        "the contract was signed {days} days after opening, before the {publicity}-day publicity could end",
    ),
    "short_publication": (
        "公告至开标仅{days}天，少于法定{min_days}天",
        "only {days} days from notice to opening, under the legal {min_days}",
    ),
    "award_without_valid_bid": (
        "该标段没有有效投标，却确定了中标人",
        "a winner was named although no bid on the lot is valid",
    ),
}


def detect(snapshot, params: dict, seed: int) -> list[Finding]:
    """Lots whose procedure skipped or reordered a step (``seed`` unused)."""
    a = awards(snapshot)
    bids = snapshot["bids"]
    any_valid = bids.assign(v=bids["is_valid"].fillna(True).astype(bool)).groupby("lot_id")["v"].any()
    a["any_valid"] = a["lot_id"].map(any_valid).fillna(False).astype(bool)
    a["after_opening"] = (a["signed_on"] - a["opened_on"]).dt.days
    a["bidding_days"] = (a["opened_on"] - a["published_on"]).dt.days
    scores = params["scores"]
    checks = {
        "award_before_opening": a["after_opening"] < 0,
        "contract_before_award": (a["after_opening"] >= 0) & (a["after_opening"] < params["publicity_days"]),
        "short_publication": a["procedure"].isin(params["tender_procedures"])
        & (a["bidding_days"] < params["min_bidding_days"]),
        "award_without_valid_bid": ~a["any_valid"],
    }
    findings = []
    for kind, mask in checks.items():
        for r in a[mask.fillna(False)].sort_values("lot_id").itertuples():
            if kind == "short_publication":
                missing = params["min_bidding_days"] - r.bidding_days
                base = scores[kind]
                score = base + (1 - base) * missing / params["min_bidding_days"]
            else:
                score = scores[kind]
            findings.append(_finding(r, kind, score, params))
    return findings


def _day(value) -> str | None:
    return None if pd.isna(value) else value.date().isoformat()


def _finding(r, kind, score, params) -> Finding:
    facts = {
        "signed": _day(r.signed_on),
        "opened": _day(r.opened_on),
        "days": r.after_opening,
        "publicity": params["publicity_days"],
        "min_days": params["min_bidding_days"],
    }
    if kind == "short_publication":
        facts["days"] = int(r.bidding_days)
    zh, en = (t.format(**facts) for t in _TEXT[kind])
    nodes, edges = lot_evidence(r.lot_id, r.org_id, r.contract_id)
    entities = [
        Entity("lot", r.lot_id, "context"),
        Entity("company", r.org_id, "winner"),
        Entity("project", r.project_id, "context"),
    ]
    if not pd.isna(r.contract_id):
        entities.append(Entity("contract", r.contract_id, "context"))
    return Finding(
        DETECTOR.id,
        score,
        entities,
        f"Lot {r.lot_id} ({kind}): {en}",
        {
            "kind": kind,
            "rule": bilingual(
                "招投标程序缺失或顺序颠倒：开标前定标、公示期内签约、等标期不足、无有效投标却定标。",
                "Missing or out-of-order steps: award before opening, contract during the publicity, "
                "too short a bidding period, an award without a valid bid.",
            ),
            "explanation": bilingual(f"标段{r.lot_id}：{zh}。", f"Lot {r.lot_id}: {en}."),
            "measured": {
                "published_on": _day(r.published_on),
                "opened_on": facts["opened"],
                "signed_on": facts["signed"],
                "days_notice_to_opening": None if pd.isna(r.bidding_days) else int(r.bidding_days),
                "days_opening_to_contract": None if pd.isna(r.after_opening) else int(r.after_opening),
                "valid_bids": bool(r.any_valid),
            },
            "thresholds": {"publicity_days": params["publicity_days"], "min_bidding_days": params["min_bidding_days"]},
            "nodes": nodes,
            "edges": edges,
        },
    )
