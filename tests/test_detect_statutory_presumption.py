"""statutory_presumption: each presumption of Art. 34, 40 and 41 fires as its own rule on a lot
that shows it, and stays silent on its look-alikes (a minority shareholder, a default author,
unpatterned prices, masked accounts that differ)."""

import pytest
from snapshot_fixture import make_snapshot

from bidgraph.detectors import statutory_presumption

PARAMS = dict(statutory_presumption.DEFAULTS)


def _bid(lot: str, org: str, price: float | None = None, winner: bool = False) -> dict:
    return {"bid_id": f"{lot}-{org}", "lot_id": lot, "org_id": org, "price": price, "is_winner": winner}


def _role(person: str, org: str, role: str, share: float | None = None) -> dict:
    return {"person_id": person, "org_id": org, "role": role, "share_pct": share}


@pytest.fixture(scope="module")
def findings():
    bids = [_bid("L1", o) for o in "ABCD"] + [_bid("L2", o) for o in "EFGH"] + [_bid("L3", o) for o in "IJK"]
    bids += [_bid("L4", o, p) for o, p in zip("RSTU", (1_003_170, 1_023_170, 1_043_170, 1_090_450))]
    bids += [_bid("L5", o, p) for o, p in zip("XYZ", (1_003_170, 1_023_233.40, 1_043_698.07))]
    bids += [_bid("L6", o, p) for o, p in zip("IJK", (1_000_000, 1_031_000, 1_047_000))]
    bids += [_bid("L7", o) for o in "MNOPQ"] + [_bid("L8", "W", winner=True), _bid("L8", "A")]
    bids += [_bid(f"Q{i}", f"G{i}") for i in range(6)]
    roles = [_role("P1", "A", "legal_rep"), _role("P1", "B", "shareholder", 80.0)]
    roles += [_role("P2", "C", "shareholder", 30.0), _role("P2", "D", "shareholder", 30.0)]
    roles += [_role("P3", "E", "bid_agent"), _role("P3", "F", "bid_agent")]
    roles += [_role("P4", "G", "project_manager"), _role("P4", "H", "project_manager")]
    roles += [_role("P9", "GOV", "official"), _role("P9", "W", "shareholder", 10.0)]
    docs = [
        {"bid_id": "L3-I", "author": "Li Ming", "fingerprint": "FP1"},
        {"bid_id": "L3-J", "author": " li ming", "fingerprint": "FP2"},
        {"bid_id": "L3-K", "author": "Wang", "fingerprint": "FP1"},
    ]
    docs += [{"bid_id": f"Q{i}-G{i}", "author": "Administrator"} for i in range(6)]
    docs += [{"bid_id": "L1-C", "author": "Administrator"}, {"bid_id": "L1-D", "author": "Administrator"}]
    bonds = [
        {"bid_id": "L7-M", "payer_account": "6222 0000 1111"},
        {"bid_id": "L7-N", "payer_account": "6222-0000-1111"},
        {"bid_id": "L7-O", "payer_account": "6222****1111"},
        {"bid_id": "L7-P", "payer_account": "6222****1111"},
        {"bid_id": "L7-Q", "payer_account": "6222****2222"},
    ]
    persons = [{"person_id": p, "name": p} for p in ("P1", "P2", "P3", "P4", "P9")]
    snapshot = make_snapshot(bids=bids, persons=persons, person_roles=roles, bid_documents=docs, bid_bonds=bonds)
    return statutory_presumption.detect(snapshot, PARAMS, 0)


def _by_kind(findings) -> dict[str, list[set[str]]]:
    out: dict[str, list[set[str]]] = {}
    for f in findings:
        out.setdefault(f.evidence["kind"], []).append({e.id for e in f.entities if e.type == "company"})
    return out


def test_each_presumption_fires_once_on_its_own_bidders(findings):
    assert _by_kind(findings) == {
        "art34_same_controller": [{"A", "B"}],
        "art40_2_same_agent": [{"E", "F"}],
        "art40_3_same_manager": [{"G", "H"}],
        "art40_1_same_compiler": [{"I", "J"}],
        "art40_5_mixed_documents": [{"I", "K"}],
        "art40_6_same_bond_account": [{"M", "N"}],
        "art40_6_same_masked_account": [{"O", "P"}],
        "art40_4_price_pattern": [{"R", "S", "T"}, {"X", "Y", "Z"}],
        "art41_tenderer_link": [{"W", "GOV"}],
    }


