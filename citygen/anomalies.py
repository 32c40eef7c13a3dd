"""Planted anomalies after the award: winner not builder, payments, procedure gaps.

Representations (the bundle has no award date, so the contract's signing stands for it):

- winner_not_builder: a construction lot whose site personnel all belong to another firm
  (``builder_org_id``), or whose project manager on site is a person with no role at the
  winner (``builder_org_id`` null) while none of the winner's project managers appears.
- payment_anomaly: ``overpayment`` (payments sum to 108-130 % of the contract amount),
  ``before_signing`` (a payment dated 5-40 days before ``signed_on``), ``no_contract`` (a
  contract row with no ``signed_on`` and no amount, for a firm with no winning bid on the lot —
  a lot nobody won where there is one, else a losing bidder; payments refer to it).
- procedure_gap: ``award_before_opening`` (contract signed 2-12 days before ``opened_on``),
  ``contract_before_award`` (signed within the 3-day publicity after opening),
  ``short_publication`` (a construction open tender opened 8-16 days after its notice, under
  the 20-day minimum), ``award_without_valid_bid`` (every bid invalid, yet one is the winner
  and has a contract).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidgraph.citygen.world import World

__all__ = ["plant_payment_anomalies", "plant_procedure_gaps", "plant_winner_not_builder"]


def _day(column, i) -> np.datetime64:
    return column.to_numpy()[i].astype("datetime64[D]")


def _pick_contracts(rng, lots, contracts, used, n, construction_only=False, open_only=False):
    lot = contracts["lot"].to_numpy()
    ok = ~used[lot]
    if construction_only:
        ok &= lots["supply"].to_numpy()[lot] == 0
    if open_only:
        ok &= (lots["procedure"].to_numpy()[lot] == "open") & (lots["category"].to_numpy()[lot] == "construction")
    rows = rng.permutation(np.flatnonzero(ok))[:n]
    used[lot[rows]] = True
    return rows


def plant_winner_not_builder(rng, world: World, lots, contracts, site, used, n: int):
    rows = _pick_contracts(rng, lots, contracts, used, n, construction_only=True)
    records = []
    for i, row in enumerate(rows):
        lot, winner = int(contracts["lot"].iat[row]), int(contracts["org"].iat[row])
        site = site[site["lot"].to_numpy() != lot]
        signed = _day(contracts["signed"], row)
        if i % 2 == 0:
            region = world.orgs.at[winner, "region"]
            pool = world.firms[
                (world.orgs.loc[world.firms, "supply"].to_numpy() == 0)
                & (world.orgs.loc[world.firms, "region"].to_numpy() == region)
                & (world.firms != winner)
            ]
            builder = int(rng.choice(pool))
            people = list(world.index["project_manager"].of(builder)[:1]) + list(
                world.index["employee"].of(builder)[:3]
            )
            org = builder
        else:
            builder = None
            stand_in = world.stand_in()
            people = [stand_in] + list(world.index["employee"].of(winner)[:2])
            org = winner
        roles = ["项目经理", "技术负责人", "安全员", "质量员"][: len(people)]
        first = signed + np.timedelta64(int(rng.integers(3, 20)), "D")
        last = first + np.timedelta64(int(rng.integers(90, 300)), "D")
        span = int((last - first).astype(int)) + 1
        add = pd.DataFrame(
            {
                "lot": lot,
                "person": people,
                "org": org,
                "role": roles,
                "first": first,
                "last": last,
                "days": (span * rng.uniform(0.6, 0.9, len(people))).astype(int),
            }
        )
        site = pd.concat([site, add], ignore_index=True)
        records.append({"lot": lot, "winner": winner, "builder": builder})
    return site.sort_values(["lot", "person"], kind="stable").reset_index(drop=True), records


def plant_payment_anomalies(rng, world: World, lots, bids, contracts, payments, used, n: int):
    records = []
    # Overpayment: one more payment takes the total to 108-130 % of the contract.
    for row in _pick_contracts(rng, lots, contracts, used, n):
        amount = contracts["amount"].iat[row]
        mine = payments["contract"].to_numpy() == row
        paid = payments.loc[mine, "amount"].sum()
        extra = round(amount * rng.uniform(1.08, 1.3) - paid, 2)
        last = payments.loc[mine, "paid"].to_numpy().max().astype("datetime64[D]")
        payments = pd.concat(
            [
                payments,
                pd.DataFrame(
                    {
                        "contract": [row],
                        "amount": [extra],
                        "paid": [last + np.timedelta64(int(rng.integers(10, 90)), "D")],
                    }
                ),
            ],
            ignore_index=True,
        )
        records.append(
            {
                "contract": int(row),
                "payments": np.flatnonzero(payments["contract"].to_numpy() == row),
                "kind": "overpayment",
            }
        )
    # Before signing: the first instalment is dated before the contract.
    for row in _pick_contracts(rng, lots, contracts, used, n):
        mine = np.flatnonzero(payments["contract"].to_numpy() == row)
        if len(mine) == 0:
            continue
        first = mine[np.argmin(payments["paid"].to_numpy()[mine])]
        payments.loc[first, "paid"] = _day(contracts["signed"], row) - np.timedelta64(int(rng.integers(5, 41)), "D")
        records.append({"contract": int(row), "payments": np.array([first]), "kind": "before_signing"})
    # No contract: a "contract" row with no signing date for a firm that did not win the lot
    # (a lot nobody won if there is one, else a losing bidder's), and payments under it.
    awarded = np.zeros(len(lots), bool)
    awarded[contracts["lot"].to_numpy()] = True
    b_lot = bids["lot"].to_numpy()
    n_bids = np.bincount(b_lot, minlength=len(lots))
    candidates = np.concatenate(
        [
            rng.permutation(np.flatnonzero(~awarded & ~used & (n_bids > 0))),
            rng.permutation(np.flatnonzero(awarded & ~used & (n_bids > 1))),
        ]
    )
    for lot in candidates[:n]:
        used[lot] = True
        losers = bids["org"].to_numpy()[(b_lot == lot) & ~bids["winner"].to_numpy()]
        org = int(rng.choice(losers))
        contracts = pd.concat(
            [
                contracts,
                pd.DataFrame({"lot": [lot], "org": [org], "amount": [np.nan], "signed": [np.datetime64("NaT", "D")]}),
            ],
            ignore_index=True,
        )
        row = len(contracts) - 1
        k = int(rng.integers(1, 3))
        when = _day(lots["opened"], lot) + np.sort(rng.integers(20, 200, k)).astype("timedelta64[D]")
        amt = np.round(lots["ceiling"].iat[lot] * rng.uniform(0.15, 0.45, k), 2)
        start = len(payments)
        payments = pd.concat(
            [payments, pd.DataFrame({"contract": row, "amount": amt, "paid": when})], ignore_index=True
        )
        records.append({"contract": row, "payments": np.arange(start, start + k), "kind": "no_contract"})
    return contracts, payments, records


def plant_procedure_gaps(rng, lots, bids, contracts, used, n: int):
    records = []
    lots = lots.copy()
    bids = bids.copy()
    for row in _pick_contracts(rng, lots, contracts, used, n):
        lot = contracts["lot"].iat[row]
        contracts.loc[row, "signed"] = _day(lots["opened"], lot) - np.timedelta64(int(rng.integers(2, 13)), "D")
        records.append({"lot": int(lot), "kind": "award_before_opening"})
    for row in _pick_contracts(rng, lots, contracts, used, n):
        lot = contracts["lot"].iat[row]
        contracts.loc[row, "signed"] = _day(lots["opened"], lot) + np.timedelta64(int(rng.integers(0, 3)), "D")
        records.append({"lot": int(lot), "kind": "contract_before_award"})
    for row in _pick_contracts(rng, lots, contracts, used, n, open_only=True):
        lot = contracts["lot"].iat[row]
        published = _day(lots["opened"], lot) - np.timedelta64(int(rng.integers(8, 17)), "D")
        lots.loc[lot, "published"] = published
        lots.loc[lot, "approved"] = min(_day(lots["approved"], lot), published - np.timedelta64(5, "D"))
        records.append({"lot": int(lot), "kind": "short_publication"})
    for row in _pick_contracts(rng, lots, contracts, used, n):
        lot = contracts["lot"].iat[row]
        mine = bids["lot"].to_numpy() == lot
        bids.loc[mine, "valid"] = False
        bids.loc[mine, "score"] = np.nan
        bids.loc[mine, "rank"] = -1
        records.append({"lot": int(lot), "kind": "award_without_valid_bid"})
    return lots, bids, contracts, records
