"""Hand-built snapshots for detector tests: give rows as dicts, get schema-shaped tables."""

from __future__ import annotations

import pandas as pd

from bidgraph.graph.schema import schema
from bidgraph.graph.snapshot import Snapshot


def table(name: str, rows: list[dict]) -> pd.DataFrame:
    """Rows as the loader would give them: every schema column present, provenance added."""
    cols = list(schema().tables[name].columns)
    df = pd.DataFrame(rows, columns=cols + [c for r in rows[:1] for c in r if c not in cols])
    for col, spec in schema().tables[name].columns.items():  # the loader's dtypes
        if spec.type == "date":
            df[col] = pd.to_datetime(df[col])
        elif spec.type == "number":
            df[col] = pd.to_numeric(df[col]).astype(float)
        elif spec.type == "bool":
            df[col] = df[col].astype("boolean")
    df["_file"] = f"{name}.csv"
    df["_row"] = range(2, len(df) + 2)
    return df


def make_snapshot(**tables: list[dict]) -> Snapshot:
    """A Snapshot of the given tables; organizations, projects and lots referenced by bids get
    default rows when not given."""
    bids = tables.get("bids", [])
    if "lots" not in tables:
        tables["lots"] = [{"lot_id": l, "project_id": f"P-{l}"} for l in sorted({b["lot_id"] for b in bids})]
    if "projects" not in tables:
        tables["projects"] = [
            {"project_id": p, "name": p, "tenderer_id": "GOV"}
            for p in sorted({l["project_id"] for l in tables["lots"]})
        ]
    if "organizations" not in tables:
        ids = {b["org_id"] for b in bids} | {p["tenderer_id"] for p in tables["projects"]}
        tables["organizations"] = [{"org_id": o, "name": o} for o in sorted(ids)]
    tables.setdefault("persons", [])
    tables.setdefault("person_roles", [])
    return Snapshot({name: table(name, rows) for name, rows in tables.items()})


def market(
    seed: int = 0,
    n_lots: int = 300,
    n_firms: int = 60,
    n_tenderers: int = 10,
    n_agencies: int = 4,
    n_experts: int = 40,
    panel: int = 5,
    bidders: tuple[int, int] = (3, 8),
) -> dict[str, list[dict]]:
    """An honest market as table rows (edit them to plant a scheme, then ``make_snapshot``).

    Firms of random cost bid on random lots; the lowest price wins. Each lot has a panel of
    ``panel`` experts drawn at random; an expert's score is the bid's quality plus noise.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    firms = [f"F{i:03d}" for i in range(n_firms)]
    cost = dict(zip(firms, rng.uniform(0.9, 1.1, n_firms)))
    tenderers = [f"T{i:02d}" for i in range(n_tenderers)]
    agencies = [f"A{i:02d}" for i in range(n_agencies)]
    experts = [f"E{i:03d}" for i in range(n_experts)]
    rows: dict[str, list[dict]] = {k: [] for k in ("projects", "lots", "bids", "experts", "expert_scores")}
    rows["organizations"] = (
        [{"org_id": o, "name": o, "kind": "enterprise"} for o in firms]
        + [{"org_id": o, "name": o, "kind": "government"} for o in tenderers]
        + [{"org_id": o, "name": o, "kind": "agency"} for o in agencies]
    )
    rows["experts"] = [{"expert_id": e, "name": e} for e in experts]
    for i in range(n_lots):
        lot, project = f"L{i:04d}", f"P{i:04d}"
        rows["projects"].append(
            {
                "project_id": project,
                "name": project,
                "tenderer_id": tenderers[rng.integers(n_tenderers)],
                "agency_id": agencies[rng.integers(n_agencies)],
                "region_code": f"R{rng.integers(3)}",
            }
        )
        rows["lots"].append({"lot_id": lot, "project_id": project, "ceiling_price": 1e6})
        chosen = rng.choice(firms, rng.integers(bidders[0], bidders[1] + 1), replace=False)
        prices = {f: round(1e6 * cost[f] * rng.uniform(0.8, 0.95)) for f in chosen}
        winner = min(prices, key=lambda f: prices[f])
        panel_experts = rng.choice(experts, panel, replace=False)
        for f in sorted(chosen):
            bid = f"{lot}-{f}"
            rows["bids"].append(
                {
                    "bid_id": bid,
                    "lot_id": lot,
                    "org_id": f,
                    "price": prices[f],
                    "is_winner": f == winner,
                    "is_valid": True,
                }
            )
            quality = rng.uniform(60, 90)
            for e in panel_experts:
                rows["expert_scores"].append(
                    {"lot_id": lot, "expert_id": e, "bid_id": bid, "score": round(quality + rng.normal(0, 2), 2)}
                )
    return rows


def set_winner(rows: dict[str, list[dict]], lot: str, org: str, price: float | None = None) -> None:
    """Make ``org`` the winner of ``lot`` (adding its bid when it did not bid)."""
    bids = [b for b in rows["bids"] if b["lot_id"] == lot]
    for b in bids:
        b["is_winner"] = b["org_id"] == org
    if not any(b["org_id"] == org for b in bids):
        low = min(b["price"] for b in bids)
        rows["bids"].append(
            {
                "bid_id": f"{lot}-{org}",
                "lot_id": lot,
                "org_id": org,
                "price": price or low * 0.99,
                "is_winner": True,
                "is_valid": True,
            }
        )


def lots_of(rows: dict[str, list[dict]], column: str, org: str) -> list[str]:
    """The lots of the projects whose ``column`` (tenderer_id, agency_id) is ``org``."""
    projects = {p["project_id"] for p in rows["projects"] if p[column] == org}
    return [l["lot_id"] for l in rows["lots"] if l["project_id"] in projects]
