"""bidgraph evaluate: metrics on hand-made truth and findings, the baseline screen, the CLI."""

import json

import pytest
from bidding_worlds import COUNTY, QUIET, RING, market_world

from bidgraph.cli import main
from bidgraph.evaluation.metrics import average_precision
from bidgraph.evaluation.truth import baseline_firm_scores, score_findings

TRUTH = {
    "rings": [
        {"id": "R1", "members": RING, "lots": [], "traces": ["mac"]},
        {"id": "R2", "members": QUIET, "lots": [], "traces": []},
    ],
    "cover_bidders": [{"org_id": "COVER1", "serves": ["H03"]}],
    "tenderer_affinity": [{"tenderer_id": "GOV1", "org_id": "H05", "person_id": "PER9"}],
    "decoys": {
        "public_ips": ["1.2.3.4"],
        "nat_ips": ["100.64.0.1"],
        "public_terminal_macs": ["AA:TERM"],
        "small_county": {"region_code": "R2", "org_ids": COUNTY},
        "big_winners": ["H01"],
    },
}


def finding(fid, detector, score, *entities, severity="low"):
    rows = [{"type": t, "id": i, "role": r} for t, i, r in entities]
    return {"id": fid, "detector": detector, "score": score, "severity": severity, "entities": rows}


def firms(*ids, role="member"):
    return [("company", i, role) for i in ids]


FINDINGS = [
    finding("F1", "bid_ring", 0.9, *firms(*RING)),
    finding("F2", "bid_ring", 0.8, *firms("QUIET1", "QUIET2", "C01")),
    finding("F3", "bid_ring", 0.4, *firms("C02", "C03", "C04")),
    finding("F4", "cover_bidder", 0.7, ("company", "COVER1", "cover"), ("company", "H03", "served")),
    finding("F5", "tenderer_affinity", 0.6, ("company", "GOV1", "tenderer"), ("company", "H05", "member")),
    finding("F6", "tenderer_affinity", 0.9, ("company", "GOV1", "tenderer"), ("company", "H07", "member")),
    finding("F7", "shared_device", 0.75, *firms("H10", "H11"), ("ip", "1.2.3.4", "shared"), severity="high"),
    finding("F8", "shared_device", 0.9, *firms("RING1", "RING2"), ("device", "AA:BB", "shared"), severity="high"),
    finding("F10", "hidden_link", 0.5, *firms("QUIET1", "QUIET3")),
    finding("F11", "hidden_link", 0.55, *firms("H20", "H21")),
    finding(
        "F9",
        "shared_device",
        0.6,
        *firms("H10", "H11"),
        ("ip", "100.64.0.1", "shared"),
        ("device", "AA:TERM", "shared"),
        severity="high",
    ),
]


def test_average_precision_counts_unretrieved_positives_as_zero():
    assert average_precision([True, False, True], 2) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision([True], 4) == pytest.approx(0.25)


def test_rings_best_match_jaccard_split_by_trace():
    rings = score_findings(TRUTH, FINDINGS)["rings"]
    assert [r["best_jaccard"] for r in rings["per_ring"]] == [1.0, 0.5]
    assert rings["mean_jaccard"] == 0.75
    assert rings["mean_jaccard_with_trace"] == 1.0 and rings["mean_jaccard_no_trace"] == 0.5
    assert rings["per_ring"][1]["best_finding"] == "F2"


def test_scheme_precision_recall_and_ap():
    schemes = score_findings(TRUTH, FINDINGS)["schemes"]
    ring = schemes["rings"]
    assert (ring["planted"], ring["findings"]) == (2, 3)
    assert ring["precision"] == pytest.approx(2 / 3) and ring["recall"] == 1.0 and ring["average_precision"] == 1.0
    aff = schemes["tenderer_affinity"]  # the right pair is ranked second
    assert aff["precision"] == 0.5 and aff["recall"] == 1.0 and aff["average_precision"] == 0.5
    assert aff["precision_at_n"] == 0.0 and aff["recall_at_n"] == 0.0
    assert schemes["cover_bidders"]["average_precision"] == 1.0


def test_collusive_firm_ranking_counts_county_firms_in_top_k():
    firms = score_findings(TRUTH, FINDINGS)["collusive_firms"]
    # ranked: RING1-4 (0.9), QUIET1 QUIET2 C01 (0.8), H10 H11 (0.75, F7), COVER1 (0.7), H20 H21 (0.55),
    # QUIET3 (0.5), C02-C04 (0.4); H03 (served) and the tenderer-affinity firms are not accused.
    assert (firms["planted"], firms["flagged"]) == (8, 16)
    assert firms["small_county_in_top_k"] == ["C01"]
    assert firms["planted_in_top_k"] == 6
    assert firms["big_winners_in_top_k"] == []
    tail = 7 / 10 + 8 / 13  # COVER1 and QUIET3
    assert (4 + 5 / 6 + 6 / 7 + tail) / 8 - 1e-9 <= firms["average_precision"] <= (4 + 2 + tail) / 8 + 1e-9


def test_hidden_link_against_planted_pairs():
    pairs = score_findings(TRUTH, FINDINGS)["schemes"]["collusive_pairs"]
    assert pairs["planted"] == 6 + 3 + 1  # RING pairs, QUIET pairs, COVER1 with H03
    assert pairs["findings"] == 2 and pairs["precision"] == 0.5 and pairs["recall"] == pytest.approx(0.1)
    assert pairs["average_precision"] == pytest.approx(0.5 * 0.1)


