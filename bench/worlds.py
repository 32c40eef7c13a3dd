"""The generated worlds the benchmarks share, made once and reused across runs and scripts.

A bundle is cached as ``CACHE/<scale>-seed<seed>`` and its loaded workspace kept as
``WORK/<scale>-seed<seed>``. bidgraph is imported only when something must be made, so that a
benchmark's measuring child process imports no more than what it measures.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

CACHE = Path(tempfile.gettempdir()) / "bidgraph-bench"
WORK = Path(tempfile.gettempdir()) / "bidgraph-bench-workbench"


def cached_bundle(scale: str, seed: int, cache: Path = CACHE) -> Path:
    """The bundle folder of the world generated at ``scale`` with ``seed`` (generated if missing)."""
    bundle = cache / f"{scale}-seed{seed}"
    if not (bundle / "truth.json").exists():
        from bidgraph.citygen import generate_city

        started = time.perf_counter()
        generate_city(bundle, scale=scale, seed=seed)
        print(f"[{bundle.name}] generated in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return bundle


def loaded_workspace(bundle: Path, work: Path = WORK) -> Path:
    """The embedded-store workspace holding ``bundle`` (loaded if it holds no version yet)."""
    from bidgraph.graph.embedded.store import EmbeddedStore

    workspace = work / bundle.name
    store = EmbeddedStore(workspace)
    if store.workspace.current is None:
        from bidgraph.loaders.bundle import read_bundle

        started = time.perf_counter()
        store.load(read_bundle(bundle))
        print(f"[{bundle.name}] loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return workspace
