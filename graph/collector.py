"""The cyclic garbage collector in a process that holds a graph.

A process holding a province holds millions of containers that outlive any one task: a
snapshot's frames, a store's index, a batch's findings (dicts and lists). None of them is
garbage, yet each full pass of the cyclic collector walks every container alive: with the
default thresholds the detector batch paid 35 s of its 240 CPU s for them, and the workbench
stopped a callback now and then for 0.2-0.7 s. The young generations still collect as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["rare_full_collections", "freeze_held"]


@contextmanager
def rare_full_collections() -> Iterator[None]:
    """Full passes a hundred times rarer while the block runs (a batch that builds its findings)."""
    young, middle, full = gc.get_threshold()
    gc.set_threshold(young, middle, full * 100)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, full)


def freeze_held() -> None:
    """What the process holds now leaves the collector's view for good (a server once warm)."""
    gc.freeze()
