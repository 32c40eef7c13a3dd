"""bidgraph daily INBOX_DIR: the nightly job (docs/daily.md).

Holds the workspace's load lock for the whole run, so two runs (or a run and a load) never
overlap. Appends every export that arrived in INBOX_DIR (a folder per day, or files), each as
its own version, in name order: a processed one moves to ``INBOX_DIR/done/``, a refused one to
``INBOX_DIR/failed/`` beside ``<name>.reason.txt``. Then runs and records the detector batch as
``detect`` does (the findings' history, the batch record and what changed since the batch
before), and writes a report (JSON and text) into ``<workspace>/reports/``.

Exit codes: 0 all loaded and detected; 1 partly failed (an export or a detector); 2 refused
(no inbox, no graph, another run or load holds the lock); 3 internal error (see the log).
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import traceback
from datetime import datetime
from pathlib import Path

from bidgraph.commands._common import store_for
from bidgraph.commands.load import append
from bidgraph.errors import BidgraphError
from bidgraph.graph.allocator import keep_freed_memory
from bidgraph.graph.embedded.lock import load_lock
from bidgraph.loaders.bundle import write_quarantine
from bidgraph.workspace import resolve_workspace

OK, PARTLY_FAILED, REFUSED, INTERNAL_ERROR = 0, 1, 2, 3
DONE, FAILED = "done", "failed"
log = logging.getLogger("bidgraph.daily")


def register(sub) -> None:
    p = sub.add_parser(
        "daily", help="the nightly job: append what arrived, detect, report / 每日任务：追加、检测、报告"
    )
    p.add_argument("inbox", type=Path, help="folder the exports arrive in / 导出文件到达的目录")
    p.set_defaults(func=handle)


def arrivals(inbox: Path) -> list[Path]:
    """The exports waiting in ``inbox``, in name order (``done``, ``failed`` and hidden names aside)."""
    return sorted(p for p in inbox.iterdir() if p.name not in (DONE, FAILED) and not p.name.startswith("."))


def handle(args) -> int:
    keep_freed_memory()
    workspace = resolve_workspace(args.workspace)
    started = datetime.now().astimezone()
    report: dict = {"inbox": str(args.inbox), "started": started.isoformat(timespec="seconds"), "loaded": []}
    report |= {"failed": [], "detectors": [], "changes": None}
    try:
        if not args.inbox.is_dir():
            raise BidgraphError(f"{args.inbox}: no such inbox folder / 收件目录不存在")
        with load_lock(workspace):
            code = _run(args, workspace, report)
    except BidgraphError as exc:
        report["refused"] = str(exc)
        code = REFUSED
    except Exception as exc:  # a bug: the scheduler sees 3, the engineer the log and the report
        log.exception("internal error in daily %s", args.inbox)
        report["internal_error"] = f"{type(exc).__name__}: {exc}"
        report["traceback"] = traceback.format_exc()
        code = INTERNAL_ERROR
    report["exit_code"] = code
    report["finished"] = datetime.now().astimezone().isoformat(timespec="seconds")
    path = write_report(workspace / "reports", started, report)
    print(render(report))
    print(f"report / 报告: {path}")
    if code in (REFUSED, INTERNAL_ERROR):
        print(f"bidgraph: error: {report.get('refused') or report.get('internal_error')}", file=sys.stderr)
    return code


def _run(args, workspace: Path, report: dict) -> int:
    store = store_for(args)
    for entry in arrivals(args.inbox):
        try:
            bundle, result = append(store, [entry], quiet=True)
        except BidgraphError as exc:
            report["failed"].append({"export": entry.name, "reason": str(exc)})
            _move(entry, args.inbox / FAILED).with_name(entry.name + ".reason.txt").write_text(
                str(exc) + "\n", encoding="utf-8"
            )
            continue
        write_quarantine(bundle, workspace / "quarantine" / entry.name)
        report["loaded"].append(
            {
                "export": entry.name,
                "version": result["version"],
                "unchanged": result["unchanged"],
                "taken": sum(c.get("taken", 0) for c in bundle.counts.values()),
                "quarantined": sum(c.get("quarantined", 0) for c in bundle.counts.values()),
                "tables": result["changes"],
            }
        )
        _move(entry, args.inbox / DONE)
    if not store.live_tables():
        raise BidgraphError("the workspace has no graph yet and nothing could be loaded / 工作区尚无图谱")
    # Imported only now: the detectors bring scikit-learn and SciPy's statistics (seconds to
    # import), which a run that refuses, or the appends before the batch, do not need.
    from bidgraph.detectors.core import settings as detector_settings
    from bidgraph.detectors.core.batches import change_counts, record_batch

    snapshot = store.snapshot()
    settings = detector_settings.settings_for(args.workspace, None)
    findings, record = record_batch(store, snapshot, settings, progress=False)
    report["version"], report["batch"] = snapshot.version, record["id"]
    rows = record["detectors"]
    report["detectors"] = [{k: row.get(k) for k in ("detector", "status", "findings", "error")} for row in rows]
    report["findings"] = len(findings)
    report["changes"] = change_counts(record)
    failed = report["failed"] or any(row.get("error") for row in rows)
    return PARTLY_FAILED if failed else OK


def _move(entry: Path, folder: Path) -> Path:
    """Move ``entry`` into ``folder``; a name already there gets a time suffix (an export sent twice)."""
    folder.mkdir(exist_ok=True)
    target = folder / entry.name
    if target.exists():
        target = folder / f"{entry.name}.{datetime.now().strftime('%Y%m%dT%H%M%S%f')}"
    shutil.move(str(entry), target)
    return target


def write_report(folder: Path, started: datetime, report: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"daily-{started.strftime('%Y%m%dT%H%M%S')}"
    stem.with_suffix(".json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    stem.with_suffix(".txt").write_text(render(report) + "\n", encoding="utf-8")
    return stem.with_suffix(".json")


def render(report: dict) -> str:
    """The report as text, Chinese and English."""
    lines = [f"daily run / 每日任务 {report['started']} inbox {report['inbox']}: exit {report['exit_code']}"]
    for item in report["loaded"]:
        state = "unchanged / 未变" if item["unchanged"] else f"version {item['version']}"
        lines.append(
            f"  loaded / 已加载 {item['export']}: {state}, taken / 接收 {item['taken']}, "
            f"quarantined / 隔离 {item['quarantined']}"
        )
    lines += [f"  failed / 失败 {item['export']}: {item['reason']}" for item in report["failed"]]
    if not report["loaded"] and not report["failed"]:
        lines.append("  nothing arrived / 无新导出")
    for row in report["detectors"]:
        lines.append(f"  {row['detector']}: {row['findings']} findings / 条预警 ({row['status']})")
    if report["changes"] is None:
        lines.append("  no batch ran / 未运行检测")
    else:
        from bidgraph.commands.changes import LABELS  # the batch ran: what it imports is loaded

        told = ", ".join(f"{LABELS[kind]} {n}" for kind, n in report["changes"].items())
        lines.append(f"  batch / 批次 {report['batch']}, since the batch before / 与上一批次相比: {told}")
    for key in ("refused", "internal_error"):
        if key in report:
            lines.append(f"  {key}: {report[key]}")
    return "\n".join(lines)
