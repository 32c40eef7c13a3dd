"""bidgraph rank [--by lot|project|org|tenderer] [--top N] [--json]: the smoke-index ranking.

The ranking is what the last ``bidgraph detect`` stored: the smoke_index detector's findings,
computed with that batch's settings. Nothing is recomputed here, so the workbench's overview
lists the same entities in the same order.
"""

from __future__ import annotations

import json

from bidgraph.commands._common import print_table, store_for
from bidgraph.detectors.smoke_index import LEVELS
from bidgraph.errors import StoreError
from bidgraph.workbench.views import SMOKE_INDEX, smoke_ranking


def register(sub) -> None:
    p = sub.add_parser(
        "rank",
        help="rank lots, projects, organizations or tenderers by the smoke index of the last detector batch "
        "/ 按最近一次检测的冒烟指数排序",
    )
    p.add_argument("--by", choices=list(LEVELS), default="org", help="level to rank (default org) / 排序层级")
    p.add_argument("--top", type=int, default=20, help="how many to list (default 20) / 列出条数")
    p.add_argument("--json", action="store_true", help="JSON Lines with every contribution / 输出含明细的 JSON Lines")
    p.set_defaults(func=handle)


def handle(args) -> int:
    findings = store_for(args).findings()
    if not findings:
        raise StoreError(
            "no findings stored: run `bidgraph detect` first; the ranking is the smoke index it stores "
            "/ 尚无检测结果：请先运行 bidgraph detect"
        )
    if not any(f["detector"] == SMOKE_INDEX for f in findings):
        raise StoreError(
            "the stored batch has no smoke index: run `bidgraph detect` with the smoke_index detector "
            "/ 最近一次检测未计算冒烟指数：请运行包含 smoke_index 的 bidgraph detect"
        )
    ranked = smoke_ranking(findings, args.by, top=args.top)
    if args.json:
        for row in ranked:
            print(json.dumps(row, ensure_ascii=False))
        return 0
    if not ranked:
        print(
            f"no {args.by} reached the smoke index's min_index in the last batch "
            f"/ 最近一次检测中没有{args.by}达到冒烟指数阈值 min_index"
        )
        return 0
    rows = [
        {
            "rank": i + 1,
            args.by: r["entity"],
            "index": r["index"],
            "findings": r["findings"],
            "why": ", ".join(f"{d} {p:g}" for d, p in sorted(r["by_detector"].items(), key=lambda kv: -kv[1])),
        }
        for i, r in enumerate(ranked)
    ]
    print_table(rows, ["rank", args.by, "index", "findings", "why"])
    return 0
