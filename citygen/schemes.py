"""Planted collusion that shows in the bids: rings, cover bidders, affinities, split contracts.

Each ``plant_*`` function edits the bid table (and, for traces, the world) and returns records
for ``truth.json`` with integer indices; ``truth.py`` turns them into bundle ids. Lots used by
one scheme are marked in ``used`` so that schemes never overlap, and firms get a ``tag`` so one
firm plays one part.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidgraph.citygen.market import SUPPLY_NAMES, THRESHOLDS, project_lots
from bidgraph.citygen.names import SUPPLY_OF_SUBTYPE
from bidgraph.citygen.rigging import CONTESTED_SHARE, rig_loosely
from bidgraph.citygen.scales import Scale
from bidgraph.citygen.tamper import BidBook, add_bids, force_wins
from bidgraph.citygen.world import SUBTYPE_MIX, World

__all__ = [
    "TRACE_KINDS",
    "draw_traces",
    "free_firms",
    "leave_personal_traces",
    "plan_splitting",
    "plant_affinity",
    "plant_cover_bidders",
    "plant_expert_affinity",
    "plant_rings",
    "plant_splitting",
]

_SPLITTABLE = np.array([0, 1, 4, 6, 7, 9])  # subtypes (names.SUBTYPES) bought in repeated pieces
# What a ring may leave behind besides its bidding pattern.
TRACE_KINDS = ["ip", "mac", "hardware_id", "document", "personnel", "phone", "email", "address"]
_TRACE_P = np.array([0.2, 0.12, 0.1, 0.2, 0.16, 0.08, 0.06, 0.08])
_EMPTY = pd.DataFrame(
    {
        "lot": np.zeros(0, np.int64),
        "org": np.zeros(0, np.int64),
        "ratio": np.zeros(0),
        "tech": np.zeros(0),
        "valid": np.zeros(0, bool),
    }
)


def free_firms(world: World, mask: np.ndarray) -> np.ndarray:
    """Bidding firms in ``mask`` that play no part yet, outside the small county."""
    firms = world.firms
    ok = mask[firms] & (world.orgs["tag"].to_numpy()[firms] == "")
    ok &= world.orgs["region"].to_numpy()[firms] != world.regions.small_county
    return firms[ok]


def _tag(world: World, orgs, tag: str) -> None:
    world.orgs.loc[np.asarray(orgs), "tag"] = tag


def _col(world: World, name: str) -> np.ndarray:
    return world.orgs[name].to_numpy()


# --------------------------------------------------------------------------------------------
# Contract splitting: planned before bids are drawn (the lots themselves are the scheme).


def plan_splitting(rng, world: World, scale: Scale, first_project: int) -> tuple[pd.DataFrame, list]:
    """Extra projects: one tenderer buys the same thing 3-5 times within weeks, each just under
    the open-tender threshold, by a non-open procedure."""
    frames, plans = [], []
    kinds = _col(world, "kind")
    for c in range(scale.cities):
        tend = world.tenderers[
            (_col(world, "city")[world.tenderers] == c)
            & (kinds[world.tenderers] != "enterprise")
            & (_col(world, "region")[world.tenderers] != world.regions.small_county)
        ]
        for _ in range(scale.splitting):
            t = int(rng.choice(tend))
            # Something this kind of tenderer buys often, in pieces: buildings, roads, equipment...
            mix = SUBTYPE_MIX[int(world.orgs.at[t, "ttype"])][_SPLITTABLE]
            subtype = int(rng.choice(_SPLITTABLE, p=mix / mix.sum()))
            m = int(rng.integers(3, 6))
            supply = SUPPLY_OF_SUBTYPE[subtype]
            threshold = THRESHOLDS[SUPPLY_NAMES[supply]]
            start = np.datetime64("2022-03-01") + int(rng.integers(0, 850))
            approved = start + np.sort(rng.integers(0, 40, m)).astype("timedelta64[D]")
            ceilings = np.round(threshold * rng.uniform(0.82, 0.99, m), -2)
            procedure = rng.choice(["inquiry", "competitive_negotiation", "invited"], m, p=[0.4, 0.4, 0.2])
            lots = project_lots(
                rng,
                world,
                np.full(m, t),
                np.full(m, subtype),
                np.zeros(m, bool),
                np.ones(m, int),
                approved,
                ceilings=ceilings,
                procedure=procedure,
            )
            lots["project"] += first_project
            first_project += m
            frames.append(lots)
            plans.append({"tenderer": t, "supply": supply, "size": m})
    return (pd.concat(frames, ignore_index=True) if frames else None), plans


def plant_splitting(
    rng, world: World, lots: pd.DataFrame, book: BidBook, plans: list, split_lots: np.ndarray, used: np.ndarray
) -> list:
    """One local firm wins every piece of each split purchase."""
    records, at = [], 0
    for p in plans:
        mine = split_lots[at : at + p["size"]]
        at += p["size"]
        t_region = _col(world, "region")[p["tenderer"]]
        pool = free_firms(world, (_col(world, "supply") == p["supply"]) & (_col(world, "region") == t_region))
        if len(pool) == 0:
            pool = free_firms(
                world,
                (_col(world, "supply") == p["supply"]) & (_col(world, "city") == _col(world, "city")[p["tenderer"]]),
            )
        f = int(rng.choice(pool))
        _tag(world, [f], "splitting")
        sub, _ = force_wins(rng, book.rows(mine), mine, np.full(len(mine), f), _col(world, "quality"))
        book.put(mine, sub)
        used[mine] = True
        records.append({"tenderer": p["tenderer"], "org": f, "lots": mine})
    return records


# --------------------------------------------------------------------------------------------
# Bid rings


def plant_rings(
    rng, world: World, lots: pd.DataFrame, book: BidBook, scale: Scale, used: np.ndarray, hard: bool = False
) -> list:
    """Rings of 3-8 local firms that take turns winning a tenderer's (or a district's) lots.

    On a ring lot the designated member bids 96-99 % of the ceiling, the other members file
    cover bids between it and the ceiling, and outsiders are rare (disqualified or dearer).
    ``hard`` (``--realism hard``): the second ring spans the city's two ordinary counties, the
    fourth leaves no trace either, and every ring prices as :func:`rigging.rig_loosely` says.
    """
    records = []
    l_region, l_supply = lots["region"].to_numpy(), lots["supply"].to_numpy()
    l_cat, l_ten = lots["category"].to_numpy(), lots["tenderer"].to_numpy()
    eligible = (lots["n_bidders"].to_numpy() >= 3) & (l_cat != "emergency")
    for c in range(scale.cities):
        regions = np.flatnonzero(
            (world.regions.city == c) & (np.arange(len(world.regions)) != world.regions.small_county)
        )
        for k in range(scale.rings):
            supply = 0 if k % 3 != 2 else int(rng.integers(1, 3))
            # A district with room for a ring: 6+ free local firms and 3+ free lots of the kind.
            two_counties = hard and k == 1
            areas = [[int(r) for r in regions[3:5]]] if two_counties else [[r] for r in rng.permutation(regions)]
            options = []
            for area in areas:
                pool = free_firms(world, (_col(world, "supply") == supply) & np.isin(_col(world, "region"), area))
                cand = np.flatnonzero(eligible & ~used & np.isin(l_region, area) & (l_supply == supply))
                if len(pool) >= 6 and len(cand) >= 3:
                    options.append((len(cand), int(area[0]), pool, cand))
            if not options:
                continue
            _, r, pool, cand = max(options, key=lambda o: o[0])
            size = int(min(rng.integers(3, scale.ring_size_max + 1), len(pool) - 3))
            members = rng.choice(pool, size, replace=False)
            # Favour the tenderer with the most candidate lots, then the district's others.
            ten, cnt = np.unique(l_ten[cand], return_counts=True)
            fav = ten[np.argmax(cnt)]
            cand = np.concatenate([cand[l_ten[cand] == fav], rng.permutation(cand[l_ten[cand] != fav])])
            ring_lots = np.sort(cand[: int(rng.integers(scale.ring_lots * 2 // 3, scale.ring_lots * 5 // 4 + 1))])
            ring_lots = ring_lots[np.argsort(lots["opened"].to_numpy()[ring_lots], kind="stable")]
            used[ring_lots] = True
            _tag(world, members, "ring")
            outsiders_pool = np.setdiff1d(pool, members)
            if hard:
                book.put(
                    ring_lots,
                    rig_loosely(rng, _col(world, "quality"), ring_lots, members, book.rows(ring_lots), CONTESTED_SHARE),
                )
            else:
                book.put(ring_lots, _rig(rng, world, ring_lots, members, outsiders_pool))
            traces = [] if k == 0 or (hard and k == 3) else draw_traces(rng)
            ring = {
                "members": members,
                "lots": ring_lots,
                "traces": traces,
                "organiser": int(members[0]),
                "favourite_tenderer": int(fav),
                "region": r,
                "supply": supply,
            }
            if two_counties:
                ring["variant"] = "two_counties"
                ring["regions"] = areas[0]
            leave_personal_traces(rng, world, ring)
            records.append(ring)
    return records


def draw_traces(rng) -> list[str]:
    """One or two kinds of trace a ring leaves (``TRACE_KINDS``, in that order)."""
    return sorted(
        set(rng.choice(TRACE_KINDS, int(rng.integers(1, 3)), p=_TRACE_P, replace=False)), key=TRACE_KINDS.index
    )


def _rig(rng, world: World, ring_lots, members, outsiders_pool) -> pd.DataFrame:
    quality = _col(world, "quality")
    m = len(members)
    turn = rng.permutation(members)
    lot_l, org_l, ratio_l, tech_l, valid_l = [], [], [], [], []
    for j, lot in enumerate(ring_lots):
        winner = turn[j % m]
        others = np.setdiff1d(members, [winner])
        n_cover = int(rng.integers(max(2, m - 3), m)) if m > 3 else 2
        covers = rng.choice(others, min(n_cover, len(others)), replace=False)
        w = rng.uniform(0.96, 0.985)
        cover_ratio = w + (0.999 - w) * rng.uniform(0.15, 0.95, len(covers))
        lot_l += [lot] * (1 + len(covers))
        org_l += [winner, *covers]
        ratio_l += [w, *cover_ratio]
        tech_l += [max(0.6 * quality[winner], 0.0) + 1.5, *(-1.0 + 0.3 * rng.standard_normal(len(covers)))]
        valid_l += [True] * (1 + len(covers))
        if rng.random() < 0.2 and len(outsiders_pool):
            lot_l.append(lot)
            org_l.append(int(rng.choice(outsiders_pool)))
            ratio_l.append(rng.uniform(w + 0.002, 0.999))
            tech_l.append(min(rng.normal(-0.5, 0.5), 0.5))
            valid_l.append(bool(rng.random() < 0.5))
    return add_bids(_EMPTY, lot_l, org_l, ratio_l, tech_l, np.array(valid_l))


# --------------------------------------------------------------------------------------------
# Cover bidders (陪标专业户)


def plant_cover_bidders(rng, world: World, lots: pd.DataFrame, book: BidBook, scale: Scale, used: np.ndarray) -> list:
    """A firm that bids just above the same one or two clients, lot after lot, and never wins."""
    records = []
    evaluation = lots["evaluation"].to_numpy()
    eligible = (
        (lots["n_bidders"].to_numpy() >= 3)
        & (evaluation == "lowest_price")
        & (lots["category"].to_numpy() != "emergency")
    )
    for c in range(scale.cities):
        for _ in range(scale.cover_bidders):
            supply = int(rng.choice(3, p=[0.6, 0.25, 0.15]))
            pool = free_firms(world, (_col(world, "supply") == supply) & (_col(world, "city") == c))
            if len(pool) < 4:
                continue
            cover = int(rng.choice(pool))
            clients = rng.choice(np.setdiff1d(pool, [cover]), int(rng.integers(1, 3)), replace=False)
            _tag(world, [cover], "cover")
            _tag(world, clients, "cover_client")
            world.orgs.loc[cover, "cost"] += 0.05  # dear even where it bids on its own account
            all_lots = []
            for s in clients:
                s_region = _col(world, "region")[s]
                cand = np.flatnonzero(
                    eligible & ~used & (lots["supply"].to_numpy() == supply) & (lots["city"].to_numpy() == c)
                )
                # The client's own district first, then the rest of the city.
                cand = rng.permutation(cand)
                cand = cand[np.argsort(lots["region"].to_numpy()[cand] != s_region, kind="stable")]
                mine = np.sort(cand[: scale.cover_lots])
                if len(mine) == 0:
                    continue
                used[mine] = True
                sub, ratio = force_wins(rng, book.rows(mine), mine, np.full(len(mine), s), _col(world, "quality"))
                sub = add_bids(
                    sub,
                    mine,
                    np.full(len(mine), cover),
                    ratio * (1 + rng.uniform(0.004, 0.025, len(mine))),
                    rng.normal(-0.5, 0.5, len(mine)),
                    True,
                )
                book.put(mine, sub)
                all_lots.append(mine)
            records.append(
                {"org": cover, "serves": clients, "lots": np.concatenate(all_lots) if all_lots else np.zeros(0, int)}
            )
    return records


# --------------------------------------------------------------------------------------------
# Tenderer and agency affinity


def plant_affinity(
    rng, world: World, lots: pd.DataFrame, book: BidBook, scale: Scale, used: np.ndarray, by: str, hard: bool = False
) -> list:
    """A tenderer (``by="tenderer"``) or agency (``by="agency"``) whose lots one firm wins at an
    abnormal rate; two cases in three (``hard``: one in two) also share a person: an official of
    the tenderer (or an employee of the agency) who is a shareholder or bid agent of the firm."""
    records = []
    owner = lots[by].to_numpy()
    eligible = (lots["n_bidders"].to_numpy() >= 3) & (owner >= 0) & (lots["category"].to_numpy() != "emergency")
    n_cases = scale.tenderer_affinity if by == "tenderer" else scale.agency_affinity
    link_role = "official" if by == "tenderer" else "employee"
    for c in range(scale.cities):
        for i in range(n_cases):
            cand = np.flatnonzero(eligible & ~used & (lots["city"].to_numpy() == c))
            if len(cand) == 0:
                continue
            # One of the busiest (owner, supply) pairs that has a free local firm to favour.
            pair = owner[cand] * 3 + lots["supply"].to_numpy()[cand]
            keys, counts = np.unique(pair, return_counts=True)
            keys = keys[np.argsort(-counts, kind="stable")]
            pool = np.zeros(0, int)
            for key in np.concatenate([rng.permutation(keys[:3]), keys[3:]]):
                who, supply = int(key) // 3, int(key) % 3
                area = (
                    _col(world, "region") == _col(world, "region")[who]
                    if by == "tenderer"
                    else _col(world, "city") == c
                )
                pool = free_firms(world, (_col(world, "supply") == supply) & area)
                if len(pool):
                    break
            if len(pool) == 0:
                continue
            mine = cand[pair == key]
            take = max(3, round(0.75 * len(mine)))
            mine = np.sort(rng.permutation(mine)[: min(take, scale.cover_lots * 2)])
            f = int(rng.choice(pool))
            _tag(world, [f], f"{by}_affinity")
            used[mine] = True
            sub, _ = force_wins(rng, book.rows(mine), mine, np.full(len(mine), f), _col(world, "quality"))
            book.put(mine, sub)
            person = None
            if (i % 2 == 0) if hard else (i % 3 != 2):
                holders = world.index[link_role].of(who)
                if len(holders):
                    person = int(rng.choice(holders))
                    _link(rng, world, person, f)
            records.append({by: who, "org": f, "person": person, "lots": mine})
    return records


def _link(rng, world: World, person: int, firm: int) -> None:
    """``person`` becomes a shareholder (taking 10-35 % from the largest holder) or bid agent of ``firm``."""
    since = world.orgs.at[firm, "founded_on"] + np.timedelta64(int(rng.integers(200, 2500)), "D")
    if rng.random() < 0.6:
        _link_share(rng, world, person, firm, since)
    else:
        world.add_role(person, firm, "bid_agent", np.nan, since)


# --------------------------------------------------------------------------------------------
# Expert affinity (the scores are planted by panels.py)


def plant_expert_affinity(rng, world: World, lots: pd.DataFrame, book: BidBook, scale: Scale, used: np.ndarray) -> list:
    """Pick (expert, firm) pairs and the firm's comprehensive lots the expert will sit on."""
    records = []
    comp = lots["evaluation"].to_numpy() == "comprehensive"
    experts = world.experts
    for c in range(scale.cities):
        for _ in range(scale.expert_affinity):
            pool = free_firms(world, _col(world, "city") == c)
            f = int(rng.choice(pool))
            subtypes = np.flatnonzero(SUPPLY_OF_SUBTYPE == _col(world, "supply")[f])
            s = int(rng.choice(subtypes))
            cand = np.flatnonzero(
                comp
                & ~used
                & (lots["subtype"].to_numpy() == s)
                & (lots["city"].to_numpy() == c)
                & (lots["n_bidders"].to_numpy() >= 3)
            )
            mine = np.sort(rng.permutation(cand)[: scale.cover_lots])
            ex = np.flatnonzero((experts["specialty"].to_numpy() == s) & (experts["bias"].to_numpy() == ""))
            if len(mine) < 3 or len(ex) == 0:
                continue
            e = int(rng.choice(ex))
            experts.loc[e, "bias"] = "affinity"
            _tag(world, [f], "expert_affinity")
            used[mine] = True
            # The firm bids (validly, at an ordinary price) on each of those lots.
            q = _col(world, "quality")[f]
            sub = add_bids(
                book.rows(mine),
                mine,
                np.full(len(mine), f),
                rng.uniform(0.86, 0.95, len(mine)),
                0.6 * q + 0.8 * rng.standard_normal(len(mine)),
                True,
            )
            book.put(mine, sub)
            records.append({"expert": e, "org": f, "lots": mine})
    return records


