"""bidgraph info [--json]: what the store holds."""

from __future__ import annotations

import json

from bidgraph.commands._common import print_table, store_for


def register(sub) -> None:
    p = sub.add_parser("info", help="counts of nodes, relationships and quarantined rows")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=handle)


def handle(args) -> int:
    info = store_for(args).info()
    if args.json:
        print(json.dumps(info, ensure_ascii=False, sort_keys=True))
        return 0
    print(f"store: {info['store']}  {info.get('workspace', '')}  {info.get('version', '')}")
    print_table([{"label": k, "nodes": v} for k, v in info["nodes"].items()], ["label", "nodes"])
    print_table([{"type": k, "relationships": v} for k, v in info["relationships"].items()], ["type", "relationships"])
    if any(info["quarantine"].values()):
        print_table(
            [{"table": k, "quarantined": v} for k, v in info["quarantine"].items() if v], ["table", "quarantined"]
        )
    return 0
