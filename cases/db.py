"""The cases store: one SQLite file in the workspace (``cases.sqlite``), WAL mode.

Every change runs in :meth:`CasesStore.transaction`, which takes SQLite's write lock at once
(``BEGIN IMMEDIATE``) so concurrent writers queue instead of failing half way, and the audit
entry recording the change is written in the same transaction (see ``audit.py``). Readers
never block writers (WAL). Connections are per thread; processes each open their own store.

Writers first take a blocking ``flock`` on ``cases.lock``: the kernel wakes a waiter as soon
as the lock is free, where SQLite's own busy handler polls with sleeps and can starve one
writer for many seconds under heavy contention. (On Windows, which has no ``flock``, the busy
timeout alone applies.)
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bidgraph.errors import StoreError

if TYPE_CHECKING:
    from bidgraph.cases.signing import Signer

if sys.platform != "win32":
    import fcntl

__all__ = ["CasesStore", "DB_NAME", "ANCHOR_NAME", "BUSY_TIMEOUT_MS", "CHECKPOINT_EVERY"]

DB_NAME = "cases.sqlite"
ANCHOR_NAME = "audit.anchor"
LOCK_NAME = "cases.lock"
BUSY_TIMEOUT_MS = 60_000  # a writer waits up to a minute for the lock before giving up
CHECKPOINT_EVERY = 100  # with an office key, the audit trail is signed every this many entries

# Migrations in order; the database's ``PRAGMA user_version`` says how many have run.
MIGRATIONS = [
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL,
        region_code TEXT,
        password_hash TEXT NOT NULL,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id),
        csrf_token TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        revoked INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        user TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE cases (
        num INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT UNIQUE,
        title TEXT NOT NULL,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        assignee TEXT,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        opened_on TEXT NOT NULL,
        deadline TEXT,
        region_codes TEXT NOT NULL,
        nodes TEXT NOT NULL DEFAULT '[]',
        version INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE case_findings (
        case_id TEXT NOT NULL REFERENCES cases(id),
        finding_id TEXT NOT NULL,
        detector TEXT NOT NULL,
        score REAL NOT NULL,
        finding_json TEXT NOT NULL,
        PRIMARY KEY (case_id, finding_id)
    );
    CREATE TABLE case_events (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        time TEXT NOT NULL,
        user TEXT NOT NULL,
        kind TEXT NOT NULL,
        from_value TEXT,
        to_value TEXT,
        text TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX case_events_case ON case_events(case_id);
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        finding_id TEXT NOT NULL,
        detector TEXT NOT NULL,
        score REAL,
        verdict TEXT NOT NULL,
        reason TEXT NOT NULL,
        user TEXT NOT NULL,
        time TEXT NOT NULL,
        case_id TEXT
    );
    CREATE INDEX feedback_finding ON feedback(finding_id);
    """,
    # Regions per finding and per node, so a county user sees only their part of a
    # case that spans counties.
    """
    ALTER TABLE case_findings ADD COLUMN region_codes TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE cases ADD COLUMN node_regions TEXT NOT NULL DEFAULT '{}';
    """,
    # Signed evidence: the office's public keys and signed audit checkpoints; API tokens for
    # the command line; login throttling per (account, source) instead of locking accounts.
    """
    CREATE TABLE office_keys (
        fingerprint TEXT PRIMARY KEY,
        public_pem TEXT NOT NULL,
        added_at TEXT NOT NULL,
        added_by TEXT NOT NULL
    );
    CREATE TABLE audit_checkpoints (
        seq INTEGER PRIMARY KEY,
        statement TEXT NOT NULL,
        signature TEXT NOT NULL
    );
    CREATE TABLE api_tokens (
        token_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id),
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        revoked INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE login_throttle (
        name TEXT NOT NULL,
        source TEXT NOT NULL,
        failures INTEGER NOT NULL,
        last_failure TEXT NOT NULL,
        PRIMARY KEY (name, source)
    );
    ALTER TABLE users DROP COLUMN failed_logins;
    ALTER TABLE users DROP COLUMN locked_until;
    """,
    # The supervision loop (docs/supervision.md): departments and their accounts, warnings
    # and cases dispatched to them, complaints and challenges, random inspections. Every item
    # keeps its history in supervision_events (dispatch D-, complaint Q-, inspection I-).
    """
    CREATE TABLE departments (
        num INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT UNIQUE,
        name TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        region_code TEXT,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE department_users (
        user_name TEXT PRIMARY KEY REFERENCES users(name),
        department_id TEXT NOT NULL REFERENCES departments(id)
    );
    CREATE TABLE dispatch_batches (
        num INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT UNIQUE,
        rule TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE dispatches (
        num INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT UNIQUE,
        subject_kind TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        subject_json TEXT NOT NULL,
        department_id TEXT NOT NULL REFERENCES departments(id),
        action TEXT NOT NULL,
        status TEXT NOT NULL,
        workdays INTEGER NOT NULL,
        sent_on TEXT NOT NULL,
        deadline TEXT NOT NULL,
        first_deadline TEXT NOT NULL,
        first_answered_on TEXT,
        round INTEGER NOT NULL DEFAULT 1,
        escalated INTEGER NOT NULL DEFAULT 0,
        rectified INTEGER,
        region_codes TEXT NOT NULL,
        batch_id TEXT REFERENCES dispatch_batches(id),
        created_by TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX dispatches_department ON dispatches(department_id);
    CREATE TABLE supervision_events (
        id INTEGER PRIMARY KEY,
        item_id TEXT NOT NULL,
        time TEXT NOT NULL,
        user TEXT NOT NULL,
        kind TEXT NOT NULL,
        from_status TEXT,
        to_status TEXT,
        text TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX supervision_events_item ON supervision_events(item_id);
    CREATE TABLE notifications (
        id INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        recipient TEXT NOT NULL,
        item_id TEXT NOT NULL,
        text TEXT NOT NULL,
        region_codes TEXT NOT NULL,
        read_at TEXT
    );
    CREATE TABLE complaints (
        num INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT UNIQUE,
        source_id TEXT UNIQUE,
        kind TEXT NOT NULL,
        project_id TEXT,
        lot_id TEXT,
        complainant_org_id TEXT,
        received_on TEXT NOT NULL,
        grounds TEXT NOT NULL,
        deadline TEXT,
        status TEXT NOT NULL,
        department_id TEXT REFERENCES departments(id),
        reply TEXT,
        replied_on TEXT,
        findings TEXT NOT NULL DEFAULT '[]',
        case_id TEXT,
        region_codes TEXT NOT NULL,
        created_by TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE inspections (
        num INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT UNIQUE,
        target TEXT NOT NULL,
        filters TEXT NOT NULL,
        seed INTEGER NOT NULL,
        pool_sha256 TEXT NOT NULL,
        items TEXT NOT NULL,
        officers TEXT NOT NULL,
        region_code TEXT,
        drawn_by TEXT NOT NULL,
        drawn_on TEXT NOT NULL
    );
    CREATE TABLE inspection_results (
        inspection_id TEXT NOT NULL REFERENCES inspections(id),
        item_id TEXT NOT NULL,
        result TEXT NOT NULL,
        note TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        recorded_on TEXT NOT NULL,
        publish_by TEXT NOT NULL,
        PRIMARY KEY (inspection_id, item_id)
    )
    """,
    # 今日待办 (cases/today.py): when each user last opened the workbench.
    """
    CREATE TABLE visits (
        user_name TEXT PRIMARY KEY REFERENCES users(name),
        seen_at TEXT NOT NULL
    )
    """,
    # Named canvases kept with a case (cases/views.py): elements without positions, the
    # positions beside them, and the regions of the view's nodes (for scope on restore).
    """
    CREATE TABLE case_views (
        case_id TEXT NOT NULL REFERENCES cases(id),
        name TEXT NOT NULL,
        elements TEXT NOT NULL,
        positions TEXT NOT NULL,
        node_regions TEXT NOT NULL DEFAULT '{}',
        region_codes TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (case_id, name)
    )
    """,
]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (SQLite gives its -wal and -shm
    files the database file's mode)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


class CasesStore:
    """The transactional store of users, sessions, cases, feedback and the audit trail.

    Parameters
    ----------
    workspace : path of the workspace folder; created if missing.
    clock : returns the current time (timezone-aware); tests pass a fake one.
    signer : the office key (``signing.Signer``), when this process holds it: the audit trail
        then signs a checkpoint every ``checkpoint_every`` entries and packs are signed.
    checkpoint_every : entries between automatic signed checkpoints.
    """

    def __init__(
        self,
        workspace: str | Path,
        clock: Callable[[], datetime] = utc_now,
        signer: Signer | None = None,
        checkpoint_every: int = CHECKPOINT_EVERY,
    ):
        self.folder = Path(workspace)
        self.path = self.folder / DB_NAME
        self.anchor_path = self.folder / ANCHOR_NAME
        self.clock = clock
        self.signer = signer
        self.checkpoint_every = checkpoint_every
        self._local = threading.local()

    def now(self) -> str:
        """The current time as ISO 8601 UTC with microseconds (how every table stores time)."""
        return self.clock().astimezone(UTC).isoformat(timespec="microseconds")

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, opened and migrated on first use."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        lock_fd = getattr(self._local, "lock_fd", None)
        if lock_fd is not None:
            os.close(lock_fd)
            self._local.lock_fd = None

    @contextmanager
    def _writer_turn(self) -> Iterator[None]:
        if sys.platform == "win32":
            yield
            return
        fd = getattr(self._local, "lock_fd", None)
        if fd is None:  # one descriptor per thread: flock excludes other descriptors, threads included
            fd = self._local.lock_fd = os.open(self.folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def _open(self) -> sqlite3.Connection:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _create_private(self.path)
            conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=True
            )
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")  # a committed change survives a power cut
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the cases store {self.path}: {exc}") from exc
        self._migrate(conn)
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise StoreError(
                    f"the cases store {self.path} is version {version}, newer than this "
                    f"bidgraph (knows {len(MIGRATIONS)}); upgrade bidgraph"
                )
            for number in range(version, len(MIGRATIONS)):
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: all of it commits, or none of it.

        The audit anchor file is written inside the transaction (under the write lock); if
        the transaction rolls back, the anchor is put back as it was.
        """
        conn = self.connection()
        with self._writer_turn():
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreError(f"the cases store {self.path} is busy or unwritable: {exc}") from exc
            anchor_before = self.anchor_path.read_bytes() if self.anchor_path.exists() else None
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                self._restore_anchor(anchor_before)
                raise

    def _restore_anchor(self, content: bytes | None) -> None:
        if content is None:
            self.anchor_path.unlink(missing_ok=True)
        elif not self.anchor_path.exists() or self.anchor_path.read_bytes() != content:
            self.anchor_path.write_bytes(content)
