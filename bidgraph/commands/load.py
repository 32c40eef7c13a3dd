"""bidgraph load BUNDLE: read, check and load a bundle folder, an .xlsx workbook, or OCDS JSON."""

from __future__ import annotations

from pathlib import Path

from tqdm import tqdm

from bidgraph.commands._common import print_table, store_for
from bidgraph.loaders.bundle import read_bundle, write_quarantine
from bidgraph.loaders.model import Bundle
from bidgraph.workspace import resolve_workspace

OCDS_SUFFIXES = (".json", ".jsonl", ".json.gz", ".jsonl.gz")


def register(sub) -> None:
    p = sub.add_parser("load", help="load a bundle folder, an .xlsx workbook or an OCDS file into the store")
    p.add_argument("bundle", type=Path)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
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


def handle(args) -> int:
    bundle = read_any(args.bundle, args.quiet)
    report = store_for(args).load(bundle)
    quarantine = write_quarantine(bundle, resolve_workspace(args.workspace) / "quarantine")
    rows = [{"table": t, **c} for t, c in bundle.counts.items()]
    print_table(rows, ["table", "read", "taken", "quarantined", "merged"])
    state = "unchanged (same content as the live version)" if report["unchanged"] else "loaded"
    print(f"{state}: version {report['version']}")
    total_q = sum(c.get("quarantined", 0) for c in bundle.counts.values())
    print(f"quarantined rows: {total_q} -> {quarantine}")
    return 0
