"""personnel_change: the named manager swapped right after signing, and one manager on two live
sites, fire; a late replacement and consecutive sites do not."""

from snapshot_fixture import make_snapshot

from bidgraph.detectors import personnel_change

PARAMS = dict(personnel_change.DEFAULTS)


def _world(changed_on: str, site: list[dict] = (), reason: str | None = None):
    """A wins L1 (contract K1 signed 2024-03-01) naming its project manager P1; on ``changed_on`` P1
    is replaced by P2."""
    bids = [
        {"bid_id": "L1-A", "lot_id": "L1", "org_id": "A", "is_winner": True},
        {"bid_id": "L2-B", "lot_id": "L2", "org_id": "B", "is_winner": True},
    ]
    return make_snapshot(
        bids=bids,
        persons=[{"person_id": p, "name": p} for p in ("P1", "P2", "P3")],
        person_roles=[{"person_id": "P1", "org_id": "A", "role": "project_manager"}],
        contracts=[{"contract_id": "K1", "lot_id": "L1", "org_id": "A", "signed_on": "2024-03-01"}],
        personnel_changes=[
            {
                "contract_id": "K1",
                "role": "project_manager",
                "person_out": "P1",
                "person_in": "P2",
                "changed_on": changed_on,
                "reason": reason,
            }
        ],
        site_personnel=list(site),
    )


def _site(lot: str, first: str, last: str, role: str = "project_manager") -> dict:
    return {"lot_id": lot, "person_id": "P3", "org_id": "B", "role": role, "first_seen": first, "last_seen": last}


def test_the_named_manager_replaced_a_month_after_signing_fires():
    (f,) = personnel_change.detect(_world("2024-03-31"), PARAMS, 0)
    assert f.evidence["kind"] == "early_replacement"
    assert f.evidence["measured"]["days_after_signing"] == 30 and f.evidence["measured"]["named_in_bid"]
    assert f.score > 0.8 and "第十条" in f.evidence["rule"]["zh"]
    assert {("person", "P1", "replaced"), ("person", "P2", "replacement"), ("company", "A", "winner")} <= {
        (e.type, e.id, e.role) for e in f.entities
    }
    assert f.evidence["change"] == {"file": "personnel_changes.csv", "row": 2}


def test_a_replacement_a_year_later_is_silent():
    assert personnel_change.detect(_world("2025-03-01"), PARAMS, 0) == []


def test_one_manager_on_two_overlapping_sites_fires_once():
    site = [_site("L1", "2024-03-01", "2024-09-30"), _site("L2", "2024-05-01", "2024-12-31")]
    (f,) = personnel_change.detect(_world("2025-03-01", site), PARAMS, 0)
    assert f.evidence["kind"] == "concurrent_sites"
    assert f.evidence["measured"] == {"lots": 2, "longest_overlap_days": 153}
    assert ["Person:P3", "ON_SITE", "Lot:L2"] in f.evidence["edges"]
    assert "第九条" in f.evidence["rule"]["zh"] and "153天" in f.evidence["explanation"]["zh"]


def test_consecutive_sites_and_other_posts_are_silent():
    site = [
        _site("L1", "2024-03-01", "2024-06-30"),
        _site("L2", "2024-06-20", "2024-12-31"),  # a ten-day handover
        _site("L3", "2024-03-01", "2024-12-31", role="safety_officer"),
    ]
    assert personnel_change.detect(_world("2025-03-01", site), PARAMS, 0) == []


def test_a_replacement_the_tenderer_consented_to_is_silent():
    snapshot = _world("2024-03-31", reason="原项目经理因病无法履职，经招标人同意更换为同等资格人员")
    assert personnel_change.detect(snapshot, PARAMS, 0) == []


def test_a_manager_brought_in_while_running_another_site_is_on_two_sites():
    """P2 takes over L1 on 2024-03-31 (after 30 days: also early) while on L2's roster until December."""
    (early, concurrent) = personnel_change.detect(
        _world("2024-03-31", [{**_site("L2", "2024-01-01", "2024-12-31"), "person_id": "P2"}]), PARAMS, 0
    )
    assert (early.evidence["kind"], concurrent.evidence["kind"]) == ("early_replacement", "concurrent_sites")
    assert concurrent.evidence["measured"] == {"lots": 2, "longest_overlap_days": 276}
    assert [r["last_seen"] for r in concurrent.evidence["site_personnel"]] == ["2024-12-31", None]