def test_the_article_is_quoted_and_the_numbers_given(findings):
    by = {f.evidence["kind"]: f for f in findings}
    assert "第三十四条" in by["art34_same_controller"].evidence["rule"]["zh"]
    assert "同一单位或者个人的账户转出" in by["art40_6_same_bond_account"].evidence["rule"]["zh"]
    assert "第四十一条" in by["art41_tenderer_link"].evidence["rule"]["zh"]
    assert ["Person:P1", "HOLDS_ROLE", "Organization:B"] in by["art34_same_controller"].evidence["edges"]
    assert by["art40_6_same_masked_account"].score < by["art40_6_same_bond_account"].score


def test_price_patterns_name_their_step(findings):
    patterns = [f for f in findings if f.evidence["kind"] == "art40_4_price_pattern"]
    assert [(f.evidence["measured"]["pattern"], f.evidence["measured"]["step"]) for f in patterns] == [
        ("difference", 20_000),
        ("ratio", 1.02),
    ]
    assert "依次相差20,000元" in patterns[0].evidence["explanation"]["zh"]


def test_a_single_price_pattern_of_four_bids_is_one_longer_run():
    bids = [_bid("L1", o, p) for o, p in zip("ABCD", (1_000_130, 1_010_130, 1_020_130, 1_030_130))]
    (f,) = statutory_presumption.detect(make_snapshot(bids=bids), PARAMS, 0)
    assert f.evidence["measured"]["bids_in_pattern"] == 4 and f.score == pytest.approx(0.7)


def test_round_prices_in_a_coarse_market_are_no_pattern():
    """Prices rounded to 10,000 yuan whose neighbours sit 10,000 apart step evenly by chance; the
    same steps to the yuan would not."""
    coarse = (1_000_000, 1_010_000, 1_020_000, 1_040_000, 1_050_000)
    bids = [_bid("L1", o, p) for o, p in zip("ABCDE", coarse)]
    assert statutory_presumption.detect(make_snapshot(bids=bids), PARAMS, 0) == []
    exact = [_bid("L1", o, p + 1_234) for o, p in zip("ABCDE", coarse)]
    (f,) = statutory_presumption.detect(make_snapshot(bids=exact), PARAMS, 0)
    assert f.evidence["measured"]["expected_by_chance"] <= PARAMS["max_chance"]


def test_the_compiler_and_manager_named_in_bid_texts_count():
    bids = [_bid("L1", o) for o in "ABC"]
    texts = [
        {"bid_id": "L1-A", "section": "cover", "text": "投标人：A。编制人：张伟（P7）。"},
        {"bid_id": "L1-B", "section": "cover", "text": "投标人：B。编制人：张伟（P7）。"},
        {"bid_id": "L1-B", "section": "project_manager", "text": "拟派项目经理：王芳（P8），持有效注册建造师证书。"},
        {"bid_id": "L1-C", "section": "project_manager", "text": "拟派项目经理：王芳（P8），持有效注册建造师证书。"},
        {"bid_id": "L1-C", "section": "cover", "text": "编制人：李强（P9）。"},
    ]
    persons = [{"person_id": p, "name": p} for p in ("P7", "P8", "P9")]
    found = statutory_presumption.detect(make_snapshot(bids=bids, persons=persons, bid_texts=texts), PARAMS, 0)
    assert _by_kind(found) == {"art40_1_same_compiler": [{"A", "B"}], "art40_3_same_manager": [{"B", "C"}]}
    compiler = found[0]
    assert compiler.evidence["measured"]["via"] == ["compiler"]
    assert {"type": "person", "id": "P7", "role": "shared"} in [e.to_json() for e in compiler.entities]


def test_namesakes_are_two_people_but_a_stranger_named_as_author_is_one_compiler():
    """Lot N1: each bidder's document names its own registered 张伟 (two people, one name): silent.
    Lot N2: a bidder with no 张伟 of its own submits a document by the other's 张伟: Art. 40(1)."""
    bids = [_bid("N1", o) for o in "AB"] + [_bid("N2", o) for o in "AC"]
    roles = [_role("PA", "A", "bid_agent"), _role("PB", "B", "bid_agent"), _role("PC", "C", "bid_agent")]
    persons = [{"person_id": "PA", "name": "张伟"}, {"person_id": "PB", "name": "张伟"}]
    persons += [{"person_id": "PC", "name": "李娜"}]
    docs = [{"bid_id": b["bid_id"], "author": "张伟"} for b in bids]
    snapshot = make_snapshot(bids=bids, persons=persons, person_roles=roles, bid_documents=docs)
    found = statutory_presumption.detect(snapshot, PARAMS, 0)
    assert [(f.evidence["kind"], f.evidence["bids"]) for f in found] == [("art40_1_same_compiler", ["N2-A", "N2-C"])]
