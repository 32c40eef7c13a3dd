"""The audit trail: an append-only, hash-chained log of who did what and when.

Each entry stores ``prev_hash`` (the previous entry's hash; 64 zeros for the first) and
``hash = SHA-256(canonical JSON of {seq, time, user, action, detail, prev_hash})``. Editing
an entry breaks its hash, deleting or reordering breaks the chain (sequence numbers must run
1, 2, 3, ... and each ``prev_hash`` must match), and the *anchor* file beside the database
(``audit.anchor``: last seq and hash, rewritten under the write lock on every append) catches
a truncated tail. An entry is appended in the same transaction as the change it records.

Hashes and the anchor only show changes made by someone who cannot recompute them. Against
whoever can write the workspace, the trail is *signed*: a checkpoint is the office key's
signature over ``(seq, head hash, time, key fingerprint)``, written automatically every
``store.checkpoint_every`` entries by a process that holds the key and on demand
(:func:`checkpoint`). A checkpoint exported to a file and kept by someone else (a *witness*)
pins the chain up to its entry: truncating or recomputing the chain before it shows.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bidgraph.cases.cells import neutralise, restore
from bidgraph.cases.db import CasesStore
from bidgraph.cases.signing import PublicKey, Signer
from bidgraph.errors import InputError

__all__ = [
    "GENESIS",
    "canonical",
    "entry_hash",
    "append",
    "record",
    "head",
    "verify",
    "verify_entries",
    "export",
    "read_export",
    "AuditReport",
    "ENTRY_FIELDS",
    "checkpoint",
    "read_witness",
    "recorded_keys",
    "CHECKPOINT_FORMAT",
]

GENESIS = "0" * 64
ENTRY_FIELDS = ("seq", "time", "user", "action", "detail", "prev_hash", "hash")
CHECKPOINT_FORMAT = "bidgraph-audit-checkpoint/1"


def canonical(obj: Any) -> str:
    """The one JSON spelling of ``obj`` that hashes use: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def entry_hash(seq: int, time: str, user: str, action: str, detail: str, prev_hash: str) -> str:
    """SHA-256 (hex) of one entry; ``detail`` is the entry's canonical JSON text."""
    body = canonical(
        {"seq": seq, "time": time, "user": user, "action": action, "detail": detail, "prev_hash": prev_hash}
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(conn: sqlite3.Connection, store: CasesStore, user: str, action: str, detail: dict | None = None) -> dict:
    """Append one entry inside the caller's open ``store.transaction()``; returns the entry.

    ``detail`` must be JSON (dicts, lists, str, numbers, bool, None); never put a password
    or a session token in it.
    """
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last["seq"] + 1, last["hash"]) if last else (1, GENESIS)
    time, detail_text = store.now(), canonical(detail or {})
    digest = entry_hash(seq, time, user, action, detail_text, prev)
    entry = {
        "seq": seq,
        "time": time,
        "user": user,
        "action": action,
        "detail": detail_text,
        "prev_hash": prev,
        "hash": digest,
    }
    conn.execute(
        "INSERT INTO audit (seq, time, user, action, detail, prev_hash, hash) "
        "VALUES (:seq, :time, :user, :action, :detail, :prev_hash, :hash)",
        entry,
    )
    _write_anchor(store.anchor_path, seq, digest)
    if store.signer is not None:
        last_signed = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM audit_checkpoints").fetchone()[0]
        if seq - last_signed >= store.checkpoint_every:
            _sign(conn, store, store.signer, seq, digest)
    return entry


def _sign(conn: sqlite3.Connection, store: CasesStore, signer: Signer, seq: int, digest: str) -> dict:
    """Sign ``(seq, digest)`` with the office key and keep the checkpoint."""
    statement = {
        "format": CHECKPOINT_FORMAT,
        "seq": seq,
        "hash": digest,
        "time": store.now(),
        "key": signer.public.fingerprint,
    }
    text = canonical(statement)
    signature = signer.sign(text.encode("utf-8"))
    conn.execute(
        "INSERT OR REPLACE INTO audit_checkpoints (seq, statement, signature) VALUES (?, ?, ?)",
        (seq, text, signature),
    )
    return {"statement": statement, "signature": signature, "public_key": signer.public.pem}


def recorded_keys(store: CasesStore) -> list[PublicKey]:
    """The office's public keys recorded in the store (``keyring.record_key``), oldest first."""
    rows = store.connection().execute("SELECT public_pem FROM office_keys ORDER BY added_at, fingerprint")
    return [PublicKey(r["public_pem"]) for r in rows]


