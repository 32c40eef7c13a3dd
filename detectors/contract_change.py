"""contract_change: contracts varied by too much, too often, or back above the losing bids (合同变更).

Rule
----
Per contract, from its approved variations (``contract_changes``): ``large_change`` — the
changes add more than ``max_added_share`` of the signed amount (net of reductions);
``repeated_changes`` — ``min_changes`` or more variations; ``low_bid_high_settlement``
(低价中标、高价结算) — the winner offered the lowest valid price, and the contract with its
changes has grown back above the second-lowest valid bid, so the competition the low price
won was not the price that is paid.

Contract changes are one of the five warning kinds of the seed cities' platforms (程序缺失、
合同变更、工程量增加、人员变动、资金超拨; Nanchong's first 855 warnings held 90 contract
changes). Sources: 《政府采购法》第四十九条 (additions by supplementary contract, together at
most 10 % of the original amount); 《招标投标法》第四十六条 and 《招标投标法实施条例》第五十七条
(the contract's subject, price, quality and term must agree with the tender and the winning
bid; no other agreement departing from its substance).

Scores: large_change ``0.5 + 2 * (share - max_added_share)`` (at most 1); repeated_changes
``0.4 + 0.1 * (changes - min_changes)`` (at most 0.8); low_bid_high_settlement ``0.7 + 3 *
(overshoot over the second-lowest bid)`` (at most 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidgraph.detectors.core.common import source_records, uid
from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.core.finding import Entity, Finding
from bidgraph.detectors.stats.warning import day, warning
from bidgraph.graph.snapshot import positions

__all__ = ["DEFAULTS", "DETECTOR", "detect", "varied_contracts"]

DEFAULTS = {
    "max_added_share": 0.10,  # changes adding more than this share of the signed amount (政府采购法第49条: 10 %)
    "min_changes": 3,  # this many variations of one contract or more are repeated changes
}

DETECTOR = ModuleDetector(
    "contract_change", rule_version="1", defaults=DEFAULTS, module=__name__, requires=("contract_changes",)
)

_RULE = (
    "合同变更增加金额超过合同价的规定比例、同一合同反复变更，或最低价中标后经变更超过次低报价（低价中标、高价结算）。"
    "依据：《政府采购法》第四十九条（补充合同累计不超过原合同金额的百分之十）；《招标投标法实施条例》第五十七条"
    "（合同的标的、价款、质量、履行期限等主要条款应当与招标文件和中标人的投标文件的内容一致）；南充等地平台“合同变更”预警。",
    "Variations adding more than the allowed share of the contract, a contract varied again and again, or the "
    "lowest bid grown by variations above the second-lowest bid (low bid, high settlement). Sources: Government "
    "Procurement Law Art. 49 (supplementary contracts at most 10 % of the original), Tendering Regulations "
    "Art. 57 (price and terms must agree with the winning bid); the seed platforms' 'contract change' warning.",
)

_TEXT = {
    "large_change": (
        "{n}次变更共增加{added:,.0f}元，为合同金额{amount:,.0f}元的{share:.1%}，超过{limit:.0%}",
        "{n} variation(s) add {added:,.0f} yuan, {share:.1%} of the contract amount of {amount:,.0f} yuan, "
        "above {limit:.0%}",
    ),
    "repeated_changes": (
        "合同变更{n}次（不少于{min_changes}次），累计增加{added:,.0f}元",
        "the contract was varied {n} times (at least {min_changes}), adding {added:,.0f} yuan in all",
    ),
    "low_bid_high_settlement": (
        "以最低价{price:,.0f}元中标，经{n}次变更后合同金额达{varied:,.0f}元，高于次低报价{second:,.0f}元（{second_org}）",
        "won with the lowest price of {price:,.0f} yuan; after {n} variation(s) the contract is {varied:,.0f} yuan, "
        "above the second-lowest bid of {second:,.0f} yuan ({second_org})",
    ),
}


def varied_contracts(snapshot) -> pd.DataFrame:
    """Contracts with approved changes: the contract's columns plus ``changes`` (count),
    ``added`` (net amount_delta) and ``varied`` (amount + added)."""
    changes = snapshot["contract_changes"]
    per = changes.groupby("contract_id").agg(changes=("change_id", "count"), added=("amount_delta", "sum"))
    out = snapshot["contracts"].merge(per, left_on="contract_id", right_index=True, how="inner")
    out["varied"] = out["amount"] + out["added"]
    return out


def _lowest_two(snapshot, lot_ids: pd.Series) -> pd.DataFrame:
    """Per lot of ``lot_ids`` with two or more valid priced bids: the lowest and second-lowest
    bid. Only those lots' bids, picked on the lot codes, are sorted (sorting every bid took a second)."""
    keys = snapshot.keys("bids", "lot_id")
    wanted = np.zeros(len(keys) + 1, dtype=bool)  # the last slot: code -1, a lot without bids or missing
    wanted[positions(keys, lot_ids)] = True
    wanted[-1] = False
    bids = snapshot["bids"]
    bids = bids[
        wanted[snapshot.codes("bids", "lot_id")] & bids["is_valid"].fillna(True).astype(bool) & bids["price"].notna()
    ]
    ranked = bids.sort_values(["lot_id", "price", "bid_id"]).groupby("lot_id").head(2)
    ranked = ranked.assign(place=ranked.groupby("lot_id").cumcount())
    first, second = ranked[ranked["place"] == 0], ranked[ranked["place"] == 1]
    return first[["lot_id", "org_id", "bid_id", "price"]].merge(
        second[["lot_id", "org_id", "bid_id", "price"]], on="lot_id", suffixes=("", "_second")
    )


