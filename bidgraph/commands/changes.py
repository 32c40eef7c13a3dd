"""bidgraph changes --since DATE [--json]: what each detector batch found new, changed and gone."""

from __future__ import annotations

import json
from datetime import date

from bidgraph.commands._common import store_for
from bidgraph.detectors.core.batches import CHANGE_KINDS, change_counts
from bidgraph.errors import InputError

LABELS = {"new": "new / 新增", "changed": "changed / 变化", "gone": "gone / 消失"}


def register(sub) -> None:
    p = sub.add_parser("changes", help="what each batch changed in the findings / 各批次预警的变化")
    p.add_argument("--since", required=True, help="first day, YYYY-MM-DD (UTC) / 起始日期")
    p.add_argument("--json", action="store_true", help="the batch records as JSON / 以 JSON 输出批次记录")
    p.set_defaults(func=handle)


def handle(args) -> int:
    try:
        since = date.fromisoformat(args.since).isoformat()
    except ValueError:
        raise InputError(f"--since {args.since!r} is not a date YYYY-MM-DD / 日期格式应为 YYYY-MM-DD") from None
    records = [r for r in store_for(args).batches() if r["at"] >= since]
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=1))
        return 0
    if not records:
        print(f"no batch since {since} / {since} 以来没有检测批次")
    for record in records:
        print(change_line(record))
        for kind in CHANGE_KINDS:
            for entry in record["changes"][kind]:
                print(f"  {LABELS[kind]}  {entry_line(entry)}")
    return 0


def change_line(record: dict) -> str:
    """One line per batch: when, on which graph, and how many findings are new, changed and gone."""
    counts = change_counts(record)
    told = ", ".join(f"{LABELS[k]} {counts[k]}" for k in CHANGE_KINDS)
    return f"{record['id']} {record['at']} graph / 图谱 {record['graph_version']}: {told}"


def entry_line(entry: dict) -> str:
    score = f"{entry['score']:.2f}" + (f" (was / 原 {entry['before']:.2f})" if "before" in entry else "")
    moved = " members changed / 成员变化" if entry.get("members_changed") else ""
    return f"{entry['id']}  {entry['detector']}  {score}{moved}"
