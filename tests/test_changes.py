"""What changed between batches: a lead keeps its id and history, changed, new and gone
findings are recorded with the batch, subset runs keep the other detectors' findings, cases
see how their findings stand, and `bidgraph changes` lists it."""

from __future__ import annotations

import json
import math

import pytest
from test_cli_core import write_bundle

from bidgraph.cases.scoped_store import RegionViews
from bidgraph.cli import main
from bidgraph.detectors import shared_device
from bidgraph.detectors.core.finding import Entity, Finding
from bidgraph.errors import StoreError
from bidgraph.graph.embedded.batches import LEDGER, BatchLog
from bidgraph.graph.embedded.store import EmbeddedStore


@pytest.fixture
def lead(monkeypatch):
    """shared_device flags A and B at ``lead["score"]`` while ``lead["present"]``."""
    state = {"score": 0.9, "present": True}

    def detect(snapshot, params, seed):
        members = [Entity("company", "A", "member"), Entity("company", "B", "member")]
        return [Finding("shared_device", state["score"], members, "A and B share an IP")] if state["present"] else []

    monkeypatch.setattr(shared_device, "detect", detect)
    return state


@pytest.fixture
def ws(tmp_path, tiny_tables, capsys):
    path = tmp_path / "ws"
    main(["load", str(write_bundle(tiny_tables, tmp_path / "b")), "--workspace", str(path), "--quiet"])
    capsys.readouterr()
    return path


def detect(ws, *extra) -> int:
    return main(["detect", "--workspace", str(ws), "--quiet", *extra])


def ours(findings):
    return [f for f in findings if f["detector"] == "shared_device"]


def test_a_changed_score_keeps_the_id_and_is_recorded_as_changed(ws, lead):
    detect(ws)
    store = EmbeddedStore(ws)
    (first,) = ours(store.findings())
    lead["score"] = 0.6
    detect(ws)
    (second,) = ours(store.findings())
    assert second["id"] == first["id"]
    one, two = store.batches()
    (changed,) = ours(two["changes"]["changed"])
    assert (changed["id"], changed["before"], changed["score"], changed["members_changed"]) == (
        first["id"],
        0.9,
        0.6,
        False,
    )
    assert not ours(two["changes"]["new"]) and not ours(two["changes"]["gone"])
    assert second["first_seen"] == one["at"] and second["last_seen"] == two["at"]
    assert [score for _, score in second["scores"]] == [0.9, 0.6]


def test_gone_findings_are_recorded_with_their_entities(ws, lead):
    detect(ws)
    (was,) = ours(EmbeddedStore(ws).findings())
    lead["present"] = False
    detect(ws)
    (gone,) = ours(EmbeddedStore(ws).batches()[-1]["changes"]["gone"])
    assert gone["id"] == was["id"] and gone["entities"] == was["entities"]
    assert not ours(EmbeddedStore(ws).findings())


def test_a_subset_run_keeps_the_other_detectors_findings_across_loads(ws, lead, tiny_tables, tmp_path, capsys):
    detect(ws)
    (kept,) = ours(EmbeddedStore(ws).findings())
    bigger = dict(tiny_tables)
    bigger["organizations"] = tiny_tables["organizations"].copy()
    bigger["organizations"].loc[len(bigger["organizations"])] = {**bigger["organizations"].iloc[-1], "org_id": "D"}
    main(["load", str(write_bundle(bigger, tmp_path / "b2")), "--workspace", str(ws), "--quiet"])
    lead["present"] = False  # would be gone, had shared_device run
    capsys.readouterr()
    assert detect(ws, "--detectors", "procedure_gap") == 0
    out = capsys.readouterr().out
    store = EmbeddedStore(ws)
    assert ours(store.findings()) == [kept]
    record = store.batches()[-1]
    assert record["graph_version"] == "v000002" and "shared_device" not in record["run"]
    rows = {r["detector"]: r for r in record["detectors"]}
    assert rows["shared_device"]["batch"] == "B-000001" and rows["procedure_gap"]["batch"] == "B-000002"
    assert "smoke_index: recomputed over the merged findings" in out
    assert not ours(record["changes"]["gone"])


