"""Versioned, atomic persistence of loaded bundles in a workspace folder.

Layout::

    <workspace>/CURRENT                      name of the live version, e.g. "v000003"
    <workspace>/versions/v000003/manifest.json
    <workspace>/versions/v000003/tables/<table>.parquet
    <workspace>/versions/v000003/history.parquet  (rows appends replaced or deleted, graph/embedded/append.py)
    <workspace>/versions/v000003/index/           (the graph index, memory-mapped on open: graph/embedded/persist.py)
    <workspace>/versions/v000003/findings.jsonl   (written by `bidgraph detect`)

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

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bidgraph.errors import StoreError
from bidgraph.graph.embedded.persist import INDEX, current_format, map_table, write_index
from bidgraph.graph.embedded.reuse import link_or_copy
from bidgraph.graph.jsonlines import read_jsonl, write_jsonl

__all__ = ["Workspace", "LazyTables", "kept_versions"]


def _as_written(frame: pd.DataFrame, path: Path, live: Path | None) -> tuple[pa.Table, bool]:
    """The Arrow table that ``frame.to_parquet(path, index=False)`` writes (the same bytes), for
    the index (so it is not read back), and whether it is still to be written at ``path``: a
    frame with attrs is written here (pandas puts them in the file's metadata), and a table the
    live version holds (``live``: its index folder) is linked instead."""
    if frame.attrs:
        frame.to_parquet(path, index=False)
        return pq.read_table(path), False
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if live is not None and (live / "tables" / f"{path.stem}.arrow").exists():
        held, written = map_table(live / "tables" / f"{path.stem}.arrow"), live.parent / "tables" / path.name
        if written.exists() and held.schema.equals(table.schema, check_metadata=True) and held.equals(table):
            link_or_copy(written, path)
            return table, False
    return table, True


def _hash_file(digest, path: Path) -> None:
    """Feed ``path`` to ``digest`` a block at a time (read whole, a province's files were 400 MB
    of fresh memory for the kernel to zero)."""
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)


class LazyTables(Mapping[str, pd.DataFrame]):
    """The tables of a version folder as pandas, each read when first asked for (a query that
    needs none reads none) and kept: from the index's memory-mapped Arrow copy when the
    version has a current index (no decoding: a province's tables in a few seconds instead of
    twenty), else from its Parquet file. Both give the same frame."""

    def __init__(self, version: Path):
        self._paths = {p.stem: p for p in sorted((Path(version) / "tables").glob("*.parquet"))}
        self._index = Path(version) / INDEX if current_format(Path(version) / INDEX) else None
        self._read: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._read:
            arrow = None if self._index is None else self._index / "tables" / f"{name}.arrow"
            if arrow is not None and arrow.exists() and name in self._paths:
                self._read[name] = map_table(arrow).to_pandas()
            else:
                self._read[name] = pd.read_parquet(self._paths[name])
        return self._read[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


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
        tables are byte for byte those of the current version (then nothing changes).

        ``manifest`` gets ``content_sha256``: the SHA-256 of the version's Parquet files,
        which are deterministic for the same content. ``history`` (the rows appends replaced)
        is kept beside the tables, outside the digest: it only grows when the tables change."""
        keep = kept_versions()  # read first: a bad setting must not fail a load after its swap
        versions = self.root / "versions"
        versions.mkdir(parents=True, exist_ok=True)
        self._remove_abandoned(versions)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=versions))
        try:
            (tmp / "tables").mkdir()
            current = self.current
            live = None if current is None or not (current / INDEX / "meta.json").exists() else current / INDEX
            arrow, unwritten = {}, {}
            for name in sorted(tables):
                path = tmp / "tables" / f"{name}.parquet"
                arrow[name], to_write = _as_written(tables[name], path, live)
                if to_write:
                    unwritten[path] = arrow[name]
            # Parquet encoding leaves the interpreter free: the files are written in threads and,
            # on a first load (which cannot be unchanged), the index is built meanwhile. (Not on
            # an append: a province's day took 6-10 CPU seconds more so, in two runs of each.)
            built = current is None
            with ThreadPoolExecutor(max_workers=2) as pool:
                writes = [pool.submit(pq.write_table, t, path, compression="snappy") for path, t in unwritten.items()]
                if built:
                    write_index(tmp, arrow, live)
                for write in writes:
                    write.result()
            digest = hashlib.sha256()
            for name in sorted(tables):
                digest.update(name.encode() + b"\0")
                _hash_file(digest, tmp / "tables" / f"{name}.parquet")
            if history is not None and len(history):
                history.to_parquet(tmp / "history.parquet", index=False)
            if current is not None and self.manifest().get("content_sha256") == digest.hexdigest():
                shutil.rmtree(tmp, ignore_errors=True)
                return None
            if not built:
                write_index(tmp, arrow, live)
            name = self.next_name()
            manifest = {
                **manifest,
                "content_sha256": digest.hexdigest(),
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
