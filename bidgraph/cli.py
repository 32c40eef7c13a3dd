"""``bidgraph``: the command line. Commands live in ``bidgraph/commands/``, one module each.

No traceback reaches a user: a ``BidgraphError`` prints its one-line message; anything else
prints a one-line summary. Tracebacks and warnings go to ``bidgraph.log`` in the workspace, for
the engineers.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys
from pathlib import Path
from typing import NoReturn

import bidgraph.commands
from bidgraph.errors import BidgraphError
from bidgraph.graph.collector import end_without_freeing
from bidgraph.workspace import resolve_workspace

EXIT_ERROR = 2
log = logging.getLogger("bidgraph")


class _WorkspaceLog(logging.FileHandler):
    """A log file that is only created (with its folder) when something is written to it."""

    def __init__(self, path: Path):
        super().__init__(path, encoding="utf-8", delay=True)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def _open(self):
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()


def command_names() -> list[str]:
    """The commands: the modules of ``bidgraph/commands/`` not starting with ``_``."""
    return sorted(m.name for m in pkgutil.iter_modules(bidgraph.commands.__path__) if not m.name.startswith("_"))


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of the command ``only``: a command module imports what its
    handler needs (the detectors, scikit-learn...), so importing every one costs seconds."""
    parser = argparse.ArgumentParser(prog="bidgraph", description="Procurement-supervision graph workbench")
    parser.add_argument("--workspace", help="workspace folder (default: $BIDGRAPH_WORKSPACE or ./bidgraph-workspace)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in command_names():
        if only is None or name == only:
            importlib.import_module(f"bidgraph.commands.{name}").register(sub)
    return parser


def _command_in(argv: list[str]) -> str | None:
    """The command named in ``argv`` (its first word that is not an option or --workspace's folder)."""
    words = iter(argv)
    for word in words:
        if word == "--workspace":
            next(words, None)
        elif not word.startswith("-"):
            return word if word in command_names() else None
    return None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(_command_in(sys.argv[1:] if argv is None else argv))
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
    log_file = resolve_workspace(args.workspace) / "bidgraph.log"
    handler = _WorkspaceLog(log_file)
    logging.getLogger().addHandler(handler)
    try:
        return int(args.func(args) or 0)
    except BidgraphError as exc:
        print(f"bidgraph: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("bidgraph: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader stopped reading (`| head`): not a fault of the command
        _output_to_nowhere()
        return 1
    except Exception as exc:  # a bug: keep the traceback for engineers, not the user
        log.exception("internal error running %r", argv if argv is not None else sys.argv[1:])
        print(f"bidgraph: internal error ({type(exc).__name__}: {exc}); details in {log_file}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()


#: Commands whose process ends as soon as their batch is stored.
ENDS_AFTER_BATCH = ("detect", "daily")


def run() -> NoReturn:
    """The ``bidgraph`` command: :func:`main`. A command of :data:`ENDS_AFTER_BATCH` then ends
    its process as soon as its output is flushed and its log closed, without freeing the batch
    it kept to the end one object at a time (graph/collector.py)."""
    if _command_in(sys.argv[1:]) not in ENDS_AFTER_BATCH:
        sys.exit(main())
    end_without_freeing()
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        _output_to_nowhere()
        code = code or 1
    logging.shutdown()
    os._exit(code)


def _output_to_nowhere() -> None:
    """Standard output to /dev/null: what is left in its buffer cannot reach a reader that is
    gone, and flushing it at exit would fail once more."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":
    run()
