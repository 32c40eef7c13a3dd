"""Users, roles, passwords, sessions and the one gate every request passes: :func:`authorize`.

Passwords are hashed with scrypt (n=2**14, r=8, p=1, 16-byte random salt); the clear text is
never stored, logged or put in an audit entry. Sessions are random tokens (256 bits) stored
only as their SHA-256, with an expiry and a CSRF token of their own. After ``MAX_FAILURES``
wrong passwords in a row an account is locked for ``LOCKOUT_MINUTES``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from bidgraph.cases import audit
from bidgraph.cases.db import CasesStore
from bidgraph.errors import BidgraphError, InputError, NotFound

__all__ = [
    "User",
    "Session",
    "AccessDenied",
    "ROLES",
    "PERMISSIONS",
    "READ_ACTIONS",
    "hash_password",
    "check_password",
    "add_user",
    "list_users",
    "get_user",
    "login",
    "logout",
    "authorize",
    "csrf_token_for",
    "require",
    "MAX_FAILURES",
    "LOCKOUT_MINUTES",
    "SESSION_HOURS",
    "MIN_PASSWORD_LENGTH",
]

ROLES = ("admin", "investigator", "analyst", "viewer")
MAX_FAILURES = 5  # wrong passwords in a row before the account locks
LOCKOUT_MINUTES = 15  # how long a locked account stays locked
SESSION_HOURS = 8  # a session expires this long after login (one working day)
MIN_PASSWORD_LENGTH = 8
SCRYPT = {"n": 2**14, "r": 8, "p": 1}

_ALL = set(ROLES)
_WRITERS = {"admin", "investigator", "analyst"}
_DECIDERS = {"admin", "investigator"}
# action -> roles allowed. Read actions need a session; every other action also needs CSRF.
PERMISSIONS: dict[str, set[str]] = {
    "read": _ALL,  # search, view a node, expand, view findings and cases
    "case.create": _WRITERS,  # open a case from findings or the evidence cart
    "case.comment": _WRITERS,
    "feedback": _WRITERS,  # mark a finding confirmed / dismissed
    "export": _WRITERS,  # tables, GraphML, evidence packs
    "case.assign": _DECIDERS,
    "case.transition": _DECIDERS,
    "user.manage": {"admin"},
    "settings.change": {"admin"},
    "audit.export": {"admin"},  # the trail spans every region: city admins (and auditors at the CLI) only
}
READ_ACTIONS = {"read"}
_NAME = re.compile(r"^[\w.\-@]{1,64}$")


class AccessDenied(BidgraphError):
    """No valid session, a bad CSRF token, a locked account, or a role without the right."""


@dataclass(frozen=True)
class User:
    """An account. ``region_code`` None = city-wide; else a county (区县) code."""

    name: str
    role: str
    region_code: str | None = None

    @classmethod
    def operator(cls, name: str) -> User:
        """The local operator at the command line: admin, city-wide (they own the files)."""
        return cls(name, "admin", None)

    def can(self, action: str) -> bool:
        return self.role in PERMISSIONS.get(action, set())


@dataclass(frozen=True)
class Session:
    """What :func:`login` hands the web layer: keep ``token`` in an HttpOnly cookie and put
    ``csrf_token`` in every state-changing request."""

    token: str
    csrf_token: str
    expires_at: str
    user: User


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` (salt and hash base64)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **SCRYPT)
    b64 = lambda b: base64.b64encode(b).decode("ascii")
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${b64(salt)}${b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    """Constant-time comparison of ``password`` with a :func:`hash_password` string."""
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except ValueError:
        return False
    return hmac.compare_digest(got, expected)


_DUMMY_HASH = hash_password(secrets.token_hex(8))  # unknown users cost the same time as known


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _user_from(row) -> User:
    return User(row["name"], row["role"], row["region_code"])


def require(user: User, action: str) -> None:
    """Raise :class:`AccessDenied` unless ``user``'s role may do ``action``."""
    if action not in PERMISSIONS:
        raise ValueError(f"unknown action {action!r}")
    if not user.can(action):
        raise AccessDenied(f"user {user.name!r} (role {user.role}) may not do {action!r}")


def add_user(
    store: CasesStore, actor: User, name: str, password: str, role: str, region_code: str | None = None
) -> User:
    """Create an account; ``actor`` must be an admin. Audited as ``user.add`` (no password)."""
    require(actor, "user.manage")
    if not _NAME.match(name or ""):
        raise InputError(f"user name {name!r}: use 1-64 letters, digits, '.', '-', '_' or '@'")
    if role not in ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if region_code is not None and not re.fullmatch(r"\d{6}", region_code):
        raise InputError(f"region code {region_code!r}: expected a 6-digit 区划代码 such as 330106")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"password too short: at least {MIN_PASSWORD_LENGTH} characters")
    hashed = hash_password(password)
    with store.transaction() as conn:
        if conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            raise InputError(f"user {name!r} already exists")
        conn.execute(
            "INSERT INTO users (name, role, region_code, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            (name, role, region_code, hashed, store.now()),
        )
        audit.append(conn, store, actor.name, "user.add", {"name": name, "role": role, "region_code": region_code})
    return User(name, role, region_code)


