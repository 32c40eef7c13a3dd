"""Concurrent use of the cases store: N simulated users working cases at once.

Each user (a process by default, or a thread) loops until time is up: comments on a random
case (45 %), moves a case one step along the workflow with the version it read (12 %; a
stale version is refused as a conflict, never applied), assigns (8 %), opens a new case
(8 %), reads the case list (5 %), dispatches a warning to the department (10 %) or, as the
department's account, replies to a dispatched item it read as still unanswered (12 %; one
another user answered first is refused by the state machine, never answered twice).
Afterwards it checks that nothing was lost or corrupted:

- every comment a user was told succeeded is in the store, per case (no lost update);
- cases = seeded + created; status and assignment events = the successful moves;
  each case's version = 1 + its status and assignment changes;
- dispatches = seeded + sent; every reply a user was told succeeded is stored, per item, and
  no item is answered twice; each answered item is ``answered`` at version 2;
- the audit trail has one entry per change (users, events, feedback, supervision steps) and verifies;
- ``PRAGMA integrity_check`` says ok; no error other than expected conflicts.

Usage: ``python bench/cases_concurrency.py [--users 20] [--seconds 60] [--mode processes|threads]``
Prints the figures and exits 1 if a check fails.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bidgraph.cases import audit, cases, departments, dispatch
from bidgraph.cases.db import CasesStore
from bidgraph.cases.supervision import StepRefused
from bidgraph.cases.users import User, add_user

SEED_CASES = 10
SEED_DISPATCHES = 10
DEPARTMENT = "DEP-001"
DEPARTMENT_USER = User("dept", "department", None)
PASSWORD = "bench-password-1"
NEXT = {"new": "reviewing", "reviewing": None, "referred": "closed", "dismissed": "closed", "closed": None}


def _finding(n: int) -> dict:
    return {
        "id": f"F-{n:06d}",
        "detector": "bid_ring",
        "score": 0.8,
        "entities": [{"type": "lot", "id": f"L{n}", "role": "context"}],
        "summary": f"ring on lot L{n}",
    }


def setup(workspace: Path, users: int) -> list[str]:
    store = CasesStore(workspace)
    op = User("bench", "admin", None)
    names = [f"user{i:02d}" for i in range(users)]
    for name in names:
        add_user(store, op, name, PASSWORD, "investigator")
    for n in range(SEED_CASES):
        cases.create_case(store, op, f"seed case {n}", [_finding(n)])
    departments.add_department(store, op, "bench department", "industry_regulator")
    departments.add_department_user(store, op, DEPARTMENT, DEPARTMENT_USER.name, PASSWORD)
    for n in range(SEED_DISPATCHES):
        dispatch.send(store, op, DEPARTMENT, "verify", 5, finding=_finding(n))
    store.close()
    return names


def work(args: tuple) -> dict:
    """One simulated user; returns what it was told succeeded, per kind, and latencies."""
    workspace, name, seconds, seed, names = args
    rng = random.Random(seed)
    store = CasesStore(workspace)
    me = User(name, "investigator", None)
    done = {
        "comments": Counter(),
        "moves": 0,
        "assigns": 0,
        "creates": 0,
        "reads": 0,
        "conflicts": 0,
        "sends": 0,
        "replies": Counter(),
        "reply_refused": 0,
        "errors": [],
        "latency_ms": [],
    }
    stop = time.monotonic() + seconds
    n = 0
    while time.monotonic() < stop:
        ids = [r[0] for r in store.connection().execute("SELECT id FROM cases")]
        case_id, roll, t0 = rng.choice(ids), rng.random(), time.perf_counter()
        try:
            if roll < 0.45:
                cases.add_comment(store, me, case_id, f"{name} note {n}")
                done["comments"][case_id] += 1
            elif roll < 0.57:
                row = (
                    store.connection().execute("SELECT status, version FROM cases WHERE id = ?", (case_id,)).fetchone()
                )
                target = NEXT[row[0]] or (rng.choice(["referred", "dismissed"]) if row[0] == "reviewing" else None)
                if target:
                    cases.transition(store, me, case_id, target, f"{name} step {n}", expected_version=row[1])
                    done["moves"] += 1
            elif roll < 0.65:
                version = store.connection().execute("SELECT version FROM cases WHERE id = ?", (case_id,)).fetchone()[0]
                cases.assign(store, me, case_id, rng.choice(names), expected_version=version)
                done["assigns"] += 1
            elif roll < 0.73:
                cases.create_case(store, me, f"{name} case {n}", [_finding(10_000 + seed * 100_000 + n)])
                done["creates"] += 1
            elif roll < 0.78:
                cases.list_cases(store, me)
                done["reads"] += 1
            elif roll < 0.88:
                dispatch.send(store, me, DEPARTMENT, "verify", 5, finding=_finding(10_000 + seed * 100_000 + n))
                done["sends"] += 1
            else:
                inbox = dispatch.list_dispatches(store, DEPARTMENT_USER, status="sent")
                if inbox:
                    item = rng.choice(inbox)["id"]
                    dispatch.reply(store, DEPARTMENT_USER, item, f"{name} answer {n}", ["ab" * 32])
                    done["replies"][item] += 1
        except cases.Conflict:
            done["conflicts"] += 1
        except StepRefused:  # another user answered the item first: refused, never applied twice
            done["reply_refused"] += 1
        except Exception as exc:  # anything else is a failure of the store under load
            done["errors"].append(f"{type(exc).__name__}: {exc}")
        done["latency_ms"].append((time.perf_counter() - t0) * 1000)
        n += 1
    store.close()
    return done


def check(workspace: Path, results: list[dict], users: int) -> dict:
    """Compare what users were told with what the store holds; returns figures and problems."""
    store = CasesStore(workspace)
    conn = store.connection()
    problems = [e for r in results for e in r["errors"]][:10]
    told = sum((r["comments"] for r in results), Counter())
    stored = Counter(
        dict(
            conn.execute("SELECT case_id, COUNT(*) FROM case_events WHERE kind = 'comment' GROUP BY case_id").fetchall()
        )
    )
    if told != stored:
        lost = {k: (told[k], stored[k]) for k in set(told) | set(stored) if told[k] != stored[k]}
        problems.append(f"comments told vs stored differ: {dict(list(lost.items())[:5])}")
    count = lambda sql: conn.execute(sql).fetchone()[0]
    creates = sum(r["creates"] for r in results)
    if count("SELECT COUNT(*) FROM cases") != SEED_CASES + creates:
        problems.append(f"cases: {count('SELECT COUNT(*) FROM cases')} stored, {SEED_CASES + creates} expected")
    moves, assigns = sum(r["moves"] for r in results), sum(r["assigns"] for r in results)
    for kind, told_n in (("status", moves), ("assign", assigns)):
        stored_n = count(f"SELECT COUNT(*) FROM case_events WHERE kind = '{kind}'")
        if stored_n != told_n:
            problems.append(f"{kind} events: {stored_n} stored, {told_n} told")
    bad_versions = count(
        "SELECT COUNT(*) FROM cases c WHERE version != 1 + (SELECT COUNT(*) FROM case_events e "
        "WHERE e.case_id = c.id AND e.kind IN ('status', 'assign'))"
    )
    if bad_versions:
        problems.append(f"{bad_versions} cases whose version does not match their changes")
    problems += _dispatch_problems(conn, results)
    entries = count("SELECT COUNT(*) FROM audit")
    expected = users + count("SELECT COUNT(*) FROM case_events") + count("SELECT COUNT(*) FROM feedback")
    expected += count("SELECT COUNT(*) FROM supervision_events")
    if entries != expected:
        problems.append(f"audit entries: {entries}, changes recorded: {expected}")
    report = audit.verify(store)
    problems += report.problems
    store.close()
    integrity = sqlite3.connect(store.path).execute("PRAGMA integrity_check").fetchone()[0]
    if integrity != "ok":
        problems.append(f"integrity_check: {integrity}")
    latencies = [x for r in results for x in r["latency_ms"]]
    return {
        "operations": len(latencies),
        "comments": sum(told.values()),
        "moves": moves,
        "assigns": assigns,
        "creates": creates,
        "reads": sum(r["reads"] for r in results),
        "conflicts_refused": sum(r["conflicts"] for r in results),
        "dispatches_sent": sum(r["sends"] for r in results),
        "replies": sum(sum(r["replies"].values()) for r in results),
        "replies_refused": sum(r["reply_refused"] for r in results),
        "audit_entries": entries,
        "integrity": integrity,
        "latency_ms_p50": round(statistics.median(latencies), 1) if latencies else None,
        "latency_ms_p95": round(statistics.quantiles(latencies, n=20)[-1], 1) if len(latencies) > 1 else None,
        "latency_ms_max": round(max(latencies), 1) if latencies else None,
        "operations_over_1s": sum(x > 1000 for x in latencies),
        "problems": problems,
        "ok": not problems,
    }


def _dispatch_problems(conn: sqlite3.Connection, results: list[dict]) -> list[str]:
    """Dispatches sent and replies told against those stored (no lost or doubled reply)."""
    problems = []
    count = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    sent = SEED_DISPATCHES + sum(r["sends"] for r in results)
    if count("SELECT COUNT(*) FROM dispatches") != sent:
        problems.append(f"dispatches: {count('SELECT COUNT(*) FROM dispatches')} stored, {sent} expected")
    told = sum((r["replies"] for r in results), Counter())
    stored = Counter(
        dict(
            conn.execute(
                "SELECT item_id, COUNT(*) FROM supervision_events WHERE kind = 'dispatch.reply' GROUP BY item_id"
            ).fetchall()
        )
    )
    if told != stored:
        lost = {k: (told[k], stored[k]) for k in set(told) | set(stored) if told[k] != stored[k]}
        problems.append(f"replies told vs stored differ: {dict(list(lost.items())[:5])}")
    if any(n > 1 for n in stored.values()):
        problems.append("an item was answered more than once")
    answered = {r[0] for r in conn.execute("SELECT id FROM dispatches WHERE status = 'answered' AND version = 2")}
    if answered != set(stored):
        problems.append(f"answered items {len(answered)} differ from the items with a reply {len(stored)}")
    return problems


def run(
    users: int = 20, seconds: float = 60, mode: str = "processes", workspace: Path | None = None, seed: int = 0
) -> dict:
    """Set up a store, let ``users`` work it for ``seconds``, check it; returns the figures."""
    workspace = Path(workspace or tempfile.mkdtemp(prefix="bidgraph-cases-bench-"))
    names = setup(workspace, users)
    jobs = [(workspace, name, seconds, seed * 1000 + i, names) for i, name in enumerate(names)]
    t0 = time.perf_counter()
    if mode == "processes":  # forked children: nothing but the results crosses a pipe
        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()
        children = [ctx.Process(target=lambda job=job: queue.put(work(job))) for job in jobs]
        for child in children:
            child.start()
        results = [queue.get(timeout=seconds + 300) for _ in children]
        for child in children:
            child.join()
    else:
        with ThreadPoolExecutor(users) as pool:
            results = list(pool.map(work, jobs))
    elapsed = time.perf_counter() - t0
    figures = check(workspace, results, users)
    figures.update(
        users=users,
        mode=mode,
        seconds=round(elapsed, 1),
        ops_per_second=round(figures["operations"] / elapsed, 1),
        workspace=str(workspace),
    )
    return figures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--users", type=int, default=20, help="simulated users working at once (default 20)")
    p.add_argument("--seconds", type=float, default=60, help="how long they work (default 60)")
    p.add_argument("--mode", choices=("processes", "threads"), default="processes")
    p.add_argument("--workspace", type=Path, help="folder for the store (default: a new temp folder)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    figures = run(args.users, args.seconds, args.mode, args.workspace, args.seed)
    print(json.dumps(figures, indent=1, ensure_ascii=False))
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
