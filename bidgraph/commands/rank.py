"""bidgraph rank [--by lot|project|org|tenderer] [--top N] [--json]: the smoke-index ranking."""

from __future__ import annotations

import json

from bidgraph.commands._common import print_table, store_for
from bidgraph.commands.detect import settings_for
from bidgraph.detectors.smoke_index import LEVELS, smoke_scores


def register(sub) -> None:
    p = sub.add_parser("rank", help="rank lots, projects, organizations or tenderers by smoke index")
    p.add_argument("--by", choices=list(LEVELS), default="org")
    p.add_argument("--top", type=int, default=20)
    p.add_argument("--settings", help="TOML overriding detectors/settings.toml")
    p.add_argument("--json", action="store_true", help="JSON Lines with every contribution")
    p.set_defaults(func=handle)


def handle(args) -> int:
    store = store_for(args)
    scores = smoke_scores(store.findings(), store.snapshot(), settings_for(args)["smoke_index"], args.by, top=args.top)
    if args.json:
        for row in scores.to_dict("records"):
            print(json.dumps(row, ensure_ascii=False))
        return 0
    rows = [
        {
            "rank": i + 1,
            args.by: r["entity"],
            "index": r["index"],
            "findings": r["findings"],
            "why": ", ".join(f"{d} {p:g}" for d, p in sorted(r["by_detector"].items(), key=lambda kv: -kv[1])),
        }
        for i, r in enumerate(scores.to_dict("records"))
    ]
    print_table(rows, ["rank", args.by, "index", "findings", "why"])
    return 0
