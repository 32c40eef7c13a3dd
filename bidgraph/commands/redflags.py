"""``bidgraph redflags FILE.jsonl``: Cardinal's red-flag indicators on OCDS compiled releases."""

from __future__ import annotations

import json
import sys

from bidgraph.detectors.cardinal.engine import run_indicators


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "redflags",
        help="Cardinal red flags (R003 ... R058) on OCDS compiled releases",
        description="Calculate Open Contracting Partnership Cardinal indicators on a JSON Lines file of "
        "OCDS compiled releases and print Cardinal's JSON result. An indicator runs only if "
        "its section is in the settings file (see docs/redflags.md).",
    )
    parser.add_argument("file", metavar="FILE.jsonl", help="one OCDS compiled release per line")
    parser.add_argument("--settings", metavar="settings.ini", help="Cardinal settings file (INI)")
    parser.add_argument("--no-meta", action="store_true", help='leave out the "Meta" key (quartiles and fences)')
    parser.add_argument("--map", action="store_true", help='add the "Maps" key (processes to organisations)')
    parser.set_defaults(func=handle)


def handle(args) -> int:
    result = run_indicators(args.file, args.settings, no_meta=args.no_meta, map_=args.map)
    json.dump(result, sys.stdout, ensure_ascii=False, separators=(",", ":"))
    sys.stdout.write("\n")
    return 0
