"""The statutory tables (issue 13) of every world: plant, write and record them.

``contract_changes``, ``settlements``, ``personnel_changes``, ``bid_bonds`` and ``bid_texts``
come from a generator of their own, seeded from the world's seed, and are drawn after
everything else: the other tables stay byte-identical to a world without them.
"""

from __future__ import annotations

import numpy as np

from bidgraph.citygen import aftermath, bidfiles
from bidgraph.citygen.writer import iso_dates

__all__ = ["STATUTORY_TABLES", "plant_statutory", "statutory_tables", "statutory_truth"]

STATUTORY_TABLES = ("contract_changes", "settlements", "personnel_changes", "bid_bonds", "bid_texts")
_STREAM = 13  # the issue that added them: the statutory generator is default_rng([seed, 13])


def plant_statutory(seed: int, world, lots, bids, contracts, site, used, legal, masked: bool):
    """Plant after-award and bid-file schemes; returns a dict of frames and records.

    ``legal`` is the hard world's change-order frame (or None); ``finish(ids)`` must be called
    with the world's ids before the bid files are drawn (they name persons by id).
    """
    rng = np.random.default_rng([seed, _STREAM])
    changes, settlements, personnel, after = aftermath.plant_aftermath(
        rng, world, lots, bids, contracts, site, used, legal
    )
    out = {"changes": changes, "settlements": settlements, "personnel": personnel, "after": after}

    def finish(ids) -> dict:
        names = {"person": lambda i: str(ids.person(np.array([i]))[0])}
        out["bonds"], out["texts"], out["files"] = bidfiles.plant_bid_files(
            rng, world, lots, bids, names, used, site, masked
        )
        return out

    out["finish"] = finish
    return out


# Each written table: the planted frame it comes from, then its columns in the schema's order,
# each as column[=planted column][:conversion]; planted "#" is the row number, "'text" a constant.
_TABLES = {
    "contract_changes": (
        "changes",
        "change_id=#:change contract_id=contract:contract kind amount_delta=delta:float reason"
        " approved_on=approved:date approver",
    ),
    "settlements": ("settlements", "contract_id=contract:contract settled_amount=settled settled_on=on:date"),
    "personnel_changes": (
        "personnel",
        "contract_id=contract:contract lot_id=lot:lot role='project_manager person_out=out:person"
        " person_in=in:person changed_on=on:date reason",
    ),
    "bid_bonds": (
        "bonds",
        "bid_id=bid:bid payer_account=account payer_name=payer:org_name amount paid_on=paid:date",
    ),
    "bid_texts": ("texts", "bid_id=bid:bid section text"),
}


def statutory_tables(planted: dict, ids, lot_ids):
    """Each statutory table as (name, columns), in the schema's column order."""

    def as_id(make):
        return lambda values: make(values.astype(int))

    convert = {
        "": lambda values: values,
        "float": lambda values: values.astype(float),
        "date": iso_dates,
        "lot": lambda values: lot_ids[values.astype(int)],
        "org_name": lambda values: planted["org_names"][values],
        "change": as_id(ids.change),
        "contract": as_id(ids.contract),
        "person": as_id(ids.person),
        "bid": as_id(ids.bid),
    }

    def source(frame, column: str) -> np.ndarray:
        if column == "#":
            return np.arange(len(frame))
        if column.startswith("'"):
            return np.full(len(frame), column[1:])
        return frame[column].to_numpy()

    for name, (key, spec) in _TABLES.items():
        frame, columns = planted[key], {}
        for token in spec.split():
            column, _, rest = token.partition("=")
            planted_as, _, kind = (rest or column).partition(":")
            columns[column] = convert[kind](source(frame, planted_as))
        yield name, columns


def statutory_truth(planted: dict, ids, lot_ids, lots) -> dict:
    """The truth.json keys of the statutory schemes and decoys (docs/generator.md)."""

    def contract(c) -> str:
        return str(ids.contract(np.array([c]))[0])

    def person(p) -> str:
        return str(ids.person(np.array([p]))[0])

    def ids_of(make, values) -> list[str]:
        return [str(v) for v in make(np.asarray(values, dtype=int)).tolist()]

    after, files = planted["after"], planted["files"]
    truth: dict = {
        "contract_change": [
            {"contract_id": contract(r["contract"]), "change_ids": ids_of(ids.change, r["changes"]), "kind": r["kind"]}
            for r in after["contract_change"]
        ],
        "quantity_growth": [{"contract_id": contract(r["contract"])} for r in after["quantity_growth"]],
        "personnel_change": [
            {
                "contract_id": contract(r["contract"]),
                "lot_id": str(lot_ids[r["lot"]]),
                "person_id": person(r["person_in"] if r["kind"] == "concurrent" else r["person_out"]),
                "kind": r["kind"],
                **({"other_lot_id": str(lot_ids[r["other_lot"]])} if "other_lot" in r else {}),
            }
            for r in after["personnel_change"]
        ],
        "statutory": {},
    }
    law = {
        "same_bond_account": "招标投标法实施条例 第四十条(六)",  # 同一单位或者个人的账户: item (六)
        "same_compiler": "招标投标法实施条例 第四十条(一)",
        "same_project_manager": "招标投标法实施条例 第四十条(三)",
        "near_duplicate": "招标投标法实施条例 第四十条(四)",
        "shared_errors": "招标投标法实施条例 第四十条(四)",
    }
    for scheme, items in files["statutory"].items():
        detector = "identical_errors" if scheme in ("near_duplicate", "shared_errors") else "statutory_presumption"
        rows = [
            {
                "lot_id": str(lot_ids[it["lot"]]),
                "bid_ids": ids_of(ids.bid, it["bids"]),
                "org_ids": ids_of(ids.org, it["orgs"]),
                "law": law[scheme],
                **({"account": it["account"]} if "account" in it else {}),
            }
            for it in items
        ]
        if detector == "identical_errors":
            truth.setdefault("identical_errors", []).extend({**r, "kind": scheme} for r in rows)
        else:
            truth["statutory"][scheme] = rows
    emergency = lots["category"].to_numpy() == "emergency"
    truth["decoys"] = {
        "small_change_orders": [
            {"contract_id": contract(r["contract"]), "change_ids": ids_of(ids.change, r["changes"])}
            for r in after["decoys"]["small_change_orders"]
        ],
        "late_replacements": [
            {
                "contract_id": contract(r["contract"]),
                "lot_id": str(lot_ids[r["lot"]]),
                "person_id": person(r["person_out"]),
            }
            for r in after["decoys"]["late_replacements"]
        ],
        "boilerplate_lots": [str(lot_ids[lot]) for lot in files["boilerplate_lots"]],
        "emergency_lots": [str(v) for v in lot_ids[emergency].tolist()],
    }
    truth["thresholds"] = {
        "change_share": aftermath.CHANGE_THRESHOLD,
        "repeated_changes": aftermath.REPEATED_CHANGES,
        "settlement_tolerance": aftermath.SETTLE_TOLERANCE,
        "early_replacement_days": aftermath.EARLY_DAYS,
    }
    return truth
