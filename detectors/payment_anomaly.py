"""payment_anomaly: money that left before, beyond or without a contract (资金超拨).

Rule
----
Per contract, from its payments: (a) ``overpayment`` — payments add up to more than the
contract amount by over ``overpay_tolerance``, where the amount is the changed one: approved
contract changes (table ``contract_changes``, optional; a change counts when it has an
``amount_delta`` and an ``approved_on`` date) add their ``amount_delta`` to what may be paid,
so a lawful variation order paid in full is not overpayment and a payment beyond the changed
amount still is; (b) ``before_signing`` — a payment dated at least
``min_days_early`` days before the contract was signed; (c) ``no_contract`` — payments against a
contract record with no signing date or no amount (nothing was agreed). Fund supervision on
city platforms (资金监管) compares payments with contracts for these three; audit offices
(审计) report them as 超合同拨付 and 无合同付款. Sources: 《政府采购法》第四十三条 (rights and
duties, payment included, are fixed by the contract) and 第四十九条 (additions need a
supplementary contract, together at most 10 % of the original amount).

Scores: overpayment ``0.6 + min(0.4, 2 * excess share)``; before_signing ``0.7 + min(0.3,
days / 100)``; no_contract ``no_contract_score``.
"""

from __future__ import annotations

import pandas as pd

from bidgraph.detectors.core.common import bilingual, source_records, uid
from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.core.finding import Entity, Finding

__all__ = ["DEFAULTS", "DETECTOR", "detect", "approved_changes"]

DEFAULTS = {
    "overpay_tolerance": 0.005,  # payments may exceed the contract amount by this share (rounding) before it is overpayment
    "min_days_early": 1,  # a payment this many days or more before signing is "before signing"
    "no_contract_score": 0.9,  # score of payments against a contract with no signing date or amount
}

DETECTOR = ModuleDetector(
    "payment_anomaly", rule_version="2", defaults=DEFAULTS, module=__name__, requires=("payments",)
)

_TEXT = {
    "overpayment": (
        "付款总额{paid:,.0f}元超过合同金额{amount:,.0f}元{changed_zh}（超出{excess:.1%}）",
        "payments total {paid:,.0f} yuan, {excess:.1%} above the contract amount of {amount:,.0f} yuan{changed_en}",
    ),
    "before_signing": (
        "首笔付款早于合同签订{days}天",
        "the first payment came {days} days before the contract was signed",
    ),
    "no_contract": (
        "合同记录没有签订日期或金额，却已付款{paid:,.0f}元",
        "{paid:,.0f} yuan paid against a contract record with no signing date or amount",
    ),
}


def detect(snapshot, params: dict, seed: int) -> list[Finding]:
    """Contracts whose payments are early, excessive or uncovered (``seed`` unused)."""
    pays = snapshot["payments"]
    if pays.empty:
        return []
    totals = pays.groupby("contract_id").agg(paid=("amount", "sum"), first_paid=("paid_on", "min"))
    c = snapshot["contracts"].set_index("contract_id").join(totals, how="inner")
    changes = approved_changes(snapshot["contract_changes"])
    c["signed_amount"] = c["amount"]
    c["change_ids"] = changes["change_ids"].reindex(c.index)
    c["amount"] = c["amount"] + changes["delta"].reindex(c.index).fillna(0.0)
    c["excess"] = (c["paid"] / c["amount"].where(c["amount"] > 0) - 1).fillna(0.0)
    c["early"] = (c["signed_on"] - c["first_paid"]).dt.days.fillna(0).astype(int)
    missing = c["signed_on"].isna() | c["amount"].isna()
    kinds = {
        "no_contract": (missing, pd.Series(params["no_contract_score"], index=c.index)),
        "overpayment": (
            ~missing & (c["excess"] > params["overpay_tolerance"]),
            0.6 + (2 * c["excess"]).clip(upper=0.4),
        ),
        "before_signing": (
            ~missing & (c["early"] >= params["min_days_early"]),
            0.7 + (c["early"] / 100).clip(upper=0.3),
        ),
    }
    by_contract = dict(
        tuple(
            pays[
                pays["contract_id"].isin(
                    c.index[
                        missing | (c["excess"] > params["overpay_tolerance"]) | (c["early"] >= params["min_days_early"])
                    ]
                )
            ].groupby("contract_id")
        )
    )
    findings = []
    for kind, (mask, score) in kinds.items():
        for cid in sorted(c.index[mask]):
            row = c.loc[cid]
            facts = {
                "paid": float(row["paid"]),
                "amount": row["amount"],
                "excess": float(row["excess"]),
                "days": int(row["early"]),
                **_changed_text(row),
            }
            findings.append(_finding(cid, row, by_contract[cid], kind, float(score[cid]), facts, params))
    return findings


