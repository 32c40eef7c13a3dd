"""bidgraph detect [--detectors a,b] [--out findings.jsonl] [--settings my.toml]"""

from __future__ import annotations

import sys
from pathlib import Path

from bidgraph.commands._common import print_table, store_for, write_jsonl
from bidgraph.commands.changes import change_line
from bidgraph.detectors.core import settings as detector_settings
from bidgraph.detectors.core.batches import record_batch
from bidgraph.detectors.core.registry import DETECTORS
from bidgraph.graph.allocator import keep_freed_memory


def register(sub) -> None:
    p = sub.add_parser("detect", help="run the detector batch and store its findings / 运行检测模型并保存预警")
    p.add_argument(
        "--detectors",
        help="comma-separated detector ids (default: all) / 逗号分隔的模型编号（默认全部）: "
        + ", ".join(d.id for d in DETECTORS),
    )
    p.add_argument("--out", type=Path, help="also write the findings here as JSON Lines / 另存预警为 JSON Lines")
    p.add_argument(
        "--settings",
        type=Path,
        help="TOML laid over the defaults and the workspace's settings.toml (see detectors/settings.toml) "
        "/ 覆盖默认值与工作区 settings.toml 的 TOML 文件",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar / 不显示进度条")
    p.set_defaults(func=handle)


def handle(args) -> int:
    keep_freed_memory()
    store = store_for(args)
    settings = detector_settings.settings_for(args.workspace, args.settings)
    only = [d.strip() for d in args.detectors.split(",") if d.strip()] if args.detectors else None
    snapshot = store.snapshot()
    # refused, and no batch recorded, if a load swapped the graph meanwhile
    findings, record = record_batch(store, snapshot, settings, only, progress=not args.quiet)
    if args.out:
        write_jsonl(args.out, findings)
    summary = record["detectors"]
    print_table(
        summary, ["detector", "status", "rule_version", "findings", "high", "medium", "low", "seconds", "batch"]
    )
    for row in summary:
        if row["status"] == "not_applicable":
            print(f"{row['detector']}: {row['reason']}")
        if row.get("note"):
            print(f"{row['detector']}: {row['note']}")
    if only:
        print(
            "kept from earlier batches / 沿用此前批次: "
            + ", ".join(r["detector"] for r in summary if r["detector"] not in record["run"])
        )
    print(f"{len(findings)} findings stored / 条预警已保存" + (f"; written to {args.out}" if args.out else ""))
    print(change_line(record))
    failed = [row for row in summary if "error" in row and row["detector"] in record["run"]]
    for row in failed:
        print(
            f"bidgraph: error: detector {row['detector']} failed ({row['error']}); the others' findings were stored",
            file=sys.stderr,
        )
    return 1 if failed else 0
