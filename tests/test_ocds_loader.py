"""The OCDS loader on real data (ProZorro compiled releases, Armeps releases) and on small messy
documents: counts checked by reading the files, ids and references consistent, nothing lost."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from bidgraph.detectors.cardinal.engine import flag_releases
from bidgraph.detectors.cardinal.settings import parse_settings
from bidgraph.errors import InputError
from bidgraph.loaders.ocds import read_ocds, read_ocds_bundle
from bidgraph.loaders.ocds_releases import iter_compiled_releases, merge_releases

OCDS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ocds"
PROZORRO, ARMEPS = OCDS / "ukraine_prozorro_compiled.jsonl", OCDS / "armenia_armeps_releases.jsonl"
needs_data = pytest.mark.skipif(not OCDS.is_dir(), reason=f"OCDS sample data not found at {OCDS}")


def assert_references_hold(bundle):
    t = bundle.tables
    orgs = set(t["organizations"]["org_id"])
    assert t["organizations"]["org_id"].is_unique and t["bids"]["bid_id"].is_unique
    assert set(t["projects"]["tenderer_id"]) <= orgs
    assert set(t["lots"]["project_id"]) <= set(t["projects"]["project_id"])
    assert set(t["bids"]["lot_id"]) <= set(t["lots"]["lot_id"]) and set(t["bids"]["org_id"]) <= orgs
    assert set(t["contracts"]["lot_id"]) <= set(t["lots"]["lot_id"]) and set(t["contracts"]["org_id"]) <= orgs
    for name, count in bundle.counts.items():
        assert count["read"] == count["taken"] + count["quarantined"], name


@needs_data
def test_prozorro_compiled_releases():
    bundle = read_ocds_bundle(PROZORRO)
    t = bundle.tables
    # Read from the file: 11 processes, 28 parties (28 distinct ids), 12 bids, 3 tender lots in
    # 3 processes (8 without lots get one lot each), 10 contracts, no transactions.
    assert {n: len(t[n]) for n in ("projects", "organizations", "lots", "bids", "contracts", "payments")} == {
        "projects": 11,
        "organizations": 28,
        "lots": 11,
        "bids": 12,
        "contracts": 10,
        "payments": 0,
    }
    assert len(bundle.quarantine) == 0
    assert_references_hold(bundle)
    # Tenderers carry no id in ProZorro bids: the identifier (UA-EDR-...) names the party.
    assert t["bids"]["org_id"].str.startswith("UA-EDR-").all()
    assert int(t["bids"]["is_winner"].sum()) == 5 and t["bids"]["is_valid"].all()
    one = t["bids"][t["bids"]["bid_id"].str.endswith("/c2b211c0b35748df87d99bf796500ca5")].iloc[0]
    assert (one["org_id"], one["price"], one["currency"], bool(one["is_winner"])) == (
        "UA-EDR-40133709",
        2910.0,
        "UAH",
        True,
    )
    assert one["lot_id"] == "ocds-be6bcu-UA-2016-06-02-000468-c/3775e4cf289645d888fd3a8264666622"
    assert set(t["projects"]["procedure"]) == {"open", "single_source"}  # open 6, limited 5
    assert (t["projects"]["procedure"] == "single_source").sum() == 5
    assert t["organizations"].set_index("org_id").loc["UA-EDR-20201870", "kind"] == "government"


@needs_data
def test_armeps_releases_with_messy_values_kept():
    bundle = read_ocds_bundle(ARMEPS)
    t = bundle.tables
    # 100 releases of 100 processes (73 planning only), 131 parties of 48 organisations,
    # 36 bids (4 with a null amount, 3 not-qualified), 29 tender lots + 73 processes without lots.
    assert {n: len(t[n]) for n in ("projects", "organizations", "lots", "bids", "contracts")} == {
        "projects": 100,
        "organizations": 48,
        "lots": 102,
        "bids": 36,
        "contracts": 21,
    }
    assert len(bundle.quarantine) == 0
    assert_references_hold(bundle)
    assert t["bids"]["price"].isna().sum() == 4  # kept, price missing
    assert (~t["bids"]["is_valid"].astype(bool)).sum() == 3
    assert set(t["bids"].loc[~t["bids"]["is_valid"].astype(bool), "status"]) == {"not-qualified"}
    # Unusable contact values are reported as warnings with the OCDS line and JSON path.
    warned = bundle.warnings[bundle.warnings["column"] == "phone"].iloc[0]
    assert warned["row"] == 1 and warned["reason"].startswith("parties[0]: ")


def write_lines(path: Path, *docs) -> Path:
    path.write_text("\n".join(d if isinstance(d, str) else json.dumps(d) for d in docs) + "\n", encoding="utf-8")
    return path


def messy_release():
    return {
        "ocid": "ocds-x-1",
        "date": "2024-01-02T00:00:00Z",
        "tag": ["award"],
        "buyer": {"id": "b"},
        "parties": [
            {
                "id": "b",
                "name": "City Hospital",
                "roles": ["buyer"],
                "identifier": {"scheme": "CN-USCC", "id": "91350100M000100Y43"},
            },
            {"id": "s1", "name": "Builder One", "roles": ["tenderer", "supplier"]},
            {"name": "No Id Ltd", "roles": ["tenderer"]},
        ],
        "tender": {
            "title": "Ward repair",
            "procurementMethod": "selective",
            "mainProcurementCategory": "works",
            "value": {"amount": 100, "currency": "CNY"},
            "awardCriteria": "lowestCost",
            "tenderPeriod": {"startDate": "2024-01-01T09:00:00+08:00", "endDate": "2024-01-20T09:30:00+08:00"},
        },
        "bids": {
            "details": [
                {"id": "1", "status": "valid", "tenderers": [{"id": "s1"}], "value": {"amount": 90, "currency": "CNY"}},
                {"status": "valid", "tenderers": [{"id": "s1"}], "value": {"amount": 91, "currency": "CNY"}},
                {
                    "id": "3",
                    "status": "disqualified",
                    "tenderers": [{"name": "Walk-in Co"}],
                    "value": {"amount": "ninety", "currency": "CNY"},
                },
            ]
        },
        "awards": [{"id": "a1", "status": "active", "suppliers": [{"id": "s1"}]}],
        "contracts": [
            {
                "id": "c1",
                "awardID": "a1",
                "value": {"amount": 90, "currency": "CNY"},
                "dateSigned": "2024-02-01T10:00:00+08:00",
                "implementation": {
                    "transactions": [
                        {"id": "t1", "date": "2024-03-01", "value": {"amount": 45, "currency": "CNY"}},
                        {"id": "t2", "date": "2024-04-01", "value": {"amount": "n/a"}},
                    ]
                },
            }
        ],
    }


def test_messy_items_are_reported_not_lost(tmp_path):
    path = write_lines(tmp_path / "messy.jsonl", messy_release(), "{not json", {"ocid": "ocds-x-2"})
    raw = read_ocds(path)
    assert len(raw["bids"]) == 3 and len(raw["payments"]) == 2 and len(raw["_unreadable"]) == 1
    bundle = read_ocds_bundle(path)
    q = bundle.quarantine
    reasons = q.groupby(["table", "column"])["reason"].apply(set).to_dict()
    # the party without an id, and the tenderer known only by name
    assert reasons[("organizations", "org_id")] == {
        "parties[2]: required value is missing",
        "bids.details[2].tenderers[0]: required value is missing",
    }
    assert reasons[("bids", "bid_id")] == {"bids.details[1]: required value is missing"}
    price = q[(q["table"] == "bids") & (q["column"] == "price")].iloc[0]
    assert price["reason"].startswith("bids.details[2]: ") and price["value"] == "ninety"
    assert next(iter(reasons[("payments", "amount")])).startswith("contracts[0].implementation.transactions[1]: ")
    assert q.loc[q["table"].isin(["organizations", "bids", "payments"]), "row"].eq(1).all()  # their line
    cascade = q[q["table"] == "lots"].iloc[0]  # the lot of the process without name and buyer
    assert cascade["row"] == 3 and cascade["reason"].endswith(
        "quarantined row of projects (" + str(path) + " row 3, release)"
    )
    broken = q[(q["table"] == "projects") & (q["row"] == 2)].iloc[0]
    assert broken["reason"].startswith("line is not JSON") and broken["value"] == "{not json"
    counts = bundle.counts
    assert counts["bids"] == {"read": 3, "taken": 1, "quarantined": 2}
    assert counts["payments"] == {"read": 2, "taken": 1, "quarantined": 1}
    assert counts["projects"] == {"read": 3, "taken": 1, "quarantined": 2}  # the broken line, ocds-x-2
    # The org referenced only by name became a row too (quarantined: it has no id); the rest hold.
    orgs = bundle.tables["organizations"].set_index("org_id")
    assert orgs.loc["CN-USCC-91350100M000100Y43", "uscc"] == "91350100M000100Y43"
    assert orgs.loc["CN-USCC-91350100M000100Y43", "kind"] == "government"
    assert orgs.loc["s1", "kind"] == "enterprise"
    project = bundle.tables["projects"].set_index("project_id").loc["ocds-x-1"]
    assert (project["procedure"], project["category"], project["tenderer_id"]) == (
        "invited",
        "construction",
        "CN-USCC-91350100M000100Y43",
    )
    lot = bundle.tables["lots"].set_index("lot_id").loc["ocds-x-1"]
    assert lot["evaluation"] == "lowest_price" and str(lot["opened_on"]) == "2024-01-20 09:30:00"
    bid = bundle.tables["bids"].iloc[0]
    assert (bid["bid_id"], bid["org_id"], bool(bid["is_winner"]), bid["_row"]) == ("ocds-x-1/1", "s1", True, 1)
    assert bundle.tables["payments"].iloc[0]["payment_id"] == "ocds-x-1/c1/t1"


def test_packages_records_and_release_merging(tmp_path):
    early = {
        "ocid": "p-1",
        "id": "r1",
        "date": "2024-01-01",
        "tag": ["tender"],
        "parties": [{"id": "B", "roles": ["buyer"], "name": "Buyer"}],
        "buyer": {"id": "B"},
        "tender": {"title": "Old title", "lots": [{"id": "L1"}, {"id": "L2"}]},
        "bids": {"details": [{"id": "x", "status": "pending", "tenderers": [{"id": "B"}]}]},
    }
    late = {
        "ocid": "p-1",
        "id": "r2",
        "date": "2024-02-01",
        "tag": ["award"],
        "tender": {"title": "New title", "lots": [{"id": "L2", "title": "Second"}]},
        "bids": {"details": [{"id": "x", "status": "valid", "relatedLots": ["L1", "L2"]}]},
    }
    package = tmp_path / "package.json"
    package.write_text(json.dumps({"uri": "u", "releases": [late, early]}))
    tables = read_ocds(package)
    assert tables["projects"]["name"].tolist() == ["New title"]
    assert sorted(tables["lots"]["lot_id"]) == ["p-1/L1", "p-1/L2"]
    assert tables["lots"].set_index("lot_id").loc["p-1/L2", "name"] == "Second"
    # the merged bid is valid, for two lots: one row per lot
    assert sorted(tables["bids"]["bid_id"]) == ["p-1/x/L1", "p-1/x/L2"]
    assert set(tables["bids"]["is_valid"]) == {"true"}
    assert merge_releases([early, late])["tag"] == ["compiled"]

    compiled = dict(late, tag=["compiled"], tender={"title": "Compiled"})
    records = tmp_path / "records.json"
    records.write_text(
        json.dumps(
            {
                "records": [
                    {"ocid": "p-1", "releases": [{"url": "x"}], "compiledRelease": compiled},
                    {"ocid": "p-2", "releases": [dict(early, ocid="p-2"), dict(late, ocid="p-2")]},
                    {"ocid": "p-3", "releases": [{"url": "only/linked"}]},
                ]
            }
        )
    )
    tables = read_ocds(records)
    assert tables["projects"]["project_id"].tolist() == ["p-1", "p-2"]
    assert tables["projects"]["name"].tolist() == ["Compiled", "New title"]
    assert tables["_unreadable"]["reason"].str.contains("only linked releases").tolist() == [True]
    listed = write_lines(tmp_path / "list.jsonl", [early, dict(early, ocid="p-9")])
    assert read_ocds(listed)["projects"]["project_id"].tolist() == ["p-1", "p-9"]
    packed = tmp_path / "list.jsonl.gz"
    packed.write_bytes(gzip.compress(listed.read_bytes()))
    assert read_ocds(packed)["projects"]["project_id"].tolist() == ["p-1", "p-9"]


@needs_data
def test_compiled_releases_feed_the_red_flags():
    releases = list(iter_compiled_releases(ARMEPS))
    assert len(releases) == 100 and all(isinstance(r["ocid"], str) for r in releases)
    results = flag_releases(iter_compiled_releases(PROZORRO), parse_settings("[R018]\n")).results
    # ProZorro: open processes whose tender.numberOfTenderers is the integer 1, read from the file.
    expected = {
        json.loads(line)["ocid"]
        for line in PROZORRO.read_text().splitlines()
        if json.loads(line)["tender"].get("procurementMethod") == "open"
        and json.loads(line)["tender"].get("numberOfTenderers") == 1
    }
    assert expected and set(results["OCID"]) == expected


def test_unusable_files_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="cannot be read"):
        read_ocds(tmp_path / "absent.jsonl")
    with pytest.raises(InputError, match="is a directory"):
        read_ocds(tmp_path)
    truncated = tmp_path / "cut.jsonl.gz"
    truncated.write_bytes(gzip.compress(b'{"ocid": "a"}\n')[:-6])
    with pytest.raises(InputError, match="cut.jsonl.gz: cannot be read"):
        read_ocds(truncated)
    garbage = tmp_path / "garbage.json"
    garbage.write_text("hello\nworld\n")
    with pytest.raises(InputError, match="neither JSON nor JSON Lines"):
        read_ocds(garbage)
    scalar = tmp_path / "scalar.json"
    scalar.write_text("42")
    with pytest.raises(InputError, match="not an OCDS document"):
        read_ocds(scalar)


def test_json_that_is_not_ocds_is_refused_not_loaded_empty(tmp_path):
    for name, text in (("foo.json", '{"foo": 1}'), ("list.json", '[{"foo": 1}, 2]'), ("lines.jsonl", '{"a": 1}\n')):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=r"not OCDS: no release, record or package found \(row 1: "):
            read_ocds_bundle(path)
    mixed = write_lines(tmp_path / "mixed.jsonl", messy_release(), {"foo": 1})
    bundle = read_ocds_bundle(mixed)
    assert bundle.tables["projects"]["project_id"].tolist() == ["ocds-x-1"]
    lost = bundle.quarantine[bundle.quarantine["row"] == 2]
    assert lost["reason"].tolist() == ["line is not an OCDS release, record or package"]


def test_times_with_offsets_are_beijing_time_and_midnight_is_a_date(tmp_path):
    from bidgraph.detectors import procedure_gap
    from bidgraph.graph.snapshot import Snapshot

    release = messy_release()
    # Dates without a time, written as midnight with an offset, on the same day.
    release["tender"]["tenderPeriod"]["endDate"] = "2024-01-20T00:00:00Z"
    release["contracts"][0]["dateSigned"] = "2024-01-20T00:00:00+08:00"
    release["bids"]["details"][0]["date"] = "2024-01-19T01:30:00Z"
    bundle = read_ocds_bundle(write_lines(tmp_path / "dates.jsonl", release))
    assert bundle.tables["lots"]["opened_on"].tolist() == [pd.Timestamp("2024-01-20")]
    assert bundle.tables["contracts"]["signed_on"].tolist() == [pd.Timestamp("2024-01-20")]
    assert bundle.tables["bids"]["submitted_at"].tolist()[0] == pd.Timestamp("2024-01-19 09:30")
    found = procedure_gap.detect(Snapshot(bundle.tables), procedure_gap.DEFAULTS, 0)
    kinds = [f.evidence["kind"] for f in found]
    assert "award_before_opening" not in kinds and "contract_before_award" in kinds
