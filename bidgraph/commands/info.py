"""bidgraph info [--json]: what the store holds (and, for the embedded store, the loads appended
into the live graph and the rows of history they replaced or deleted, per table)."""

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
    if info.get("history"):
        print(f"loads / 加载次数: {info.get('loads', 1)}; rows replaced or deleted, kept as history / 历史记录:")
        print_table([{"table": k, "history": v} for k, v in info["history"].items()], ["table", "history"])
    return 0
