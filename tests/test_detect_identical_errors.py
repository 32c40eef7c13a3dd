"""identical_errors: two bids sharing an odd misspelt passage, and two near-copies, fire; honest
bids that share only the model text (boilerplate) do not."""

import numpy as np
import pytest
from snapshot_fixture import make_snapshot

from bidgraph.detectors import identical_errors

PARAMS = dict(identical_errors.DEFAULTS)
BOILERPLATE = "我单位承诺严格按照招标文件要求组织施工，确保工程质量、安全、工期满足合同约定，接受招标人监督检查。" * 3
ERROR = "混凝土强度等级C3O，钢筋保护层厚度按25cn控制，模版拆除时间不少于7填。"


def _prose(seed: int, n: int = 120) -> str:
    """Text nobody else writes: random common characters."""
    rng = np.random.default_rng(seed)
    return "".join(chr(c) for c in rng.integers(0x4E00, 0x4E00 + 2000, n))


@pytest.fixture(scope="module")
def snapshot():
    """Lot L1: A and B each write their own text but both carry ERROR; C and D are honest.
    Lot L2: F's document is E's with one sentence changed. Lots M0-M5: honest bidders.
    Lot L3: G and H exported as platform shingles, mostly the same. Every text has the model text."""
    texts = {"A": _prose(1) + ERROR, "B": ERROR + _prose(2), "C": _prose(3), "D": _prose(4)}
    texts["E"] = _prose(5, 400)
    texts["F"] = texts["E"][:300] + _prose(6, 30) + texts["E"][330:]
    bids, rows = [], []
    for lot, firms in (("L1", "ABCD"), ("L2", "EF")):
        for org in firms:
            bids.append({"bid_id": f"{lot}-{org}", "lot_id": lot, "org_id": org})
            rows += [
                {"bid_id": f"{lot}-{org}", "section": "1 承诺", "text": BOILERPLATE},
                {"bid_id": f"{lot}-{org}", "section": "2 技术", "text": texts[org]},
            ]
    for i in range(6):
        for j in range(3):
            bid = f"M{i}-H{i}{j}"
            bids.append({"bid_id": bid, "lot_id": f"M{i}", "org_id": f"H{i}{j}"})
            rows.append({"bid_id": bid, "section": "1", "text": BOILERPLATE + _prose(100 + 10 * i + j)})
    bids += [{"bid_id": f"L3-{o}", "lot_id": "L3", "org_id": o} for o in "GH"]
    shingles = [{"bid_id": "L3-G", "shingle": f"h{n:04d}"} for n in range(100)]
    shingles += [{"bid_id": "L3-H", "shingle": f"h{n:04d}"} for n in range(10, 105)]
    return make_snapshot(bids=bids, bid_texts=rows, bid_shingles=shingles)


@pytest.fixture(scope="module")
def findings(snapshot):
    return identical_errors.detect(snapshot, PARAMS, 7)


def _pairs(findings):
    return {(f.evidence["kind"], *sorted(e.id for e in f.entities if e.type == "company")) for f in findings}


def test_shared_errors_and_near_copies_fire_and_honest_bids_do_not(findings):
    assert _pairs(findings) == {
        ("shared_errors", "A", "B"),
        ("near_duplicate", "E", "F"),
        ("near_duplicate", "G", "H"),
    }


def test_the_shared_error_is_quoted_and_the_boilerplate_weighs_nothing(findings):
    f = next(f for f in findings if f.evidence["kind"] == "shared_errors")
    assert f.evidence["shared_text"] == [ERROR]
    assert f.evidence["measured"]["rare_shared"] == len(ERROR) - PARAMS["shingle_chars"] + 1
    assert "第四十条第（四）项" in f.evidence["rule"]["zh"] and "C3O" in f.evidence["explanation"]["zh"]
    assert ["Organization:B", "SUBMITTED", "Bid:L1-B"] in f.evidence["edges"]


def test_near_copies_score_by_their_similarity(findings):
    f = next(f for f in findings if f.evidence["kind"] == "near_duplicate" and f.evidence["bids"] == ["L2-E", "L2-F"])
    assert 0.75 < f.evidence["measured"]["weighted_similarity"] < 1
    assert f.score == pytest.approx(0.5 + 0.5 * f.evidence["measured"]["weighted_similarity"], abs=1e-4)


def test_the_seed_only_picks_candidates_the_exact_measure_then_decides(snapshot, findings):
    assert identical_errors.detect(snapshot, PARAMS, 8) == findings


def _lot_of_two(lot: str, texts: tuple[str, str], **tables) -> list:
    """Findings on one two-bid lot beside twelve honest lots (so common text is common)."""
    bids = [{"bid_id": f"{lot}-{o}", "lot_id": lot, "org_id": o} for o in "XY"]
    rows = [{"bid_id": f"{lot}-{o}", "section": "1", "text": t} for o, t in zip("XY", texts)]
    for i in range(12):
        for j in range(2):
            bids.append({"bid_id": f"N{i}-{j}", "lot_id": f"N{i}", "org_id": f"N{i}{j}"})
            common = (SEAM_A if j else SEAM_B) + _prose(300 + 10 * i + j)
            rows.append({"bid_id": f"N{i}-{j}", "section": "1", "text": common})
    return identical_errors.detect(make_snapshot(bids=bids, bid_texts=rows, **tables), PARAMS, 7)


SEAM_A = "施工现场实行封闭管理，接受监理单位全过程监督。"
SEAM_B = "按招标文件第五章技术标准和要求组织施工并验收。"


def test_the_seam_of_two_common_passages_is_not_a_shared_error_but_an_odd_character_is():
    """Both bids put the same two common passages side by side: the shingles across the join are
    rare, yet no one wrote them; one odd character between them is text of their own."""
    joined = _lot_of_two("S1", (_prose(11) + SEAM_A + SEAM_B, SEAM_A + SEAM_B + _prose(12)))
    assert joined == []
    odd = _lot_of_two("S2", (_prose(13) + SEAM_A + "叒" + SEAM_B, SEAM_A + "叒" + SEAM_B + _prose(14)))
    assert [f.evidence["kind"] for f in odd] == ["shared_errors"]
    assert odd[0].evidence["measured"]["rare_shared"] >= PARAMS["shingle_chars"]


def test_the_tenders_own_names_quoted_in_both_bids_are_not_shared_text():
    """A two-bid lot: both covers quote the lot's and the tenderer's names, rare elsewhere."""
    title = "青山县文化广电旅游局食堂设备采购项目第二标段"
    tables = {
        "lots": [{"lot_id": "T1", "project_id": "PT", "name": title}]
        + [{"lot_id": f"N{i}", "project_id": f"P{i}"} for i in range(12)],
        "projects": [{"project_id": "PT", "name": title[:-5], "tenderer_id": "TEN"}]
        + [{"project_id": f"P{i}", "name": f"P{i}", "tenderer_id": "GOV"} for i in range(12)],
        "organizations": [{"org_id": "TEN", "name": "青山县文化广电旅游局"}],
    }
    covers = (title + "投标文件。" + _prose(21), title + "投标文件。" + _prose(22))
    assert _lot_of_two("T1", covers, **tables) == []
