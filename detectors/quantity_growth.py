"""quantity_growth: a final account above the contract and its approved changes (工程量增加).

Rule
----
Per settled contract: the allowed amount is the signed amount plus the net of its approved
variations (``contract_changes``, when exported); ``growth`` is the settled amount
(``settlements.settled_amount``) over the allowed amount, minus one. Growth above
``tolerance`` is flagged: the work paid for was not the work tendered, nor approved after.

Quantity growth is one of the five warning kinds of the seed cities' platforms (程序缺失、
合同变更、工程量增加、人员变动、资金超拨). Sources: 《政府采购法》第四十九条 (additions
only by supplementary contract, together at most 10 % of the original amount);
《招标投标法实施条例》第五十七条 (price and terms must agree with the winning bid);
《建设工程价款结算暂行办法》(财建〔2004〕369号) 第十四条 (a final account follows the contract and
its approved changes).

Score: ``0.5 + 2 * (growth - tolerance)``, at most 1.
"""

from __future__ import annotations

import pandas as pd

from bidgraph.detectors.core.common import uid
from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.core.finding import Entity, Finding
from bidgraph.detectors.stats.warning import day, warning

__all__ = ["DEFAULTS", "DETECTOR", "detect"]

DEFAULTS = {
    "tolerance": 0.05,  # a settlement may exceed the contract plus approved changes by this share (measurement, price clauses)
}

DETECTOR = ModuleDetector(
    "quantity_growth", rule_version="1", defaults=DEFAULTS, module=__name__, requires=("settlements.settled_amount",)
)

_RULE = (
    "结算金额超过合同金额与已批准变更之和，超出容差。依据：《政府采购法》第四十九条；《招标投标法实施条例》第五十七条；"
    "《建设工程价款结算暂行办法》第十四条；南充等地平台“工程量增加”预警。",
    "The final account exceeds the contract amount plus its approved changes beyond the tolerance. Sources: "
    "Government Procurement Law Art. 49, Tendering Regulations Art. 57, the Interim Measures on Construction Price "
    "Settlement Art. 14; the seed platforms' 'quantity growth' warning.",
)


def detect(snapshot, params: dict, seed: int) -> list[Finding]:
    """Settled contracts paid beyond what was contracted and approved (``seed`` unused)."""
    settled = snapshot["settlements"].dropna(subset=["settled_amount"]).drop_duplicates("contract_id")
    if settled.empty:
        return []
    approved = snapshot["contract_changes"].groupby("contract_id")["amount_delta"].agg(["sum", "count"])
    c = (
        snapshot["contracts"]
        .drop(columns=["_file", "_row"])
        .merge(settled.rename(columns={"_file": "file", "_row": "row"}), on="contract_id")
    )
    c = c.join(approved, on="contract_id")
    c["approved"] = c["sum"].fillna(0.0)
    c["allowed"] = c["amount"] + c["approved"]
    c["growth"] = c["settled_amount"] / c["allowed"].where(c["allowed"] > 0) - 1
    flagged = c[c["growth"] > params["tolerance"]].sort_values("contract_id")
    return [_finding(r, params) for r in flagged.itertuples()]


def _finding(r, params: dict) -> Finding:
    changes = 0 if pd.isna(r.count) else int(r.count)
    zh = (
        f"合同{r.contract_id}结算金额{r.settled_amount:,.0f}元，合同金额{r.amount:,.0f}元加{changes}次已批准变更"
        f"{r.approved:,.0f}元共{r.allowed:,.0f}元，超出{r.growth:.1%}（容差{params['tolerance']:.0%}）。"
    )
    en = (
        f"Contract {r.contract_id} settled at {r.settled_amount:,.0f} yuan against {r.allowed:,.0f} yuan contracted "
        f"and approved ({r.amount:,.0f} plus {r.approved:,.0f} in {changes} change(s)): {r.growth:.1%} above, "
        f"beyond the {params['tolerance']:.0%} tolerance."
    )
    nodes = [uid("Contract", r.contract_id), uid("Lot", r.lot_id), uid("Organization", r.org_id)]
    edges = [
        [uid("Contract", r.contract_id), "CONTRACT_FOR", uid("Lot", r.lot_id)],
        [uid("Contract", r.contract_id), "AWARDED_TO", uid("Organization", r.org_id)],
    ]
    return warning(
        DETECTOR.id,
        "settlement_above_contract",
        min(1.0, 0.5 + 2 * (r.growth - params["tolerance"])),
        [
            Entity("contract", r.contract_id, "context"),
            Entity("company", r.org_id, "payee"),
            Entity("lot", r.lot_id, "context"),
        ],
        _RULE,
        (zh, en),
        {
            "contract_amount": float(r.amount),
            "approved_changes": float(r.approved),
            "approved_change_count": changes,
            "allowed_amount": float(r.allowed),
            "settled_amount": float(r.settled_amount),
            "settled_on": day(r.settled_on),
            "growth": round(float(r.growth), 4),
        },
        {"tolerance": params["tolerance"]},
        (nodes, edges),
        settlement={"file": r.file, "row": int(r.row)},
    )
