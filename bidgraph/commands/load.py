"""bidgraph load BUNDLE [BUNDLE ...] [--append]: read, check and load bundle folders, .xlsx
workbooks or OCDS JSON (files, or a folder of OCDS files).

Several inputs are read one after the other into one graph (each may refer to the rows of the
ones before; a later row with the same key updates an earlier one) and written as one version.
Without ``--append`` they replace the live graph, and the summary says so; a replacement that
would leave no organizations or bids, or under half of either, is refused unless ``--replace``
is given. With ``--append`` they are added to the live graph (graph/embedded/append.py): new
rows added, changed rows updated with their previous values kept as history, rows marked
``deleted`` (and with ``--delete-missing`` rows absent from the export) removed, entities
resolved across old and new rows. One load at a time per workspace (the workspace's load lock).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from tqdm import tqdm

from bidgraph.commands._common import print_table, store_for
from bidgraph.errors import InputError
from bidgraph.graph.allocator import arrow_from_the_heap, small_pages
from bidgraph.graph.embedded.append import merge_tables
from bidgraph.graph.embedded.lock import load_lock
from bidgraph.graph.schema import schema
from bidgraph.loaders.bundle import Increment, read_bundle, write_quarantine
from bidgraph.loaders.model import Bundle, issue_frame, merge_frame
from bidgraph.loaders.resolve import resolve_entities
from bidgraph.workspace import resolve_workspace

OCDS_SUFFIXES = (".json", ".jsonl", ".json.gz", ".jsonl.gz")
#: Tables whose loss a load may not cause silently; and the share of their rows it must keep.
GUARDED_TABLES = ("organizations", "bids")
KEPT_AT_LEAST = 0.5


def register(sub) -> None:
    p = sub.add_parser("load", help="load bundle folders, .xlsx workbooks or OCDS files into the store")
    p.add_argument("bundle", type=Path, nargs="+")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--append",
        action="store_true",
        help="add to the live graph instead of replacing it (new rows added, changed rows updated, "
        "history kept) / 追加到现有图谱而非替换",
    )
    p.add_argument(
        "--delete-missing",
        metavar="TABLE[,TABLE]",
        help="with --append: remove the rows of these tables that the export does not hold "
        "/ 删除本次导出中缺失的这些表的记录",
    )
    p.add_argument(
        "--replace",
        action="store_true",
        help="load even if the new graph has no organizations or bids, or under half of the live graph's "
        "/ 即使新图谱缺少或不足现有一半的企业、投标也加载",
    )
    p.set_defaults(func=handle)


def inputs(paths: list[Path]) -> list[Path]:
    """The inputs to read, in order: a folder holding OCDS files (and no bundle tables) stands
    for its OCDS files, sorted by name."""
    out: list[Path] = []
    for path in paths:
        ocds = sorted(p for p in path.iterdir() if p.is_file() and _is_ocds(p)) if path.is_dir() else []
        bundle_files = path.is_dir() and any(p.name.lower().split(".")[0] in schema().tables for p in path.iterdir())
        out += ocds if ocds and not bundle_files else [path]
    return out


def _is_ocds(path: Path) -> bool:
    return path.name.lower().endswith(OCDS_SUFFIXES)


def read_any(path: Path, quiet: bool = False, known: dict[str, pd.DataFrame] | None = None) -> Bundle:
    if path.is_file() and _is_ocds(path):
        from bidgraph.loaders.ocds import read_ocds_bundle

        return read_ocds_bundle(path, known)
    with tqdm(desc="read", unit="rows", disable=quiet) as bar:

        def advance(table: str, rows: int) -> None:
            bar.set_postfix_str(table)
            bar.update(rows)

        return read_bundle(path, progress=advance, known=known)


def read_all(paths: list[Path], quiet: bool = False, known: dict[str, pd.DataFrame] | None = None) -> Increment:
    """Read ``paths`` as one export: each may refer to the live rows (``known``) and to the rows
    of the inputs before it; a later row with an earlier one's key updates it."""
    bundles: list[Bundle] = []
    tables: dict[str, pd.DataFrame] = {}
    for path in inputs(paths):
        bundle = read_any(path, quiet, {**(known or {}), **tables} if bundles or known is not None else None)
        bundles.append(bundle)
        if len(bundles) == 1:
            tables = bundle.tables
        else:
            merged = merge_tables(tables, bundle.tables, _deletions(bundle)).tables
            tables, merges = resolve_entities(merged)
            bundle.merges = pd.concat([bundle.merges, merges], ignore_index=True)
    if len(bundles) == 1 and isinstance(bundles[0], Increment):
        return bundles[0]
    counts: dict[str, dict] = {}
    for bundle in bundles:
        for table, c in bundle.counts.items():
            counts[table] = {k: counts.get(table, {}).get(k, 0) + v for k, v in c.items()}
    return Increment(
        tables=tables,
        quarantine=pd.concat([issue_frame(), *(b.quarantine for b in bundles)], ignore_index=True),
        warnings=pd.concat([issue_frame(), *(b.warnings for b in bundles)], ignore_index=True),
        merges=pd.concat([merge_frame(), *(b.merges for b in bundles)], ignore_index=True),
        counts=counts,
        source="; ".join(str(b.source) for b in bundles),
        deletions=pd.concat([_deletions(b) for b in bundles], ignore_index=True),
    )