def list_users(store: CasesStore) -> list[dict]:
    """Every account: name, role, region_code, active, locked_until, created_at."""
    rows = store.connection().execute(
        "SELECT name, role, region_code, active, locked_until, created_at FROM users ORDER BY name"
    )
    return [dict(r) for r in rows]


def get_user(store: CasesStore, name: str) -> User:
    row = store.connection().execute("SELECT * FROM users WHERE name = ? AND active = 1", (name,)).fetchone()
    if row is None:
        raise NotFound(f"no active user named {name!r}")
    return _user_from(row)


def login(store: CasesStore, name: str, password: str, session_hours: float = SESSION_HOURS) -> Session:
    """Check the password and open a session; every attempt is audited (``login`` or
    ``login.failed`` with the reason), the password never is.

    Raises :class:`AccessDenied` with the same message for an unknown user and a wrong
    password, and a distinct one for a locked account.
    """
    now = store.clock()
    known = (
        store.connection().execute("SELECT password_hash FROM users WHERE name = ? AND active = 1", (name,)).fetchone()
    )
    ok = check_password(password, known["password_hash"] if known else _DUMMY_HASH) and known is not None
    with store.transaction() as conn:  # the scrypt above ran outside the write lock
        row = conn.execute("SELECT * FROM users WHERE name = ? AND active = 1", (name,)).fetchone()
        if row is None:
            failure = "wrong user name or password"
            audit.append(conn, store, name, "login.failed", {"reason": "unknown user"})
        elif row["locked_until"] and datetime.fromisoformat(row["locked_until"]) > now:
            failure = f"account {name!r} is locked after {MAX_FAILURES} failed logins; try again later"
            audit.append(conn, store, name, "login.failed", {"reason": "locked"})
        elif not ok:
            failure = "wrong user name or password"
            failures = row["failed_logins"] + 1
            until = (now + timedelta(minutes=LOCKOUT_MINUTES)).isoformat() if failures >= MAX_FAILURES else None
            conn.execute(
                "UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?",
                (0 if until else failures, until, row["id"]),
            )
            audit.append(
                conn,
                store,
                name,
                "login.failed",
                {"reason": "wrong password", "failures": failures, "locked": until is not None},
            )
        else:
            failure = None
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            expires = (now + timedelta(hours=session_hours)).isoformat()
            conn.execute("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?", (row["id"],))
            conn.execute(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                (_sha256(token), row["id"], csrf, now.isoformat(), expires),
            )
            audit.append(conn, store, name, "login", {"expires_at": expires})
    if failure:
        raise AccessDenied(failure)
    return Session(token, csrf, expires, _user_from(row))


def logout(store: CasesStore, session_token: str) -> None:
    """Revoke a session (audited as ``logout``); unknown tokens are ignored."""
    with store.transaction() as conn:
        row = conn.execute(
            "SELECT u.name FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.revoked = 0",
            (_sha256(session_token or ""),),
        ).fetchone()
        if row:
            conn.execute("UPDATE sessions SET revoked = 1 WHERE token_hash = ?", (_sha256(session_token),))
            audit.append(conn, store, row["name"], "logout", {})


def csrf_token_for(store: CasesStore, session_token: str | None) -> str:
    """The CSRF token of a valid session, for the web layer to put in the pages it serves
    (after a reload, say); raises :class:`AccessDenied` like :func:`authorize`."""
    row = _live_session(store, session_token)
    require(_user_from(row), "read")
    return row["csrf_token"]


def authorize(store: CasesStore, session_token: str | None, csrf_token: str | None, action: str) -> User:
    """The gate for every web request: the session must exist, be unexpired and unrevoked;
    any action but ``read`` also needs the session's CSRF token; the role must allow it.

    Returns the :class:`User` (with its region scope); raises :class:`AccessDenied`.
    """
    if action not in PERMISSIONS:
        raise ValueError(f"unknown action {action!r}")
    row = _live_session(store, session_token)
    if action not in READ_ACTIONS and not hmac.compare_digest(
        (csrf_token or "").encode("utf-8"), row["csrf_token"].encode("utf-8")
    ):
        raise AccessDenied("missing or wrong CSRF token; the request was refused")
    user = _user_from(row)
    require(user, action)
    return user


def _live_session(store: CasesStore, session_token: str | None) -> sqlite3.Row:
    """The session's row joined with its user's; raises :class:`AccessDenied` unless the
    session exists, is unexpired and unrevoked and its user is active."""
    if not session_token:
        raise AccessDenied("not logged in")
    row = (
        store.connection()
        .execute(
            "SELECT s.csrf_token, s.expires_at, s.revoked, u.name, u.role, u.region_code, u.active "
            "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
            (_sha256(session_token),),
        )
        .fetchone()
    )
    if row is None or row["revoked"] or not row["active"]:
        raise AccessDenied("no valid session; log in again")
    if datetime.fromisoformat(row["expires_at"]) <= store.clock():
        raise AccessDenied("the session has expired; log in again")
    return row
