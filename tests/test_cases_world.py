"""Region scope on a two-county world (also the world the other test_cases_* files use)."""

from __future__ import annotations

import contextlib
import io
import sys
from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bidgraph.cases.db import CasesStore
from bidgraph.cases.scope import RegionIndex, Scope
from bidgraph.cases.signing import Signer
from bidgraph.cases.users import User, add_user
from bidgraph.cli import main
from bidgraph.graph.snapshot import Snapshot

WEST, EAST = "330106", "330108"  # two counties (区县) of one city
PASSWORD = "Zx9-correct-horse"


def _t(rows: list[dict], file: str) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df["_file"], df["_row"] = file, range(2, len(df) + 2)
    return df


def world_tables() -> dict[str, pd.DataFrame]:
    """Project P1 in the west, P2 in the east; ORG1 bids only west, ORG3 only east, ORG2 both."""
    return {
        "organizations": _t(
            [
                {"org_id": o, "name": n}
                for o, n in (
                    ("ORG1", "杭州甲建设有限公司"),
                    ("ORG2", "杭州乙建设有限公司"),
                    ("ORG3", "杭州丙建设有限公司"),
                    ("GOV1", "西区交通局"),
                    ("GOV2", "东区教育局"),
                )
            ],
            "organizations.csv",
        ),
        "persons": _t([{"person_id": "PER1", "name": "张三"}], "persons.csv"),
        "person_roles": _t([{"person_id": "PER1", "org_id": "ORG3", "role": "legal_rep"}], "person_roles.csv"),
        "experts": _t([{"expert_id": "E1", "name": "王专家"}, {"expert_id": "E2", "name": "李专家"}], "experts.csv"),
        "projects": _t(
            [
                {"project_id": "P1", "name": "西区道路", "region_code": WEST, "tenderer_id": "GOV1"},
                {"project_id": "P2", "name": "东区学校", "region_code": EAST, "tenderer_id": "GOV2"},
            ],
            "projects.csv",
        ),
        "lots": _t([{"lot_id": "L1", "project_id": "P1"}, {"lot_id": "L2", "project_id": "P2"}], "lots.csv"),
        "bids": _t(
            [
                {"bid_id": "B1", "lot_id": "L1", "org_id": "ORG1", "price": 100.0, "score": 88.5, "is_winner": True},
                {"bid_id": "B2", "lot_id": "L1", "org_id": "ORG2", "price": 101.0, "score": 87.0, "is_winner": False},
                {"bid_id": "B3", "lot_id": "L2", "org_id": "ORG2", "price": 200.0, "score": 90.0, "is_winner": True},
                {"bid_id": "B4", "lot_id": "L2", "org_id": "ORG3", "price": 201.0, "score": 80.0, "is_winner": False},
            ],
            "bids.csv",
        ),
        "expert_scores": _t(
            [
                {"lot_id": "L1", "expert_id": "E1", "bid_id": "B1", "score": 90},
                {"lot_id": "L2", "expert_id": "E2", "bid_id": "B3", "score": 70},
            ],
            "expert_scores.csv",
        ),
        "bid_uploads": _t(
            [{"bid_id": "B1", "ip": "10.0.0.1", "mac": "AA:BB"}, {"bid_id": "B4", "ip": "10.0.0.9", "mac": "CC:DD"}],
            "bid_uploads.csv",
        ),
        "regions": _t(
            [{"region_code": WEST, "name": "西湖区"}, {"region_code": EAST, "name": "滨江区"}], "regions.csv"
        ),
    }


def finding(fid: str, lot: str, *orgs: str, score: float = 0.9) -> dict:
    return {
        "id": fid,
        "detector": "shared_device",
        "score": score,
        "severity": "high",
        "entities": [{"type": "company", "id": o, "role": "member"} for o in orgs]
        + [{"type": "lot", "id": lot, "role": "context"}],
        "summary": f"{len(orgs)} 家投标人在标段 {lot} 使用同一 MAC 地址上传标书",
        "evidence": {
            "rule": {"zh": "同一标段的投标人共用上传设备", "en": "bidders on one lot share an upload device"},
            "explanation": {"zh": f"{len(orgs)} 家共用 MAC AA:BB", "en": f"{len(orgs)} share MAC AA:BB"},
            "measured": {"bidders": len(orgs)},
            "thresholds": {"bidders": 2},
            "nodes": [f"Lot:{lot}"],
            "paths": [[f"Organization:{orgs[0]}", f"Lot:{lot}"]],
        },
    }


class Clock:
    """A settable clock for the store (sessions, lockout, deadlines)."""

    def __init__(self, start: datetime = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path, clock) -> CasesStore:
    return CasesStore(tmp_path / "ws", clock=clock)


