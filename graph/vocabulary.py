"""The one reader of vocabulary files: TOML tables kept as data beside the modules that use them.

A vocabulary file holds tables of pairs, ``key = ["中文", "English"]`` (the workbench's styles
use the same shape for ``[colour, shape]``), or, for a one-language word list, ``key = "词"``.
Every entry is checked when the file is read; a malformed one is a bug in the release and fails
at import with the file, the table and the key.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from bidgraph.errors import SchemaError

__all__ = ["pair_tables", "words"]

Pairs = dict[str, tuple[str, str]]


def _read(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SchemaError(f"vocabulary file {path}: {exc}") from exc


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _pairs(table: dict, where: str) -> Pairs:
    out: Pairs = {}
    for key, value in table.items():
        if not (isinstance(value, list) and len(value) == 2 and all(_text(v) for v in value)):
            raise SchemaError(f"{where}.{key}: not a pair of two non-empty strings: {value!r}")
        out[key] = (value[0], value[1])
    return out


def pair_tables(path: Path) -> dict[str, Pairs]:
    """Every table of the file at ``path``, nested ones named by their dotted path
    (``[names.rel]`` is ``"names.rel"``), each as ``{key: (first, second)}`` in file order."""
    out: dict[str, Pairs] = {}

    def walk(table: dict, prefix: str) -> None:
        leaves = {k: v for k, v in table.items() if not isinstance(v, dict)}
        if prefix and (leaves or len(leaves) == len(table)):
            out[prefix] = _pairs(leaves, f"{path.name}: {prefix}")
        elif leaves:
            raise SchemaError(f"{path.name}: entries outside a table: {sorted(leaves)}")
        for key, value in table.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}.{key}" if prefix else key)

    walk(_read(path), "")
    return out


def words(path: Path) -> dict[str, str]:
    """The flat table of one-language words at ``path``, ``{key: word}``, each non-empty."""
    doc = _read(path)
    bad = [k for k, v in doc.items() if not _text(v)]
    if bad:
        raise SchemaError(f"{path.name}: not non-empty strings: {bad}")
    return dict(doc)
