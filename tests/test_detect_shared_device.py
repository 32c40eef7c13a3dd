"""shared_device: rare shared upload values group competing bidders; public ones stay weak."""

import numpy as np
import pytest
from snapshot_fixture import make_snapshot

from bidgraph.detectors import shared_device
from bidgraph.detectors.core.settings import load_settings

PARAMS = load_settings()["shared_device"]


def _world():
    """120 honest lots of 4 bidders drawn from 80 firms, each bid uploaded from its own IP
    except 10% from the trading centre's public terminal (about 35 firms), which G1 and G2, two
    regulars of the centre, also use together on 8 lots; A and B share a MAC
    on 6 lots (with a third honest bidder each); a ring of 9 firms uploads from one MAC on 5
    lots; C and D share a MAC but never meet on a lot."""
    rng = np.random.default_rng(7)
    bids, ups = [], []

    def bid(lot, org, ip=None, mac=None):
        b = f"{lot}-{org}"
        bids.append({"bid_id": b, "lot_id": lot, "org_id": org, "price": 100.0})
        ups.append({"bid_id": b, "ip": ip or f"ip-{b}", "mac": mac or f"mac-{b}"})

    for i in range(120):
        for org in rng.choice(80, 4, replace=False):
            bid(f"H{i}", f"F{org}", ip="222.1.1.1" if rng.random() < 0.1 else None)
    for i in range(8):
        for org in ("G1", "G2", f"Y{i}"):
            bid(f"G{i}", org, ip="222.1.1.1" if org in ("G1", "G2") else None)
    for i in range(6):
        for org in ("A", "B", f"X{i}"):
            bid(f"L{i}", org, mac="aa:aa" if org in "AB" else None)
    for i in range(5):
        for j in range(9):
            bid(f"R{i}", f"RING{j}", mac="99:99")
    bid("M1", "C", mac="cc:cc")
    bid("M2", "D", mac="cc:cc")
    return make_snapshot(bids=bids, bid_uploads=ups)


def _companies(f):
    return {e.id for e in f.entities if e.type == "company"}


def test_pair_sharing_a_mac_on_six_lots_is_one_high_finding():
    findings = shared_device.detect(_world(), PARAMS, 1)
    pair = [f for f in findings if _companies(f) == {"A", "B"}]
    assert len(pair) == 1
    f = pair[0]
    assert f.severity == "high"
    assert f.evidence["lots"] == [f"L{i}" for i in range(6)]
    assert {"type": "device", "id": "aa:aa", "role": "shared"} in [e.to_json() for e in f.entities]
    assert ["Bid:L0-A", "UPLOADED_ON", "Device:aa:aa"] in f.evidence["edges"]
    assert ["Organization:A", "SUBMITTED", "Bid:L0-A"] in f.evidence["edges"]
    assert f.evidence["shared_values"][0]["firms_holding_value"] == 2
    assert "6" in f.evidence["explanation"]["zh"] and "rarity" in f.evidence["explanation"]["en"]


def test_ring_of_nine_sharing_one_mac_is_not_public():
    findings = shared_device.detect(_world(), PARAMS, 1)
    ring = [f for f in findings if _companies(f) == {f"RING{j}" for j in range(9)}]
    assert len(ring) == 1 and ring[0].severity == "high"
    value = ring[0].evidence["shared_values"][0]
    assert value["firms_holding_value"] == 9 >= PARAMS["public_min_firms"] and not value["public"]
    assert value["co_use_p"] <= PARAMS["coincidence_alpha"]


def test_public_ip_shared_by_many_firms_is_never_high():
    findings = shared_device.detect(_world(), PARAMS, 1)
    regulars = [f for f in findings if _companies(f) == {"G1", "G2"}]
    assert len(regulars) == 1 and regulars[0].evidence["lots"] == [f"G{i}" for i in range(8)]
    assert regulars[0].evidence["measured"]["only_public"]
    assert regulars[0].severity != "high" and regulars[0].score <= PARAMS["public_cap"]
    value = regulars[0].evidence["shared_values"][0]
    assert value["public"] and value["firms_holding_value"] >= PARAMS["public_min_firms"]
    assert all(
        f.score <= PARAMS["public_cap"] and f.evidence["measured"]["lots"] >= PARAMS["public_min_lots"]
        for f in findings
        if f.evidence["measured"]["only_public"]
    )


def test_shared_value_without_a_common_lot_is_not_a_finding():
    findings = shared_device.detect(_world(), PARAMS, 1)
    assert not any({"C", "D"} & {e.id for e in f.entities} for f in findings)


def test_the_cap_is_what_keeps_public_evidence_low():
    uncapped = shared_device.detect(_world(), dict(PARAMS, public_cap=1.0), 1)
    regulars = [f for f in uncapped if _companies(f) == {"G1", "G2"}]
    assert regulars[0].score > PARAMS["public_cap"]


def test_output_is_deterministic_and_sorted():
    a = [f.to_json() for f in shared_device.detect(_world(), PARAMS, 1)]
    b = [f.to_json() for f in shared_device.detect(_world(), PARAMS, 2)]
    assert a == b
    assert [f["score"] for f in a] == sorted((f["score"] for f in a), reverse=True)


def test_one_machine_on_one_lot_counts_once():
    bids = [{"bid_id": f"K-{o}", "lot_id": "K", "org_id": o} for o in ("P", "Q", "R")]
    ups = [
        {
            "bid_id": f"K-{o}",
            "ip": "7.7.7.7" if o != "R" else "8.8.8.8",
            "mac": "77:77" if o != "R" else "88:88",
            "hardware_id": "HW7" if o != "R" else "HW8",
        }
        for o in ("P", "Q", "R")
    ]
    findings = shared_device.detect(make_snapshot(bids=bids, bid_uploads=ups), PARAMS, 1)
    assert len(findings) == 1 and _companies(findings[0]) == {"P", "Q"}
    assert findings[0].score == pytest.approx(PARAMS["weight_hardware_id"])
    assert len(findings[0].evidence["shared_values"]) == 3
