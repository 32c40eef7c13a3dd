"""The audit trail: hash chain, anchor, tamper detection, export."""

from __future__ import annotations

import json
import sqlite3

import pytest
from test_cases_world import cli_admin, clock, finding, store  # noqa: F401 (fixtures)

from bidgraph.cases import audit, cases
from bidgraph.cases.users import User
from bidgraph.cli import main

ALICE = User("alice", "investigator", None)


@pytest.fixture
def trail(store):
    """A store with 6 entries: a case created, moved, commented, and three views."""
    case = cases.create_case(store, ALICE, "标王线索", [finding("F1", "L1", "ORG1", "ORG2")])
    cases.transition(store, ALICE, case["id"], "reviewing", "开始核查")
    cases.add_comment(store, ALICE, case["id"], "已调取开标记录")
    for node in ("Organization:ORG1", "Lot:L1", "Bid:B1"):
        audit.record(store, "alice", "view", {"node": node})
    assert audit.verify(store).ok and audit.head(store)["seq"] == 6
    store.close()
    return store


def _raw(store) -> sqlite3.Connection:
    """A connection outside bidgraph: what someone editing the file by hand would use."""
    return sqlite3.connect(store.path, isolation_level=None)


def _problems(store) -> str:
    report = audit.verify(store)
    assert not report.ok
    return " | ".join(report.problems)


def test_entries_hash_their_content_and_chain(trail):
    rows = [dict(r) for r in trail.connection().execute("SELECT * FROM audit ORDER BY seq")]
    assert rows[0]["prev_hash"] == audit.GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(rows, rows[1:]))
    assert [r["action"] for r in rows] == ["case.create", "case.status", "case.comment", "view", "view", "view"]
    assert json.loads(rows[1]["detail"]) == {"case": "C-000001", "from": "new", "to": "reviewing", "reason": "开始核查"}
    assert json.loads(trail.anchor_path.read_text()) == {"seq": 6, "hash": rows[-1]["hash"]}


def test_editing_an_entry_is_detected(trail):
    _raw(trail).execute("UPDATE audit SET detail = replace(detail, 'Lot:L1', 'Lot:L9') WHERE seq = 5")
    assert "seq 5: content does not match its hash" in _problems(trail)


def test_editing_an_entry_and_its_hash_breaks_the_next_link(trail):
    conn = _raw(trail)
    row = conn.execute("SELECT * FROM audit WHERE seq = 2").fetchone()
    seq, time, _, action, detail, prev, _ = row
    forged = audit.entry_hash(seq, time, "mallory", action, detail, prev)
    conn.execute("UPDATE audit SET user = 'mallory', hash = ? WHERE seq = 2", (forged,))
    assert "seq 3: prev_hash does not match" in _problems(trail)


def test_deleting_an_entry_is_detected(trail):
    _raw(trail).execute("DELETE FROM audit WHERE seq = 3")
    problems = _problems(trail)
    assert "sequence number 4, expected 3" in problems and "prev_hash" in problems


def test_reordering_entries_is_detected(trail):
    conn = _raw(trail)
    a, b = (
        conn.execute("SELECT time, user, action, detail, prev_hash, hash FROM audit WHERE seq = ?", (s,)).fetchone()
        for s in (4, 5)
    )
    for seq, values in ((4, b), (5, a)):
        conn.execute(
            "UPDATE audit SET time=?, user=?, action=?, detail=?, prev_hash=?, hash=? WHERE seq = ?", (*values, seq)
        )
    assert "seq 4:" in _problems(trail)


def test_truncating_the_tail_is_detected_by_the_anchor(trail):
    _raw(trail).execute("DELETE FROM audit WHERE seq = 6")
    assert "anchor file records entry seq 6" in _problems(trail)
    trail.anchor_path.unlink()
    assert "anchor file" in _problems(trail) and "missing" in _problems(trail)


def test_a_failed_change_leaves_no_entry_and_the_anchor_as_it_was(trail):
    anchor = trail.anchor_path.read_bytes()
    with pytest.raises(cases.WorkflowError):
        cases.transition(trail, ALICE, "C-000001", "closed", "skip the review")
    with pytest.raises(RuntimeError):
        with trail.transaction() as conn:  # appended, then the change fails: both roll back
            audit.append(conn, trail, "alice", "case.comment", {"case": "C-000001"})
            raise RuntimeError("disk full")
    assert trail.anchor_path.read_bytes() == anchor
    assert audit.verify(trail).ok and audit.head(trail)["seq"] == 6


def test_export_for_an_auditor_verifies_and_edits_to_it_show(trail, tmp_path, capsys, monkeypatch):
    ws = ["--workspace", str(trail.folder)]
    assert main([*ws, "audit", "export", "--out", str(tmp_path / "trail.csv")]) == 2  # the OS user may not
    assert "BIDGRAPH_TOKEN" in capsys.readouterr().err
    cli_admin(trail.folder, monkeypatch)
    for name in ("trail.jsonl", "trail.csv"):
        assert main([*ws, "audit", "export", "--out", str(tmp_path / name)]) == 0
        assert main([*ws, "audit", "verify", "--file", str(tmp_path / name)]) == 0
    assert audit.head(trail)["seq"] == 6 + 3 + 2  # the admin's setup and each export are recorded
    lines = (tmp_path / "trail.jsonl").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("开始核查", "无需核查")
    (tmp_path / "trail.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main([*ws, "audit", "verify", "--file", str(tmp_path / "trail.jsonl")]) == 1
    assert "seq 2: content does not match its hash" in capsys.readouterr().out
    assert main([*ws, "audit", "export", "--out", str(tmp_path / "trail.txt")]) == 2


def test_cli_verify_exit_codes(trail, capsys):
    ws = ["--workspace", str(trail.folder)]
    assert main([*ws, "audit", "verify"]) == 0
    assert "audit trail OK: 6 entries" in capsys.readouterr().out
    _raw(trail).execute("UPDATE audit SET action = 'view' WHERE seq = 1")
    assert main([*ws, "audit", "verify"]) == 1
    assert "TAMPERED" in capsys.readouterr().out


def test_searches_with_cypher_or_sql_fragments_are_recorded_as_text(store):
    queries = ["x' OR '1'='1", "'); DROP TABLE audit; --", "MATCH (n) DETACH DELETE n", "}]} RETURN n //"]
    for q in queries:
        audit.record(store, "alice", "search", {"query": q})
    stored = [
        json.loads(r["detail"])["query"]
        for r in store.connection().execute("SELECT detail FROM audit WHERE action = 'search' ORDER BY seq")
    ]
    assert stored == queries and audit.verify(store).ok
