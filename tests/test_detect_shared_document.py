"""shared_document: one fingerprint behind competing bids; a generic author stays weak."""

from snapshot_fixture import make_snapshot

from bidgraph.detectors import shared_document
from bidgraph.detectors.core.settings import load_settings

PARAMS = load_settings()["shared_document"]


def _world():
    """A, B, C file bids compiled from one fingerprint on 3 lots; 20 firms' documents carry the
    author "Administrator" (in any case); D and E share a rare author on one lot."""
    bids, docs = [], []
    for i in range(3):
        for org in ("A", "B", "C", f"H{i}"):
            bid = f"L{i}-{org}"
            bids.append({"bid_id": bid, "lot_id": f"L{i}", "org_id": org})
            docs.append(
                {
                    "bid_id": bid,
                    "fingerprint": "FP-77" if org in "ABC" else f"fp-{bid}",
                    "file_sha256": f"sha-{bid}",
                    "author": f"author {org}",
                }
            )
    for j in range(20):
        for i in range(3):
            bid = f"Q{j // 4}_{i}-G{j}"
            bids.append({"bid_id": bid, "lot_id": f"Q{j // 4}_{i}", "org_id": f"G{j}"})
            docs.append(
                {"bid_id": bid, "fingerprint": f"fp-{bid}", "author": "Administrator" if j % 2 else "ADMINISTRATOR "}
            )
    for org in ("D", "E"):
        bids.append({"bid_id": f"M-{org}", "lot_id": "M", "org_id": org})
        docs.append({"bid_id": f"M-{org}", "fingerprint": f"fp-{org}", "author": "Zhang Wei"})
    return make_snapshot(bids=bids, bid_documents=docs)


def _companies(f):
    return {e.id for e in f.entities if e.type == "company"}


def test_same_fingerprint_across_three_bidders_is_one_high_finding():
    findings = shared_document.detect(_world(), PARAMS, 1)
    ring = [f for f in findings if _companies(f) == {"A", "B", "C"}]
    assert len(ring) == 1 and ring[0].severity == "high"
    assert ring[0] is findings[0]
    assert ["Bid:L1-B", "HAS_DOCUMENT", "Document:FP-77"] in ring[0].evidence["edges"]
    assert {"type": "document", "id": "FP-77", "role": "shared"} in [e.to_json() for e in ring[0].entities]


def test_bids_compiled_from_one_file_cite_the_deemed_collusion_article():
    [ring] = [f for f in shared_document.detect(_world(), PARAMS, 1) if _companies(f) == {"A", "B", "C"}]
    assert "第四十条第（一）项" in ring.evidence["explanation"]["zh"] and "第四十条" in ring.evidence["rule"]["zh"]
    assert "Art. 40(1)" in ring.evidence["explanation"]["en"] and "Art. 40(1)" in ring.evidence["law"]["en"]


def test_generic_author_is_public_and_weak():
    findings = shared_document.detect(_world(), PARAMS, 1)
    generic = [f for f in findings if any(v["value"] == "administrator" for v in f.evidence["shared_values"])]
    assert all(f.evidence["shared_values"][0]["public"] for f in generic)
    assert all(f.severity == "low" for f in generic)


def test_rare_author_on_one_lot_is_reported_but_low():
    findings = shared_document.detect(_world(), PARAMS, 1)
    pair = [f for f in findings if _companies(f) == {"D", "E"}]
    assert len(pair) == 1
    assert pair[0].severity == "low" and abs(pair[0].score - PARAMS["weight_author"]) < 1e-9
