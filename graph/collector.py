"""The cyclic garbage collector in a process that holds a graph.

A process holding a province holds millions of containers that outlive any one task: a
snapshot's frames, a store's index, a batch's findings (dicts and lists). None of them is
garbage, yet each full pass of the cyclic collector walks every container alive: with the
default thresholds the detector batch paid 35 s of its 240 CPU s for them, and the workbench
stopped a callback now and then for 0.2-0.7 s. The young generations still collect as usual.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["rare_full_collections", "freeze_held", "end_without_freeing", "keep_to_the_end", "collect_no_more"]


# rare_full_collections blocks open in any thread, and the threshold before the first of them
# (nested or overlapping blocks keep it raised, the last to close restores it)
_open = {"blocks": 0, "full": 0}
_raising = threading.Lock()


@contextmanager
def rare_full_collections() -> Iterator[None]:
    """Full passes a hundred times rarer while the block runs (a batch that builds its findings)."""
    with _raising:
        if not _open["blocks"]:
            young, middle, _open["full"] = gc.get_threshold()
            gc.set_threshold(young, middle, _open["full"] * 100)
        _open["blocks"] += 1
    try:
        yield
    finally:
        with _raising:
            _open["blocks"] -= 1
            if not _open["blocks"]:
                young, middle, _ = gc.get_threshold()
                gc.set_threshold(young, middle, _open["full"])


def freeze_held() -> None:
    """What the process holds now leaves the collector's view for good (a server once warm)."""
    gc.freeze()


# What the process keeps to its end, when it is to end without freeing (end_without_freeing)
_kept: list | None = None


def end_without_freeing() -> None:
    """This process is to end by ``os._exit`` once its command is done (``bidgraph.cli.run``):
    what :func:`keep_to_the_end` is given is never freed object by object."""
    global _kept
    _kept = []


def keep_to_the_end(*objects) -> None:
    """Keep ``objects`` alive to the end of a process that ends without freeing (a province's
    batch, millions of containers, took 2-3 s to free when its command returned, and as long
    again at exit); in any other process nothing is kept."""
    if _kept is not None:
        _kept.extend(objects)


def collect_no_more() -> None:
    """In a process that ends without freeing, the cyclic collector stops for good (called once
    it forks no more): what the process builds from then on is kept to its end, and even the
    young generations' passes over it are wasted (at province the smoke index's 135,489 leads
    and their history, 0.3-0.4 CPU s). In any other process nothing changes."""
    if _kept is not None:
        gc.disable()
