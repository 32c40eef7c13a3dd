"""JSON-lines files of records (findings): read and written with orjson.

A province's batch is 166,810 findings, 351 MB: the standard library took 13 s to read them
and 5 s to write them, orjson 2 s and 1.4 s. Values are written as JSON allows (a NaN becomes
null); numpy scalars, subclasses of plain types and keys that are not strings are written as
``json`` writes them. orjson turns keys that are not strings into text only when told to, and
telling it costs every record a quarter of its time (0.1-0.2 s of a province's batch), so a
record is told only once it was refused without: the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from pathlib import Path

import orjson

from bidgraph.graph.collector import rare_full_collections

__all__ = ["read_jsonl", "write_jsonl"]

_OPTIONS = orjson.OPT_APPEND_NEWLINE | orjson.OPT_SERIALIZE_NUMPY
_ANY_KEYS = _OPTIONS | orjson.OPT_NON_STR_KEYS
_CHUNK = 512  # records a write: one write call per record was a third of the time


def read_jsonl(path: Path) -> list[dict]:
    """The records of a JSON-lines file ([] when there is none)."""
    if not path.exists():
        return []
    # a province's findings are millions of containers: full collections while they pile up took half the read
    with open(path, "rb") as fh, rare_full_collections():
        return [orjson.loads(line) for line in fh if line.strip()]


def write_jsonl(path: Path, records: Iterable[dict]) -> None:
    """Write ``records`` to ``path``, one a line (UTF-8, characters as they are)."""
    records = iter(records)
    with open(path, "wb") as fh:
        while lines := [_line(record) for record in islice(records, _CHUNK)]:
            fh.write(b"".join(lines))


def _line(record: dict) -> bytes:
    try:
        return orjson.dumps(record, default=_plain, option=_OPTIONS)
    except TypeError:  # a key that is not a string, or a value neither orjson nor _plain takes
        return orjson.dumps(record, default=_plain, option=_ANY_KEYS)


def _plain(value):
    """What ``json`` writes of a subclass of a plain type (orjson takes only the types themselves)."""
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
