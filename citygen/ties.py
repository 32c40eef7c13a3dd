"""Legitimately shared traces of the hard world (``--realism hard``).

- **Bid-writing consultancies** (标书代编): each city has four, each writing the bids of 5-8
  unrelated clients: one template fingerprint on 85 % of their bids, the consultancy's writer
  as author on 70 %, and on 30 % the upload comes from the consultancy's office (its IP and
  machine). Where two clients of one consultancy bid on the same lot the bids were compiled by
  one unit: that is deemed collusion (招标投标法实施条例 第四十条), so it is recorded as a true
  finding, not a decoy; the first consultancy of each city does it on two lots.
- **Corporate groups** (集团): three per city of 2-4 subsidiaries that share a chairman (the first
  subsidiary's legal representative sits as director on the others' boards) and a registered
  address, and bid together as a consortium (联合体, ``bid_members``): on 40 % of the lots where
  one of them bids, another joins; subsidiaries never bid against each other (招标投标法实施条例
  第三十四条), so where two drew the same lot they bid as one consortium.
- **Serviced offices** (商务秘书托管): two per city, each the registered address of 6-10
  unrelated firms that also give the registration agent's phone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bidgraph.citygen import identifiers as ident
from bidgraph.citygen.names import addresses, person_names
from bidgraph.citygen.scales import Scale
from bidgraph.citygen.schemes import free_firms
from bidgraph.citygen.tamper import BidBook, add_bids
from bidgraph.citygen.world import World

__all__ = [
    "COMPILED_BY_ONE_UNIT",
    "Ties",
    "compile_bids",
    "consortium_bid_rows",
    "form_consortia",
    "plant_same_compiler",
    "plant_ties",
]

COMPILED_BY_ONE_UNIT = (
    "招标投标法实施条例 第四十条第（一）项：不同投标人的投标文件由同一单位或者个人编制的，视为投标人相互串通投标 / "
    "Implementing Regulations of the Tendering and Bidding Law, Art. 40(1): bids of different bidders "
    "compiled by the same unit or person are deemed collusion"
)
_CONSULTANCIES, _GROUPS, _OFFICES = 4, 3, 2  # per city
_TEMPLATE, _AUTHOR, _UPLOAD = 0.85, 0.7, 0.3  # shares of a client's bids the consultancy marks
_CONSORTIUM = 0.4


@dataclass
class Ties:
    consultancies: list  # dicts: clients, fingerprint, author, ip, mac, hardware_id, city
    groups: list  # dicts: members, chairman, address
    offices: list  # dicts: tenants, address, phone


def plant_ties(rng, world: World, scale: Scale) -> Ties:
    """Pick the firms of the consultancies, groups and serviced offices among free firms and give
    groups and offices their shared people, addresses and phones."""
    orgs = world.orgs
    ties = Ties([], [], [])
    for c in range(scale.cities):
        place = world.regions.name[np.flatnonzero(world.regions.city == c)[0]]
        for k in range(_CONSULTANCIES):
            pool = free_firms(world, orgs["city"].to_numpy() == c)
            clients = rng.choice(pool, int(rng.integers(5, 9)), replace=False)
            if k == 0:  # two clients of one trade and district: they will meet on a lot
                a = clients[0]
                peers = free_firms(
                    world,
                    (orgs["supply"].to_numpy() == orgs.at[a, "supply"])
                    & (orgs["region"].to_numpy() == orgs.at[a, "region"]),
                )
                clients[1] = rng.choice(np.setdiff1d(peers, clients))
            orgs.loc[clients, "tag"] = "consultancy_client"
            ties.consultancies.append(
                {
                    "clients": np.sort(clients),
                    "pair": clients[:2].copy() if k == 0 else None,
                    "fingerprint": str(ident.hex_ids(rng, 1, 16, upper=True)[0]),
                    "author": str(person_names(rng, 1)[0]),
                    "ip": str(ident.ipv4(rng, 1)[0]),
                    "mac": str(ident.macs(rng, 1)[0]),
                    "hardware_id": f"{ident.hex_ids(rng, 1, 8, upper=True)[0]}-{ident.hex_ids(rng, 1, 4, upper=True)[0]}",
                }
            )
        for _ in range(_GROUPS):
            members = np.sort(
                rng.choice(free_firms(world, orgs["city"].to_numpy() == c), int(rng.integers(2, 5)), replace=False)
            )
            chairman = int(world.index["legal_rep"].of(members[0])[0])
            for m in members[1:]:
                world.add_role(chairman, int(m), "director")
            orgs.loc[members, "address"] = orgs.at[members[0], "address"]
            orgs.loc[members, "tag"] = "group"
            ties.groups.append({"members": members, "chairman": chairman, "address": orgs.at[members[0], "address"]})
        for _ in range(_OFFICES):
            tenants = np.sort(
                rng.choice(free_firms(world, orgs["city"].to_numpy() == c), int(rng.integers(6, 11)), replace=False)
            )
            address = str(addresses(rng, np.array([place]))[0])
            phone = str(ident.landlines(rng, world.regions.area_codes[[c]])[0])
            orgs.loc[tenants, "address"], orgs.loc[tenants, "phone"] = address, phone
            orgs.loc[tenants, "tag"] = "serviced_office"
            ties.offices.append({"tenants": tenants, "address": address, "phone": phone})
    return ties


def plant_same_compiler(rng, lots: pd.DataFrame, book: BidBook, ties: Ties, used: np.ndarray) -> None:
    """The paired clients of a consultancy bid on two lots together, both bids written by it."""
    base = book.base
    for cons in ties.consultancies:
        if cons["pair"] is None:
            continue
        a, b = cons["pair"]
        own = base["lot"].to_numpy()[base["org"].to_numpy() == a]
        free = own[~used[own] & (lots["n_bidders"].to_numpy()[own] >= 3)]
        mine = np.sort(rng.choice(free, min(2, len(free)), replace=False))
        if len(mine) == 0:
            continue
        rows = book.rows(mine)
        a_ratio = rows[rows["org"].to_numpy() == a].sort_values("lot")["ratio"].to_numpy()
        ratio = a_ratio * (1 + rng.uniform(0.005, 0.03, len(mine)))
        book.put(
            mine,
            add_bids(rows, mine, np.full(len(mine), b), np.minimum(ratio, 0.995), rng.normal(-0.5, 0.5, len(mine))),
        )
        used[mine] = True


def form_consortia(rng, bids: pd.DataFrame, ties: Ties, used: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Group subsidiaries bid as consortia: returns the bids (a partner's own bid on the lot
    dropped) and the members (columns lot, lead, org, role) of every consortium bid."""
    b_lot, b_org = bids["lot"].to_numpy(), bids["org"].to_numpy()
    drop = np.zeros(len(bids), bool)
    rows = []
    for g in ties.groups:
        members = g["members"]
        at = np.flatnonzero(np.isin(b_org, members))
        for lot in np.unique(b_lot[at]):
            here = at[b_lot[at] == lot]
            lead = int(b_org[here[0]])
            partners = [int(o) for o in b_org[here[1:]]]
            drop[here[1:]] = True
            if not partners and not used[lot] and rng.random() < _CONSORTIUM:
                partners = [int(rng.choice(members[members != lead]))]
            if partners:
                rows += [(int(lot), lead, lead, "lead")] + [(int(lot), lead, p, "member") for p in partners]
    members_frame = pd.DataFrame(rows, columns=["lot", "lead", "org", "role"])
    return bids[~drop].reset_index(drop=True), members_frame


