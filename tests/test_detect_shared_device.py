"""shared_device: rare shared upload values group competing bidders; public ones stay weak."""
from snapshot_fixture import make_snapshot

from bidgraph.detectors import shared_device
from bidgraph.detectors.settings import load_settings

PARAMS = load_settings()["shared_device"]


def _world():
    """A, B share a MAC on 6 lots (with a third honest bidder each); 30 firms upload from the
    trading centre's public IP, three at a time on the same lots; C and D share a MAC but never
    meet on a lot."""
    bids, ups = [], []
    for i in range(6):
        for org in ("A", "B", f"X{i}"):
            bid = f"L{i}-{org}"
            bids.append({"bid_id": bid, "lot_id": f"L{i}", "org_id": org, "price": 100.0})
            ups.append({"bid_id": bid, "ip": f"10.0.{i}.{len(org)}{org}", "mac": "aa:aa" if org in "AB" else f"m-{bid}"})
    for j in range(30):
        for i in range(4):
            bid = f"Q{j // 3}_{i}-F{j}"
            bids.append({"bid_id": bid, "lot_id": f"Q{j // 3}_{i}", "org_id": f"F{j}", "price": 100.0})
            ups.append({"bid_id": bid, "ip": "222.1.1.1", "mac": f"mac-F{j}"})
    for org, lot in (("C", "M1"), ("D", "M2")):
        bids.append({"bid_id": f"{lot}-{org}", "lot_id": lot, "org_id": org, "price": 1.0})
        ups.append({"bid_id": f"{lot}-{org}", "mac": "cc:cc"})
    return make_snapshot(bids=bids, bid_uploads=ups)


def test_pair_sharing_a_mac_on_six_lots_is_one_high_finding():
    findings = shared_device.detect(_world(), PARAMS, 1)
    pair = [f for f in findings if {e.id for e in f.entities if e.type == "company"} == {"A", "B"}]
    assert len(pair) == 1
    f = pair[0]
    assert f.severity == "high"
    assert f.evidence["lots"] == [f"L{i}" for i in range(6)]
    assert {"type": "device", "id": "aa:aa", "role": "shared"} in [e.to_json() for e in f.entities]
    assert ["Bid:L0-A", "UPLOADED_ON", "Device:aa:aa"] in f.evidence["edges"]
    assert ["Organization:A", "SUBMITTED", "Bid:L0-A"] in f.evidence["edges"]
    assert f.evidence["shared_values"][0]["firms_holding_value"] == 2
    assert "6" in f.evidence["explanation"]["zh"] and "rarity" in f.evidence["explanation"]["en"]


def test_public_ip_shared_by_thirty_firms_is_never_high():
    findings = shared_device.detect(_world(), PARAMS, 1)
    public = [f for f in findings if any(v["value"] == "222.1.1.1" for v in f.evidence["shared_values"])]
    assert all(f.severity != "high" and f.evidence["measured"]["only_public"] for f in public)
    assert all(f.score <= PARAMS["public_cap"] for f in public)


def test_shared_value_without_a_common_lot_is_not_a_finding():
    findings = shared_device.detect(_world(), PARAMS, 1)
    assert not any({"C", "D"} & {e.id for e in f.entities} for f in findings)


def test_public_addresses_raise_the_score_only_up_to_the_cap():
    # with a looser public fence the same 30-firm IP counts as rare and the groups become strong
    loose = dict(PARAMS, public_min_firms=100, weight_ip=0.9)
    strict = shared_device.detect(_world(), PARAMS, 1)
    relaxed = shared_device.detect(_world(), loose, 1)
    ip_groups = [f for f in relaxed if any(v["value"] == "222.1.1.1" for v in f.evidence["shared_values"])]
    assert max(f.score for f in ip_groups) > PARAMS["public_cap"]
    assert max((f.score for f in strict if f.evidence["measured"]["only_public"]), default=0) <= PARAMS["public_cap"]


def test_output_is_deterministic_and_sorted():
    a = [f.to_json() for f in shared_device.detect(_world(), PARAMS, 1)]
    b = [f.to_json() for f in shared_device.detect(_world(), PARAMS, 2)]
    assert a == b
    assert [f["score"] for f in a] == sorted((f["score"] for f in a), reverse=True)