def approved_changes(changes: pd.DataFrame) -> pd.DataFrame:
    """Per contract, the approved changes: ``delta`` (their summed ``amount_delta``) and
    ``change_ids`` (sorted). A change without an amount or an approval date is not counted."""
    ok = changes.dropna(subset=["amount_delta", "approved_on"]).sort_values("change_id")
    return ok.groupby("contract_id").agg(delta=("amount_delta", "sum"), change_ids=("change_id", list))


def _changed_text(row) -> dict:
    ids = row["change_ids"]
    if not isinstance(ids, list):
        return {"changed_zh": "", "changed_en": ""}
    signed, delta = float(row["signed_amount"]), float(row["amount"] - row["signed_amount"])
    listed = ", ".join(ids)
    return {
        "changed_zh": f"（签订金额{signed:,.0f}元，已计入批准的合同变更{len(ids)}项{listed}共{delta:,.0f}元）",
        "changed_en": f" (signed for {signed:,.0f} yuan, plus {len(ids)} approved change(s) {listed} of {delta:,.0f} yuan)",
    }


def _finding(cid, c, g, kind, score, facts, params) -> Finding:
    zh, en = (t.format(**facts) for t in _TEXT[kind])
    nodes = [uid("Contract", cid), uid("Lot", c["lot_id"]), uid("Organization", c["org_id"])]
    nodes += [uid("Payment", p) for p in g["payment_id"]]
    edges = [
        [uid("Contract", cid), "CONTRACT_FOR", uid("Lot", c["lot_id"])],
        [uid("Contract", cid), "AWARDED_TO", uid("Organization", c["org_id"])],
    ]
    edges += [[uid("Payment", p), "PAID_UNDER", uid("Contract", cid)] for p in g["payment_id"]]
    payments = source_records(
        g,
        lambda r: {
            "payment_id": r.payment_id,
            "amount": float(r.amount),
            "paid_on": None if pd.isna(r.paid_on) else r.paid_on.date().isoformat(),
        },
    )
    return Finding(
        DETECTOR.id,
        score,
        [
            Entity("contract", cid, "context"),
            Entity("company", c["org_id"], "payee"),
            Entity("lot", c["lot_id"], "context"),
        ],
        f"Contract {cid} ({kind}): {en}",
        {
            "kind": kind,
            "rule": bilingual(
                "付款超出合同金额、早于合同签订，或没有有效合同即付款。",
                "Payments beyond the contract amount, before signing, or without a valid contract.",
            ),
            "explanation": bilingual(f"合同{cid}：{zh}。", f"Contract {cid}: {en}."),
            "measured": {
                "paid_total": facts["paid"],
                "contract_amount": None if pd.isna(c["amount"]) else float(c["amount"]),
                "signed_amount": None if pd.isna(c["signed_amount"]) else float(c["signed_amount"]),
                "approved_changes": c["change_ids"] if isinstance(c["change_ids"], list) else [],
                "excess_share": round(facts["excess"], 4),
                "days_before_signing": facts["days"],
            },
            "thresholds": {
                "overpay_tolerance": params["overpay_tolerance"],
                "min_days_early": params["min_days_early"],
            },
            "payments": payments,
            "nodes": nodes,
            "edges": edges,
        },
    )
