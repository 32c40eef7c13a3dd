"""After the award, as the seeds' platforms watch it: change orders, final accounts and staff swaps.

Tables ``contract_changes`` (added to the hard world's legal change orders), ``settlements`` and
``personnel_changes``. Planted (issue 13): change orders adding more than 10 % or repeated, the
lowest bidder whose contract grows back past the other bids (低价中标、高价结算), settlements above
the varied contract, the project manager replaced soon after signing, and one project manager
put on a second site while the first is still running. Decoys: small approved change orders
(2-8 %, never past the runner-up's price where the winner was the cheapest: else they would be
低价中标、高价结算 too), honest settlements within a few percent, and late replacements with a reason.

Drawn from its own generator, after everything else, so the other tables do not change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidgraph.citygen.world import World

__all__ = ["CHANGE_THRESHOLD", "SETTLE_TOLERANCE", "plant_aftermath"]

CHANGE_THRESHOLD = 0.10  # a change order adding more than this share of the contract is watched
REPEATED_CHANGES = 3  # this many change orders on one contract are watched
SETTLE_TOLERANCE = 0.05  # above the varied contract by more than this is watched; honest ones stay within ±3 %
EARLY_DAYS = 60  # a project manager replaced within this many days of signing was a bait
_PER_CITY = {"large": 3, "repeated": 3, "low_bid_high_settlement": 3, "overrun": 4, "early": 4, "concurrent": 3}
_DECOYS_PER_CITY = {"small_change": 6, "late_replacement": 4}
_REASONS = ["设计变更增加工程量", "现场签证增加工程量", "增加附属配套工程", "材料价格调整"]
_SMALL_REASONS = ["设计变更增加少量工程量（已批复）", "按合同约定调整材料价差"]
_LATE_REASONS = ["原项目经理因病无法履职，经招标人同意更换为同等资格人员", "原项目经理调任，经建设单位批准更换"]


def plant_aftermath(rng, world: World, lots: pd.DataFrame, bids: pd.DataFrame, contracts, site, used, legal):
    """Plant the after-award schemes and decoys.

    Parameters
    ----------
    rng : numpy.random.Generator
        The statutory generator (not the world's).
    legal : pandas.DataFrame or None
        The hard world's legal change orders (column ``contract`` and the rest), kept first.

    Returns
    -------
    (changes, settlements, personnel, records)
        Frames with row positions for contracts, lots and persons; ``records`` holds the truth
        by key (``contract_change``, ``quantity_growth``, ``personnel_change`` and decoys).
    """
    n_cities = int(lots["city"].max()) + 1
    c_lot = contracts["lot"].to_numpy()
    ok = contracts["signed"].notna().to_numpy() & contracts["amount"].notna().to_numpy() & ~used[c_lot]
    if legal is not None:
        ok[legal["contract"].to_numpy()] = False
    free = np.flatnonzero(ok)
    rng.shuffle(free)
    pool = [int(c) for c in free]
    changes = [legal] if legal is not None else []
    records: dict = {"contract_change": [], "quantity_growth": [], "personnel_change": [], "decoys": {}}
    amount = contracts["amount"].to_numpy()
    signed = contracts["signed"].to_numpy().astype("datetime64[D]")
    approver = world.orgs["name"].to_numpy()[lots["tenderer"].to_numpy()]

    def change_rows(c, shares, reasons):
        days = np.sort(rng.integers(20, 300, len(shares)))
        return pd.DataFrame(
            {
                "contract": c,
                "kind": rng.choice(["amount", "quantity", "scope"], len(shares)),
                "delta": np.round(amount[c] * np.asarray(shares), 2),
                "reason": rng.choice(reasons, len(shares)),
                "approved": signed[c] + days.astype("timedelta64[D]"),
                "approver": approver[c_lot[c]],
            }
        )

    n_before = sum(len(f) for f in changes)

    def add(c, shares, reasons) -> list[int]:
        nonlocal n_before
        frame = change_rows(c, shares, reasons)
        changes.append(frame)
        out = list(range(n_before, n_before + len(frame)))
        n_before += len(frame)
        return out

    low_bid = _low_bidders(lots, bids, contracts, pool)
    for _ in range(_PER_CITY["low_bid_high_settlement"] * n_cities):
        if not low_bid:
            break
        c, runner_up = low_bid.pop()
        pool.remove(c)
        target = runner_up * rng.uniform(1.03, 1.12)
        uplift = target / amount[c] - 1
        ids = add(c, [uplift / 2, uplift / 2], _REASONS)
        records["contract_change"].append({"contract": c, "changes": ids, "kind": "low_bid_high_settlement"})
        records.setdefault("settle_at", {})[c] = target
    for _ in range(_PER_CITY["large"] * n_cities):
        c = pool.pop()
        ids = add(c, [rng.uniform(0.15, 0.35)], _REASONS)
        records["contract_change"].append({"contract": c, "changes": ids, "kind": "large"})
    for _ in range(_PER_CITY["repeated"] * n_cities):
        c = pool.pop()
        ids = add(c, rng.uniform(0.015, 0.03, int(rng.integers(REPEATED_CHANGES, 6))), _REASONS)
        records["contract_change"].append({"contract": c, "changes": ids, "kind": "repeated"})
    small = []
    room = _room_below_runner_up(bids, contracts)
    for _ in range(_DECOYS_PER_CITY["small_change"] * n_cities):
        c = pool.pop()
        share = min(rng.uniform(0.02, 0.08), 0.8 * room[c])  # honest: never past the runner-up's price
        small.append({"contract": c, "changes": add(c, [share], _SMALL_REASONS)})
    records["decoys"]["small_change_orders"] = small
    changes_frame = pd.concat(changes, ignore_index=True) if changes else _no_changes()
    overrun = [pool.pop() for _ in range(_PER_CITY["overrun"] * n_cities)]
    settlements = _settlements(rng, contracts, changes_frame, records.pop("settle_at", {}), overrun, used)
    for c in overrun:
        records["quantity_growth"].append({"contract": c})
    personnel = _personnel(rng, world, contracts, site, pool, n_cities, records)
    return changes_frame, settlements, personnel, records


def _no_changes() -> pd.DataFrame:
    return pd.DataFrame({k: [] for k in ("contract", "kind", "delta", "reason", "approved", "approver")})


def _low_bidders(lots, bids, contracts, pool) -> list[tuple[int, float]]:
    """Free contracts of lowest-price lots won by the cheapest valid bid: (contract, runner-up price)."""
    valid = bids[bids["valid"].to_numpy() & bids["price"].notna().to_numpy()]
    prices = valid.sort_values(["lot", "price"], kind="stable").groupby("lot")["price"]
    first, second = prices.first(), prices.nth(1)
    second = pd.Series(second.to_numpy(), index=valid.loc[second.index, "lot"].to_numpy())
    out = []
    for c in pool:
        lot = int(contracts["lot"].iat[c])
        cheapest = lot in second.index and contracts["amount"].iat[c] <= first[lot]
        if cheapest and lots["evaluation"].iat[lot] == "lowest_price":
            out.append((c, float(second[lot])))
    return out


def _room_below_runner_up(bids, contracts) -> np.ndarray:
    """Per contract, how far it may grow before passing the second-lowest valid bid of its lot,
    as a share of its amount, where the winner offered the lowest valid price (else infinite)."""
    valid = bids[bids["valid"].to_numpy() & bids["price"].notna().to_numpy()]
    prices = valid.sort_values(["lot", "price"], kind="stable").groupby("lot")["price"]
    first, second = prices.first(), prices.nth(1)
    second = pd.Series(second.to_numpy(), index=valid.loc[second.index, "lot"].to_numpy())
    lot = contracts["lot"].to_numpy()
    amount = contracts["amount"].to_numpy(float)
    cheapest = amount <= first.reindex(lot).to_numpy(float, na_value=-np.inf)
    gap = second.reindex(lot).to_numpy(float, na_value=np.inf) / amount - 1
    return np.where(cheapest, gap, np.inf)


def _settlements(rng, contracts, changes, settle_at: dict, overrun: list, used) -> pd.DataFrame:
    """A final account for every signed contract of an untouched lot: the varied amount within ±3 %
    (the decoy), the target of a low-bid-high-settlement, or 15-40 % over (quantity growth)."""
    n = len(contracts)
    amount = contracts["amount"].to_numpy()
    varied = amount + np.bincount(
        changes["contract"].to_numpy().astype(int), weights=changes["delta"].to_numpy(float), minlength=n
    )
    ratio = rng.uniform(0.97, 1.03, n)
    ratio[overrun] = rng.uniform(1.15, 1.40, len(overrun))
    settled = np.round(varied * ratio, 2)
    for c, target in settle_at.items():
        settled[c] = round(target, 2)
    days = rng.integers(120, 720, n).astype("timedelta64[D]")
    keep = contracts["signed"].notna().to_numpy() & contracts["amount"].notna().to_numpy()
    keep &= ~used[contracts["lot"].to_numpy()]
    idx = np.flatnonzero(keep)
    signed = contracts["signed"].to_numpy().astype("datetime64[D]")
    return pd.DataFrame({"contract": idx, "settled": settled[idx], "on": signed[idx] + days[idx]})


def _personnel(rng, world: World, contracts, site, pool: list, n_cities: int, records: dict) -> pd.DataFrame:
    """Project-manager swaps: early (bait), onto a second running site (concurrent), late with a reason."""
    pm = site[site["role"].to_numpy() == "项目经理"]
    pm_of_lot = dict(zip(pm["lot"].to_numpy().tolist(), zip(pm["person"].to_numpy().tolist(), pm["last"].to_numpy())))
    c_lot = contracts["lot"].to_numpy()
    signed = contracts["signed"].to_numpy().astype("datetime64[D]")
    free = [c for c in pool if int(c_lot[c]) in pm_of_lot]
    pms = world.index["project_manager"]
    rows = []
    kinds = ["early"] * (_PER_CITY["early"] * n_cities) + ["concurrent"] * (_PER_CITY["concurrent"] * n_cities)
    kinds += ["late_replacement"] * (_DECOYS_PER_CITY["late_replacement"] * n_cities)
    taken: set = set()
    records["decoys"]["late_replacements"] = []
    for kind in kinds:
        if not free:
            break
        c = free.pop()
        lot = int(c_lot[c])
        out, last = pm_of_lot[lot]
        if out in taken:  # already in another swap (a concurrent manager's own site): one story per person
            continue
        org = int(contracts["org"].iat[c])
        if kind == "concurrent":
            # Someone else's project manager, still on his own site, is named here as well.
            on = signed[c] + np.timedelta64(int(rng.integers(10, 40)), "D")
            other = _busy_manager(pm, on, lot, taken | {out})
            if other is None:
                continue
            person_in, other_lot = other
            reason = "工作调整"
        else:
            busy = set(pm["person"].to_numpy()[(pm["first"].to_numpy() <= last) & (pm["last"].to_numpy() >= signed[c])])
            mates = [p for p in pms.of(org).tolist() if p not in taken | busy | {out}]  # free to take the site
            if not mates:
                continue
            span = int((np.datetime64(last, "D") - signed[c]).astype(int))
            if kind != "early" and span < 2 * EARLY_DAYS:  # a late swap needs a site long enough to be late on
                continue
            person_in, other_lot = int(rng.choice(mates)), None
            if kind == "early":
                on, reason = signed[c] + np.timedelta64(int(rng.integers(5, EARLY_DAYS - 10)), "D"), "个人原因"
            else:
                on = signed[c] + np.timedelta64(int(span * rng.uniform(0.75, 0.95)), "D")
                reason = str(rng.choice(_LATE_REASONS))
        taken |= {out, person_in}
        rows.append({"contract": c, "lot": lot, "out": out, "in": person_in, "on": on, "reason": reason})
        item = {"contract": c, "lot": lot, "person_out": out, "person_in": person_in, "kind": kind}
        if other_lot is not None:
            item["other_lot"] = other_lot
        target = records["decoys"]["late_replacements"] if kind == "late_replacement" else records["personnel_change"]
        target.append(item)
    return pd.DataFrame(rows, columns=["contract", "lot", "out", "in", "on", "reason"])


def _busy_manager(pm: pd.DataFrame, on, lot: int, taken: set) -> tuple[int, int] | None:
    """(project manager, lot) of another site running from before ``on`` to 90+ days after it."""
    running = (pm["first"].to_numpy() <= on) & (pm["last"].to_numpy() >= on + np.timedelta64(90, "D"))
    running &= pm["lot"].to_numpy() != lot
    for person, other in zip(pm["person"].to_numpy()[running].tolist(), pm["lot"].to_numpy()[running].tolist()):
        if person not in taken:
            return person, other
    return None
