"""bidgraph load BUNDLE: read, check and load a bundle folder, an .xlsx workbook, or OCDS JSON.

One load at a time per workspace (the workspace's load lock). A load that would replace the
live graph with one without organizations or bids, or with under half of either, is refused
unless ``--replace`` is given: an operator who picked the wrong file keeps the graph.
"""

from __future__ import annotations

from pathlib import Path

from tqdm import tqdm

from bidgraph.commands._common import print_table, store_for
from bidgraph.errors import InputError
from bidgraph.graph.embedded.lock import load_lock
from bidgraph.loaders.bundle import read_bundle, write_quarantine
from bidgraph.loaders.model import Bundle
from bidgraph.workspace import resolve_workspace

OCDS_SUFFIXES = (".json", ".jsonl", ".json.gz", ".jsonl.gz")
#: Tables whose loss a load may not cause silently; and the share of their rows it must keep.
GUARDED_TABLES = ("organizations", "bids")
KEPT_AT_LEAST = 0.5


def register(sub) -> None:
    p = sub.add_parser("load", help="load a bundle folder, an .xlsx workbook or an OCDS file into the store")
    p.add_argument("bundle", type=Path)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--replace",
        action="store_true",
        help="load even if the new graph has no organizations or bids, or under half of the live graph's "
        "/ 即使新图谱缺少或不足现有一半的企业、投标也加载",
    )
    p.set_defaults(func=handle)


def read_any(path: Path, quiet: bool = False) -> Bundle:
    if path.is_file() and path.name.lower().endswith(OCDS_SUFFIXES):
        from bidgraph.loaders.ocds import read_ocds_bundle

        return read_ocds_bundle(path)
    with tqdm(desc="read", unit="rows", disable=quiet) as bar:

        def advance(table: str, rows: int) -> None:
            bar.set_postfix_str(table)
            bar.update(rows)

        return read_bundle(path, progress=advance)


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


def handle(args) -> int:
    workspace = resolve_workspace(args.workspace)
    with load_lock(workspace):
        bundle = read_any(args.bundle, args.quiet)
        rows = [{"table": t, **c} for t, c in bundle.counts.items()]
        print_table(rows, ["table", "read", "taken", "quarantined", "merged"])
        store = store_for(args)
        refusal = replacement_refusal(store.live_tables(), {t: len(f) for t, f in bundle.tables.items()})
        if refusal and not getattr(args, "replace", False):
            raise InputError(f"{args.bundle}: {refusal}")
        report = store.load(bundle)
        quarantine = write_quarantine(bundle, workspace / "quarantine")
    state = "unchanged (same content as the live version)" if report["unchanged"] else "loaded"
    print(f"{state}: version {report['version']}")
    total_q = sum(c.get("quarantined", 0) for c in bundle.counts.values())
    print(f"quarantined rows: {total_q} -> {quarantine}")
    return 0