def test_a_case_keeps_pointing_at_its_finding_across_runs(ws, lead, tmp_path):
    from bidgraph.cases import cases
    from bidgraph.cases.db import CasesStore
    from bidgraph.cases.users import User

    detect(ws)
    store, desk, alice = EmbeddedStore(ws), CasesStore(ws), User("alice", "investigator", None)
    case = cases.create_case(desk, alice, "同一IP", ours(store.findings()))
    detect(ws)
    opened = cases.get_case(desk, alice, case["id"])
    assert [s["state"] for s in cases.findings_since_opened(opened, store.findings())] == ["unchanged"]
    lead["score"] = 0.5
    detect(ws)
    (moved,) = cases.findings_since_opened(opened, store.findings())
    assert (moved["state"], moved["score_then"], moved["score_now"]) == ("changed", 0.9, 0.5)
    lead["present"] = False
    detect(ws)
    assert [s["state"] for s in cases.findings_since_opened(opened, store.findings())] == ["gone"]


def test_changes_lists_the_batches_since_a_date(ws, lead, capsys):
    detect(ws)
    lead["score"] = 0.7
    detect(ws)
    capsys.readouterr()
    assert main(["changes", "--since", "2000-01-01", "--workspace", str(ws)]) == 0
    out = capsys.readouterr().out
    assert "B-000001" in out and "B-000002" in out and "(was / 原 0.90)" in out
    assert main(["changes", "--since", "2000-01-01", "--json", "--workspace", str(ws)]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in records] == ["B-000001", "B-000002"]
    assert main(["changes", "--since", "2999-01-01", "--workspace", str(ws)]) == 0
    assert "no batch since 2999-01-01" in capsys.readouterr().out
    assert main(["changes", "--since", "yesterday", "--workspace", str(ws)]) == 2


def test_a_county_user_counts_only_the_changes_in_their_region(ws, lead):
    detect(ws)
    views = RegionViews(EmbeddedStore(ws))
    here, elsewhere = views.store("330102").last_batch(), views.store("330105").last_batch()
    assert [e["id"] for e in ours(here["changes"]["new"])] == [f["id"] for f in ours(EmbeddedStore(ws).findings())]
    assert not ours(elsewhere["changes"]["new"])
    assert elsewhere["detectors"] == here["detectors"]


def test_a_batch_reads_only_the_latest_record_before_it(ws, lead):
    """A nightly job keeps a record a day (several MB each at province): detect must not read
    them all. An earlier record made unreadable does not stop the next batch."""
    detect(ws)
    detect(ws)
    store = EmbeddedStore(ws)
    assert store.last_batch() == store.batches()[-1] and store.last_batch()["id"] == "B-000002"
    (ws / "batches" / "B-000001.json").write_text("not json", encoding="utf-8")
    lead["score"] = 0.5
    assert detect(ws) == 0
    latest = store.last_batch()
    assert latest["id"] == "B-000003"
    assert [c["before"] for c in ours(latest["changes"]["changed"])] == [0.9]


def test_a_score_counts_as_changed_once_it_moved_a_point_since_the_last_recorded_one(ws, lead):
    """A percentile shifts a hair every night: 0.9 -> 0.905 -> 0.91 is one change (0.01), not two."""
    history = []
    for score in (0.9, 0.905, 0.91, 0.915):
        lead["score"] = score
        detect(ws)
        store = EmbeddedStore(ws)
        (finding,) = ours(store.findings())
        changed = ours(store.last_batch()["changes"]["changed"])
        history.append(([s for _, s in finding["scores"]], [(c["before"], c["score"]) for c in changed]))
    assert history == [
        ([0.9], []),
        ([0.9], []),
        ([0.9, 0.91], [(0.9, 0.91)]),
        ([0.9, 0.91], []),
    ]


