"""Lifecycle warnings fire on the planted fact and stay silent on its honest twin."""

import pytest
from snapshot_fixture import make_snapshot

from bidgraph.detectors import contract_splitting, payment_anomaly, procedure_gap, winner_not_builder


def run(module, snap):
    return module.detect(snap, module.DEFAULTS, 0)


def purchase(lot, day, amount, procedure="inquiry", tenderer="GOV", winner="W", category="goods"):
    return (
        {"project_id": f"P{lot}", "name": lot, "tenderer_id": tenderer, "category": category, "procedure": procedure},
        {"lot_id": lot, "project_id": f"P{lot}", "opened_on": day},
        {"bid_id": f"B{lot}", "lot_id": lot, "org_id": winner, "price": amount, "is_winner": True, "is_valid": True},
    )


def world(purchases, **extra):
    projects, lots, bids = map(list, zip(*purchases))
    orgs = sorted({p["tenderer_id"] for p in projects} | {b["org_id"] for b in bids} | set(extra.pop("orgs", [])))
    return make_snapshot(
        projects=projects, lots=lots, bids=bids, organizations=[{"org_id": o, "name": o} for o in orgs], **extra
    )


def test_splitting_fires_on_pieces_just_under_the_threshold():
    snap = world(
        [
            purchase("L1", "2024-03-01", 1_700_000),
            purchase("L2", "2024-03-20", 1_800_000),
            purchase("L3", "2024-04-25", 1_650_000),
        ]
    )
    [f] = run(contract_splitting, snap)
    assert {e.id for e in f.entities if e.type == "lot"} == {"L1", "L2", "L3"}
    assert f.evidence["measured"]["lots"] == 3 and f.evidence["measured"]["total_amount"] == 5_150_000
    assert f.evidence["thresholds"]["open_tender_threshold"] == 2_000_000
    assert "化整为零" in f.evidence["rule"]["zh"]


@pytest.mark.parametrize(
    "pieces",
    [
        # openly tendered lots avoided nothing
        [purchase("L1", "2024-03-01", 1_700_000, "open"), purchase("L2", "2024-03-20", 1_800_000, "open")],
        # far apart in time
        [purchase("L1", "2024-01-01", 1_700_000), purchase("L2", "2024-09-01", 1_800_000)],
        # different winners
        [purchase("L1", "2024-03-01", 1_700_000), purchase("L2", "2024-03-20", 1_800_000, winner="X")],
        # together still under the threshold
        [purchase("L1", "2024-03-01", 600_000), purchase("L2", "2024-03-20", 700_000)],
        # many small purchases that only add up: not "just under" the threshold
        [purchase(f"L{i}", f"2024-03-{i + 1:02d}", 300_000) for i in range(8)],
    ],
)
def test_splitting_stays_silent(pieces):
    assert run(contract_splitting, world(pieces)) == []


def site(lot, person, org, role="施工员", days=100):
    return {"lot_id": lot, "person_id": person, "org_id": org, "role": role, "days_present": days}


def builder_world(site_rows):
    return world(
        [purchase("L1", "2024-03-01", 3_000_000, "open", category="construction")],
        orgs=["OTHER"],
        persons=[{"person_id": p, "name": p} for p in ("PM_W", "E_W", "PM_O", "E_O", "STRANGER")],
        person_roles=[
            {"person_id": "PM_W", "org_id": "W", "role": "project_manager"},
            {"person_id": "E_W", "org_id": "W", "role": "employee"},
            {"person_id": "PM_O", "org_id": "OTHER", "role": "project_manager"},
            {"person_id": "E_O", "org_id": "OTHER", "role": "employee"},
        ],
        site_personnel=site_rows,
    )


def test_winner_not_builder_fires_when_another_firm_is_on_site():
    [f] = run(winner_not_builder, builder_world([site("L1", "PM_O", "OTHER", "项目经理"), site("L1", "E_O", "OTHER")]))
    assert {(e.id, e.role) for e in f.entities if e.type == "company"} == {("W", "winner"), ("OTHER", "builder")}
    assert f.evidence["measured"]["other_firm_share_of_days"] == 1.0
    assert ["Person:PM_O", "ON_SITE", "Lot:L1"] in f.evidence["edges"]


def test_winner_not_builder_fires_on_a_stand_in_project_manager():
    [f] = run(winner_not_builder, builder_world([site("L1", "STRANGER", "W", "项目经理"), site("L1", "E_W", "W")]))
    assert f.evidence["measured"]["stranger_project_managers"] == 1
    assert f.score == winner_not_builder.DEFAULTS["project_manager_score"]


