"""OCDS documents to one compiled release per contracting process.

Accepts a JSON file or JSON Lines (one document per line; gzip-compressed if the name ends
with ``.gz``), where a document is a release, a
compiled release, a release package, a record package, a record, or a list of releases. A
record's ``compiledRelease`` is used when present; otherwise a process's releases are merged
in date order (objects field by field, arrays of objects with ``id`` by id, anything else
replaced, ``null`` removing a field): the simple merge of the OCDS merging rules, without
their identifier-merge exceptions.

A document part that is none of these (an object without ``ocid`` and without any field of a
release) is not used, and a file without a single release, record or package is refused: JSON
that is not OCDS must not load as an empty graph.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bidgraph.errors import InputError

__all__ = ["Process", "read_processes", "iter_compiled_releases", "merge_releases"]

#: Top-level fields of which a release (or compiled release) has at least one.
RELEASE_FIELDS = frozenset(
    {"ocid", "tag", "initiationType", "parties", "buyer", "planning", "tender", "awards", "contracts", "bids"}
)


@dataclass
class Process:
    """One contracting process: its compiled release and where it came from.

    ``row`` is the line of the JSON Lines file (or the 1-based position in a JSON document) of
    the last release that contributed; ``path`` the JSON path of the release in that line.
    """

    release: dict
    row: int
    path: str


@dataclass
class ReadResult:
    processes: list[Process] = field(default_factory=list)
    #: (row, reason, text) for every line or document part that could not be used.
    unreadable: list[tuple[int, str, str]] = field(default_factory=list)


def read_processes(path: str | Path) -> ReadResult:
    """Read an OCDS file into compiled releases, one per ``ocid`` (file order of first sight).

    Raises
    ------
    InputError
        The file does not exist, is a directory, or is neither JSON nor JSON Lines.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not an OCDS file")
    try:
        data = path.read_bytes()
        if path.name.lower().endswith(".gz"):
            data = gzip.decompress(data)
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    result = ReadResult()
    pieces: list[tuple[int, str, dict, bool]] = []  # (row, path, release, compiled)
    try:
        whole = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        whole = None
    if whole is not None and not isinstance(whole, (dict, list)):
        raise InputError(f"{path}: a JSON {type(whole).__name__} is not an OCDS document")
    if isinstance(whole, (dict, list)):
        _collect(whole, 1, "", pieces, result.unreadable, document=True)
    else:
        nonblank = 0
        for number, raw in enumerate(data.splitlines(), start=1):
            if not raw.strip():
                continue
            nonblank += 1
            try:
                doc = json.loads(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                result.unreadable.append((number, f"line is not JSON ({exc})", _snippet(raw)))
                continue
            _collect(doc, number, "", pieces, result.unreadable, document=False)
        if nonblank and len(result.unreadable) == nonblank:
            raise InputError(f"{path}: neither JSON nor JSON Lines (line 1: {result.unreadable[0][1]})")
    if not pieces:
        why = f" (row {result.unreadable[0][0]}: {result.unreadable[0][1]})" if result.unreadable else ""
        raise InputError(f"{path}: not OCDS: no release, record or package found{why}")
    result.processes = _compile(pieces)
    return result


def iter_compiled_releases(path: str | Path) -> Iterator[dict]:
    """The compiled release of every process in an OCDS file (see :func:`read_processes`)."""
    for process in read_processes(path).processes:
        yield process.release


def _collect(doc, row: int, prefix: str, out: list, lost: list, document: bool) -> None:
    position = (lambda i: i + 1) if document else (lambda i: row)
    if isinstance(doc, list):
        for i, release in enumerate(doc):
            _collect(release, position(i), f"{prefix}[{i}]", out, lost, False)
        return
    if not isinstance(doc, dict):
        lost.append((row, f"{prefix or 'line'} is a JSON {type(doc).__name__}, not an OCDS object", _snippet(doc)))
        return
    if isinstance(doc.get("releases"), list) and "ocid" not in doc:  # release package
        for i, release in enumerate(doc["releases"]):
            _collect(release, position(i), f"{prefix}releases[{i}]", out, lost, False)
    elif isinstance(doc.get("records"), list):  # record package
        for i, record in enumerate(doc["records"]):
            _collect(record, position(i), f"{prefix}records[{i}]", out, lost, False)
    elif isinstance(doc.get("compiledRelease"), dict):  # record with a compiled release
        out.append((row, f"{prefix}.compiledRelease".lstrip("."), doc["compiledRelease"], True))
    elif isinstance(doc.get("releases"), list):  # record without one: merge its releases
        embedded = [r for r in doc["releases"] if isinstance(r, dict) and ("tag" in r or "date" in r)]
        if not embedded:
            lost.append(
                (
                    row,
                    f"{prefix or 'record'}: record has no compiledRelease and only linked releases",
                    str(doc.get("ocid", "")),
                )
            )
        for i, release in enumerate(embedded):
            out.append((row, f"{prefix}.releases[{i}]".lstrip("."), release, False))
    elif RELEASE_FIELDS.isdisjoint(doc):
        lost.append((row, f"{prefix or 'line'} is not an OCDS release, record or package", _snippet(doc)))
    else:
        tags = doc.get("tag")
        out.append((row, prefix, doc, isinstance(tags, list) and "compiled" in tags))


def _compile(pieces: list[tuple[int, str, dict, bool]]) -> list[Process]:
    groups: dict[object, list[tuple[int, str, dict, bool]]] = {}
    for i, piece in enumerate(pieces):
        ocid = piece[2].get("ocid")
        key = ocid if isinstance(ocid, str) and ocid else ("no ocid", i)
        groups.setdefault(key, []).append(piece)
    processes = []
    for group in groups.values():
        compiled = [p for p in group if p[3]]
        if compiled:
            row, where, release, _ = compiled[-1]
        elif len(group) == 1:
            row, where, release, _ = group[0]
        else:
            ordered = sorted(group, key=lambda p: str(p[2].get("date") or ""))
            release = merge_releases([p[2] for p in ordered])
            row, where = ordered[-1][0], ordered[-1][1]
        processes.append(Process(release, row, where))
    return processes


def merge_releases(releases: list[dict]) -> dict:
    """Merge releases (oldest first) into one compiled release."""
    merged: dict = {}
    for release in releases:
        merged = _merge(merged, release)
    merged.pop("id", None)
    merged["tag"] = ["compiled"]
    return merged


def _merge(old, new):
    if isinstance(old, dict) and isinstance(new, dict):
        out = dict(old)
        for key, value in new.items():
            if value is None:
                out.pop(key, None)
            else:
                out[key] = _merge(out.get(key), value)
        return out
    if isinstance(old, list) and isinstance(new, list) and _keyed(old) and _keyed(new):
        by_id = {str(item["id"]): item for item in old}
        for item in new:
            by_id[str(item["id"])] = _merge(by_id.get(str(item["id"])), item)
        return list(by_id.values())
    return new


def _keyed(items: list) -> bool:
    return all(isinstance(item, dict) and isinstance(item.get("id"), (str, int)) for item in items)


def _snippet(value) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else json.dumps(value, ensure_ascii=False)
    return text[:200]
