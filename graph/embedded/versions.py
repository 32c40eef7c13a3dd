"""Versioned, atomic persistence of loaded bundles in a workspace folder.

Layout::

    <workspace>/CURRENT                      name of the live version, e.g. "v000003"
    <workspace>/versions/v000003/manifest.json
    <workspace>/versions/v000003/index/           (the graph index, memory-mapped on open: graph/embedded/persist.py)
    <workspace>/versions/v000003/index/tables/<table>.arrow  (the tables, once, as Arrow IPC)
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
newest that holds findings.
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


def table_digest(table: pa.Table) -> str:
    """The SHA-256 of a table's content: its schema (with metadata), its number of rows and,
    column by column, which rows hold a value and those values. The same however the table is
    chunked or sliced, and whether an all-valid column carries a validity bitmap or not."""
    digest = hashlib.sha256(table.schema.serialize().to_pybytes())
    digest.update(np.int64(table.num_rows).tobytes())
    for column in table.columns:
        values = one_chunk(column)
        digest.update(np.int64(values.null_count).tobytes())
        if values.null_count:
            digest.update(np.packbits(values.is_valid().to_numpy(zero_copy_only=False)).data)
            values = values.drop_null()
        if len(values):
            _feed_values(digest, values)
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


def _same(path: Path, table: pa.Table) -> bool:
    """Whether the table kept at ``path`` is ``table``: schema with metadata, and values."""
    held = read_table(path)
    return held.schema.equals(table.schema, check_metadata=True) and held.equals(table)


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

        ``manifest`` gets ``table_sha256`` (each table's :func:`table_digest`; a table kept
        unchanged from the live version keeps its digest, not hashed again) and
        ``content_sha256`` (:func:`content_digest` of those). ``history`` (the rows appends
        replaced) is kept beside the tables, outside the digest: it only grows when the tables
        change."""
        keep = kept_versions()  # read first: a bad setting must not fail a load after its swap
        versions = self.root / "versions"
        versions.mkdir(parents=True, exist_ok=True)
        self._remove_abandoned(versions)
        current = self.current
        live = None if current is None else ensure_index(current)  # an old version's: built first
        arrow = {name: as_arrow(tables[name]) for name in sorted(tables)}
        held = {} if current is None else table_files(current)
        unchanged = frozenset(name for name, table in arrow.items() if name in held and _same(held[name], table))
        if current is not None and unchanged == set(arrow) == set(held):
            return None
        known = {} if current is None else self.manifest().get("table_sha256", {})
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=versions))
        try:
            # Hashing leaves the interpreter free: done in a thread while the index is built.
            with ThreadPoolExecutor(max_workers=1) as pool:
                hashed = {
                    name: pool.submit(table_digest, table)
                    for name, table in arrow.items()
                    if name not in unchanged or name not in known
                }
                write_index(tmp, arrow, live, unchanged)
                digests = {name: hashed[name].result() if name in hashed else known[name] for name in arrow}
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