@pytest.fixture
def people(store) -> dict[str, User]:
    """admin (city), city investigator, west and east investigators, west viewer, west analyst."""
    op = User("setup", "admin", None)
    specs = {
        "admin": ("admin", None),
        "city": ("investigator", None),
        "west": ("investigator", WEST),
        "east": ("investigator", EAST),
        "viewer": ("viewer", WEST),
        "analyst": ("analyst", WEST),
    }
    return {name: add_user(store, op, name, PASSWORD, role, region) for name, (role, region) in specs.items()}


def office_signer() -> Signer:
    """A fresh office key, in memory only."""
    return Signer(Ed25519PrivateKey.generate())


def cli_admin(workspace, monkeypatch, name: str = "boss") -> None:
    """Set up the command line as an office would: the OS user creates the first admin of the
    empty store, the admin (password at the prompt) makes an API token, and the token goes in
    BIDGRAPH_TOKEN. Writes three audit entries (user.add, login, user.token)."""
    ws = ["--workspace", str(workspace)]
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main([*ws, "user", "add", name, "--role", "admin"]) == 0
    monkeypatch.setattr("getpass.getpass", lambda prompt: PASSWORD)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*ws, "user", "token", name, "--user", name]) == 0
    monkeypatch.setenv("BIDGRAPH_TOKEN", out.getvalue().split()[0])


def load_world(workspace) -> None:
    """Write the world as the workspace's loaded graph (all schema tables, missing ones empty)."""
    from bidgraph.graph.embedded.versions import Workspace
    from bidgraph.graph.schema import schema
    from bidgraph.graph.snapshot import empty_table

    given, tables = world_tables(), {}
    for name in schema().tables:
        base = empty_table(name)
        df = given.get(name, base)
        tables[name] = df.reindex(columns=list(base.columns) + [c for c in df.columns if c not in base.columns])
    Workspace(workspace).write_version(tables, {"source": "test world"})


@pytest.fixture
def index() -> RegionIndex:
    return RegionIndex(world_tables())


def test_regions_follow_projects_lots_bids_and_bidders(index):
    assert index.regions("project", "P1") == {WEST}
    assert index.regions("lot", "L2") == {EAST}
    assert index.regions("bid", "B4") == {EAST}
    assert index.regions("company", "ORG1") == {WEST}
    assert index.regions("company", "ORG2") == {WEST, EAST}
    assert index.regions("company", "GOV2") == {EAST}  # tenderer
    assert index.regions("expert", "E2") == {EAST}
    assert index.regions("device", "CC:DD") == {EAST}
    assert index.regions("person", "PER1") == {EAST}  # legal representative of ORG3
    assert index.regions("company", "NOBODY") == frozenset()


def test_a_snapshot_works_like_a_dict_of_tables():
    tables = world_tables()
    assert RegionIndex(Snapshot(tables)).regions("ip", "10.0.0.1") == RegionIndex(tables).regions("ip", "10.0.0.1")


def test_findings_are_placed_by_their_lot_not_by_a_bidder_active_elsewhere(index):
    west_ring = finding("F1", "L1", "ORG1", "ORG2")
    assert index.finding_regions(west_ring) == {WEST}  # ORG2 also bids east, but the lot is west
    only_orgs = {
        "id": "F9",
        "detector": "hidden_link",
        "score": 0.5,
        "entities": [{"type": "company", "id": "ORG2", "role": "member"}],
    }
    assert index.finding_regions(only_orgs) == {WEST, EAST}


def test_county_scope_filters_findings_tables_and_subgraphs(index):
    west, city = Scope(WEST), Scope(None)
    fs = [finding("F1", "L1", "ORG1", "ORG2"), finding("F2", "L2", "ORG2", "ORG3")]
    assert [f["id"] for f in west.filter_findings(fs, index)] == ["F1"]
    assert city.filter_findings(fs, index) == fs
    frame = pd.DataFrame(fs)
    assert list(west.filter_findings(frame, index)["id"]) == ["F1"]
    bids = world_tables()["bids"]
    assert list(west.filter_table("bids", bids, index)["bid_id"]) == ["B1", "B2"]
    assert list(Scope(EAST).filter_table("scores", world_tables()["expert_scores"], index)["expert_id"]) == ["E2"]
    with pytest.raises(KeyError):
        west.filter_table("mystery", bids, index)
    regions = world_tables()["regions"]  # vocabulary, not facts about parties: read whole
    assert west.filter_table("regions", regions, index).equals(regions)
    sub = {
        "nodes": [{"id": "Organization:ORG1"}, {"id": "Organization:ORG3"}, {"id": "Phone:123"}, {"id": "Phone:999"}],
        "edges": [
            {"source": "Organization:ORG1", "target": "Phone:123", "type": "HAS_PHONE"},
            {"source": "Organization:ORG3", "target": "Phone:999", "type": "HAS_PHONE"},
        ],
    }
    cut = west.filter_subgraph(sub, index)
    assert [n["id"] for n in cut["nodes"]] == ["Organization:ORG1", "Phone:123"]
    assert len(cut["edges"]) == 1