def leave_personal_traces(rng, world: World, ring: dict) -> None:
    """Shared people or contacts across a ring's members, as its ``traces`` say.

    personnel: the organiser's legal representative is also a shareholder, director or project
    manager of 1-2 other members; phone / email / address: 1-2 members give the organiser's.
    """
    o = ring["organiser"]
    others = [int(m) for m in ring["members"] if m != o]
    k = min(len(others), int(rng.integers(1, 3)))
    targets = rng.choice(others, k, replace=False)
    values = ring.setdefault("trace_values", {})
    for kind in ring["traces"]:
        if kind == "personnel":
            person = int(world.index["legal_rep"].of(o)[0])
            for t in targets:
                role = str(rng.choice(["shareholder", "director", "project_manager"]))
                if role == "shareholder":
                    _link_share(rng, world, person, int(t))
                else:
                    world.add_role(person, int(t), role)
            values["person"] = [person]
        elif kind in ("phone", "email", "address"):
            world.orgs.loc[targets, kind] = world.orgs.at[o, kind]
            values[kind] = [world.orgs.at[o, kind]]


def _link_share(rng, world: World, person: int, firm: int, since=None) -> None:
    roles = world.roles
    holders = roles.index[(roles["org"] == firm) & (roles["role"] == "shareholder")]
    top = roles.loc[holders, "share_pct"].idxmax()
    share = round(float(min(rng.uniform(10, 35), roles.at[top, "share_pct"] - 1)), 2)
    roles.at[top, "share_pct"] = round(roles.at[top, "share_pct"] - share, 2)
    world.add_role(person, firm, "shareholder", share, since)
