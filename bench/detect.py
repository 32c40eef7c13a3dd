"""Detector batch benchmark (issues 3 and 4).

For each scale: generate a city (cached under --cache) and load it (the workspace is kept under
--work, shared with bench/workbench.py), then in a fresh process open the store and time the
full batch (every detector, the smoke index last): the seconds per detector, the total wall and
CPU seconds (that process and its detector workers), the peak memory of that process and of its
largest worker, and the peak of their proportional set sizes summed (shared pages split among
the processes that share them: what the batch holds of the machine), sampled from here twice a
second (loading is bench/load.py's business); and the SHA-256 of the findings and summary rows
as returned (without the seconds), which serial and parallel runs must share.

    python bench/detect.py --scales city province [--workers 1]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from worlds import CACHE, WORK, cached_bundle, loaded_workspace


def measure(workspace: Path, workers: int | None) -> dict:
    from bidgraph.detectors.core.runner import run_batch, worker_count
    from bidgraph.detectors.core.settings import load_settings
    from bidgraph.graph.allocator import keep_freed_memory
    from bidgraph.graph.embedded.store import EmbeddedStore

    keep_freed_memory()  # as `bidgraph detect` runs its batch
    settings = load_settings()
    if workers is not None:
        settings["run"]["workers"] = workers
    store = EmbeddedStore(workspace)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    snapshot = store.snapshot()
    t_snap = time.perf_counter() - t0
    findings, summary = run_batch(snapshot, settings, progress=False)
    total = time.perf_counter() - t0
    rows = [{k: v for k, v in row.items() if k != "seconds"} for row in summary]
    digest = hashlib.sha256(json.dumps([findings, rows], ensure_ascii=False).encode()).hexdigest()
    own, workers_used = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return {
        "bids": int(len(snapshot["bids"])),
        "findings": len(findings),
        "workers": worker_count(settings),
        "snapshot_s": round(t_snap, 1),
        "batch_s": round(total, 1),
        "cpu_s": round(sum(r.ru_utime + r.ru_stime for r in (own, workers_used))),
        "peak_rss_mb": round(own.ru_maxrss / 1024),
        "worker_peak_rss_mb": round(workers_used.ru_maxrss / 1024),
        "peak_rss_before_batch_mb": round(rss_before),
        "sha256": digest[:16],
        "per_detector_s": {row["detector"]: row.get("seconds", row.get("status")) for row in summary},
    }


def footprint(pid: int) -> int:
    """Bytes of the proportional set sizes of ``pid`` and its descendants (0 once it is gone)."""
    total = 0
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for process in processes:
        try:
            total += process.memory_full_info().pss
        except psutil.NoSuchProcess:
            pass
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", nargs="+", default=["city", "province"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=CACHE, help="generated bundles (see bench/worlds.py)")
    parser.add_argument("--work", type=Path, default=WORK, help="loaded workspaces (see bench/worlds.py)")
    parser.add_argument("--workers", type=int, help="[run] workers for the batch (default: the settings' default)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # child process mode
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.workers)))
        return
    for scale in args.scales:
        workspace = loaded_workspace(cached_bundle(scale, args.seed, args.cache), args.work)
        command = [sys.executable, __file__, "--measure", str(workspace)]
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            child = subprocess.Popen(
                command + ([] if args.workers is None else ["--workers", str(args.workers)]), stdout=out, stderr=err
            )
            peak = 0
            while child.poll() is None:
                peak = max(peak, footprint(child.pid))
                time.sleep(0.5)
            out.seek(0), err.seek(0)
            if child.returncode:
                sys.exit(f"[{scale}] the measuring process failed ({child.returncode}):\n{err.read()}")
            result = json.loads(out.read().strip().splitlines()[-1])
        result["peak_pss_all_mb"] = round(peak / 2**20)
        per = result.pop("per_detector_s")
        print(f"[{scale}] " + ", ".join(f"{k}: {v}" for k, v in result.items()), flush=True)
        print(f"[{scale}] per detector (s): " + ", ".join(f"{k} {v}" for k, v in per.items()), flush=True)


if __name__ == "__main__":
    main()
