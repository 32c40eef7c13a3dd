"""bidgraph detect [--detectors a,b] [--out findings.jsonl] [--settings my.toml]"""

from __future__ import annotations

import sys
from pathlib import Path

from bidgraph.commands._common import print_table, store_for, write_jsonl
from bidgraph.detectors.core.runner import run_batch
from bidgraph.detectors.core.settings import load_settings
from bidgraph.workspace import resolve_workspace


def register(sub) -> None:
    p = sub.add_parser("detect", help="run the detector batch and store its findings")
    p.add_argument("--detectors", help="comma-separated detector ids (default: all)")
    p.add_argument("--out", type=Path, help="also write the findings here as JSON Lines")
    p.add_argument(
        "--settings",
        type=Path,
        help="TOML overriding detectors/settings.toml (default: settings.toml in the workspace, if any)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=handle)


def settings_for(args) -> dict:
    override = args.settings
    if override is None:
        candidate = resolve_workspace(args.workspace) / "settings.toml"
        override = candidate if candidate.exists() else None
    return load_settings(override)


def handle(args) -> int:
    store = store_for(args)
    settings = settings_for(args)
    only = [d.strip() for d in args.detectors.split(",") if d.strip()] if args.detectors else None
    findings, summary = run_batch(store.snapshot(), settings, only, progress=not args.quiet)
    store.save_findings(findings)
    if args.out:
        write_jsonl(args.out, findings)
    print_table(summary, ["detector", "findings", "high", "medium", "low", "seconds"])
    print(f"{len(findings)} findings stored" + (f"; written to {args.out}" if args.out else ""))
    failed = [row for row in summary if "error" in row]
    for row in failed:
        print(
            f"bidgraph: error: detector {row['detector']} failed ({row['error']}); the others' findings were stored",
            file=sys.stderr,
        )
    return 1 if failed else 0
