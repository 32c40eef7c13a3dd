"""Small hand-made bidding worlds for the co-bidding detectors' tests.

``market_world(seed)`` is one district market of honest firms that compete (independent prices,
lowest wins) with planted schemes, plus a decoy small county whose five firms meet on every lot
but compete:

- ring ``RING1..RING4`` (RING1 and RING2 upload from the same MAC): on 24 lots all four bid with
  one or two outsiders; the members take turns winning near the ceiling and the others bid 1-3 %
  above the winner;
- silent ring ``QUIET1..QUIET3``: the same behaviour on 18 lots, with no trace at all;
- cover bidder ``COVER1`` serves honest firm ``H03``: on 15 lots it bids 0.5-2 % above H03's
  winning bid and otherwise never wins;
- hidden pair ``TWIN1``/``TWIN2``: no shared person, contact or device, but on 14 lots they bid
  together within 0.5 % of each other and lose to the same firms;
- decoy county ``C01..C05`` (region ``R2``): 30 lots, all five bid on each, independent prices.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from bidgraph.graph.snapshot import Snapshot

RING = ["RING1", "RING2", "RING3", "RING4"]
QUIET = ["QUIET1", "QUIET2", "QUIET3"]
COUNTY = [f"C{i:02d}" for i in range(1, 6)]
HONEST = [f"H{i:02d}" for i in range(1, 41)]


class _Builder:
    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.lots, self.projects, self.bids, self.uploads = [], [], [], []
        self.day = pd.Timestamp("2024-01-01")

    def lot(self, region: str, offers: dict[str, float], winner: str | None = None) -> str:
        """Add a lot with the given ``{org: price / ceiling}``; the lowest price wins."""
        n = len(self.lots) + 1
        lot_id, project_id = f"L{n:04d}", f"P{n:04d}"
        self.day += pd.Timedelta(days=1)
        ceiling = 1_000_000.0
        self.projects.append(
            {
                "project_id": project_id,
                "name": f"project {n}",
                "category": "construction",
                "region_code": region,
                "tenderer_id": "GOV1",
                "agency_id": None,
                "budget": ceiling,
                "procedure": "open",
                "approved_on": self.day,
            }
        )
        self.lots.append(
            {
                "lot_id": lot_id,
                "project_id": project_id,
                "name": None,
                "ceiling_price": ceiling,
                "published_on": self.day,
                "opened_on": self.day,
                "evaluation": "lowest_price",
            }
        )
        winner = winner or min(offers, key=offers.get)
        for rank, (org, ratio) in enumerate(sorted(offers.items(), key=lambda kv: kv[1]), start=1):
            bid_id = f"{lot_id}-{org}"
            self.bids.append(
                {
                    "bid_id": bid_id,
                    "lot_id": lot_id,
                    "org_id": org,
                    "price": round(ratio * ceiling, 2),
                    "submitted_at": self.day,
                    "score": None,
                    "rank": rank,
                    "is_winner": org == winner,
                    "is_valid": True,
                }
            )
            self.uploads.append(
                {
                    "bid_id": bid_id,
                    "ip": f"10.{n % 250}.{rank}.{len(self.bids) % 250}",
                    "mac": "AA:BB:CC:00:00:01" if org in ("RING1", "RING2") else None,
                    "hardware_id": None,
                    "uploaded_at": self.day,
                }
            )
        return lot_id

    def competitive(self, k: int) -> list[float]:
        return list(self.rng.uniform(0.80, 0.95, size=k))

    def snapshot(self, orgs: list[str], persons: list[dict] | None = None, roles: list[dict] | None = None) -> Snapshot:
        organizations = pd.DataFrame(
            {
                "org_id": orgs + ["GOV1"],
                "name": orgs + ["county government"],
                "kind": ["enterprise"] * len(orgs) + ["government"],
                "region_code": None,
                "phone": None,
                "email": None,
                "address": None,
            }
        )
        tables = {
            "organizations": organizations,
            "projects": pd.DataFrame(self.projects),
            "lots": pd.DataFrame(self.lots),
            "bids": pd.DataFrame(self.bids),
            "bid_uploads": pd.DataFrame(self.uploads),
            "persons": pd.DataFrame(persons or [], columns=["person_id", "name", "id_number", "phone"]),
            "person_roles": pd.DataFrame(
                roles or [], columns=["person_id", "org_id", "role", "share_pct", "since", "until"]
            ),
        }
        for name, table in tables.items():
            table["_file"] = f"{name}.csv"
            table["_row"] = np.arange(2, len(table) + 2)
        return Snapshot(tables)


def _honest_lot(b: _Builder, extra: dict[str, float] | None = None) -> None:
    firms = list(b.rng.choice(HONEST, size=int(b.rng.integers(4, 8)), replace=False))
    offers = dict(zip(firms, b.competitive(len(firms))))
    offers.update(extra or {})
    b.lot("R1", offers)


def _ring_lots(b: _Builder, members: list[str], n_lots: int) -> None:
    for i in range(n_lots):
        winner = members[i % len(members)]
        win = float(b.rng.uniform(0.96, 0.99))
        offers = {m: win * (1 + float(b.rng.uniform(0.01, 0.03))) for m in members if m != winner}
        offers[winner] = win
        for outsider in b.rng.choice(HONEST, size=int(b.rng.integers(1, 3)), replace=False):
            offers[str(outsider)] = float(b.rng.uniform(0.995, 1.0))
        b.lot("R1", offers)


@cache
def market_world(seed: int = 7, twin_tie: bool = False, county_region: str = "R2") -> Snapshot:
    """The district market described in the module docstring.

    ``twin_tie`` records a shared legal representative between TWIN1 and TWIN2;
    ``county_region="R1"`` puts the county's lots in the district's market, so that the null
    model no longer explains its meetings and only its competitive prices clear it. Cached:
    detectors must not modify the snapshot they read.
    """
    b = _Builder(seed)
    for _ in range(160):
        _honest_lot(b)
    _ring_lots(b, RING, 24)
    _ring_lots(b, QUIET, 18)
    for _ in range(15):  # COVER1 shadows H03
        firms = [str(f) for f in b.rng.choice([h for h in HONEST if h != "H03"], size=3, replace=False)]
        offers = dict(zip(firms, [float(x) for x in b.rng.uniform(0.90, 0.97, size=3)]))
        offers["H03"] = float(b.rng.uniform(0.82, 0.88))
        offers["COVER1"] = offers["H03"] * (1 + float(b.rng.uniform(0.005, 0.02)))
        b.lot("R1", offers)
    for _ in range(14):  # the twins bid as one
        firms = [str(f) for f in b.rng.choice(HONEST, size=3, replace=False)]
        offers = dict(zip(firms, b.competitive(3)))
        base = float(b.rng.uniform(0.90, 0.96))
        offers["TWIN1"], offers["TWIN2"] = base, base * (1 + float(b.rng.uniform(0.0, 0.005)))
        offers[firms[0]] = 0.80
        b.lot("R1", offers)
    for _ in range(30):  # the decoy county
        b.lot(county_region, dict(zip(COUNTY, b.competitive(5))))
    persons, roles = [], []
    if twin_tie:
        persons = [{"person_id": "PER1", "name": "Zhang San", "id_number": None, "phone": None}]
        roles = [
            {"person_id": "PER1", "org_id": o, "role": "legal_rep", "share_pct": None, "since": None, "until": None}
            for o in ("TWIN1", "TWIN2")
        ]
    return b.snapshot(HONEST + RING + QUIET + COUNTY + ["COVER1", "TWIN1", "TWIN2"], persons, roles)