def consortium_bid_rows(bids: pd.DataFrame, members: pd.DataFrame) -> np.ndarray:
    """The row of ``bids`` that each consortium member row belongs to (the lead's bid)."""
    at = pd.Series(np.arange(len(bids)), index=pd.MultiIndex.from_arrays([bids["lot"], bids["org"]]))
    return at.reindex(pd.MultiIndex.from_arrays([members["lot"], members["lead"]])).to_numpy()


def compile_bids(rng, bids: pd.DataFrame, uploads: pd.DataFrame, documents: pd.DataFrame, ties: Ties) -> list[dict]:
    """Mark the consultancies' work on their clients' bids (template, writer, office upload);
    returns the lots where one consultancy compiled two or more bids (deemed collusion)."""
    b_lot, b_org = bids["lot"].to_numpy(), bids["org"].to_numpy()
    found = []
    for k, cons in enumerate(ties.consultancies):
        rows = np.flatnonzero(np.isin(b_org, cons["clients"]))
        documents.loc[rows[rng.random(len(rows)) < _TEMPLATE], "fingerprint"] = cons["fingerprint"]
        documents.loc[rows[rng.random(len(rows)) < _AUTHOR], "author"] = cons["author"]
        office = rows[rng.random(len(rows)) < _UPLOAD]
        for column in ("ip", "mac", "hardware_id"):
            uploads.loc[office, column] = cons[column]
        lots, counts = np.unique(b_lot[rows], return_counts=True)
        for lot in lots[counts >= 2]:
            found.append({"consultancy": k, "lot": int(lot), "orgs": np.sort(b_org[rows][b_lot[rows] == lot])})
    return found
