"""Helpers shared by CLI commands: opening the store, printing tables and what a step did
(registering them: ``_actions.py``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bidgraph.commands._cases import as_acting_user
from bidgraph.graph import jsonlines
from bidgraph.graph.api import open_store


def store_for(args):
    return open_store(getattr(args, "workspace", None))


def print_table(rows: list[dict], columns: list[str]) -> None:
    """A plain aligned table (wide Chinese characters count as two columns)."""

    def width(s: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)

    cells = [[str(r.get(c, "")) for c in columns] for r in rows]
    widths = [max([width(c)] + [width(row[i]) for row in cells]) for i, c in enumerate(columns)]
    pad = lambda s, w: s + " " * (w - width(s))  # noqa: E731
    print("  ".join(pad(c, w) for c, w in zip(columns, widths)))
    for row in cells:
        print("  ".join(pad(s, w) for s, w in zip(row, widths)))


def step_and_say(args, step: Callable[..., dict], *values: Any, said: str) -> int:
    """Run the cases ``step`` as :func:`~bidgraph.commands._cases.as_acting_user` does and print
    ``said`` filled in with the fields of the item it returns (``"{id} closed"``); exit status 0."""
    print(said.format_map(as_acting_user(args, step, *values)))
    return 0


def print_marked(items: list[dict], describe: Callable[[dict], str]) -> int:
    """One line an item: ``!`` when it is overdue, its id, then ``describe(item)``; exit status 0."""
    for item in items:
        print(f"{'!' if item['overdue'] else ' '} {item['id']}\t{describe(item)}")
    return 0


def write_jsonl(path: Path, lines: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    jsonlines.write_jsonl(path, lines)