def checkpoint(store: CasesStore) -> dict:
    """Sign the chain's current head now; returns the checkpoint as a witness file holds it
    (``statement``, ``signature``, ``public_key``). Needs the office key (``store.signer``)."""
    if store.signer is None:
        raise InputError(
            "no office key: set BIDGRAPH_OFFICE_KEY or pass --key (see docs/security.md) / "
            "未提供单位私钥：请设置 BIDGRAPH_OFFICE_KEY 或使用 --key"
        )
    with store.transaction() as conn:
        last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        if last is None:
            raise InputError("the audit trail is empty: nothing to sign / 审计日志为空")
        return _sign(conn, store, store.signer, last["seq"], last["hash"])


def read_witness(path: str | Path) -> dict:
    """A checkpoint file written by ``audit checkpoint --export``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data["statement"], dict) or not isinstance(data["signature"], str):
            raise ValueError("statement or signature of the wrong type")
        return data
    except OSError as exc:
        raise InputError(f"{path}: cannot read the checkpoint ({exc.strerror}) / 无法读取检查点文件") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not an audit checkpoint file / 不是审计检查点文件 ({exc})") from exc


def record(store: CasesStore, user: str, action: str, detail: dict | None = None) -> dict:
    """Append one entry in a transaction of its own: for events that change nothing else
    (login, search, view of a node, expansion, export)."""
    with store.transaction() as conn:
        return append(conn, store, user, action, detail)


def head(store: CasesStore) -> dict:
    """The chain's latest ``{"seq", "hash"}`` (seq 0 and the genesis hash when empty)."""
    row = store.connection().execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return {"seq": row["seq"], "hash": row["hash"]} if row else {"seq": 0, "hash": GENESIS}