def test_a_case_counts_its_finding_changed_by_the_batches_rule(ws, lead):
    from bidgraph.cases import cases
    from bidgraph.cases.db import CasesStore
    from bidgraph.cases.users import User

    detect(ws)
    store, desk, alice = EmbeddedStore(ws), CasesStore(ws), User("alice", "investigator", None)
    opened = cases.get_case(desk, alice, cases.create_case(desk, alice, "同一IP", ours(store.findings()))["id"])
    lead["score"] = 0.905
    detect(ws)
    states = [cases.findings_since_opened(opened, store.findings(), m)[0]["state"] for m in (0.0, 0.01)]
    assert states == ["changed", "unchanged"]


def test_a_store_reads_the_last_batch_record_once(ws, lead):
    """Records are written once and never changed: the last one read is kept, not parsed again
    (a batch asks for it twice, a workbench page every time it shows the last batch)."""
    detect(ws)
    store = EmbeddedStore(ws)
    first = store.last_batch()
    (ws / "batches" / "B-000001.json").write_text("not json", encoding="utf-8")
    assert store.last_batch() is first and store.last_batch_findings()


def test_the_next_batch_compares_with_the_last_batchs_ledger_alone(ws, lead):
    """A whole batch reads the last batch's ledger (id, score, entities, history), not its
    findings file (351 MB at province); only the latest ledger is kept."""
    detect(ws)
    store = EmbeddedStore(ws)
    (first,) = ours(store.findings())
    ledger = [json.loads(line) for line in (ws / "batches" / "B-000001.ledger.jsonl").read_text().splitlines()]
    assert ledger == [{k: f[k] for k in LEDGER if k in f} for f in store.findings()]
    findings_file = ws / "versions" / store.info()["version"] / "findings.jsonl"
    findings_file.write_text("not json\n", encoding="utf-8")
    lead["score"] = 0.6
    assert detect(ws) == 0
    (changed,) = ours(store.last_batch()["changes"]["changed"])
    assert (changed["id"], changed["before"], changed["score"]) == (first["id"], 0.9, 0.6)
    assert sorted(p.name for p in (ws / "batches").glob("*.ledger.jsonl")) == ["B-000002.ledger.jsonl"]


def test_a_batch_without_a_ledger_compares_with_the_findings_it_stored(ws, lead):
    detect(ws)
    (ws / "batches" / "B-000001.ledger.jsonl").unlink()  # a record written before ledgers were
    lead["score"] = 0.6
    assert detect(ws) == 0
    store = EmbeddedStore(ws)
    assert [c["before"] for c in ours(store.last_batch()["changes"]["changed"])] == [0.9]
    assert [s for _, s in ours(store.findings())[0]["scores"]] == [0.9, 0.6]


def test_a_batch_recorded_twice_keeps_the_first_ones_ledger(tmp_path):
    log = BatchLog(tmp_path)
    finding = {"id": "F-1", "detector": "d", "score": 0.5, "severity": "low", "entities": [], "evidence": {}}
    log.save({"id": "B-000001"}, [finding])
    with pytest.raises(StoreError, match="recorded meanwhile"):
        log.save({"id": "B-000001"}, [{**finding, "score": 0.7}])
    assert log.last_ledger() == [{k: v for k, v in finding.items() if k != "evidence"}]
    assert sorted(p.name for p in (tmp_path / "batches").iterdir()) == ["B-000001.json", "B-000001.ledger.jsonl"]


def test_a_record_with_a_nan_is_read_as_json_wrote_it(tmp_path):
    """Records are read with orjson, which refuses the NaN the standard library writes."""
    BatchLog(tmp_path).save({"id": "B-000001", "detectors": [{"detector": "d", "scores": {"A": float("nan")}}]})
    (row,) = BatchLog(tmp_path).last()["detectors"]
    assert math.isnan(row["scores"]["A"])
