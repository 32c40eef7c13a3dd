"""Legal change orders (合同变更) of the hard world (``--realism hard``): the ``contract_changes`` table.

8 % of the contracts no scheme touched get 1-2 approved variations (more work, more quantity,
a wider scope) adding 2-10 % to the contract, and their payments then total the varied amount:
up to about 10 % above the signed contract. Honest, and a decoy for overpayment checks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidgraph.citygen.world import World

__all__ = ["CHANGE_SHARE", "MAX_UPLIFT", "plant_change_orders"]

CHANGE_SHARE = 0.08
MAX_UPLIFT = 0.10
_KINDS = np.array(["amount", "quantity", "scope"])
_REASONS = {
    "amount": ["设计变更增加工程量", "材料价格调整（合同约定调价）", "地质条件变化增加处理费用"],
    "quantity": ["采购数量按实际需求增加", "增加同型号设备配置"],
    "scope": ["增加附属配套工程", "服务范围扩大至新增区域"],
}


def plant_change_orders(rng, world: World, lots: pd.DataFrame, contracts: pd.DataFrame, payments: pd.DataFrame, used):
    """Returns (payments raised, change orders, records ``{"contract", "changes", "uplift"}``).

    The change orders frame has columns contract (row position), kind, delta, reason, approved,
    approver (the tenderer's name).
    """
    lot = contracts["lot"].to_numpy()
    ok = contracts["signed"].notna().to_numpy() & contracts["amount"].notna().to_numpy() & ~used[lot]
    eligible = np.flatnonzero(ok)
    picked = np.sort(rng.choice(eligible, round(CHANGE_SHARE * len(eligible)), replace=False))
    uplift = np.round(rng.uniform(0.02, MAX_UPLIFT, len(picked)), 4)
    k = rng.integers(1, 3, len(picked))
    contract = np.repeat(picked, k)
    group = np.repeat(np.arange(len(picked)), k)
    w = rng.gamma(2.0, 1.0, len(contract))
    share = w / np.bincount(group, weights=w)[group]
    amount = contracts["amount"].to_numpy()
    delta = np.round(amount[contract] * np.repeat(uplift, k) * share, 2)
    kind = _KINDS[rng.integers(0, len(_KINDS), len(contract))]
    reason = np.array([_REASONS[x][int(rng.integers(0, len(_REASONS[x])))] for x in kind])
    signed = contracts["signed"].to_numpy().astype("datetime64[D]")[contract]
    approved = signed + rng.integers(30, 300, len(contract)).astype("timedelta64[D]")
    approver = world.orgs["name"].to_numpy()[lots["tenderer"].to_numpy()[lot[contract]]]
    changes = pd.DataFrame(
        {
            "contract": contract,
            "kind": kind,
            "delta": delta,
            "reason": reason,
            "approved": approved,
            "approver": approver,
        }
    )
    # The payments of a varied contract total the varied amount (the retention released too).
    p_contract = payments["contract"].to_numpy()
    paid = np.bincount(p_contract, weights=payments["amount"].to_numpy(), minlength=len(contracts))
    factor = np.ones(len(contracts))
    factor[picked] = amount[picked] * (1 + uplift) / np.where(paid[picked] > 0, paid[picked], 1.0)
    raised = np.floor(payments["amount"].to_numpy() * factor[p_contract] * 100) / 100
    payments = payments.assign(amount=np.where(np.isin(p_contract, picked), raised, payments["amount"].to_numpy()))
    starts = np.concatenate([[0], np.cumsum(k)[:-1]])
    records = [
        {"contract": int(c), "changes": np.arange(s, s + n), "uplift": float(u)}
        for c, s, n, u in zip(picked, starts, k, uplift)
    ]
    return payments, changes, records
