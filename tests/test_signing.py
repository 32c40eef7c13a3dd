"""Signed evidence: the office key, signed audit checkpoints, witnesses, rotation, file modes."""

from __future__ import annotations

import json
import sqlite3

import pytest
from test_cases_world import cli_admin, clock, office_signer, store  # noqa: F401 (fixtures)

from bidgraph.cases import audit
from bidgraph.cases.db import CasesStore
from bidgraph.cases.keyring import record_key
from bidgraph.cases.signing import create_key, load_signer, read_public_keys
from bidgraph.cases.users import User
from bidgraph.cli import main
from bidgraph.errors import InputError

ADMIN = User("admin", "admin", None)
EVERY = 5


@pytest.fixture
def signed(store):
    """A trail of 12 entries written by a process holding the office key (checkpoints at 5 and 10)."""
    store.signer, store.checkpoint_every = office_signer(), EVERY
    record_key(store, ADMIN, store.signer.public)
    for n in range(11):
        audit.record(store, "alice", "view", {"node": f"Lot:L{n}"})
    assert audit.verify(store).ok and audit.verify(store).signed["seq"] == 10
    return store


def _raw(store) -> sqlite3.Connection:
    return sqlite3.connect(store.path, isolation_level=None)


def _recompute(store, from_seq: int, user: str = "mallory") -> None:
    """Rewrite entries from ``from_seq`` on and re-chain them, and the anchor: what someone who
    can write the workspace (but holds no key) can do."""
    conn = _raw(store)
    rows = conn.execute("SELECT seq, time, action, detail FROM audit WHERE seq >= ? ORDER BY seq", (from_seq,))
    prev = conn.execute("SELECT hash FROM audit WHERE seq = ?", (from_seq - 1,)).fetchone()
    prev = prev[0] if prev else audit.GENESIS
    for seq, time, action, detail in rows.fetchall():
        digest = audit.entry_hash(seq, time, user, action, detail, prev)
        conn.execute("UPDATE audit SET user = ?, prev_hash = ?, hash = ? WHERE seq = ?", (user, prev, digest, seq))
        prev = digest
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    store.anchor_path.write_text(audit.canonical({"seq": last[0], "hash": last[1]}))


def _problems(store, **kw) -> str:
    report = audit.verify(store, **kw)
    assert not report.ok
    return " | ".join(report.problems)


def test_cutting_the_tail_and_rewriting_the_anchor_is_caught_by_a_checkpoint(signed):
    _raw(signed).execute("DELETE FROM audit WHERE seq >= 8")
    _recompute(signed, 7)  # same content, anchor rewritten to the new end
    assert "seq 10: the chain ends at seq 7" in _problems(signed)


def test_a_recomputed_chain_is_caught_by_the_signed_checkpoints(signed):
    _recompute(signed, 1)
    assert "checkpoint seq 5: the entry no longer has the signed hash" in _problems(signed)


def test_forged_checkpoints_do_not_verify(signed):
    conn = _raw(signed)
    statement = json.loads(conn.execute("SELECT statement FROM audit_checkpoints WHERE seq = 10").fetchone()[0])
    _recompute(signed, 1)
    head = conn.execute("SELECT hash FROM audit WHERE seq = 10").fetchone()[0]
    conn.execute(
        "UPDATE audit_checkpoints SET statement = ? WHERE seq = 10", (audit.canonical({**statement, "hash": head}),)
    )
    assert "checkpoint seq 10: the signature does not verify" in _problems(signed)


def test_deleting_checkpoints_too_is_caught_by_a_witness_kept_elsewhere(signed, tmp_path):
    witness = audit.checkpoint(signed)  # seq 12, handed to another department
    _raw(signed).execute("DELETE FROM audit_checkpoints")
    _raw(signed).execute("DELETE FROM office_keys")  # every trace of signing gone from the workspace
    _raw(signed).execute("DELETE FROM audit WHERE seq >= 4")
    _recompute(signed, 3)
    assert audit.verify(signed).ok  # the workspace alone can no longer tell ...
    assert "witness seq 12: the chain ends at seq 3" in _problems(signed, witnesses=[witness])  # ... the witness can


