"""After the award: contracts, payments in instalments, and the people on site.

A contract is signed 8-35 days after opening (after the 3-day publicity of the candidates) for
the winning price. Payments: an advance, progress payments and a final payment less a 3-10 %
retention, so they sum to 90-97 % of the amount. Construction lots get site personnel: one of
the winner's project managers and 2-4 of its employees. An honest project manager runs one site
at a time (《注册建造师执业管理办法（试行）》第九条): a site whose drawn manager is still on another
one goes to a manager of the firm who is free, else to another free person of the firm (the
world lists only some of a builder's registered constructors).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidgraph.citygen.world import World

__all__ = ["PUBLICITY_DAYS", "contracts_for", "payments_for", "site_personnel_for"]

PUBLICITY_DAYS = 3  # 中标候选人公示 lasts at least 3 days (招标投标法实施条例 第54条)


def contracts_for(rng, lots: pd.DataFrame, bids: pd.DataFrame) -> pd.DataFrame:
    """One contract per awarded lot: columns lot, org, amount, signed (datetime64[D])."""
    win = bids[bids["winner"].to_numpy()]
    lot = win["lot"].to_numpy()
    signed = lots["opened"].to_numpy()[lot] + rng.integers(8, 36, len(lot)).astype("timedelta64[D]")
    return pd.DataFrame({"lot": lot, "org": win["org"].to_numpy(), "amount": win["price"].to_numpy(), "signed": signed})


def payments_for(rng, contracts: pd.DataFrame) -> pd.DataFrame:
    """Instalments per contract: columns contract (row position), amount, paid."""
    n = len(contracts)
    amount = contracts["amount"].to_numpy()
    k = np.clip(1 + (amount > 3e5) + (amount > 1e6) + rng.integers(0, 3, n), 1, 5)
    contract = np.repeat(np.arange(n), k)
    w = rng.gamma(2.0, 1.0, len(contract))
    share = w / np.bincount(contract, weights=w, minlength=n)[contract]
    paid_total = amount * rng.uniform(0.90, 0.97, n)
    pay = np.floor(share * paid_total[contract] * 100) / 100
    gap = rng.integers(15, 120, len(contract))
    first = np.r_[True, contract[1:] != contract[:-1]]
    cum = np.cumsum(gap)
    base = np.maximum.accumulate(np.where(first, cum - gap, 0))
    paid = contracts["signed"].to_numpy()[contract] + (cum - base).astype("timedelta64[D]")
    return pd.DataFrame({"contract": contract, "amount": pay, "paid": paid})


def site_personnel_for(rng, world: World, lots: pd.DataFrame, contracts: pd.DataFrame) -> pd.DataFrame:
    """The builders of construction contracts: the winner's project manager and staff."""
    c = contracts[lots["supply"].to_numpy()[contracts["lot"].to_numpy()] == 0]
    org = c["org"].to_numpy()
    pm = world.index["project_manager"].pick(org, rng.random(len(org)))
    staff_n = rng.integers(2, 5, len(org))
    rows_lot = [c["lot"].to_numpy()[pm >= 0]]
    rows_person = [pm[pm >= 0]]
    rows_org = [org[pm >= 0]]
    rows_role = [np.full(int((pm >= 0).sum()), "项目经理")]
    emp = world.index["employee"]
    for j in range(4):
        has = staff_n > j
        person = emp.pick(org[has], (j + rng.random(int(has.sum()))) / 4)
        ok = person >= 0
        rows_lot.append(c["lot"].to_numpy()[has][ok])
        rows_person.append(person[ok])
        rows_org.append(org[has][ok])
        rows_role.append(np.asarray(["技术负责人", "安全员", "质量员", "施工员"])[np.full(int(ok.sum()), j)])
    site = pd.DataFrame(
        {
            "lot": np.concatenate(rows_lot),
            "person": np.concatenate(rows_person),
            "org": np.concatenate(rows_org),
            "role": np.concatenate(rows_role),
        }
    )
    site = site.drop_duplicates(["lot", "person"]).reset_index(drop=True)
    return _one_site_each(world, _presence(rng, site, lots, contracts))


def _one_site_each(world: World, site: pd.DataFrame) -> pd.DataFrame:
    """Give each manager row a person of the winner not managing another site then (no draws).

    Sites are taken in order of their manager's arrival; the drawn manager keeps the site when
    free, else the first free project manager of the firm, else its first free employee, else
    anyone else holding a role there (none already on the site's roster); where the firm has
    nobody free the site's manager row is left out (attendance not recorded; 0-7 of ~1,400 rows in a city)."""
    is_pm = site["role"].to_numpy() == "项目经理"
    order = np.flatnonzero(is_pm)[np.argsort(site["first"].to_numpy()[is_pm], kind="stable")]
    lot, org, first, last = (site[c].to_numpy() for c in ("lot", "org", "first", "last"))
    person = site["person"].to_numpy().copy()
    roster = site.groupby("lot")["person"].agg(set).to_dict()
    held = world.roles[np.isin(world.roles["org"].to_numpy(), org[order])].groupby("org")["person"].agg(list)
    busy_until: dict[int, np.datetime64] = {}
    unmanned = []
    for i in order.tolist():
        staff = world.index["project_manager"].of(org[i]).tolist() + world.index["employee"].of(org[i]).tolist()
        free = [p for p in [int(person[i])] + staff + held[org[i]] if p not in busy_until or busy_until[p] < first[i]]
        free = [p for p in free if p == person[i] or p not in roster[lot[i]]]
        if free:
            person[i] = free[0]
            busy_until[free[0]] = last[i]
        else:
            unmanned.append(i)
    return site.assign(person=person).drop(index=unmanned).reset_index(drop=True)


def _presence(rng, site: pd.DataFrame, lots: pd.DataFrame, contracts: pd.DataFrame) -> pd.DataFrame:
    signed = pd.Series(contracts["signed"].to_numpy(), index=contracts["lot"].to_numpy())
    start = signed.reindex(site["lot"].to_numpy()).to_numpy().astype("datetime64[D]")
    n = len(site)
    duration = np.clip(np.sqrt(lots["ceiling"].to_numpy()[site["lot"].to_numpy()]) / 8, 30, 540).astype(int)
    first = start + rng.integers(3, 25, n).astype("timedelta64[D]")
    last = first + (duration * rng.uniform(0.8, 1.1, n)).astype(int).astype("timedelta64[D]")
    span = (last - first).astype(int) + 1
    is_pm = site["role"].to_numpy() == "项目经理"
    days = np.round(span * np.where(is_pm, rng.uniform(0.6, 0.95, n), rng.uniform(0.5, 0.9, n))).astype(int)
    return site.assign(first=first, last=last, days=days)
