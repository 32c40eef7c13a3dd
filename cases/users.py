"""Users, roles, passwords, sessions and the one gate every request passes: :func:`authorize`.

Passwords are hashed with scrypt (n=2**14, r=8, p=1, 16-byte random salt); the clear text is
never stored, logged or put in an audit entry. Sessions are random tokens (256 bits) stored
only as their SHA-256, with an expiry and a CSRF token of their own. API tokens for the
command line are stored only as their SHA-256 too.

Wrong passwords slow down the (account, source address) pair they came from: after
``FREE_FAILURES`` failures each next attempt from that pair must wait twice as long as the
one before (up to ``MAX_DELAY_SECONDS``), right password or not. No account is ever locked
for everyone, so nobody can lock the admin out from elsewhere. Every failure, whatever its
cause, gets the one message :data:`LOGIN_FAILED`; over-long input is refused before hashing
and recorded cut to ``MAX_NAME_LENGTH`` characters.
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
    "STAFF_ROLES",
    "DEPARTMENT_ROLE",
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
    "authenticate",
    "create_token",
    "revoke_tokens",
    "authenticate_token",
    "LOGIN_FAILED",
    "FREE_FAILURES",
    "MAX_DELAY_SECONDS",
    "SESSION_HOURS",
    "MIN_PASSWORD_LENGTH",
    "MAX_NAME_LENGTH",
    "MAX_PASSWORD_LENGTH",
    "OS_ROLE",
]

STAFF_ROLES = ("admin", "investigator", "analyst", "viewer")
DEPARTMENT_ROLE = "department"  # an account of a responsible department (cases/departments.py binds it)
ROLES = (*STAFF_ROLES, DEPARTMENT_ROLE)
OS_ROLE = "os"  # the operating-system user at the command line: may do nothing but set up an empty store
FREE_FAILURES = 3  # wrong passwords from one source before attempts are slowed down
MAX_DELAY_SECONDS = 900  # the longest wait between attempts (15 minutes)
SESSION_HOURS = 8  # a session expires this long after login (one working day)
MIN_PASSWORD_LENGTH = 8
MAX_NAME_LENGTH = 64
MAX_PASSWORD_LENGTH = 1024
LOCAL_SOURCE = "local"
LOGIN_FAILED = (
    "wrong user name or password, or too many attempts (wait and try again) / "
    "用户名或密码错误，或尝试过于频繁（请稍后再试）"
)
TOKEN_PREFIX = "bgt_"
SCRYPT = {"n": 2**14, "r": 8, "p": 1}

_ALL = set(STAFF_ROLES)  # the graph, findings and cases: never a department account
_EVERYONE = set(ROLES)
_WRITERS = {"admin", "investigator", "analyst"}
_DECIDERS = {"admin", "investigator"}
# action -> roles allowed. Read actions need a session; every other action also needs CSRF.
PERMISSIONS: dict[str, set[str]] = {
    "read": _ALL,  # search, view a node, expand, view findings and cases
    "session": _EVERYONE,  # hold a session at all (the web gate); grants nothing by itself
    # the supervision loop: which items and steps each role may reach is decided again by
    # cases/supervision.py (ACTIONS; a department account sees only its department's items)
    "supervision.read": _EVERYONE,
    "supervision.write": _EVERYONE,
    "case.create": _WRITERS,  # open a case from findings or the evidence cart
    "case.comment": _WRITERS,
    "feedback": _WRITERS,  # mark a finding confirmed / dismissed
    "export": _WRITERS,  # tables, GraphML, evidence packs
    "case.assign": _DECIDERS,
    "case.transition": _DECIDERS,
    "user.manage": {"admin"},
    "settings.change": {"admin"},
    "audit.export": {"admin"},  # the trail spans every region: city admins (and auditors at the CLI) only
    "audit.checkpoint": {"admin"},
    "key.manage": {"admin"},  # record the office's public keys
}
READ_ACTIONS = {"read", "session", "supervision.read"}
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
    def from_os(cls, login: str) -> User:
        """The operating-system user at the command line, unauthenticated (``os:<login>``): may
        create the first admin of an empty store and nothing else."""
        return cls(f"os:{login}", OS_ROLE, None)

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
    if user.role == OS_ROLE:
        raise AccessDenied(
            f"{action!r} needs an account: set BIDGRAPH_TOKEN (from `bidgraph user token NAME`) or pass "
            f"--user NAME (password prompt) / 此操作需要登录：设置 BIDGRAPH_TOKEN 或使用 --user 账号"
        )
    if not user.can(action):
        raise AccessDenied(f"user {user.name!r} (role {user.role}) may not do {action!r}")


def add_user(
    store: CasesStore, actor: User, name: str, password: str, role: str, region_code: str | None = None
) -> User:
    """Create an account; ``actor`` must be an admin, except that anyone (the operating-system
    user, say) may create the first account of an empty store if it is an admin. Audited as
    ``user.add`` (no password)."""
    if not actor.can("user.manage") and role != "admin":
        require(actor, "user.manage")
    if not _NAME.match(name or ""):
        raise InputError(f"user name {name!r}: use 1-64 letters, digits, '.', '-', '_' or '@'")
    if role == DEPARTMENT_ROLE:
        raise InputError(
            "a department account is bound to its department: use `bidgraph department user DEP NAME` / "
            "部门账号须通过 department user 创建"
        )
    if role not in ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(STAFF_ROLES)}")
    if region_code is not None and not re.fullmatch(r"\d{6}", region_code):
        raise InputError(f"region code {region_code!r}: expected a 6-digit 区划代码 such as 330106")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"password too short: at least {MIN_PASSWORD_LENGTH} characters")
    hashed = hash_password(password)
    with store.transaction() as conn:
        if not actor.can("user.manage") and conn.execute("SELECT 1 FROM users LIMIT 1").fetchone():
            require(actor, "user.manage")  # the store has accounts: no more bootstrapping
        if conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            raise InputError(f"user {name!r} already exists")
        conn.execute(
            "INSERT INTO users (name, role, region_code, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            (name, role, region_code, hashed, store.now()),
        )
        audit.append(conn, store, actor.name, "user.add", {"name": name, "role": role, "region_code": region_code})
    return User(name, role, region_code)


def list_users(store: CasesStore) -> list[dict]:
    """Every account: name, role, region_code, active, created_at."""
    rows = store.connection().execute("SELECT name, role, region_code, active, created_at FROM users ORDER BY name")
    return [dict(r) for r in rows]


def get_user(store: CasesStore, name: str) -> User:
    row = store.connection().execute("SELECT * FROM users WHERE name = ? AND active = 1", (name,)).fetchone()
    if row is None:
        raise NotFound(f"no active user named {name!r}")
    return _user_from(row)


def _clip(text: str) -> str:
    """``text`` cut for the audit trail (the name someone typed is not trusted to be short)."""
    return text if len(text) <= MAX_NAME_LENGTH else text[:MAX_NAME_LENGTH] + f"…(+{len(text) - MAX_NAME_LENGTH})"


def _wait_seconds(failures: int) -> float:
    return 0.0 if failures < FREE_FAILURES else float(min(2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS))


def _checked_login(store: CasesStore, name: str, password: str, source: str, on_success):
    """Check ``name`` and ``password`` from ``source`` with throttling and audit, then run
    ``on_success(conn, user_row)`` in the same transaction and return what it returns."""
    source = _clip(source or LOCAL_SOURCE)
    if len(name) > MAX_NAME_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
        audit.record(store, _clip(name), "login.failed", {"reason": "input too long", "source": source})
        raise AccessDenied(LOGIN_FAILED)
    now = store.clock()
    with store.transaction() as conn:  # count the attempt before hashing: parallel guesses see each other
        throttle = conn.execute(
            "SELECT failures, last_failure FROM login_throttle WHERE name = ? AND source = ?", (name, source)
        ).fetchone()
        wait = timedelta(seconds=_wait_seconds(throttle["failures"])) if throttle else timedelta(0)
        throttled = throttle is not None and now < datetime.fromisoformat(throttle["last_failure"]) + wait
        if throttled:
            audit.append(conn, store, name, "login.failed", {"reason": "throttled", "source": source})
        else:
            conn.execute(
                "INSERT INTO login_throttle (name, source, failures, last_failure) VALUES (?, ?, 1, ?) "
                "ON CONFLICT (name, source) DO UPDATE SET failures = failures + 1, last_failure = excluded.last_failure",
                (name, source, now.isoformat()),
            )
        known = conn.execute("SELECT password_hash FROM users WHERE name = ? AND active = 1", (name,)).fetchone()
    if throttled:
        raise AccessDenied(LOGIN_FAILED)
    ok = check_password(password, known["password_hash"] if known else _DUMMY_HASH) and known is not None
    with store.transaction() as conn:  # the scrypt above ran outside the write lock
        row = conn.execute("SELECT * FROM users WHERE name = ? AND active = 1", (name,)).fetchone()
        if row is not None and ok:
            conn.execute("DELETE FROM login_throttle WHERE name = ? AND source = ?", (name, source))
            return on_success(conn, row)
        reason = "unknown user" if row is None else "wrong password"
        audit.append(conn, store, name, "login.failed", {"reason": reason, "source": source})
    raise AccessDenied(LOGIN_FAILED)


def login(
    store: CasesStore, name: str, password: str, source: str = LOCAL_SOURCE, session_hours: float = SESSION_HOURS
) -> Session:
    """Check the password and open a session; every attempt is audited (``login`` or
    ``login.failed`` with the reason and ``source``), the password never is.

    ``source`` is where the attempt came from (the client's address); failures slow down
    further attempts of that name from that source only. Raises :class:`AccessDenied` with
    :data:`LOGIN_FAILED` for every failure.
    """

    def open_session(conn: sqlite3.Connection, row: sqlite3.Row) -> Session:
        now = store.clock()
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = (now + timedelta(hours=session_hours)).isoformat()
        conn.execute(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (_sha256(token), row["id"], csrf, now.isoformat(), expires),
        )
        audit.append(conn, store, name, "login", {"expires_at": expires, "source": _clip(source)})
        return Session(token, csrf, expires, _user_from(row))

    return _checked_login(store, name, password, source, open_session)


def authenticate(store: CasesStore, name: str, password: str, source: str = LOCAL_SOURCE) -> User:
    """Check the password like :func:`login` without opening a session (the command line);
    audited as ``login`` with ``via: password``."""

    def as_user(conn: sqlite3.Connection, row: sqlite3.Row) -> User:
        audit.append(conn, store, name, "login", {"via": "password", "source": _clip(source)})
        return _user_from(row)

    return _checked_login(store, name, password, source, as_user)


def create_token(store: CasesStore, actor: User, name: str) -> str:
    """A new API token for account ``name`` (admins; audited ``user.token``). Returned once,
    stored only as its SHA-256."""
    require(actor, "user.manage")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.transaction() as conn:
        row = conn.execute("SELECT id FROM users WHERE name = ? AND active = 1", (name,)).fetchone()
        if row is None:
            raise NotFound(f"no active user named {name!r}")
        conn.execute(
            "INSERT INTO api_tokens (token_hash, user_id, created_at, created_by) VALUES (?, ?, ?, ?)",
            (_sha256(token), row["id"], store.now(), actor.name),
        )
        audit.append(conn, store, actor.name, "user.token", {"name": name})
    return token


def revoke_tokens(store: CasesStore, actor: User, name: str) -> int:
    """Revoke every API token of ``name`` (admins; audited ``user.token.revoke``); returns how many."""
    require(actor, "user.manage")
    with store.transaction() as conn:
        count = conn.execute(
            "UPDATE api_tokens SET revoked = 1 WHERE revoked = 0 AND user_id = (SELECT id FROM users WHERE name = ?)",
            (name,),
        ).rowcount
        audit.append(conn, store, actor.name, "user.token.revoke", {"name": name, "tokens": count})
    return count


def authenticate_token(store: CasesStore, token: str) -> User:
    """The account an API token belongs to; raises :class:`AccessDenied` (and records
    ``login.failed``) for an unknown or revoked token or an inactive account."""
    row = (
        store.connection()
        .execute(
            "SELECT u.name, u.role, u.region_code FROM api_tokens t JOIN users u ON u.id = t.user_id "
            "WHERE t.token_hash = ? AND t.revoked = 0 AND u.active = 1",
            (_sha256(token),),
        )
        .fetchone()
    )
    if row is None:
        audit.record(store, "(api token)", "login.failed", {"reason": "unknown or revoked token"})
        raise AccessDenied("the API token is unknown or revoked / API 令牌无效或已撤销")
    return _user_from(row)


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
    require(_user_from(row), "session")
    return row["csrf_token"]


def authorize(store: CasesStore, session_token: str | None, csrf_token: str | None, action: str) -> User:
    """The gate for every web request: the session must exist, be unexpired and unrevoked;
    any action but the read actions (``read``, ``session``, ``supervision.read``) also needs
    the session's CSRF token; the role must allow it. A ``department`` account holds only
    ``session`` and the ``supervision.*`` actions: never the graph, findings or cases.

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
