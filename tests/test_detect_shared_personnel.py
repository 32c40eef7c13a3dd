"""shared_personnel: the same person or contact behind competing bidders, with the chain."""

from snapshot_fixture import make_snapshot

from bidgraph.detectors import shared_personnel
from bidgraph.detectors.core.settings import load_settings

PARAMS = load_settings()["shared_personnel"]


def _world(extra_roles=()):
    """A and B compete on 2 lots and share person P1 (legal rep of A, 30% shareholder of B);
    C and D compete and share nothing but a business-centre address held by 20 firms; E and F
    share person P2 but never bid on the same lot."""
    bids = [
        {"bid_id": f"{l}-{o}", "lot_id": l, "org_id": o}
        for l, orgs in (("L1", "ABX"), ("L2", "ABY"), ("L3", "CD"), ("L4", "E"), ("L5", "F"))
        for o in orgs
    ]
    orgs = [{"org_id": o, "name": o, "address": f"{o} road"} for o in "ABXYEF"]
    orgs += [{"org_id": o, "name": o, "address": "1 Incubator Park"} for o in "CD"]
    orgs += [{"org_id": f"Z{i}", "name": f"Z{i}", "address": "1 Incubator Park"} for i in range(18)]
    persons = [
        {"person_id": "P1", "name": "张三", "phone": "13800000001"},
        {"person_id": "P2", "name": "李四", "phone": "13800000002"},
    ]
    roles = [
        {"person_id": "P1", "org_id": "A", "role": "legal_rep"},
        {"person_id": "P1", "org_id": "B", "role": "shareholder", "share_pct": 30.0},
        {"person_id": "P2", "org_id": "E", "role": "director"},
        {"person_id": "P2", "org_id": "F", "role": "director"},
        *extra_roles,
    ]
    return make_snapshot(bids=bids, organizations=orgs, persons=persons, person_roles=roles)


def _companies(f):
    return {e.id for e in f.entities if e.type == "company"}


def test_one_person_in_two_competitors_is_high_with_the_chain():
    findings = shared_personnel.detect(_world(), PARAMS, 1)
    pair = [f for f in findings if _companies(f) == {"A", "B"}]
    assert len(pair) == 1 and pair[0].severity == "high"
    ev = pair[0].evidence
    assert ["Person:P1", "HOLDS_ROLE", "Organization:A"] in ev["edges"]
    assert ["Person:P1", "HOLDS_ROLE", "Organization:B"] in ev["edges"]
    assert "Person P1 (张三) → legal_rep of A; shareholder 30% of B" in ev["paths"]
    assert ev["lots"] == ["L1", "L2"]
    assert {"type": "person", "id": "P1", "role": "shared"} in [e.to_json() for e in pair[0].entities]


def test_shared_business_centre_address_is_not_high():
    findings = shared_personnel.detect(_world(), PARAMS, 1)
    assert all(f.severity == "low" for f in findings if _companies(f) == {"C", "D"})


def test_person_in_firms_that_never_compete_is_not_a_finding():
    findings = shared_personnel.detect(_world(), PARAMS, 1)
    assert not any({"E", "F"} & _companies(f) for f in findings)


def test_roles_outside_the_setting_do_not_link():
    # an ordinary employee of C who is also an employee of D: employees are not in `roles`
    world = _world(
        [{"person_id": "P2", "org_id": "C", "role": "employee"}, {"person_id": "P2", "org_id": "D", "role": "employee"}]
    )
    findings = shared_personnel.detect(world, PARAMS, 1)
    assert not any(f.severity != "low" for f in findings if _companies(f) == {"C", "D"})
    with_employees = dict(PARAMS, roles=PARAMS["roles"] + ["employee"])
    linked = [f for f in shared_personnel.detect(world, with_employees, 1) if _companies(f) == {"C", "D"}]
    assert linked and linked[0].severity in ("medium", "high")


def _office_world(meetings: int):
    """Six firms O0-O5 give one serviced office's address and agent's phone; O0 and O1 meet on
    ``meetings`` lots; each also bids on 5 lots of its own, in a market of 1,000 other lots."""
    office = [f"O{i}" for i in range(6)]
    lots = [(f"M{l}", ("O0", "O1", "S0")) for l in range(meetings)]
    lots += [(f"{o}-{l}", (o, f"S{l}", f"T{l}")) for o in office for l in range(5)]
    lots += [(f"B{l}", (f"S{l % 40}", f"T{l % 37}", f"U{l % 31}")) for l in range(1000)]
    bids = [{"bid_id": f"{lot}-{o}", "lot_id": lot, "org_id": o} for lot, orgs in lots for o in orgs]
    orgs = [{"org_id": o, "name": o, "address": "8 Tower, Room 1201", "phone": "0791-8888"} for o in office]
    orgs += [{"org_id": f"{p}{i}", "name": f"{p}{i}", "address": f"{p}{i} road"} for p in "STU" for i in range(40)]
    return make_snapshot(bids=bids, organizations=orgs, persons=[], person_roles=[])


def test_serviced_office_contact_shared_on_one_lot_is_a_shared_service():
    findings = shared_personnel.detect(_office_world(1), PARAMS, 1)
    assert not any({"O0", "O1"} <= _companies(f) for f in findings)
    below = dict(PARAMS, service_min_firms=PARAMS["public_min_firms"])  # the old rule: six firms are rare
    assert any({"O0", "O1"} <= _companies(f) for f in shared_personnel.detect(_office_world(1), below, 1))


def test_office_contact_shared_on_lot_after_lot_stays_rare():
    findings = [f for f in shared_personnel.detect(_office_world(12), PARAMS, 1) if {"O0", "O1"} <= _companies(f)]
    assert findings and not any(v["public"] for v in findings[0].evidence["shared_values"])
    assert findings[0].evidence["thresholds"]["service_min_firms"] == 3
