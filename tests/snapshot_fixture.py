"""Hand-built snapshots for detector tests: give rows as dicts, get schema-shaped tables."""
from __future__ import annotations

import pandas as pd

from bidgraph.graph.schema import schema
from bidgraph.graph.snapshot import Snapshot


def table(name: str, rows: list[dict]) -> pd.DataFrame:
    """Rows as the loader would give them: every schema column present, provenance added."""
    cols = list(schema().tables[name].columns)
    df = pd.DataFrame(rows, columns=cols + [c for r in rows[:1] for c in r if c not in cols])
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
        tables["projects"] = [{"project_id": p, "name": p, "tenderer_id": "GOV"}
                              for p in sorted({l["project_id"] for l in tables["lots"]})]
    if "organizations" not in tables:
        ids = {b["org_id"] for b in bids} | {p["tenderer_id"] for p in tables["projects"]}
        tables["organizations"] = [{"org_id": o, "name": o} for o in sorted(ids)]
    tables.setdefault("persons", [])
    tables.setdefault("person_roles", [])
    return Snapshot({name: table(name, rows) for name, rows in tables.items()})
