"""A random draw announced before it is made (双随机: the seed shown and recorded first).

The workbench draws in two steps: :func:`announce` fixes a fresh seed for a pool and writes it
to the audit trail (``inspect.announce``: target, filters, seed, pool size and SHA-256, n, the
officers' pool and how many to draw) and shows it; :func:`draw_announced` then makes the draw
of that entry — read back from the trail, not from the page — through
:func:`bidgraph.cases.inspections.draw`, refusing if the pool changed meanwhile or the
announcement was already drawn. :func:`check_repeat` repeats a recorded draw from its seed.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import date

import pandas as pd

from bidgraph.cases import audit, inspections
from bidgraph.cases.db import CasesStore
from bidgraph.cases.supervision import StepRefused, Unseen, records_denial, require_action
from bidgraph.cases.users import User
from bidgraph.errors import InputError

__all__ = ["ANNOUNCE", "period_pool", "announce", "draw_announced", "check_repeat"]

ANNOUNCE = "inspect.announce"


def period_pool(
    tables: Mapping[str, pd.DataFrame],
    region_code: str | None,
    date_from: date | None = None,
    date_to: date | None = None,
    **equal: str,
) -> list[str]:
    """:func:`~bidgraph.cases.inspections.project_pool`, narrowed to projects approved within
    ``date_from``..``date_to`` (inclusive; a project without an approval day is left out when a
    period is given)."""
    pool = inspections.project_pool(tables, region_code, **equal)
    if date_from is None and date_to is None:
        return pool
    projects = tables["projects"]
    if "approved_on" not in projects:
        raise InputError("projects have no approval day to filter a period by / 项目表无立项日期，无法按期间筛选")
    day = dict(zip(projects["project_id"].astype(str), pd.to_datetime(projects["approved_on"], errors="coerce")))
    lo = pd.Timestamp(date_from) if date_from else None
    hi = pd.Timestamp(date_to) if date_to else None
    return [p for p in pool if pd.notna(day.get(p)) and (lo is None or day[p] >= lo) and (hi is None or day[p] <= hi)]


def announce(store: CasesStore, actor: User, request: inspections.DrawRequest) -> dict:
    """Fix a fresh seed for ``request`` and audit it (``inspect.announce``) before anything is
    drawn; returns the announcement with the audit ``seq`` that :func:`draw_announced` takes."""
    require_action(actor, "inspect.draw")
    request.checked()
    detail = request.announcement(secrets.randbits(63), actor.region_code)
    entry = audit.record(store, actor.name, ANNOUNCE, detail)
    return {**detail, "seq": entry["seq"]}


def _announced(store: CasesStore, actor: User, seq: int) -> dict:
    row = store.connection().execute("SELECT user, action, detail FROM audit WHERE seq = ?", (int(seq),)).fetchone()
    if row is None or row["action"] != ANNOUNCE or row["user"] != actor.name:
        raise Unseen(f"no seed announced by you as entry {seq} / 未找到本人登记的随机种子")
    for (filters,) in store.connection().execute("SELECT filters FROM inspections"):
        if json.loads(filters).get("announced") == int(seq):
            raise StepRefused(f"the seed of entry {seq} was already drawn / 该种子已抽取，请重新生成")
    return json.loads(row["detail"])


@records_denial
def draw_announced(store: CasesStore, actor: User, seq: int, pool: Sequence[str]) -> dict:
    """Draw what audit entry ``seq`` announced, from ``pool`` (recomputed by the caller from
    the announced filters); returns the inspection. Another account's announcement (or an
    entry that is none) is refused as not found and the refusal audited (``denied``)."""
    require_action(actor, "inspect.draw")
    plan = _announced(store, actor, seq)
    if inspections.pool_digest(pool) != plan["pool_sha256"]:
        raise StepRefused(
            "the pool changed since the seed was announced: announce a new seed / 对象库已变化，请重新生成种子"
        )
    filters = {**plan["filters"], "officers_pool": plan["officers_pool"], "announced": int(seq)}
    request = inspections.DrawRequest(plan["target"], pool, plan["n"], plan["officers_pool"], plan["officers"], filters)
    return inspections.draw(store, actor, request, seed=plan["seed"])


def check_repeat(inspection: dict, pool: Sequence[str]) -> dict:
    """Repeat ``inspection``'s draw from its seed and ``pool`` (recomputed from its filters):
    ``{"items", "officers", "same_pool", "same"}`` — ``same`` when the pool is the one drawn
    from and the lists equal the recorded ones."""
    officers_pool = inspection["filters"].get("officers_pool") or inspection["officers"]
    again = inspections.repeat_draw(
        inspection["seed"], pool, len(inspection["items"]), officers_pool, len(inspection["officers"])
    )
    same_pool = inspections.pool_digest(pool) == inspection["pool_sha256"]
    same = same_pool and again["items"] == inspection["items"] and again["officers"] == inspection["officers"]
    return {**again, "same_pool": same_pool, "same": same}
