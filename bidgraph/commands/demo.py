"""bidgraph demo: generate a city, load it, run the detectors, open the workbench."""

from __future__ import annotations

import argparse

from bidgraph.commands import detect, load
from bidgraph.graph.allocator import give_back_freed_memory
from bidgraph.workspace import resolve_workspace


def register(sub) -> None:
    p = sub.add_parser("demo", help="generate a synthetic city, load it, detect, and serve the workbench")
    p.add_argument("--scale", default="city", choices=["small", "city", "province"])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8050)
    p.add_argument("--no-serve", action="store_true", help="stop after detection (for scripts and CI)")
    p.set_defaults(func=handle)


def handle(args) -> int:
    from bidgraph.citygen import generate_city

    workspace = resolve_workspace(args.workspace)
    bundle_dir = workspace / "demo-bundle" / f"{args.scale}-seed{args.seed}"
    print(f"generating a {args.scale} city (seed {args.seed}) in {bundle_dir}")
    generate_city(bundle_dir, scale=args.scale, seed=args.seed)
    common = {"workspace": str(workspace), "quiet": False}
    # the demo replaces whatever the workspace held before (e.g. a larger city of an earlier demo)
    load.handle(argparse.Namespace(bundle=[bundle_dir], append=False, delete_missing=None, replace=True, **common))
    detect.handle(argparse.Namespace(detectors=None, out=workspace / "findings.jsonl", settings=None, **common))
    if args.no_serve:
        return 0
    from bidgraph.commands import serve

    give_back_freed_memory()  # load and detect kept their peak in the heap; the server need not hold it
    return serve.handle(argparse.Namespace(host=args.host, port=args.port, no_auth=True, **common))