def test_winner_on_site_is_not_flagged():
    assert (
        run(
            winner_not_builder,
            builder_world(
                [site("L1", "PM_W", "W", "项目经理"), site("L1", "E_W", "W"), site("L1", "E_O", "OTHER", days=20)]
            ),
        )
        == []
    )


def money_world(contract, payments, changes=()):
    snap = world(
        [purchase("L1", "2024-03-01", 1_000_000, "open")],
        contracts=[contract],
        payments=payments,
        contract_changes=list(changes),
    )
    return run(payment_anomaly, snap)


CONTRACT = {"contract_id": "C1", "lot_id": "L1", "org_id": "W", "amount": 1_000_000, "signed_on": "2024-03-20"}


def pay(i, amount, day):
    return {"payment_id": f"PAY{i}", "contract_id": "C1", "amount": amount, "paid_on": day}


def test_overpayment_before_signing_and_no_contract():
    [over] = money_world(CONTRACT, [pay(1, 600_000, "2024-04-01"), pay(2, 550_000, "2024-06-01")])
    assert over.evidence["kind"] == "overpayment" and over.evidence["measured"]["excess_share"] == 0.15
    [early] = money_world(CONTRACT, [pay(1, 300_000, "2024-03-01")])
    assert early.evidence["kind"] == "before_signing" and early.evidence["measured"]["days_before_signing"] == 19
    [none] = money_world({**CONTRACT, "signed_on": None, "amount": None}, [pay(1, 300_000, "2024-04-01")])
    assert none.evidence["kind"] == "no_contract"
    assert {p["payment_id"] for p in none.evidence["payments"]} == {"PAY1"}


def test_payments_within_the_contract_are_fine():
    assert money_world(CONTRACT, [pay(1, 300_000, "2024-03-25"), pay(2, 700_000, "2024-08-01")]) == []


def change(i, delta, approved_on="2024-05-01"):
    return {
        "change_id": f"CHG{i}",
        "contract_id": "C1",
        "kind": "quantity",
        "amount_delta": delta,
        "approved_on": approved_on,
    }


def test_payments_within_the_approved_changes_are_not_overpayment():
    payments = [pay(1, 600_000, "2024-04-01"), pay(2, 480_000, "2024-06-01")]
    assert money_world(CONTRACT, payments, [change(1, 50_000), change(2, 40_000)]) == []


def test_payments_beyond_the_changed_amount_are_overpayment_and_say_which_changes_counted():
    payments = [pay(1, 600_000, "2024-04-01"), pay(2, 550_000, "2024-06-01")]
    [over] = money_world(CONTRACT, payments, [change(1, 50_000), change(2, 40_000, approved_on=None)])
    measured = over.evidence["measured"]
    assert measured["contract_amount"] == 1_050_000 and measured["signed_amount"] == 1_000_000
    assert measured["approved_changes"] == ["CHG1"]  # the unapproved change does not raise the ceiling
    assert "CHG1" in over.evidence["explanation"]["zh"] and "approved change" in over.evidence["explanation"]["en"]


def gap_world(published, opened, signed, valid=True, procedure="open"):
    p, lot, bid = purchase("L1", opened, 1_000_000, procedure)
    lot["published_on"] = published
    bid["is_valid"] = valid
    return run(
        procedure_gap,
        make_snapshot(
            projects=[p],
            lots=[lot],
            bids=[bid],
            organizations=[{"org_id": "GOV", "name": "GOV"}, {"org_id": "W", "name": "W"}],
            contracts=[{"contract_id": "C1", "lot_id": "L1", "org_id": "W", "amount": 1e6, "signed_on": signed}],
        ),
    )


@pytest.mark.parametrize(
    "args, kind",
    [
        (("2024-01-01", "2024-03-01", "2024-02-25"), "award_before_opening"),
        (("2024-01-01", "2024-03-01", "2024-03-02"), "contract_before_award"),
        (("2024-02-20", "2024-03-01", "2024-03-20"), "short_publication"),
    ],
)
def test_procedure_gaps(args, kind):
    [f] = gap_world(*args)
    assert f.evidence["kind"] == kind


def test_award_without_valid_bid():
    [f] = gap_world("2024-01-01", "2024-03-01", "2024-03-20", valid=False)
    assert f.evidence["kind"] == "award_without_valid_bid"


def test_orderly_procedure_is_silent():
    assert gap_world("2024-01-01", "2024-03-01", "2024-03-20") == []
    # a short bidding period is legal for an inquiry
    assert gap_world("2024-02-25", "2024-03-01", "2024-03-20", procedure="inquiry") == []