def _deletions(bundle: Bundle) -> pd.DataFrame:
    return getattr(bundle, "deletions", pd.DataFrame(columns=["table", "_file", "_row"]))


def replacement_refusal(live: dict[str, int], new: dict[str, int]) -> str | None:
    """Why loading a graph with ``new`` rows per table over one with ``live`` rows would lose
    most of it (``None``: it would not)."""
    for table in GUARDED_TABLES:
        before, after = live.get(table, 0), new.get(table, 0)
        if before and after < before * KEPT_AT_LEAST:
            return (
                f"refused: the new graph would have {after} {table} where the live one has {before}, "
                f"so most of it would be lost; check the input, or pass --replace to load it anyway "
                f"/ 拒绝加载：新图谱的 {table} 仅 {after} 条（现有 {before} 条），如确需替换请加 --replace"
            )
    return None


def delete_missing_tables(text: str | None) -> tuple[str, ...]:
    names = tuple(t.strip() for t in (text or "").split(",") if t.strip())
    unknown = [t for t in names if t not in schema().tables]
    if unknown:
        raise InputError(f"--delete-missing: no table {unknown[0]} (tables: {', '.join(schema().tables)})")
    return names


def append(store, paths: list[Path], delete_missing: tuple[str, ...] = (), quiet: bool = False) -> tuple[Bundle, dict]:
    """Read ``paths`` against the live graph and append them; the caller holds the load lock."""
    with small_pages():
        known = store.snapshot().tables if store.live_tables() else {}
        bundle = read_all(paths, quiet, known)
        return bundle, store.append(bundle, delete_missing=delete_missing, resolve=resolve_entities)


def handle(args) -> int:
    arrow_from_the_heap()
    workspace = resolve_workspace(args.workspace)
    delete_missing = delete_missing_tables(args.delete_missing)
    if delete_missing and not args.append:
        raise InputError("--delete-missing needs --append / --delete-missing 须与 --append 一起使用")
    store = store_for(args)
    if args.append and not hasattr(store, "append"):
        raise InputError(
            f"--append: the {store.kind} store does not append yet (docs/daily.md); load the whole export "
            f"/ {store.kind} 存储暂不支持追加，请整体加载"
        )
    live: dict[str, int] = {}
    with load_lock(workspace):
        if args.append:
            bundle, report = append(store, args.bundle, delete_missing, args.quiet)
        else:
            bundle = read_all(args.bundle, args.quiet)
            live = store.live_tables()
            refusal = replacement_refusal(live, {t: len(f) for t, f in bundle.tables.items()})
            if refusal and not getattr(args, "replace", False):
                raise InputError(f"{', '.join(map(str, args.bundle))}: {refusal}")
            report = store.load(bundle)
        quarantine = write_quarantine(bundle, workspace / "quarantine")
    print_table(
        [{"table": t, **c} for t, c in bundle.counts.items()], ["table", "read", "taken", "quarantined", "merged"]
    )
    if args.append:
        print_changes(report)
    elif live:
        print(
            f"replaces the current graph ({live.get('organizations', 0)} organizations, {live.get('bids', 0)} bids) "
            f"/ 替换现有图谱（{live.get('organizations', 0)} 家单位，{live.get('bids', 0)} 条投标）"
        )
    state = "unchanged (same content as the live version) / 内容未变" if report["unchanged"] else "loaded / 已加载"
    print(f"{state}: version {report['version']}")
    total_q = sum(c.get("quarantined", 0) for c in bundle.counts.values())
    print(f"quarantined rows / 隔离行: {total_q} -> {quarantine}")
    return 0


def print_changes(report: dict) -> None:
    """What an append did per table; a line saying nothing changed when nothing did."""
    rows = [
        {"table": t, **c} for t, c in report["changes"].items() if any(c[k] for k in ("added", "updated", "deleted"))
    ]
    if rows:
        print_table(rows, ["table", "added", "updated", "unchanged", "deleted"])
    else:
        print("nothing new: every row is already in the graph / 无新增或变更：所有记录均已在图谱中")
