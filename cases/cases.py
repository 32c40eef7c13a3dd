"""Cases: opened from findings (or the workbench's evidence cart), worked through a fixed
status workflow, assigned, commented, with deadlines in working days.

Workflow (every change records who, when and why)::

    new -> reviewing -> referred  -> closed
                     -> dismissed -> closed

Referring a case records each of its findings as *confirmed*, dismissing it as *dismissed*
(feedback for later calibration); feedback can also be given on a single finding.
Every function takes the acting :class:`~bidgraph.cases.users.User` (from ``authorize``),
checks the role and the region scope, and writes its audit entry in the same transaction; a
case outside the actor's region is "not found" and the refusal is audited (``denied``).

A case spanning counties shows a county user, by the setting ``scope.cross_region``, only
their part (``own_part``, the default: the findings and nodes of their region, each finding
cut to its entities there, and the history and verdicts of their region's and city staff)
with a notice of what was left out, or nothing (``none``).
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta, timezone

from bidgraph.cases import audit
from bidgraph.cases.db import CasesStore
from bidgraph.cases.scope import LABEL_TYPES, OTHER_REGIONS, RegionIndex, Scope
from bidgraph.cases.settings import calendar, deadline_workdays, get_setting
from bidgraph.cases.users import AccessDenied, User, require
from bidgraph.cases.workdays import DEADLINE_WORKDAYS
from bidgraph.detectors.core.batches import members, score_moved
from bidgraph.errors import BidgraphError, InputError, NotFound

__all__ = [
    "STATUSES",
    "TRANSITIONS",
    "KINDS",
    "VERDICTS",
    "WorkflowError",
    "required_text",
    "Conflict",
    "OutOfScope",
    "PART_EVENT",
    "create_case",
    "get_case",
    "list_cases",
    "transition",
    "assign",
    "add_comment",
    "record_feedback",
    "feedback_for",
    "feedback_rows",
    "findings_since_opened",
    "today",
]

STATUSES = ("new", "reviewing", "referred", "dismissed", "closed")
TRANSITIONS = {
    "new": ("reviewing",),
    "reviewing": ("referred", "dismissed"),
    "referred": ("closed",),
    "dismissed": ("closed",),
    "closed": (),
}
OPEN_STATUSES = ("new", "reviewing")  # a deadline only runs while the case is open
KINDS = tuple(DEADLINE_WORKDAYS)
VERDICTS = ("confirmed", "dismissed")
CHINA = timezone(timedelta(hours=8))
MAX_TEXT = 10_000


class WorkflowError(BidgraphError):
    """A status change the workflow does not allow, or a change without a reason."""


class Conflict(BidgraphError):
    """The case changed since the caller read it (``expected_version`` is stale)."""


class OutOfScope(NotFound):
    """A case the actor may not see: told apart from "not found" only in the audit trail."""


PART_EVENT = "scope"  # the history row that tells a county user the case shows only their part


def audits_denial(refusal: type[Exception], key: str) -> Callable[[Callable], Callable]:
    """A decorator of ``fn(store, actor, item_id, ...)`` that audits a ``refusal`` of the item
    (``denied``: ``key``: the item, action: the function's name), after the refused transaction
    has rolled back."""

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(store: CasesStore, actor: User, item_id: str, *args, **kwargs):
            try:
                return fn(store, actor, item_id, *args, **kwargs)
            except refusal:
                audit.record(store, actor.name, "denied", {key: item_id, "action": fn.__name__})
                raise

        return wrapper

    return decorate


# audits a refusal of a case outside the actor's region (``denied``: case, action)
_records_denial = audits_denial(OutOfScope, "case")


def today(store: CasesStore) -> date:
    """Today's date in China (UTC+8), from the store's clock."""
    return store.clock().astimezone(CHINA).date()


def required_text(
    value: str | None, what: str, empty_error: type[BidgraphError] = WorkflowError, what_zh: str | None = None
) -> str:
    """``value`` stripped; refused when empty (``empty_error``) or longer than ``MAX_TEXT``
    characters (InputError); with ``what_zh`` (the field's Chinese name) the message is in
    Chinese as well."""
    value = (value or "").strip()
    if not value:
        raise empty_error(f"{what} must not be empty" + (f" / {what_zh}不能为空" if what_zh else ""))
    if len(value) > MAX_TEXT:
        raise InputError(
            f"{what} is longer than {MAX_TEXT} characters" + (f" / {what_zh}超过{MAX_TEXT}字" if what_zh else "")
        )
    return value


def _shown(store: CasesStore, scope: Scope, regions: list[str]) -> bool:
    """Whether a case lying in ``regions`` is shown in ``scope`` (see the module docstring)."""
    if not scope.allows(regions):
        return False
    return scope.is_all or _ours_only(scope, regions) or get_setting(store, "scope.cross_region") != "none"


def _case_row(conn, store: CasesStore, actor: User, case_id: str):
    row = conn.execute("SELECT * FROM cases WHERE id = ?", (case_id,)).fetchone()
    if row is None or not _shown(store, Scope.of(actor), json.loads(row["region_codes"])):
        raise OutOfScope(f"case {case_id!r} not found (or outside your region)")
    return row


def _summary(row, cal, on: date) -> dict:
    case = dict(row)
    case.pop("num")
    case.pop("node_regions")
    case["region_codes"] = json.loads(case["region_codes"])
    case["nodes"] = json.loads(case["nodes"])
    running = case["deadline"] and case["status"] in OPEN_STATUSES
    deadline = date.fromisoformat(case["deadline"]) if running else None
    case["workdays_left"] = cal.between(on, deadline) if deadline is not None else None
    case["overdue"] = deadline is not None and on > deadline
    return case


def _regions_of(index: RegionIndex | None, item: dict | str) -> frozenset[str]:
    """Regions of a finding (dict) or a ``Label:key`` node; none without an index."""
    if index is None:
        return frozenset()
    if isinstance(item, dict):
        return index.finding_regions(item)
    label, _, key = item.partition(":")
    return index.regions(LABEL_TYPES.get(label, ""), key)


def create_case(
    store: CasesStore,
    actor: User,
    title: str,
    findings: list[dict],
    *,
    kind: str = "review",
    nodes: Sequence[str] = (),
    assignee: str | None = None,
    index: RegionIndex | None = None,
    opened_on: date | None = None,
) -> dict:
    """Open a case from findings (dicts as in findings.jsonl) and/or graph nodes
    (``"Label:key"`` ids from the evidence cart); returns the case as :func:`get_case` does.

    ``kind`` (review, challenge 质疑, complaint 投诉) sets the deadline in working days from
    ``opened_on`` (default today). ``index`` places the case in regions; without it the case
    is city-wide only (county users cannot open cases without it).
    """
    require(actor, "case.create")
    title = required_text(title, "case title")
    if kind not in KINDS:
        raise InputError(f"case kind {kind!r} is not one of {', '.join(KINDS)}")
    findings = list({f.get("id"): f for f in findings}.values())
    if not findings and not nodes:
        raise InputError("a case needs at least one finding or node")
    for f in findings:
        if not f.get("id") or not f.get("detector"):
            raise InputError(f"finding without id or detector: {json.dumps(f, ensure_ascii=False)[:120]}")
    for node in nodes:
        if not isinstance(node, str) or ":" not in node:
            raise InputError(f"node {node!r}: expected an id like Organization:ORG0042")
    scope = Scope.of(actor)
    if index is None and not scope.is_all:
        raise AccessDenied("a county user's case needs the loaded graph to check its region")
    placed = {
        **{("finding", f["id"]): _regions_of(index, f) for f in findings},
        **{("node", n): _regions_of(index, n) for n in nodes},
    }
    for (what, ident), where in placed.items():
        if not scope.allows(where):
            raise NotFound(f"{what} {ident!r} not found (or outside your region)")
    regions = sorted(set().union(*placed.values()))
    finding_regions = {ident: sorted(r) for (what, ident), r in placed.items() if what == "finding"}
    node_regions = {ident: sorted(r) for (what, ident), r in placed.items() if what == "node"}
    opened = opened_on or today(store)
    days = deadline_workdays(store, kind)
    deadline = calendar(store).add(opened, days).isoformat() if days else None
    with store.transaction() as conn:
        if assignee is not None:
            _check_assignee(conn, assignee, regions)
        now = store.now()
        cur = conn.execute(
            "INSERT INTO cases (title, kind, status, assignee, created_by, created_at, opened_on, deadline, "
            "region_codes, nodes, node_regions) VALUES (?, ?, 'new', ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                title,
                kind,
                assignee,
                actor.name,
                now,
                opened.isoformat(),
                deadline,
                json.dumps(regions),
                json.dumps(list(nodes), ensure_ascii=False),
                json.dumps(node_regions, ensure_ascii=False),
            ),
        )
        case_id = f"C-{cur.lastrowid:06d}"
        conn.execute("UPDATE cases SET id = ? WHERE num = ?", (case_id, cur.lastrowid))
        conn.executemany(
            "INSERT INTO case_findings (case_id, finding_id, detector, score, finding_json, "
            "region_codes) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    case_id,
                    f["id"],
                    f["detector"],
                    float(f.get("score") or 0),
                    json.dumps(f, ensure_ascii=False, sort_keys=True, default=str),
                    json.dumps(finding_regions[f["id"]]),
                )
                for f in findings
            ],
        )
        conn.execute(
            "INSERT INTO case_events (case_id, time, user, kind, to_value, text) VALUES (?, ?, ?, 'create', 'new', ?)",
            (case_id, now, actor.name, title),
        )
        audit.append(
            conn,
            store,
            actor.name,
            "case.create",
            {
                "case": case_id,
                "title": title,
                "kind": kind,
                "findings": [f["id"] for f in findings],
                "nodes": list(nodes),
                "assignee": assignee,
                "deadline": deadline,
            },
        )
    return get_case(store, actor, case_id)


def _check_assignee(conn, name: str, regions: list[str]) -> None:
    row = conn.execute("SELECT role, region_code FROM users WHERE name = ? AND active = 1", (name,)).fetchone()
    if row is None:
        raise NotFound(f"no active user named {name!r} to assign")
    if not User(name, row["role"], row["region_code"]).can("case.comment"):
        raise InputError(f"user {name!r} is a {row['role']} and cannot work cases")
    if not Scope(row["region_code"]).allows(regions):
        raise InputError(f"user {name!r} (region {row['region_code']}) cannot see this case")


@_records_denial
def get_case(
    store: CasesStore, actor: User, case_id: str, on: date | None = None, index: RegionIndex | None = None
) -> dict:
    """One case: its fields, ``findings`` (as stored when the case was opened, with their
    feedback), ``events`` (create, status, assign, comment: time, user, from, to, text),
    ``overdue`` and ``workdays_left`` (as of ``on``, default today).

    A county user sees a case spanning counties cut to their part (module docstring): its
    findings cut with ``index`` (without it, the findings of more than their region are left
    out whole), ``left_out`` counts what is not shown and the first event says so.
    """
    require(actor, "read")
    scope = Scope.of(actor)
    conn = store.connection()
    conn.execute("BEGIN")  # one consistent read of the case and its parts
    try:
        row = _case_row(conn, store, actor, case_id)
        stored = [
            (json.loads(r["finding_json"]), json.loads(r["region_codes"]))
            for r in conn.execute(
                "SELECT finding_json, region_codes FROM case_findings WHERE case_id = ? ORDER BY score DESC, finding_id",
                (case_id,),
            )
        ]
        events = [
            dict(r)
            for r in conn.execute(
                "SELECT time, user, kind, from_value, to_value, text FROM case_events WHERE case_id = ? ORDER BY id",
                (case_id,),
            )
        ]
    finally:
        conn.execute("COMMIT")
    case = _summary(row, calendar(store), on or today(store))
    ours = _written_in(store, scope)
    findings = [
        f
        for f, regions in stored
        if scope.allows(regions) and (scope.is_all or index is not None or _ours_only(scope, regions))
    ]
    if index is not None:
        findings = [scope.cut_finding(f, index) for f in findings]
    node_regions = json.loads(row["node_regions"])
    nodes = [n for n in case["nodes"] if scope.allows(node_regions.get(n, []))]
    feedback = feedback_for(store, [f["id"] for f in findings], actor)
    case["findings"] = [{**f, "feedback": feedback.get(f["id"], [])} for f in findings]
    case["events"] = [e for e in events if ours(e["user"])]
    if not scope.is_all and not _ours_only(scope, case["region_codes"]):
        case["left_out"] = {
            "findings": len(stored) - len(findings),
            "entities": sum(f.get(OTHER_REGIONS, 0) for f in findings),
            "nodes": len(case["nodes"]) - len(nodes),
            "events": len(events) - len(case["events"]),
        }
        case["events"].insert(0, _part_notice(store, scope, case["left_out"]))
        case["region_codes"] = [scope.region_code]
    case["nodes"] = nodes
    return case


def _written_in(store: CasesStore, scope: Scope) -> Callable[[str], bool]:
    """Whether an entry by this user name (history, verdict) is shown in ``scope``: city staff's
    and the command line's everywhere, a county user's in their county only."""
    if scope.is_all:
        return lambda user: True
    rows = store.connection().execute("SELECT name, region_code FROM users").fetchall()
    regions = {r["name"]: r["region_code"] for r in rows}
    return lambda user: regions.get(user) in (None, scope.region_code)


def _ours_only(scope: Scope, regions: list[str]) -> bool:
    """Whether something lying in ``regions`` lies in the scope's region and nowhere else."""
    return set(regions) <= {scope.region_code}


def _part_notice(store: CasesStore, scope: Scope, left_out: dict) -> dict:
    """The history row that says a cross-county case shows only the reader's part."""
    n = left_out
    text = (
        f"仅显示本地区（{scope.region_code}）部分：其他地区的 {n['findings']} 条疑点、{n['entities']} 个实体、"
        f"{n['nodes']} 个节点、{n['events']} 条办理记录未显示。 / Only the part in region {scope.region_code}: "
        f"{n['findings']} findings, {n['entities']} entities, {n['nodes']} nodes and {n['events']} history "
        "entries of other regions are not shown."
    )
    return {
        "time": store.now(),
        "user": "bidgraph",
        "kind": PART_EVENT,
        "from_value": None,
        "to_value": None,
        "text": text,
    }


def list_cases(
    store: CasesStore, actor: User, *, mine: bool = False, status: str | None = None, on: date | None = None
) -> list[dict]:
    """The cases ``actor`` may see (``mine``: only those assigned to them), overdue first,
    then by deadline and id. Each has ``overdue``, ``workdays_left`` and ``findings_count``."""
    require(actor, "read")
    if status is not None and status not in STATUSES:
        raise InputError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    sql = (
        "SELECT c.*, (SELECT COUNT(*) FROM case_findings f WHERE f.case_id = c.id) AS findings_count "
        "FROM cases c WHERE 1 = 1"
    )
    args: list = []
    if mine:
        sql, args = sql + " AND assignee = ?", args + [actor.name]
    if status:
        sql, args = sql + " AND status = ?", args + [status]
    scope, cal, on = Scope.of(actor), calendar(store), on or today(store)
    cases = [_summary(r, cal, on) for r in store.connection().execute(sql + " ORDER BY num", args)]
    cases = [c for c in cases if _shown(store, scope, c["region_codes"])]
    if not scope.is_all:  # count only the findings this user may see
        visible = Counter(
            r["case_id"]
            for r in store.connection().execute("SELECT case_id, region_codes FROM case_findings")
            if scope.allows(json.loads(r["region_codes"]))
        )
        for c in cases:
            c["findings_count"] = visible[c["id"]]
    return sorted(cases, key=lambda c: (not c["overdue"], c["deadline"] or "9999", c["id"]))


def _check_version(row, expected_version: int | None) -> None:
    """Refuse a change made on a stale view of the case (checked before anything else)."""
    if expected_version is not None and row["version"] != expected_version:
        raise Conflict(
            f"case {row['id']} was changed by someone else (version {row['version']}, you had "
            f"{expected_version}); reload it and try again"
        )


@contextmanager
def _changing(store: CasesStore, actor: User, case_id: str, expected_version: int | None = None) -> Iterator:
    """The transaction of a change to a case ``actor`` may see: yields the connection and the
    case's row, once :func:`_check_version` let the change through."""
    with store.transaction() as conn:
        row = _case_row(conn, store, actor, case_id)
        _check_version(row, expected_version)
        yield conn, row


def _change(conn, store, actor, case_id, column, value, kind, old, text, detail) -> None:
    conn.execute(f"UPDATE cases SET {column} = ?, version = version + 1 WHERE id = ?", (value, case_id))
    conn.execute(
        "INSERT INTO case_events (case_id, time, user, kind, from_value, to_value, text) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (case_id, store.now(), actor.name, kind, old, value, text),
    )
    audit.append(conn, store, actor.name, f"case.{kind}", {"case": case_id, "from": old, "to": value, **detail})


@_records_denial
def transition(
    store: CasesStore, actor: User, case_id: str, to_status: str, reason: str, expected_version: int | None = None
) -> dict:
    """Move a case along the workflow with a reason; returns the updated case.

    Raises :class:`WorkflowError` for a move the workflow does not allow and
    :class:`Conflict` if ``expected_version`` is given and the case moved on since.
    """
    require(actor, "case.transition")
    reason = required_text(reason, "the reason for a status change")
    if to_status not in STATUSES:
        raise WorkflowError(f"status {to_status!r} is not one of {', '.join(STATUSES)}")
    with _changing(store, actor, case_id, expected_version) as (conn, row):
        if to_status not in TRANSITIONS[row["status"]]:
            allowed = " or ".join(TRANSITIONS[row["status"]]) or "nothing (closed is final)"
            raise WorkflowError(f"case {case_id} is {row['status']}: it can move to {allowed}, not {to_status}")
        _change(conn, store, actor, case_id, "status", to_status, "status", row["status"], reason, {"reason": reason})
        verdict = {"referred": "confirmed", "dismissed": "dismissed"}.get(to_status)
        if verdict:
            for f in conn.execute(
                "SELECT finding_id, detector, score FROM case_findings WHERE case_id = ?", (case_id,)
            ).fetchall():
                _insert_feedback(conn, store, actor, dict(f), verdict, reason, case_id)
    return get_case(store, actor, case_id)


@_records_denial
def assign(
    store: CasesStore, actor: User, case_id: str, assignee: str | None, expected_version: int | None = None
) -> dict:
    """Give the case to ``assignee`` (None: unassign); returns the updated case."""
    require(actor, "case.assign")
    with _changing(store, actor, case_id, expected_version) as (conn, row):
        if assignee is not None:
            _check_assignee(conn, assignee, json.loads(row["region_codes"]))
        _change(conn, store, actor, case_id, "assignee", assignee, "assign", row["assignee"], "", {})
    return get_case(store, actor, case_id)


@_records_denial
def add_comment(store: CasesStore, actor: User, case_id: str, text: str) -> None:
    """Append a comment to the case (comments are never edited or deleted)."""
    require(actor, "case.comment")
    text = required_text(text, "comment")
    with _changing(store, actor, case_id) as (conn, _):
        conn.execute(
            "INSERT INTO case_events (case_id, time, user, kind, text) VALUES (?, ?, ?, 'comment', ?)",
            (case_id, store.now(), actor.name, text),
        )
        audit.append(conn, store, actor.name, "case.comment", {"case": case_id, "length": len(text)})


def _insert_feedback(conn, store, actor, finding: dict, verdict, reason, case_id) -> None:
    conn.execute(
        "INSERT INTO feedback (finding_id, detector, score, verdict, reason, user, time, case_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            finding["finding_id"],
            finding["detector"],
            finding.get("score"),
            verdict,
            reason,
            actor.name,
            store.now(),
            case_id,
        ),
    )
    audit.append(
        conn, store, actor.name, "feedback", {"finding": finding["finding_id"], "verdict": verdict, "case": case_id}
    )


def record_feedback(
    store: CasesStore, actor: User, finding: dict, verdict: str, reason: str, index: RegionIndex | None = None
) -> None:
    """Record that a finding (dict as in findings.jsonl) was ``confirmed`` or ``dismissed``.

    A county user must pass ``index`` so the finding's region can be checked.
    """
    require(actor, "feedback")
    if verdict not in VERDICTS:
        raise InputError(f"verdict {verdict!r} is not one of {', '.join(VERDICTS)}")
    reason = required_text(reason, "the reason for the verdict")
    scope = Scope.of(actor)
    if not scope.is_all and (index is None or not scope.allows(index.finding_regions(finding))):
        raise NotFound(f"finding {finding.get('id')!r} not found (or outside your region)")
    with store.transaction() as conn:
        _insert_feedback(
            conn,
            store,
            actor,
            {"finding_id": finding["id"], "detector": finding["detector"], "score": finding.get("score")},
            verdict,
            reason,
            None,
        )


def feedback_for(store: CasesStore, finding_ids: list[str], reader: User | None = None) -> dict[str, list[dict]]:
    """Feedback per finding id, oldest first: verdict, reason, user, time, case_id; with
    ``reader``, only the verdicts given in their scope (a county user's: their county's and
    city staff's)."""
    shown = _written_in(store, Scope.of(reader) if reader else Scope())
    out: dict[str, list[dict]] = {}
    ids = list(finding_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = store.connection().execute(
            f"SELECT * FROM feedback WHERE finding_id IN ({','.join('?' * len(chunk))}) ORDER BY id", chunk
        )
        for r in rows:
            if not shown(r["user"]):
                continue
            out.setdefault(r["finding_id"], []).append(
                {k: r[k] for k in ("verdict", "reason", "user", "time", "case_id")}
            )
    return out


def feedback_rows(store: CasesStore) -> list[dict]:
    """All feedback, for calibration: finding_id, detector, score, verdict, reason, user,
    time, case_id (``pandas.DataFrame(feedback_rows(store))`` gives a table)."""
    return [
        dict(r)
        for r in store.connection().execute(
            "SELECT finding_id, detector, score, verdict, reason, user, time, case_id FROM feedback ORDER BY id"
        )
    ]


def findings_since_opened(case: dict, current: list[dict], min_change: float = 0.0) -> list[dict]:
    """How each finding of ``case`` (:func:`get_case`: as stored when it was opened) stands in
    ``current``, the findings now stored as the same reader sees them (a county user's cut to
    their region, like the case): ``{"id", "state", "score_then", "score_now",
    "members_changed"}``, ``state`` one of ``unchanged``, ``changed`` (members, or a score moved
    at least ``min_change``: the batches' ``[run] min_score_change``) and ``gone`` (the last
    batch no longer finds it)."""
    now = {f["id"]: f for f in current}
    out = []
    for then in case.get("findings", []):
        found = now.get(then["id"])
        moved = found is not None and members(found) != members(then)
        score_now = None if found is None else found["score"]
        rescored = found is not None and score_moved(then["score"], found["score"], min_change)
        state = "gone" if found is None else "changed" if moved or rescored else "unchanged"
        out.append(
            {
                "id": then["id"],
                "state": state,
                "score_then": then["score"],
                "score_now": score_now,
                "members_changed": moved,
            }
        )
    return out
