"""Versioned, atomic persistence of loaded bundles in a workspace folder.

Layout::

    <workspace>/CURRENT                      name of the live version, e.g. "v000003"
    <workspace>/versions/v000003/manifest.json
    <workspace>/versions/v000003/index/           (the graph index, memory-mapped on open: graph/embedded/persist.py)
    <workspace>/versions/v000003/index/tables/<table>.arrow  (the tables, once, as Arrow IPC; a grown
                                             table in segments: graph/embedded/persist.py)
    <workspace>/versions/v000003/table_blocks.json  (the tables' block digests, below)
    <workspace>/versions/v000003/history.parquet  (rows appends replaced or deleted, graph/embedded/append.py)
    <workspace>/versions/v000003/findings.jsonl   (written by `bidgraph detect`)

A version written before 2026-11-29 keeps its tables as ``tables/<table>.parquet`` too (and
maybe no index, or an older one): it is read from them until its index is built
(:func:`~bidgraph.graph.embedded.persist.table_files`), and appended onto like any other.

A load writes a complete new version into a temporary folder, renames it into place and only
then swaps ``CURRENT`` (``os.replace`` is atomic), so a crash or a failed load at any point
leaves the previous version live and intact. Only one load writes at a time (the workspace's
load lock, graph/embedded/lock.py): a second would remove the first's temporary folder.

Findings are written into the folder of the version they were computed on, and only while
that version is still live; otherwise they are refused and nothing is written.

A new version removes the versions before the newest ``BIDGRAPH_KEEP_VERSIONS`` (7), except the
newest that holds findings. A segment linked from a removed version stays with the versions that
link it (a hard link: the file lives while one of its names does).

Each table's ``table_sha256`` is taken over its schema, its number of rows and the digests of its
blocks of :data:`BLOCK_ROWS` rows, each over the block's content as :func:`table_digest` reads
it: rows and values only, however the table is chunked or kept in segments. The block digests
are kept beside the manifest (``table_blocks.json``), so a version whose table starts with the
live table's rows as they are hashes only the blocks from the first one its new rows touch (a
province's day: one or two blocks per grown table, not 2.3 GB). A live version without them
(written before 2026-11-30) has its tables hashed whole once.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from bidgraph.errors import StoreError
from bidgraph.graph.embedded.persist import ensure_index, map_table, read_table, table_files, write_index
from bidgraph.graph.embedded.reuse import one_chunk
from bidgraph.graph.jsonlines import read_jsonl, write_jsonl

__all__ = ["Workspace", "LazyTables", "kept_versions"]


#: The schema metadata key pandas' ``to_parquet`` keeps ``frame.attrs`` under (as JSON).
PANDAS_ATTRS = b"PANDAS_ATTRS"
#: The file beside a version's manifest that keeps its tables' block digests.
BLOCKS = "table_blocks.json"


def as_arrow(frame: pd.DataFrame) -> pa.Table:
    """A frame as the Arrow table a version keeps, its ``attrs`` in the schema's metadata as
    pandas' ``to_parquet`` puts them (and :func:`as_frame` takes them back)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if not frame.attrs:
        return table
    return table.replace_schema_metadata({**(table.schema.metadata or {}), PANDAS_ATTRS: json.dumps(frame.attrs)})


def as_frame(table: pa.Table) -> pd.DataFrame:
    frame = table.to_pandas()
    attrs = (table.schema.metadata or {}).get(PANDAS_ATTRS)
    if attrs:
        frame.attrs = json.loads(attrs)
    return frame


#: Rows per block of a table's digest (:func:`table_blocks`).
BLOCK_ROWS = 1 << 16
#: The bytes of one block's digest.
_BLOCK_DIGEST = hashlib.sha256().digest_size


