"""Finding ids are derived from the lead (detector, rule version, defining entities), not from
the batch's numbering: the same input gives the same ids, and a lead keeps its id."""

from __future__ import annotations

import json
import re

from test_cli_core import write_bundle

from bidgraph.cli import main
from bidgraph.detectors.core.finding import assign_ids, defining_entities, stable_id


def lead(detector="shared_device", *entities, score=0.9, summary="s"):
    return {
        "id": "",
        "detector": detector,
        "score": score,
        "entities": [{"type": t, "id": i, "role": r} for t, i, r in entities],
        "summary": summary,
        "evidence": {},
    }


def test_id_is_the_hash_of_detector_rule_version_and_entities_without_context():
    f = lead("bid_ring", ("company", "B", "member"), ("company", "A", "member"), ("lot", "L1", "context"))
    assign_ids([f], "1")
    assert re.fullmatch(r"F-[0-9a-f]{12}", f["id"])
    assert f["id"] == stable_id("bid_ring", "1", [("company", "A", "member"), ("company", "B", "member")])
    other_context = lead("bid_ring", ("company", "A", "member"), ("company", "B", "member"), ("lot", "L9", "context"))
    assign_ids([other_context], "1")
    assert other_context["id"] == f["id"]  # context and order do not define the lead
    newer_rule = lead("bid_ring", ("company", "A", "member"), ("company", "B", "member"))
    assign_ids([newer_rule], "2")
    assert newer_rule["id"] != f["id"]


def test_declared_roles_define_the_lead():
    f = lead("cover_bidder", ("company", "C", "cover"), ("company", "W1", "served"))
    g = lead("cover_bidder", ("company", "C", "cover"), ("company", "W2", "served"))
    assert defining_entities(f, ("cover",)) == [("company", "C", "cover")]
    assign_ids([f], "1", ("cover",))
    assign_ids([g], "1", ("cover",))
    assert f["id"] == g["id"]


def test_collisions_are_resolved_the_same_way_in_any_order():
    def batch():
        return [
            lead("price_screen", ("company", "A", "winner"), ("lot", "L1", "context"), summary="L1"),
            lead("price_screen", ("company", "A", "winner"), ("lot", "L2", "context"), summary="L2"),
            lead("price_screen", ("company", "A", "winner"), summary="x"),
            lead("price_screen", ("company", "A", "winner"), summary="y"),
        ]

    first, second = batch(), batch()[::-1]
    assign_ids(first, "1")
    assign_ids(second, "1")
    ids = [f["id"] for f in first]
    assert len(set(ids)) == 4
    assert {f["summary"]: f["id"] for f in first} == {f["summary"]: f["id"] for f in second}


def test_the_same_input_twice_gives_the_same_ids(tmp_path, tiny_tables, capsys):
    main(["load", str(write_bundle(tiny_tables, tmp_path / "b")), "--workspace", str(tmp_path / "ws"), "--quiet"])
    runs = []
    for n in (1, 2):
        out = tmp_path / f"f{n}.jsonl"
        assert main(["detect", "--workspace", str(tmp_path / "ws"), "--quiet", "--out", str(out)]) == 0
        runs.append([(f["id"], f["detector"], f["score"]) for f in map(json.loads, out.read_text().splitlines())])
    assert runs[0] and runs[0] == runs[1]
    assert len({i for i, _, _ in runs[0]}) == len(runs[0])
    assert "changed / 变化 0, gone / 消失 0" in capsys.readouterr().out.splitlines()[-1]
