import pandas as pd
from snapshot_fixture import make_snapshot
from workbench_world import FINDINGS

from bidgraph.graph.snapshot import Snapshot
from bidgraph.workbench.views import count_by, entity_uid, finding_rows, findings_by_entity, organization_timeline


def test_entity_types_map_to_labels():
    assert entity_uid({"type": "company", "id": "ORG1"}) == "Organization:ORG1"
    assert entity_uid({"type": "device", "id": "AA:BB"}) == "Device:AA:BB"


def test_finding_rows_take_region_category_and_date_from_the_lot(tiny_tables):
    rows = finding_rows(FINDINGS, Snapshot(tiny_tables)).set_index("id")
    assert rows.loc["F-000001", ["region", "category", "date", "month"]].tolist() == [
        "330102",
        "construction",
        "2024-03-05",
        "2024-03",
    ]
    assert rows.loc["F-000003", "date"] == "2024-03-06"
    # no lot or project: the region of its first organization, no date
    assert rows.loc["F-000002", "region"] == "330102" and pd.isna(rows.loc["F-000002", "date"])
    assert rows.loc["F-000002", "entities"] == "company:A company:B person:P1"


def test_count_by_orders_months_by_time_and_others_by_count(tiny_tables):
    rows = finding_rows(FINDINGS, Snapshot(tiny_tables))
    assert count_by(rows, "month") == [("2024-03", 2), ("?", 1)]
    assert count_by(rows, "detector")[0] == ("frequent_winner", 1)
    assert count_by(rows, "region") == [("330102", 3)]


def test_findings_by_entity_covers_entities_and_evidence_nodes():
    index = findings_by_entity(FINDINGS)
    assert index["Organization:B"] == ["F-000001", "F-000002", "F-000003"]
    assert index["Bid:B1"] == ["F-000001"]
    assert "Organization:C" not in index


def test_organization_timeline_counts_bids_and_wins_per_month(tiny_tables):
    frame = organization_timeline(Snapshot(tiny_tables), "B")
    assert frame.to_dict("records") == [{"month": "2024-03", "bids": 2, "wins": 1, "won_amount": 1.9e6}]
    assert organization_timeline(Snapshot(tiny_tables), "NOPE").empty
    assert list(organization_timeline(Snapshot(tiny_tables), "T1").columns) == ["month", "bids", "wins", "won_amount"]


def test_organization_timeline_dates_bids_by_their_own_lot_when_lots_are_not_in_id_order():
    bids = [
        {"bid_id": "B1", "lot_id": "L2", "org_id": "F", "is_winner": True, "price": 5.0},
        {"bid_id": "B2", "lot_id": "L1", "org_id": "F", "is_winner": False, "price": 6.0},
        {"bid_id": "B3", "lot_id": "L9", "org_id": "F", "submitted_at": "2023-12-20"},  # a lot not in the table
    ]
    lots = [
        {"lot_id": "L2", "project_id": "P", "opened_on": "2024-05-01"},
        {"lot_id": "L1", "project_id": "P", "opened_on": "2024-01-01"},
    ]
    snapshot = make_snapshot(bids=bids, lots=lots, projects=[{"project_id": "P", "name": "P", "tenderer_id": "T"}])
    assert organization_timeline(snapshot, "F").to_dict("records") == [
        {"month": "2023-12", "bids": 1, "wins": 0, "won_amount": 0.0},
        {"month": "2024-01", "bids": 1, "wins": 0, "won_amount": 0.0},
        {"month": "2024-05", "bids": 1, "wins": 1, "won_amount": 5.0},
    ]


def test_finding_rows_of_no_findings_is_an_empty_table(tiny_tables):
    rows = finding_rows([], Snapshot(tiny_tables))
    assert rows.empty and "region" in rows.columns
    assert isinstance(rows, pd.DataFrame)