def _write_anchor(path: Path, seq: int, digest: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as fh:
        fh.write(canonical({"seq": seq, "hash": digest}))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _read_anchor(path: Path) -> dict | None:
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {"seq": int(data["seq"]), "hash": str(data["hash"])}
    except (ValueError, KeyError, TypeError):
        return {"seq": -1, "hash": "unreadable"}


@dataclass
class AuditReport:
    """What :func:`verify` found: ``ok`` when ``problems`` is empty; ``signed`` is the statement
    of the latest valid checkpoint (None when nothing is signed)."""

    entries: int
    head: dict
    problems: list[str] = field(default_factory=list)
    signed: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_entries(entries: Iterable[dict], anchor: dict | None) -> AuditReport:
    """Check a sequence of entries (in stored order) against each other and the anchor.

    ``anchor`` None means "no anchor to compare with" (an exported file); the tail cannot be
    checked then. Problems name the first entry where the chain breaks.
    """
    prev, expected_seq, count = GENESIS, 1, 0
    last: dict[str, Any] = {"seq": 0, "hash": GENESIS}
    problems: list[str] = []
    for e in entries:
        count += 1
        seq = e["seq"]
        if seq != expected_seq:
            problems.append(
                f"entry {count}: sequence number {seq}, expected {expected_seq} "
                f"(an entry was deleted, inserted or moved)"
            )
        if e["prev_hash"] != prev:
            problems.append(
                f"entry seq {seq}: prev_hash does not match the hash of the entry before it "
                f"(entries deleted or reordered)"
            )
        recomputed = entry_hash(seq, e["time"], e["user"], e["action"], e["detail"], e["prev_hash"])
        if recomputed != e["hash"]:
            problems.append(f"entry seq {seq}: content does not match its hash (the entry was edited)")
        prev, expected_seq, last = e["hash"], expected_seq + 1, {"seq": seq, "hash": e["hash"]}
        if len(problems) >= 20:
            problems.append("... stopped after 20 problems")
            break
    if anchor is not None and not problems and anchor != last:
        problems.append(
            f"the anchor file records entry seq {anchor['seq']} with hash "
            f"{anchor['hash'][:12]}..., but the chain ends at seq {last['seq']} with hash "
            f"{last['hash'][:12]}... (entries at the end were removed, or the anchor was edited)"
        )
    return AuditReport(count, last, problems)


def verify(store: CasesStore, keys: list[PublicKey] | None = None, witnesses: list[dict] | None = None) -> AuditReport:
    """Verify the whole chain in the store, its anchor, its signed checkpoints and the
    ``witnesses`` (checkpoints kept outside, from :func:`read_witness`).

    ``keys`` are the trusted office public keys (default: those recorded in the store). A checkpoint signed by another key, or one
    whose entry no longer carries the signed hash, is a problem; so are more than
    ``store.checkpoint_every`` entries after the last signed checkpoint when keys are known
    (the checkpoints were deleted, or the key was not configured). Runs under the write lock
    so that a concurrent append cannot show the anchor ahead of the committed chain.
    """
    keys = recorded_keys(store) if keys is None else keys
    with store.transaction() as conn:
        rows = [dict(r) for r in conn.execute("SELECT * FROM audit ORDER BY rowid")]
        stored = [
            {"statement": json.loads(r["statement"]), "signature": r["signature"]}
            for r in conn.execute("SELECT statement, signature FROM audit_checkpoints ORDER BY seq")
        ]
        anchor = _read_anchor(store.anchor_path)
    report = verify_entries(rows, anchor)
    if anchor is None and report.entries:
        report.problems.append(f"the anchor file {store.anchor_path} is missing")
    hashes = {r["seq"]: r["hash"] for r in rows}
    for where, checkpoints in (("checkpoint", stored), ("witness", witnesses or [])):
        for cp in checkpoints:
            _check_checkpoint(cp, hashes, report, keys, where)
    signed_seq = report.signed["seq"] if report.signed else 0
    if keys and report.head["seq"] - signed_seq > store.checkpoint_every:
        report.problems.append(
            f"{report.head['seq'] - signed_seq} entries after seq {signed_seq} are not covered by a signed "
            f"checkpoint (checkpoints were deleted, or the office key was not configured; run "
            f"`bidgraph audit checkpoint`) / 存在未经签名检查点覆盖的日志条目"
        )
    return report


def _check_checkpoint(cp: dict, hashes: dict[int, str], report: AuditReport, keys: list[PublicKey], where: str) -> None:
    """Check one checkpoint's signature and that the chain still holds its hash at its seq."""
    statement = cp["statement"]
    seq, fingerprint = statement.get("seq"), statement.get("key")
    trusted = {k.fingerprint: k for k in keys}
    if not keys and where == "witness" and cp.get("public_key"):
        trusted = {k.fingerprint: k for k in [PublicKey(cp["public_key"])]}  # the witness is the outside record
    key = trusted.get(fingerprint)
    if statement.get("format") != CHECKPOINT_FORMAT or not isinstance(seq, int):
        report.problems.append(f"{where}: not an audit checkpoint ({statement.get('format')!r})")
    elif key is None:
        report.problems.append(
            f"{where} seq {seq}: signed by key {fingerprint}, which is not a trusted office key "
            "(pass --public-key, or record it with `bidgraph key add`) / 签名密钥不受信任"
        )
    elif not key.verifies(canonical(statement).encode("utf-8"), cp["signature"]):
        report.problems.append(f"{where} seq {seq}: the signature does not verify (forged or altered) / 签名无效")
    elif seq not in hashes:
        report.problems.append(
            f"{where} seq {seq}: the chain ends at seq {report.head['seq']}, before this signed checkpoint "
            "(entries at the end were removed) / 日志尾部被删除"
        )
    elif hashes[seq] != statement.get("hash"):
        report.problems.append(
            f"{where} seq {seq}: the entry no longer has the signed hash (the chain was rewritten) / 日志被改写"
        )
    elif report.signed is None or seq > report.signed["seq"]:
        report.signed = statement


def export(store: CasesStore, out: str | Path, user: str, keys: list[PublicKey] | None = None) -> AuditReport:
    """Write every entry to ``out`` (``.jsonl``: one JSON object per line; ``.csv``: UTF-8 with
    BOM for Excel, cells neutralised against formula injection) after verifying the chain
    (with the office ``keys``), then record ``audit.export`` by ``user``; returns the
    verification report (of the chain as exported)."""
    out = Path(out)
    if out.suffix.lower() not in (".csv", ".jsonl"):
        raise InputError(f"{out}: audit export must end in .jsonl or .csv")
    report = verify(store, keys)
    rows = [
        dict(r)
        for r in store.connection().execute("SELECT * FROM audit WHERE seq <= ? ORDER BY seq", (report.head["seq"],))
    ]  # what was verified
    if out.suffix.lower() == ".csv":
        with open(out, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=ENTRY_FIELDS)
            writer.writeheader()
            writer.writerows({k: neutralise(v) for k, v in r.items()} for r in rows)
    else:
        with open(out, "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(canonical({k: r[k] for k in ENTRY_FIELDS}) + "\n")
    record(store, user, "audit.export", {"file": out.name, "entries": len(rows), "head": report.head})
    return report


def read_export(path: str | Path) -> list[dict]:
    """Read entries back from an :func:`export` file (.jsonl or .csv) to verify them."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".csv":
            with open(path, encoding="utf-8-sig", newline="") as fh:
                return [{**{k: restore(v) for k, v in r.items()}, "seq": int(r["seq"])} for r in csv.DictReader(fh)]
        with open(path, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
    except OSError as exc:
        raise InputError(f"{path}: cannot read the audit export: {exc.strerror}") from exc
    except (ValueError, KeyError) as exc:
        raise InputError(f"{path}: not an audit export ({exc})") from exc