def test_unsigned_entries_beyond_the_interval_are_reported_when_the_office_signs(signed):
    _raw(signed).execute("DELETE FROM audit_checkpoints")
    assert "12 entries after seq 0 are not covered by a signed checkpoint" in _problems(signed)


def test_cli_checkpoint_export_and_witness_verify(tmp_path, monkeypatch, capsys):
    ws, key = tmp_path / "ws", tmp_path / "keys" / "office.key"
    cli_admin(ws, monkeypatch)
    run = lambda *a: main(["--workspace", str(ws), *a])
    assert run("key", "init", "--out", str(key)) == 0
    assert run("audit", "checkpoint", "--export", str(tmp_path / "witness.json")) == 2  # the key is needed
    assert "BIDGRAPH_OFFICE_KEY" in capsys.readouterr().err
    assert run("audit", "checkpoint", "--key", str(key), "--export", str(tmp_path / "witness.json")) == 0
    assert run("key", "export", "--out", str(tmp_path / "office.pub")) == 0
    capsys.readouterr()
    witness = ["--witness", str(tmp_path / "witness.json"), "--public-key", str(tmp_path / "office.pub")]
    assert run("audit", "verify", *witness) == 0
    assert "signed through seq 4 by key" in capsys.readouterr().out
    store = CasesStore(ws)
    _raw(store).execute("DELETE FROM audit_checkpoints")
    _raw(store).execute("DELETE FROM audit WHERE seq >= 3")
    _recompute(store, 2)
    assert run("audit", "verify") == 0  # recorded checkpoints deleted: the workspace alone is fooled,
    assert "NOT SIGNED" in capsys.readouterr().out  # but says it is not signed
    assert run("audit", "verify", *witness) == 1
    assert "witness seq 4: the chain ends at seq 2" in capsys.readouterr().out


def test_rotation_keeps_old_signatures_verifiable(signed, tmp_path):
    old = signed.signer
    signed.signer = office_signer()  # a new key pair is added; the old one stays recorded
    record_key(signed, ADMIN, signed.signer.public)
    for n in range(EVERY):
        audit.record(signed, "alice", "view", {"node": f"Bid:B{n}"})
    report = audit.verify(signed)
    assert report.ok and report.signed["key"] == signed.signer.public.fingerprint
    assert "not a trusted office key" in _problems(
        signed, keys=[signed.signer.public]
    )  # old checkpoints need the old key
    assert audit.verify(signed, keys=[old.public, signed.signer.public]).ok


def test_key_files_are_private_and_kept_out_of_the_workspace(tmp_path):
    ws = tmp_path / "ws"
    with pytest.raises(InputError, match="outside the workspace"):
        create_key(ws / "office.key", ws)
    signer = create_key(tmp_path / "office.key", ws)
    assert (tmp_path / "office.key").stat().st_mode & 0o777 == 0o600
    assert read_public_keys(tmp_path / "office.key.pub")[0].fingerprint == signer.public.fingerprint
    assert load_signer(tmp_path / "office.key", ws).public == signer.public
    with pytest.raises(InputError, match="already exists"):
        create_key(tmp_path / "office.key", ws)
    (tmp_path / "office.key").chmod(0o644)
    with pytest.raises(InputError, match="readable by others"):
        load_signer(tmp_path / "office.key", ws)


def test_the_cases_store_and_anchor_are_private(store):
    audit.record(store, "alice", "view", {})
    for path in (store.path, store.anchor_path):
        assert path.stat().st_mode & 0o777 == 0o600, path


def test_the_audit_csv_cannot_run_formulas_and_still_verifies(store, tmp_path):
    for user in ('=HYPERLINK("http://x")', "@evil", "'quoted", "-1"):
        audit.record(store, user, "search", {"query": "+cmd|' /C calc'!A0"})
    audit.export(store, tmp_path / "trail.csv", "auditor")
    text = (tmp_path / "trail.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'@evil" in text and "''quoted" in text and "\n=" not in text
    report = audit.verify_entries(audit.read_export(tmp_path / "trail.csv"), anchor=None)
    assert report.ok and report.entries == 4
