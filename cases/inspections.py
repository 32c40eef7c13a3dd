"""Random inspections (双随机、一公开): projects (or firms) and the officers who inspect them,
both drawn at random, reproducibly, with the results published within 5 working days.

The draw is repeatable by anyone: the seed, the pool's size and SHA-256 (of its sorted ids)
and the officers' pool are written to the audit trail (``inspect.seed``) *before* the draw;
then :func:`repeat_draw` — ``numpy.random.default_rng(seed)`` choosing ``n`` of the pool
sorted by id without replacement, then ``officers`` of the officers' pool sorted likewise —
gives the list, recorded as ``inspect.draw``. Same seed and pool, same list.

Each result is recorded (``inspect.record``) with a publish-by date 5 working days after the
day it was recorded (一公开).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from bidgraph.cases import audit
from bidgraph.cases.cases import today
from bidgraph.cases.db import CasesStore
from bidgraph.cases.scope import RegionIndex
from bidgraph.cases.settings import calendar
from bidgraph.cases.supervised_items import insert_numbered
from bidgraph.cases.supervision import Event, StepRefused, Unseen, record_step, records_denial, require_action, text
from bidgraph.cases.users import User
from bidgraph.errors import InputError

__all__ = [
    "TARGETS",
    "DrawRequest",
    "RESULTS",
    "PUBLISH_WORKDAYS",
    "repeat_draw",
    "pool_digest",
    "project_pool",
    "firm_pool",
    "draw",
    "record_result",
    "list_inspections",
    "get_inspection",
]

TARGETS = {"project": "项目", "firm": "企业"}
RESULTS = {"no_problem": "未发现问题", "problem": "发现问题"}
PUBLISH_WORKDAYS = 5


def pool_digest(pool: Sequence[str]) -> str:
    """SHA-256 of the pool's ids, sorted and joined by newlines."""
    return hashlib.sha256("\n".join(sorted(map(str, pool))).encode("utf-8")).hexdigest()


def repeat_draw(seed: int, pool: Sequence[str], n: int, officers_pool: Sequence[str], officers: int) -> dict:
    """The draw for ``seed``: ``{"items": [...], "officers": [...]}`` in the order drawn.

    >>> repeat_draw(7, ["P3", "P1", "P2"], 2, ["b", "a"], 1) == repeat_draw(7, ["P1", "P2", "P3"], 2, ["a", "b"], 1)
    True
    """
    items, people = sorted(map(str, set(pool))), sorted(map(str, set(officers_pool)))
    if not 1 <= n <= len(items):
        raise InputError(f"cannot draw {n} from a pool of {len(items)} / 抽取数量超出范围")
    if not 1 <= officers <= len(people):
        raise InputError(f"cannot draw {officers} officers from {len(people)} / 执法人员数量超出范围")
    rng = np.random.default_rng(seed)
    return {
        "items": [items[i] for i in rng.choice(len(items), size=n, replace=False)],
        "officers": [people[i] for i in rng.choice(len(people), size=officers, replace=False)],
    }


def project_pool(tables, region_code: str | None = None, **equal: str) -> list[str]:
    """Project ids of ``tables["projects"]`` in ``region_code`` whose columns equal ``equal``
    (e.g. ``category="construction"``)."""
    projects = tables["projects"]
    keep = projects["region_code"].astype(str) == region_code if region_code else projects["project_id"].notna()
    for column, value in equal.items():
        if column not in projects:
            raise InputError(f"projects have no column {column!r} to filter by / 项目表无此字段")
        keep &= projects[column].astype(str) == value
    return sorted(projects.loc[keep, "project_id"].astype(str))


def firm_pool(tables, index: RegionIndex, region_code: str | None = None) -> list[str]:
    """Enterprises (``kind`` enterprise or unknown) that bid, in ``region_code`` if given."""
    orgs = tables["organizations"]
    enterprise = orgs["kind"].isna() | (orgs["kind"] == "enterprise") if "kind" in orgs else orgs["org_id"].notna()
    bidders = set(tables["bids"]["org_id"].astype(str))
    ids = [o for o in orgs.loc[enterprise, "org_id"].astype(str) if o in bidders]
    return sorted(o for o in ids if region_code is None or region_code in index.regions("company", o))


@dataclass(frozen=True)
class DrawRequest:
    """What a random draw takes: ``n`` of ``pool`` (ids of projects or firms, ``target``, chosen
    by ``filters``) and ``officers`` of ``officers_pool`` (accounts)."""

    target: str
    pool: Sequence[str]
    n: int
    officers_pool: Sequence[str]
    officers: int
    filters: dict = field(default_factory=dict)

    def checked(self) -> DrawRequest:
        """The request, refused (InputError) when its target is unknown or its sizes cannot be drawn."""
        if self.target not in TARGETS:
            raise InputError(f"target {self.target!r} is not one of {', '.join(TARGETS)} / 抽查对象应为项目或企业")
        self.picked(0)
        return self

    def picked(self, seed: int) -> dict:
        """``{"items", "officers"}`` drawn with ``seed`` (:func:`repeat_draw`)."""
        return repeat_draw(seed, self.pool, self.n, self.officers_pool, self.officers)

    def announcement(self, seed: int, region: str | None) -> dict:
        """What the audit trail records of the draw before it is made."""
        return {
            "target": self.target,
            "filters": self.filters,
            "seed": seed,
            "pool_size": len(set(self.pool)),
            "pool_sha256": pool_digest(self.pool),
            "n": self.n,
            "officers_pool": sorted(set(self.officers_pool)),
            "officers": self.officers,
            "region": region,
        }


