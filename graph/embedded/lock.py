"""One load at a time per workspace: an exclusive ``flock`` on ``<workspace>/load.lock``.

The kernel drops the lock when its holder exits, however it exits (``kill -9`` included), so a
lock is never stale; the file only keeps the holder's pid for the refusal message. The lock is
re-entrant within one thread, so that the load command can hold it across reading, loading and
writing the quarantine while the store's own ``load`` takes it too.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bidgraph.errors import StoreError

__all__ = ["load_lock", "LOCK_FILE"]

LOCK_FILE = "load.lock"
_held: set[tuple[Path, int]] = set()


@contextmanager
def load_lock(workspace: Path) -> Iterator[None]:
    """Hold the workspace's load lock for the ``with`` block.

    Raises
    ------
    StoreError
        Another process (or thread) holds it: ``another load is running (pid N)``.
    """
    path = Path(workspace).resolve() / LOCK_FILE
    holder = (path, threading.get_ident())
    if holder in _held:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = os.pread(fd, 20, 0).decode("ascii", "replace").strip() or "?"
            raise StoreError(
                f"another load is running (pid {pid}) in workspace {path.parent}; wait for it to end and retry "
                f"/ 另一个加载任务正在运行（进程 {pid}），请待其结束后重试"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        _held.add(holder)
        try:
            yield
        finally:
            _held.discard(holder)
    finally:
        os.close(fd)  # closing the descriptor releases the lock
