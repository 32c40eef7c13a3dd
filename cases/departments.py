"""Departments (责任部门) that warnings, cases and complaints are sent to, and their accounts.

A department has a name, a kind (:data:`KINDS`) and a region (None: city-wide; else a county
code, so it is sent only what lies in that county). A department account has the role
``department``, the department's region, and may only answer what was sent to its department.
"""

from __future__ import annotations

import re
import sqlite3

from bidgraph.cases.db import CasesStore
from bidgraph.cases.supervision import DEPARTMENT_ROLE, Event, department_of, record_step, require_action, text
from bidgraph.cases.users import _NAME, MIN_PASSWORD_LENGTH, User, hash_password
from bidgraph.errors import InputError, NotFound

__all__ = ["KINDS", "add_department", "list_departments", "get_department", "add_department_user", "department_of"]

KINDS = {
    "industry_regulator": "行业主管部门",
    "audit": "审计",
    "discipline": "纪委监委",
    "trading_centre": "交易中心",
}


def add_department(store: CasesStore, actor: User, name: str, kind: str, region_code: str | None = None) -> dict:
    """Record a department (admins; audited ``department.add``); returns it."""
    require_action(actor, "department.manage")
    name = text(name, "department name")
    if kind not in KINDS:
        raise InputError(f"department kind {kind!r} is not one of {', '.join(KINDS)} / 部门类型有误")
    if region_code is not None and not re.fullmatch(r"\d{6}", region_code):
        raise InputError(f"region code {region_code!r}: expected 6 digits such as 330106 / 区划代码应为6位数字")
    with store.transaction() as conn:
        if conn.execute("SELECT 1 FROM departments WHERE name = ?", (name,)).fetchone():
            raise InputError(f"department {name!r} already exists / 部门已存在")
        cur = conn.execute(
            "INSERT INTO departments (name, kind, region_code, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
            (name, kind, region_code, actor.name, store.now()),
        )
        dep_id = f"DEP-{cur.lastrowid:03d}"
        conn.execute("UPDATE departments SET id = ? WHERE num = ?", (dep_id, cur.lastrowid))
        record_step(
            conn, store, actor, Event("department.add", dep_id, {"name": name, "kind": kind, "region": region_code})
        )
    return get_department(store, dep_id)


def _row(conn: sqlite3.Connection, dep_id: str) -> dict:
    row = conn.execute("SELECT id, name, kind, region_code FROM departments WHERE id = ?", (dep_id,)).fetchone()
    if row is None:
        raise NotFound(f"no department {dep_id!r} / 未找到部门")
    return dict(row)


def get_department(store: CasesStore, dep_id: str) -> dict:
    """One department: id, name, kind, region_code."""
    return _row(store.connection(), dep_id)


def list_departments(store: CasesStore, actor: User) -> list[dict]:
    """The departments ``actor`` may send to or see: city-wide ones and those of its region
    (a department account: its own). Each with ``users``, its accounts."""
    require_action(actor, "supervision.read")
    conn = store.connection()
    rows = [dict(r) for r in conn.execute("SELECT id, name, kind, region_code FROM departments ORDER BY num")]
    own = department_of(store, actor)
    members: dict[str, list[str]] = {}
    for r in conn.execute("SELECT user_name, department_id FROM department_users ORDER BY user_name"):
        members.setdefault(r["department_id"], []).append(r["user_name"])
    return [
        {**d, "users": members.get(d["id"], [])}
        for d in rows
        if (own is None or d["id"] == own)
        and (actor.region_code is None or d["region_code"] in (None, actor.region_code))
    ]


def add_department_user(store: CasesStore, actor: User, dep_id: str, name: str, password: str) -> User:
    """Create an account of role ``department`` bound to department ``dep_id``, with its
    region (admins; audited ``user.add``, no password)."""
    require_action(actor, "department.manage")
    if not _NAME.match(name or ""):
        raise InputError(f"user name {name!r}: use 1-64 letters, digits, '.', '-', '_' or '@' / 用户名格式有误")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"password too short: at least {MIN_PASSWORD_LENGTH} characters / 密码过短")
    hashed = hash_password(password)
    with store.transaction() as conn:
        dep = _row(conn, dep_id)
        if conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            raise InputError(f"user {name!r} already exists / 账号已存在")
        conn.execute(
            "INSERT INTO users (name, role, region_code, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            (name, DEPARTMENT_ROLE, dep["region_code"], hashed, store.now()),
        )
        conn.execute("INSERT INTO department_users (user_name, department_id) VALUES (?, ?)", (name, dep_id))
        detail = {"name": name, "role": DEPARTMENT_ROLE, "region_code": dep["region_code"], "department": dep_id}
        record_step(conn, store, actor, Event("user.add", dep_id, detail))
    return User(name, DEPARTMENT_ROLE, dep["region_code"])
