"""``bidgraph``: the command line. Commands live in ``bidgraph/commands/``, one module each.

No traceback reaches a user: a ``BidgraphError`` prints its one-line message; anything else
prints a one-line summary and writes the traceback to ``bidgraph-error.log`` in the workspace
(or the temp folder) for the engineers.
"""
from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import tempfile
import traceback
from pathlib import Path

import bidgraph.commands
from bidgraph.errors import BidgraphError
from bidgraph.workspace import resolve_workspace

EXIT_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bidgraph", description="Procurement-supervision graph workbench")
    parser.add_argument("--workspace", help="workspace folder (default: $BIDGRAPH_WORKSPACE or ./bidgraph-workspace)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(bidgraph.commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"bidgraph.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    # --workspace is accepted before or after the command name.
    args, rest = parser.parse_known_args(argv)
    if rest:
        ws = argparse.ArgumentParser(add_help=False)
        ws.add_argument("--workspace")
        extra, rest = ws.parse_known_args(rest)
        if extra.workspace:
            args.workspace = extra.workspace
        if rest:
            parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_ERROR
    try:
        return int(args.func(args) or 0)
    except BidgraphError as exc:
        print(f"bidgraph: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("bidgraph: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: keep the traceback for engineers, not the user
        log = _crash_log(args)
        print(f"bidgraph: internal error ({type(exc).__name__}: {exc}); details in {log}", file=sys.stderr)
        return EXIT_ERROR


def _crash_log(args) -> Path:
    try:
        folder = resolve_workspace(getattr(args, "workspace", None))
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(tempfile.gettempdir())
    log = folder / "bidgraph-error.log"
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(f"--- pid {os.getpid()} argv {sys.argv!r}\n")
        traceback.print_exc(file=fh)
    return log


if __name__ == "__main__":
    sys.exit(main())
