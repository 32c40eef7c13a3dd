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