def test_public_ip_only_shared_device_flags_are_counted():
    d = score_findings(TRUTH, FINDINGS)["decoys"]
    assert d == {
        "high_shared_device": 3,
        "high_on_public_or_nat_ip_only": 1,
        "high_on_public_values_only": 2,
        "finding_ids": ["F7"],
    }


def test_baseline_counts_signals_per_firm():
    scores = baseline_firm_scores(market_world())
    # RING1 and RING2 share a MAC on the same lots (1 signal) and each ring member bid 8+ times with 3 others.
    assert scores["RING1"] == 4 and scores["RING3"] == 3
    assert scores["C01"] == 4  # the decoy county fools the plain screen: 30 meetings with each neighbour
    assert "TWIN1" in scores.index


def test_cli_prints_tables_and_json(tmp_path, capsys):
    (tmp_path / "truth.json").write_text(json.dumps(TRUTH), encoding="utf-8")
    (tmp_path / "f.jsonl").write_text("\n".join(json.dumps(f) for f in FINDINGS) + "\n", encoding="utf-8")
    assert main(["evaluate", "--truth", str(tmp_path / "truth.json"), str(tmp_path / "f.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "tenderer_affinity" in out and "Rings: mean best-match Jaccard 0.750" in out
    assert main(["evaluate", "--json", "--truth", str(tmp_path / "truth.json"), str(tmp_path / "f.jsonl")]) == 0
    assert json.loads(capsys.readouterr().out)["rings"]["mean_jaccard"] == 0.75


def test_cli_names_the_bad_line(tmp_path, capsys):
    (tmp_path / "truth.json").write_text("{}", encoding="utf-8")
    (tmp_path / "f.jsonl").write_text(json.dumps(FINDINGS[0]) + "\n{not json\n", encoding="utf-8")
    assert main(["evaluate", "--truth", str(tmp_path / "truth.json"), str(tmp_path / "f.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "line 2" in err and "f.jsonl" in err and "Traceback" not in err
    assert main(["evaluate", "--truth", str(tmp_path / "missing.json"), str(tmp_path / "f.jsonl")]) == 2
    assert "does not exist" in capsys.readouterr().err


HARD_TRUTH = {
    **TRUTH,
    "tenderer_affinity": [
        {"tenderer_id": "GOV1", "org_id": "H05", "person_id": "PER9"},
        {"tenderer_id": "GOV2", "org_id": "H06", "person_id": None},
    ],
    "same_compiler": [{"consultancy": "CONS01", "lot_id": "L1", "org_ids": ["K1", "K2"], "law": "Art. 40(1)"}],
    "decoys": {
        **TRUTH["decoys"],
        "niche_firms": [{"specialty": "水利工程", "org_ids": ["H10", "H12"], "leader": "H12"}],
        "consultancy_clients": [{"id": "CONS01", "org_ids": ["K1", "K2", "K3"]}],
        "serviced_offices": [{"address": "A", "phone": "P", "org_ids": ["H20"]}],
        "legal_change_orders": [{"contract_id": "HT1", "change_ids": ["CHG1"], "uplift": 0.05}],
    },
}
HARD_FINDINGS = [
    *FINDINGS,
    finding("F12", "shared_document", 0.85, ("company", "K1", "member"), ("company", "K2", "member")),
    finding("F13", "tenderer_affinity", 0.7, ("company", "GOV2", "tenderer"), ("company", "H06", "member")),
    finding("F14", "payment_anomaly", 0.65, ("contract", "HT1", "context"), ("company", "H05", "payee")),
    {
        **finding("F15", "shared_personnel", 0.85, ("company", "H10", "member"), ("company", "H30", "member")),
        "evidence": {"measured": {"shared_values": 1}},
    },
    {  # a ring's own single trace is no false lead
        **finding(
            "F16",
            "shared_device",
            0.95,
            ("company", "RING1", "member"),
            ("company", "RING3", "member"),
            ("ip", "9.9.9.9", "shared"),
        ),
        "evidence": {"measured": {"shared_values": 1}},
    },
]


def test_bids_compiled_by_one_unit_are_collusive_and_honest_decoys_are_reported_by_kind():
    firms = score_findings(HARD_TRUTH, HARD_FINDINGS)["collusive_firms"]
    assert firms["planted"] == 10  # 4 + 3 ring members, COVER1, and K1 K2 (same compiler)
    honest = firms["honest_in_top_k"]
    assert honest["niche"] == ["H10"] and honest["serviced_offices"] == []
    assert honest["consultancy_clients"] == []  # K1 and K2 are positives, K3 never flagged
    assert honest["local_county"] == firms["small_county_in_top_k"] == ["C01"]


def test_favouritism_is_split_by_person_link_and_change_orders_flagged_are_counted():
    report = score_findings(HARD_TRUTH, HARD_FINDINGS)
    fav = report["favouritism"]
    assert fav["with_person"] == {"planted": 1, "recall": 1.0, "precision": 0.5}  # F6 matches nothing
    assert fav["without_person"] == {"planted": 1, "recall": 1.0, "precision": 0.5}
    assert report["change_orders"] == {"lawful": 1, "flagged": 1, "flagged_ids": ["HT1"]}


def test_weak_single_trace_findings_above_a_traceless_ring_are_counted():
    rings = score_findings(HARD_TRUTH, HARD_FINDINGS)["rings"]
    assert rings["traceless_weakest_score"] == 0.8  # QUIET found by F2
    assert (rings["weak_single_trace_findings"], rings["weak_single_trace_at_or_above"]) == (1, 1)