def table_blocks(table: pa.Table, start: int = 0) -> bytes:
    """The SHA-256 of each block of :data:`BLOCK_ROWS` rows of ``table`` from the block holding
    row ``start`` on, one after the other: per column, which rows hold a value and those values.
    The same however the table is chunked or sliced, and whether an all-valid column carries a
    validity bitmap or not."""
    out = bytearray()
    for at in range(start // BLOCK_ROWS * BLOCK_ROWS, table.num_rows, BLOCK_ROWS):
        digest = hashlib.sha256()
        for column in table.slice(at, BLOCK_ROWS).columns:
            values = one_chunk(column)
            digest.update(np.int64(values.null_count).tobytes())
            if values.null_count:
                digest.update(np.packbits(values.is_valid().to_numpy(zero_copy_only=False)).data)
                values = values.drop_null()
            if len(values):
                _feed_values(digest, values)
        out += digest.digest()
    return bytes(out)


def table_digest(table: pa.Table, blocks: bytes | None = None) -> str:
    """The SHA-256 of a table's content: its schema (with metadata), its number of rows and its
    :func:`table_blocks` (``blocks``, when known)."""
    digest = hashlib.sha256(table.schema.serialize().to_pybytes())
    digest.update(np.int64(table.num_rows).tobytes())
    digest.update(table_blocks(table) if blocks is None else blocks)
    return digest.hexdigest()


#: The width of the offsets of the types whose values are bytes of varying length.
_OFFSETS = {pa.string(): np.int32, pa.binary(): np.int32, pa.large_string(): np.int64, pa.large_binary(): np.int64}


def _feed_values(digest, values: pa.Array) -> None:
    """Feed an array without nulls to ``digest``: the bytes of its values, from its buffers
    (from the array's offset, without what lies beyond it) where their layout is plain."""
    kind = values.type
    if pa.types.is_dictionary(kind):
        _feed_values(digest, values.dictionary_decode())
    elif pa.types.is_boolean(kind):
        digest.update(np.packbits(values.to_numpy(zero_copy_only=False)).data)
    elif kind in _OFFSETS:
        at = values.offset
        offsets = np.frombuffer(values.buffers()[1], dtype=_OFFSETS[kind])[at : at + len(values) + 1]
        digest.update(np.diff(offsets).data)  # lengths: offsets depend on where the array starts
        if offsets[-1] > offsets[0]:
            digest.update(memoryview(values.buffers()[2])[offsets[0] : offsets[-1]])
    elif pa.types.is_primitive(kind) or isinstance(kind, pa.FixedSizeBinaryType):  # fixed width (decimals too)
        size = kind.bit_width // 8
        digest.update(memoryview(values.buffers()[1])[values.offset * size : (values.offset + len(values)) * size])
    else:  # a nested type: no table of the schema has one
        digest.update(repr(values.to_pylist()).encode())


def content_digest(digests: dict[str, str]) -> str:
    """A version's ``content_sha256``: over its tables' names and :func:`table_digest`s."""
    digest = hashlib.sha256()
    for name in sorted(digests):
        digest.update(f"{name}\0{digests[name]}\0".encode())
    return digest.hexdigest()


class LazyTables(Mapping[str, pd.DataFrame]):
    """The tables of a version folder as pandas, each read when first asked for (a query that
    needs none reads none) and kept: from the memory-mapped Arrow file (no decoding: a
    province's tables in a few seconds instead of twenty) or, for a version written before
    tables were kept once and not indexed since, from its Parquet file. Both give the same frame."""

    def __init__(self, version: Path):
        self._paths = table_files(Path(version))
        self._read: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._read:
            path = self._paths[name]
            self._read[name] = as_frame(map_table(path)) if path.suffix == ".arrow" else pd.read_parquet(path)
        return self._read[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


def _kept_rows(path: Path, table: pa.Table) -> int | None:
    """The number of rows of the table kept at ``path`` when they are the first rows of
    ``table`` (schema with metadata, and values); ``None`` when they are not."""
    held = read_table(path)
    if not held.schema.equals(table.schema, check_metadata=True) or held.num_rows > table.num_rows:
        return None
    return held.num_rows if table.slice(0, held.num_rows).equals(held) else None


def _read_blocks(version: Path) -> dict[str, bytes]:
    """The block digests kept with ``version`` (none for a version written before them)."""
    path = version / BLOCKS
    if not path.exists():
        return {}
    kept = json.loads(path.read_text(encoding="utf-8"))
    return {name: bytes.fromhex(text) for name, text in kept["tables"].items()} if kept["rows"] == BLOCK_ROWS else {}


def _blocks(table: pa.Table, live: bytes | None, kept: int | None) -> bytes:
    """``table``'s block digests: those of the blocks within its ``kept`` first rows (the live
    table's, whose block digests are ``live``) as they were, the others hashed."""
    if live is None or kept is None:
        return table_blocks(table)
    whole = kept // BLOCK_ROWS
    return live[: whole * _BLOCK_DIGEST] + table_blocks(table, whole * BLOCK_ROWS)


class Workspace:
    def __init__(self, root: Path):
        self.root = Path(root)

    # -- reading -------------------------------------------------------------------------------
    @property
    def current(self) -> Path | None:
        pointer = self.root / "CURRENT"
        if not pointer.exists():
            return None
        path = self.root / "versions" / pointer.read_text(encoding="utf-8").strip()
        return path if (path / "manifest.json").exists() else None

    def require_current(self) -> Path:
        path = self.current
        if path is None:
            raise StoreError(f"workspace {self.root} has no loaded graph; run `bidgraph load BUNDLE` first")
        return path

    def manifest(self) -> dict:
        return json.loads((self.require_current() / "manifest.json").read_text(encoding="utf-8"))

    def read_tables(self, version: Path | None = None) -> dict[str, pd.DataFrame]:
        """The tables of ``version`` (a version folder; default: the live one)."""
        return dict(LazyTables(version or self.require_current()))

    def read_history(self, version: Path | None = None) -> pd.DataFrame | None:
        """The history lines kept with ``version`` (default: the live one); ``None`` if none."""
        path = (version or self.require_current()) / "history.parquet"
        return pd.read_parquet(path) if path.exists() else None

    # -- writing -------------------------------------------------------------------------------
    def write_version(
        self, tables: dict[str, pd.DataFrame], manifest: dict, history: pd.DataFrame | None = None
    ) -> Path | None:
        """Write a new version and make it current; returns its folder, or ``None`` when its
        tables are those of the current version (schema, metadata and values: then nothing
        changes).

        ``manifest`` gets ``table_sha256`` (each table's :func:`table_digest`; the blocks of a
        table's rows kept from the live version are not hashed again) and ``content_sha256``
        (:func:`content_digest` of those). ``history`` (the rows appends replaced) is kept
        beside the tables, outside the digest: it only grows when the tables change."""
        keep = kept_versions()  # read first: a bad setting must not fail a load after its swap
        versions = self.root / "versions"
        versions.mkdir(parents=True, exist_ok=True)
        self._remove_abandoned(versions)
        current = self.current
        live = None if current is None else ensure_index(current)  # an old version's: built first
        arrow = {name: as_arrow(tables[name]) for name in sorted(tables)}
        held = {} if current is None else table_files(current)
        kept = {
            name: rows for name in arrow if name in held and (rows := _kept_rows(held[name], arrow[name])) is not None
        }
        if current is not None and set(arrow) == set(held) and all(kept.get(n) == t.num_rows for n, t in arrow.items()):
            return None
        live_blocks = {} if current is None else _read_blocks(current)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=versions))
        try:
            # Hashing leaves the interpreter free: done in a thread while the index is built.
            with ThreadPoolExecutor(max_workers=1) as pool:
                hashed = {
                    name: pool.submit(_blocks, table, live_blocks.get(name), kept.get(name))
                    for name, table in arrow.items()
                }
                write_index(tmp, arrow, live, kept)
                blocks = {name: future.result() for name, future in hashed.items()}
            digests = {name: table_digest(table, blocks[name]) for name, table in arrow.items()}
            kept_blocks = {"rows": BLOCK_ROWS, "tables": {name: data.hex() for name, data in blocks.items()}}
            (tmp / BLOCKS).write_text(json.dumps(kept_blocks), encoding="utf-8")
            if history is not None and len(history):
                history.to_parquet(tmp / "history.parquet", index=False)
            name = self.next_name()
            manifest = {
                **manifest,
                "content_sha256": content_digest(digests),
                "table_sha256": digests,
                "version": name,
                "written_at": datetime.now(UTC).isoformat(),
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
            final = versions / name
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self._point_to(name)
        self._prune(versions, keep)
        return final

    def _prune(self, versions: Path, keep: int) -> None:
        """Remove all but the newest ``keep`` versions (:func:`kept_versions`), and the newest that holds
        findings (the last batch's, which the next batch compares with). A version is about a
        province's size on disk where its tables changed: a nightly job that kept them all would
        fill the disk in weeks. Nothing is lost: history and loads carry on in the live version."""
        names = sorted((p.name for p in versions.glob("v[0-9]*") if p.name[1:].isdigit()), reverse=True)
        with_findings = [n for n in names if (versions / n / "findings.jsonl").exists()][:1]
        for name in set(names[keep:]) - set(with_findings):
            shutil.rmtree(versions / name, ignore_errors=True)

    def _point_to(self, name: str) -> None:
        tmp = self.root / "CURRENT.tmp"
        tmp.write_text(name, encoding="utf-8")
        os.replace(tmp, self.root / "CURRENT")

    def next_name(self) -> str:
        """The name the next version will get (stable while the load lock is held)."""
        versions = self.root / "versions"
        numbers = [int(p.name[1:]) for p in versions.glob("v[0-9]*") if p.name[1:].isdigit()]
        return f"v{max(numbers, default=0) + 1:06d}"

    @staticmethod
    def _remove_abandoned(versions: Path) -> None:
        for tmp in versions.glob(".tmp-*"):
            shutil.rmtree(tmp, ignore_errors=True)

    # -- findings ------------------------------------------------------------------------------
    def write_findings(self, lines: list[dict], computed_on: str | None = None) -> Path:
        """Replace the findings of the version ``computed_on`` (default: the live one).

        Raises
        ------
        StoreError
            ``computed_on`` is no longer the live version: the findings would point into a graph
            they were not computed on, so none are written.
        """
        live = self.require_current()
        if computed_on is not None and computed_on != live.name:
            raise StoreError(
                f"the graph changed while the detectors ran (computed on version {computed_on}, now {live.name} "
                f"is live); findings not stored, the stored ones are unchanged: run detect again "
                f"/ 检测期间图谱版本已变更，本次预警未保存，请重新运行 detect"
            )
        # Into the folder they were computed on, not whatever is live by now: a load that swaps
        # the version after the check above leaves these findings with their own graph.
        path = (live if computed_on is None else self.root / "versions" / computed_on) / "findings.jsonl"
        tmp = path.with_suffix(".jsonl.tmp")
        write_jsonl(tmp, lines)
        os.replace(tmp, path)
        return path

    def read_findings(self) -> list[dict]:
        return read_jsonl(self.require_current() / "findings.jsonl")


def kept_versions() -> int:
    """How many graph versions a workspace keeps: ``BIDGRAPH_KEEP_VERSIONS``, else 7 (a week of
    nightly appends; at least 1, the live one).

    Raises
    ------
    StoreError
        The variable is set to something other than a whole number.
    """
    text = os.environ.get("BIDGRAPH_KEEP_VERSIONS") or "7"
    try:
        return max(1, int(text))
    except ValueError:
        raise StoreError(
            f"BIDGRAPH_KEEP_VERSIONS={text!r} is not a whole number of graph versions to keep; nothing was loaded "
            f"/ BIDGRAPH_KEEP_VERSIONS 应为保留的图谱版本数（整数），本次未加载"
        ) from None
