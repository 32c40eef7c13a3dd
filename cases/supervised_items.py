"""What a dispatch and a complaint have in common as items of the supervision loop: a row of
their table that the actor may or may not see, a status moved by steps (each one an update of
the row and a recorded step), a deadline in working days, and a list overdue first."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from bidgraph.cases.cases import today
from bidgraph.cases.db import CasesStore
from bidgraph.cases.settings import calendar
from bidgraph.cases.supervision import (
    Event,
    Unseen,
    events_of,
    next_status,
    record_step,
    regions_json,
    require_action,
    visible,
)
from bidgraph.cases.users import User
from bidgraph.cases.workdays import Calendar
from bidgraph.errors import InputError

__all__ = ["ItemKind", "Step", "insert_numbered", "deadline_clock", "item_dict"]


def insert_numbered(conn: sqlite3.Connection, table: str, prefix: str, values: dict) -> str:
    """Insert a row of ``values`` into ``table`` and give it the id ``prefix-`` and its number
    in six digits (``D-000001``); returns the id."""
    columns, marks = ", ".join(values), ", ".join("?" * len(values))
    cur = conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values()))
    item_id = f"{prefix}-{cur.lastrowid:06d}"
    conn.execute(f"UPDATE {table} SET id = ? WHERE num = ?", (item_id, cur.lastrowid))
    return item_id


def item_dict(row: sqlite3.Row) -> dict:
    """The row as a dict, without its internal ``num``, with its ``region_codes`` as a list."""
    item = dict(row)
    item.pop("num")
    item["region_codes"] = json.loads(item["region_codes"])
    return item


def deadline_clock(deadline: str | None, running: bool, cal: Calendar, on: date) -> dict:
    """``overdue`` and ``workdays_left`` on day ``on`` of an item due ``deadline`` (ISO date);
    an item not ``running`` (answered, or without a deadline) is never overdue."""
    if not running or deadline is None:
        return {"overdue": False, "workdays_left": None}
    due = date.fromisoformat(deadline)
    return {"overdue": on > due, "workdays_left": cal.between(on, due)}


@dataclass(frozen=True)
class ItemKind:
    """One kind of item: ``table`` holds its rows, ``name`` prefixes its steps' actions
    (``dispatch.reply``) and, with ``name_zh``, names it in a refusal; ``summary(row, calendar,
    on)`` is how it is shown."""

    table: str
    name: str
    name_zh: str
    statuses: dict[str, str]
    steps: dict[str, dict[str, str]]
    summary: Callable[[sqlite3.Row, Calendar, date], dict]

    def insert(self, conn, store, actor, prefix: str, values: dict, regions: list[str], step: str, detail: dict) -> str:
        """Add an item in its first status lying in ``regions`` and record the ``step``; returns
        its id (see :func:`insert_numbered`)."""
        first = next(iter(self.statuses))
        row = {**values, "status": first, "region_codes": regions_json(regions), "created_by": actor.name}
        item_id = insert_numbered(conn, self.table, prefix, row)
        record_step(conn, store, actor, Event(f"{self.name}.{step}", item_id, detail, (None, first)))
        return item_id

    def row(self, conn: sqlite3.Connection, store: CasesStore, actor: User, item_id: str) -> sqlite3.Row:
        """The item's row, or :class:`Unseen` when there is none or ``actor`` may not see it."""
        row = conn.execute(f"SELECT * FROM {self.table} WHERE id = ?", (item_id,)).fetchone()
        if row is None or not visible(store, actor, row):
            raise Unseen(f"{self.name} {item_id!r} not found (or outside your region) / 未找到{self.name_zh}")
        return row

    def next_status(self, row: sqlite3.Row, step: str) -> str:
        return next_status(self.steps, self.statuses, row, step)

    @contextmanager
    def step(self, store: CasesStore, actor: User, item_id: str, name: str) -> Iterator[Step]:
        """The transaction of the step ``name`` on an item that ``actor`` may see and whose
        status allows the step; the caller checks the rest and records it (:meth:`Step.record`)."""
        with store.transaction() as conn:
            row = self.row(conn, store, actor, item_id)
            yield Step(self, conn, store, actor, row, name, self.next_status(row, name))

    def move(self, conn, store, actor, row, step, to_status, detail, note="", **columns) -> None:
        """Set the item's status to ``to_status`` and its ``columns``, and record the step."""
        sets = ", ".join(f"{c} = ?" for c in ("status", *columns))
        conn.execute(
            f"UPDATE {self.table} SET {sets}, version = version + 1 WHERE id = ?",
            (to_status, *columns.values(), row["id"]),
        )
        event = Event(f"{self.name}.{step}", row["id"], detail, (row["status"], to_status), note)
        record_step(conn, store, actor, event)

    def listed(
        self,
        store: CasesStore,
        actor: User,
        status: str | None,
        overdue: bool,
        on: date | None,
        keep: Callable[[sqlite3.Row], bool] = lambda row: True,
    ) -> list[dict]:
        """The items ``actor`` may see in ``status`` (any if None) that ``keep`` keeps, overdue
        first (``overdue``: only those), then by deadline."""
        require_action(actor, "supervision.read")
        if status is not None and status not in self.statuses:
            raise InputError(f"status {status!r} is not one of {', '.join(self.statuses)} / 状态有误")
        cal, on = calendar(store), on or today(store)
        rows = store.connection().execute(f"SELECT * FROM {self.table} ORDER BY num").fetchall()
        items = [
            self.summary(r, cal, on)
            for r in rows
            if visible(store, actor, r) and status in (None, r["status"]) and keep(r)
        ]
        items = [i for i in items if i["overdue"] or not overdue]
        return sorted(items, key=lambda i: (not i["overdue"], i["deadline"] or "9999", i["id"]))

    def get(self, store: CasesStore, actor: User, item_id: str, on: date | None) -> dict:
        """One item with its history (``events``)."""
        require_action(actor, "supervision.read")
        row = self.row(store.connection(), store, actor, item_id)
        summary = self.summary(row, calendar(store), on or today(store))
        return {**summary, "events": events_of(store, item_id)}


@dataclass(frozen=True)
class Step:
    """A step under way on one item (:meth:`ItemKind.step`): its row before the step and the
    status the step leads to."""

    kind: ItemKind
    conn: sqlite3.Connection
    store: CasesStore
    actor: User
    row: sqlite3.Row
    name: str
    to_status: str

    def record(self, detail: dict, note: str = "", to_status: str | None = None, **columns) -> None:
        """Move the item to ``to_status`` (default: where the step leads) with its ``columns``
        and record the step with ``detail`` and ``note``."""
        status = to_status or self.to_status
        self.kind.move(self.conn, self.store, self.actor, self.row, self.name, status, detail, note, **columns)
