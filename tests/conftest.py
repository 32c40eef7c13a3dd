from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BIDGRAPH_SHARED", REPO.parent / "shared"))
ARTIFACTS = REPO / "test-artifacts"


def _frame(rows: list[dict], dates=(), bools=(), numbers=()) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for c in dates:
        df[c] = pd.to_datetime(df[c])
    for c in bools:
        df[c] = df[c].astype("boolean")
    for c in numbers:
        df[c] = df[c].astype(float)
    df["_file"] = "fixture.csv"
    df["_row"] = range(2, len(df) + 2)
    return df


@pytest.fixture
def tiny_tables() -> dict[str, pd.DataFrame]:
    """A hand-made world: one tenderer, one agency, three bidders on two lots; A and B bid
    from the same IP and share a legal representative."""
    orgs = _frame(
        [
            {"org_id": "T1", "name": "某市教育局", "kind": "government", "region_code": "330102", "phone": None},
            {"org_id": "G1", "name": "某招标代理有限公司", "kind": "agency", "region_code": "330102", "phone": None},
            {
                "org_id": "A",
                "name": "甲建设工程有限公司",
                "kind": "enterprise",
                "region_code": "330102",
                "phone": "13800000001",
            },
            {
                "org_id": "B",
                "name": "乙建筑有限公司",
                "kind": "enterprise",
                "region_code": "330102",
                "phone": "13800000001",
            },
            {
                "org_id": "C",
                "name": "丙市政工程有限公司",
                "kind": "enterprise",
                "region_code": "330105",
                "phone": "13800000003",
            },
        ]
    )
    persons = _frame([{"person_id": "P1", "name": "张伟", "id_number": "11010519491231002X", "phone": None}])
    roles = _frame(
        [
            {"person_id": "P1", "org_id": "A", "role": "legal_rep"},
            {"person_id": "P1", "org_id": "B", "role": "shareholder"},
        ]
    )
    projects = _frame(
        [
            {
                "project_id": "PR1",
                "name": "实验小学改造",
                "category": "construction",
                "region_code": "330102",
                "tenderer_id": "T1",
                "agency_id": "G1",
                "budget": 5e6,
                "procedure": "open",
            }
        ],
        numbers=["budget"],
    )
    lots = _frame(
        [
            {"lot_id": "L1", "project_id": "PR1", "name": "一标段", "ceiling_price": 3e6, "opened_on": "2024-03-05"},
            {"lot_id": "L2", "project_id": "PR1", "name": "二标段", "ceiling_price": 2e6, "opened_on": "2024-03-06"},
        ],
        dates=["opened_on"],
        numbers=["ceiling_price"],
    )
    bids = _frame(
        [
            {"bid_id": "B1", "lot_id": "L1", "org_id": "A", "price": 2.9e6, "is_winner": True, "is_valid": True},
            {"bid_id": "B2", "lot_id": "L1", "org_id": "B", "price": 2.95e6, "is_winner": False, "is_valid": True},
            {"bid_id": "B3", "lot_id": "L1", "org_id": "C", "price": 2.97e6, "is_winner": False, "is_valid": True},
            {"bid_id": "B4", "lot_id": "L2", "org_id": "B", "price": 1.9e6, "is_winner": True, "is_valid": True},
            {"bid_id": "B5", "lot_id": "L2", "org_id": "C", "price": 1.95e6, "is_winner": False, "is_valid": True},
        ],
        bools=["is_winner", "is_valid"],
        numbers=["price"],
    )
    uploads = _frame(
        [
            {"bid_id": "B1", "ip": "10.0.0.7", "mac": "AA:BB:CC:DD:EE:01"},
            {"bid_id": "B2", "ip": "10.0.0.7", "mac": "AA:BB:CC:DD:EE:02"},
            {"bid_id": "B3", "ip": "10.0.9.9", "mac": None},
        ]
    )
    return {
        "organizations": orgs,
        "persons": persons,
        "person_roles": roles,
        "projects": projects,
        "lots": lots,
        "bids": bids,
        "bid_uploads": uploads,
    }


def as_bundle(tables: dict[str, pd.DataFrame], source: str = "fixture") -> SimpleNamespace:
    empty = pd.DataFrame(columns=["table", "file", "row", "column", "reason", "value"])
    counts = {t: {"read": len(f), "taken": len(f), "quarantined": 0} for t, f in tables.items()}
    return SimpleNamespace(
        tables=tables,
        quarantine=empty,
        warnings=empty,
        merges=pd.DataFrame(columns=["kind", "kept_id", "merged_id", "reason"]),
        counts=counts,
        source=source,
    )
