"""The C allocator in a process that builds a province's tables (a load, the detector batch).

numpy and pandas take each array from the C library's allocator. glibc hands any block of more
than 128 KiB back to the kernel when it is freed, and the next array of that size comes back
as fresh pages, each faulted in and zero-filled by the kernel: at province the nightly job's
three processes took 2.5 million page faults, a quarter of their CPU time spent in the
kernel. Keeping freed memory in the heap for the next array cut the faults by a third.

A load's tables are Arrow's, whose own allocator (mimalloc) hands freed memory back by itself
and asks for huge pages the kernel must assemble: at province a load spent 22-30 of its 61-71
CPU s in the kernel, and 14-16 of 50-54 with Arrow allocating from the same kept heap.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module

__all__ = ["keep_freed_memory", "give_back_freed_memory", "arrow_from_the_heap", "small_pages", "HEAP_BLOCKS_UP_TO"]

# mallopt's parameters (glibc's malloc.h)
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3

# glibc's starting values of the three (mallopt(3))
_GLIBC_DEFAULTS = ((_M_MMAP_THRESHOLD, 128 << 10), (_M_TRIM_THRESHOLD, 128 << 10), (_M_TOP_PAD, 128 << 10))

#: Blocks up to this size come from the heap, not a mapping of their own (glibc's ceiling).
HEAP_BLOCKS_UP_TO = 32 << 20


def keep_freed_memory() -> bool:
    """From now on, blocks up to :data:`HEAP_BLOCKS_UP_TO` come from the heap and freed memory
    stays there (up to 2 GiB at its top) for the next arrays. The memory a process peaks at is
    what it holds until it exits, which a batch does. Returns whether the C library took it:
    only glibc has ``mallopt`` (elsewhere nothing changes)."""
    libc = _glibc()
    settings = ((_M_MMAP_THRESHOLD, HEAP_BLOCKS_UP_TO), (_M_TRIM_THRESHOLD, (1 << 31) - 1), (_M_TOP_PAD, 256 << 20))
    return libc is not None and _set(libc, settings)


def arrow_from_the_heap() -> bool:
    """Arrow's new buffers from the C library's allocator, whose freed memory
    :func:`keep_freed_memory` keeps for the next ones (for a load; the detector batch measured no
    better). Buffers already made keep the allocator they came from. Returns whether it took:
    only where the heap is kept (glibc)."""
    import pyarrow as pa

    if not keep_freed_memory():
        return False
    pa.set_memory_pool(pa.system_memory_pool())
    return True


def give_back_freed_memory() -> bool:
    """Undo :func:`keep_freed_memory` and hand what the heap holds freed back to the kernel: for
    a process that goes on running after its batch (``bidgraph demo`` then serves the
    workbench) instead of holding the batch's peak until it exits. Returns whether glibc took it."""
    libc = _glibc()
    if libc is None:
        return False
    restored = _set(libc, _GLIBC_DEFAULTS)
    libc.malloc_trim(0)
    return restored


@contextmanager
def small_pages() -> Iterator[None]:
    """numpy's new arrays without a request for transparent huge pages while it runs. An append
    makes a few GB of short-lived arrays, and with huge pages the kernel zeroes each 2 MB page
    whole, or first compacts memory to find one when the page cache fills it: at province, in
    same-slot runs, the day's append spent 2.1 and 1.7 CPU s in the kernel with small pages
    against 4.1 and 2.4 with huge ones (user time the same). The switch is numpy's own, private:
    without it nothing changes."""
    switch = getattr(import_module("numpy._core.multiarray"), "_set_madvise_hugepage", None)
    before = switch(False) if switch is not None else None
    try:
        yield
    finally:
        if switch is not None:
            switch(before)


def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (it has ``mallopt`` and ``malloc_trim``), else None."""
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def _set(libc: ctypes.CDLL, settings: tuple[tuple[int, int], ...]) -> bool:
    """Every ``mallopt`` setting applied; whether glibc took them all."""
    return all(libc.mallopt(option, value) == 1 for option, value in settings)