def draw(store: CasesStore, actor: User, request: DrawRequest, *, seed: int | None = None) -> dict:
    """Draw what ``request`` asks (its pool chosen by the caller in ``actor``'s region, its
    officers active accounts). The seed (random unless given) is audited before the draw;
    returns the inspection."""
    require_action(actor, "inspect.draw")
    request.checked()
    seed = secrets.randbits(63) if seed is None else int(seed)
    conn = store.connection()
    known = {r["name"] for r in conn.execute("SELECT name FROM users WHERE active = 1")}
    unknown = sorted(set(request.officers_pool) - known)
    if unknown:
        raise InputError(f"no active account {unknown[0]!r} for the officers' pool / 执法人员账号不存在")
    announced = request.announcement(seed, actor.region_code)
    picked = request.picked(seed)
    seed_entry = audit.record(store, actor.name, "inspect.seed", announced)
    with store.transaction() as conn:
        drawn = {
            "target": request.target,
            "filters": audit.canonical(request.filters),
            "seed": seed,
            "pool_sha256": announced["pool_sha256"],
            "items": json.dumps(picked["items"]),
            "officers": json.dumps(picked["officers"]),
            "region_code": actor.region_code,
            "drawn_by": actor.name,
            "drawn_on": today(store).isoformat(),
        }
        inspection_id = insert_numbered(conn, "inspections", "I", drawn)
        detail = {"seed_entry": seed_entry["seq"], "seed": seed, **picked}
        record_step(conn, store, actor, Event("inspect.draw", inspection_id, detail))
    return get_inspection(store, actor, inspection_id)


def _row(conn, actor: User, inspection_id: str):
    row = conn.execute("SELECT * FROM inspections WHERE id = ?", (inspection_id,)).fetchone()
    if row is None or actor.region_code not in (None, row["region_code"]):
        raise Unseen(f"inspection {inspection_id!r} not found (or outside your region) / 未找到抽查")
    return row


@records_denial
def record_result(store: CasesStore, actor: User, inspection_id: str, item_id: str, result: str, note: str) -> dict:
    """Record what inspecting one drawn item found; publish by 5 working days later."""
    require_action(actor, "inspect.record")
    if result not in RESULTS:
        raise InputError(f"result {result!r} is not one of {', '.join(RESULTS)} / 检查结果有误")
    note = text(note, "the note")
    with store.transaction() as conn:
        row = _row(conn, actor, inspection_id)
        if item_id not in json.loads(row["items"]):
            raise StepRefused(f"{item_id} was not drawn in {inspection_id} / 该对象不在本次抽查名单中")
        if conn.execute(
            "SELECT 1 FROM inspection_results WHERE inspection_id = ? AND item_id = ?", (inspection_id, item_id)
        ).fetchone():
            raise StepRefused(f"{item_id} of {inspection_id} already has a result / 已录入结果")
        recorded = today(store)
        publish_by = calendar(store).add(recorded, PUBLISH_WORKDAYS).isoformat()
        conn.execute(
            "INSERT INTO inspection_results (inspection_id, item_id, result, note, recorded_by, recorded_on, "
            "publish_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (inspection_id, item_id, result, note, actor.name, recorded.isoformat(), publish_by),
        )
        detail = {"target": item_id, "result": result, "publish_by": publish_by}
        record_step(conn, store, actor, Event("inspect.record", inspection_id, detail, note=note))
    return get_inspection(store, actor, inspection_id)


def _inspection(conn, row) -> dict:
    item = dict(row)
    item.pop("num")
    for key in ("filters", "items", "officers"):
        item[key] = json.loads(item[key])
    results = conn.execute(
        "SELECT item_id, result, note, recorded_by, recorded_on, publish_by FROM inspection_results "
        "WHERE inspection_id = ? ORDER BY item_id",
        (row["id"],),
    )
    item["results"] = [dict(r) for r in results]
    return item


@records_denial
def get_inspection(store: CasesStore, actor: User, inspection_id: str) -> dict:
    """One inspection: seed, drawn items and officers, results."""
    require_action(actor, "supervision.read")
    conn = store.connection()
    return _inspection(conn, _row(conn, actor, inspection_id))


def list_inspections(store: CasesStore, actor: User) -> list[dict]:
    """The inspections of ``actor``'s region (city staff: all), newest first."""
    require_action(actor, "supervision.read")
    conn = store.connection()
    rows = conn.execute("SELECT * FROM inspections ORDER BY num DESC").fetchall()
    return [_inspection(conn, r) for r in rows if actor.region_code in (None, r["region_code"])]
