"""Derived arrays kept on disk beside the graph version they were built from, so that only the
first process after a load builds them and every later one memory-maps them.

Layout, inside the embedded store's version folder (``graph/embedded/versions.py``)::

    <kind>/<format>-<region or "city">/<name>.npy     numpy arrays
    <kind>/<format>-<region or "city">/<name>.arrow   string keys (Arrow IPC, one column)

``kind`` is ``firm_tables`` (``graph/firm_tables.py``) or ``region_index``
(``cases/region_index.py``); ``format`` is the builder's ``FORMAT``, so a changed build is
written to a new folder and the old copies are never read again.

A folder is written whole into a temporary folder beside it and renamed into place
(``os.replace``, atomic), so it is there complete or not at all: of two builders (two threads,
two processes) the second's rename fails and it reads the first's. A builder that died leaves
its temporary folder behind: the next successful build of the same folder removes it, and any
write removes those older than an hour. A new graph version has a
new folder, so nothing built from an older one is ever read for it. A store without version
folders (Neo4j), a snapshot of another version than asked for (a load in between) or a
read-only workspace keeps the arrays in memory only.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from bidgraph.graph.embedded.persist import load_array, map_table

__all__ = ["kept", "folder_of", "read", "write"]

FOLDER = "firm_tables"
TMP = ".tmp-"
STALE_AFTER = 3600.0  # seconds: no build takes this long, so such a temporary folder is a dead builder's
_locks: dict[Path, threading.Lock] = {}
_locks_lock = threading.Lock()


def folder_of(view, form: str, kind: str = FOLDER) -> Path | None:
    """Where the ``kind`` arrays of ``view`` (a scoped store's derived view: ``workspace``,
    ``version``, ``region``) in format ``form`` are kept; None when they cannot be kept on disk."""
    if not view.workspace or not view.version:
        return None
    version = Path(view.workspace) / "versions" / view.version
    region = view.region or "city"
    if not (version / "manifest.json").exists() or not region.isalnum():
        return None
    return version / kind / f"{form}-{region}"


def kept(view, form: str, build: Callable[[Any], dict[str, Any]], kind: str = FOLDER) -> dict[str, Any]:
    """The arrays of ``view`` read from disk, or ``build(view.snapshot())`` written there first
    (and then read back, memory-mapped like a later process would). One build per folder in a
    process at a time: a second caller waits and reads the first's."""
    folder = folder_of(view, form, kind)
    if folder is None:
        return build(view.snapshot())
    with _lock(folder):
        if folder.exists():
            return read(folder)
        snap = view.snapshot()
        arrays = build(snap)
        if snap.version != view.version:  # a load swapped the version while we read it
            return arrays
        try:
            write(folder, arrays)
        except OSError:  # a read-only workspace: kept in memory only
            return arrays
        return read(folder)


def _lock(folder: Path) -> threading.Lock:
    with _locks_lock:
        return _locks.setdefault(folder, threading.Lock())


def write(folder: Path, arrays: dict[str, Any]) -> None:
    """Write ``arrays`` as ``folder`` atomically; if another builder got there first, keep theirs."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(folder.parent)
    prefix = f"{TMP}{folder.name}-"
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=folder.parent))
    try:
        for name, array in arrays.items():
            if isinstance(array, pa.Array):
                table = pa.table({"keys": array})
                with pa.OSFile(str(tmp / f"{name}.arrow"), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
                    out.write_table(table)
            else:
                np.save(tmp / f"{name}.npy", np.ascontiguousarray(array))
        os.replace(tmp, folder)
    except OSError:  # lost the race: the winner renamed first (and may have removed our folder)
        if not folder.exists():
            raise
    else:  # what is left with this folder's prefix is a dead builder's, or a loser's about to fail
        for left in folder.parent.glob(f"{prefix}*"):
            shutil.rmtree(left, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _remove_stale(parent: Path) -> None:
    """Remove the temporary folders in ``parent`` older than :data:`STALE_AFTER`."""
    cutoff = time.time() - STALE_AFTER
    for left in parent.glob(f"{TMP}*"):
        try:
            if left.stat().st_mtime < cutoff:
                shutil.rmtree(left, ignore_errors=True)
        except FileNotFoundError:  # another builder removed it first
            continue


def read(folder: Path) -> dict[str, Any]:
    """The arrays of a folder :func:`write` wrote, memory-mapped."""
    out: dict[str, Any] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".npy":
            out[path.stem] = load_array(path)
        elif path.suffix == ".arrow":
            keys = map_table(path).column(0)
            out[path.stem] = keys.chunk(0) if keys.num_chunks == 1 else keys.combine_chunks()
    return out