def detect(snapshot, params: dict, seed: int) -> list[Finding]:
    """Contracts whose variations are large, repeated, or undo the price competition (``seed`` unused)."""
    c = varied_contracts(snapshot)
    if c.empty:
        return []
    c = c.merge(_lowest_two(snapshot, c["lot_id"]), on=["lot_id", "org_id"], how="left")
    c["share"] = c["added"] / c["amount"].where(c["amount"] > 0)
    c["overshoot"] = c["varied"] / c["price_second"] - 1
    checks = {
        "large_change": (c["share"] > params["max_added_share"], 0.5 + 2 * (c["share"] - params["max_added_share"])),
        "repeated_changes": (c["changes"] >= params["min_changes"], 0.4 + 0.1 * (c["changes"] - params["min_changes"])),
        "low_bid_high_settlement": (c["overshoot"] > 0, 0.7 + 3 * c["overshoot"]),
    }
    caps = {"large_change": 1.0, "repeated_changes": 0.8, "low_bid_high_settlement": 1.0}
    changes = snapshot["contract_changes"]
    findings = []
    for kind, (mask, score) in checks.items():
        for i in c.index[mask.fillna(False)].sort_values(key=lambda ix: c.loc[ix, "contract_id"]):
            rows = changes[changes["contract_id"] == c.at[i, "contract_id"]].sort_values("change_id")
            findings.append(_finding(kind, min(caps[kind], float(score[i])), c.loc[i], rows, params))
    return findings


def _finding(kind: str, score: float, r: pd.Series, rows: pd.DataFrame, params: dict) -> Finding:
    cid = r["contract_id"]
    low = not pd.isna(r["bid_id"])
    facts = {
        "n": int(r["changes"]),
        "added": float(r["added"]),
        "amount": float(r["amount"]),
        "share": 0.0 if pd.isna(r["share"]) else float(r["share"]),
        "limit": params["max_added_share"],
        "min_changes": params["min_changes"],
        "varied": float(r["varied"]),
        "price": float(r["price"]) if low else 0.0,
        "second": float(r["price_second"]) if low else 0.0,
        "second_org": r["org_id_second"] if low else "",
    }
    zh, en = (t.format(**facts) for t in _TEXT[kind])
    nodes = [uid("Contract", cid), uid("Lot", r["lot_id"]), uid("Organization", r["org_id"])]
    edges = [
        [uid("Contract", cid), "CONTRACT_FOR", uid("Lot", r["lot_id"])],
        [uid("Contract", cid), "AWARDED_TO", uid("Organization", r["org_id"])],
    ]
    entities = [
        Entity("contract", cid, "context"),
        Entity("company", r["org_id"], "winner"),
        Entity("lot", r["lot_id"], "context"),
    ]
    measured = {
        "contract_amount": facts["amount"],
        "changes": facts["n"],
        "added": facts["added"],
        "added_share": round(facts["share"], 4),
        "varied_amount": facts["varied"],
    }
    if kind == "low_bid_high_settlement":
        second = {"bid_id": r["bid_id_second"], "org_id": r["org_id_second"], "lot_id": r["lot_id"]}
        nodes += [uid("Bid", r["bid_id"]), uid("Bid", second["bid_id"]), uid("Organization", second["org_id"])]
        edges += [
            [uid("Organization", r["org_id"]), "SUBMITTED", uid("Bid", r["bid_id"])],
            [uid("Organization", second["org_id"]), "SUBMITTED", uid("Bid", second["bid_id"])],
        ]
        entities.append(Entity("company", second["org_id"], "context"))
        measured |= {"winning_price": facts["price"], "second_lowest_price": facts["second"]}
    records = source_records(
        rows,
        lambda x: {
            "change_id": x.change_id,
            "kind": None if pd.isna(x.kind) else x.kind,
            "amount_delta": None if pd.isna(x.amount_delta) else float(x.amount_delta),
            "reason": None if pd.isna(x.reason) else x.reason,
            "approved_on": day(x.approved_on),
        },
    )
    return warning(
        DETECTOR.id,
        kind,
        score,
        entities,
        _RULE,
        (f"合同{cid}：{zh}。", f"Contract {cid}: {en}."),
        measured,
        {"max_added_share": params["max_added_share"], "min_changes": params["min_changes"]},
        (nodes, edges),
        changes=records,
    )
