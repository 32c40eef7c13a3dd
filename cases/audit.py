"""The audit trail: an append-only, hash-chained log of who did what and when.

Each entry stores ``prev_hash`` (the previous entry's hash; 64 zeros for the first) and
``hash = SHA-256(canonical JSON of {seq, time, user, action, detail, prev_hash})``. Editing
an entry breaks its hash, deleting or reordering breaks the chain (sequence numbers must run
1, 2, 3, ... and each ``prev_hash`` must match), and the *anchor* file beside the database
(``audit.anchor``: last seq and hash, rewritten under the write lock on every append) catches
a truncated tail. An entry is appended in the same transaction as the change it records.
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

from bidgraph.cases.db import CasesStore
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
]

GENESIS = "0" * 64
ENTRY_FIELDS = ("seq", "time", "user", "action", "detail", "prev_hash", "hash")


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
    return entry


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
    with open(tmp, "w", encoding="utf-8") as fh:
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
    """What :func:`verify` found: ``ok`` when ``problems`` is empty."""

    entries: int
    head: dict
    problems: list[str] = field(default_factory=list)

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


def verify(store: CasesStore) -> AuditReport:
    """Verify the whole chain in the store and its anchor.

    Runs under the write lock so that a concurrent append cannot show the anchor ahead of
    the committed chain.
    """
    with store.transaction() as conn:
        rows = conn.execute("SELECT * FROM audit ORDER BY rowid").fetchall()
        anchor = _read_anchor(store.anchor_path)
        report = verify_entries((dict(r) for r in rows), anchor)
    if anchor is None and report.entries:
        report.problems.append(f"the anchor file {store.anchor_path} is missing")
    return report


def export(store: CasesStore, out: str | Path, user: str) -> AuditReport:
    """Write every entry to ``out`` (``.jsonl``: one JSON object per line; ``.csv``: UTF-8 with
    BOM for Excel) after verifying the chain, then record ``audit.export`` by ``user``; returns
    the verification report (of the chain as exported)."""
    out = Path(out)
    if out.suffix.lower() not in (".csv", ".jsonl"):
        raise InputError(f"{out}: audit export must end in .jsonl or .csv")
    report = verify(store)
    rows = [
        dict(r)
        for r in store.connection().execute("SELECT * FROM audit WHERE seq <= ? ORDER BY seq", (report.head["seq"],))
    ]  # what was verified
    if out.suffix.lower() == ".csv":
        with open(out, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=ENTRY_FIELDS)
            writer.writeheader()
            writer.writerows(rows)
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
                return [{**r, "seq": int(r["seq"])} for r in csv.DictReader(fh)]
        with open(path, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
    except OSError as exc:
        raise InputError(f"{path}: cannot read the audit export: {exc.strerror}") from exc
    except (ValueError, KeyError) as exc:
        raise InputError(f"{path}: not an audit export ({exc})") from exc
