"""Load and traversal benchmark (issue 2).

For each scale: generate a city (cached under --cache); in one fresh process time
`read_bundle` + embedded-store load and its peak memory; in another, open the store (the
index build) and time neighbour expansion (random organizations and the biggest hubs) and
4-hop path search (random pairs, and pairs of firms that met on a lot), with that process's
peak memory. Prints one line per scale.

    python bench/load.py --scales city province
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from worlds import CACHE, cached_bundle


def percentiles(values: list[float]) -> str:
    ms = np.array(values) * 1000
    return f"p50 {np.percentile(ms, 50):.1f} ms, p95 {np.percentile(ms, 95):.1f} ms"


def measure_load(bundle: Path, workspace: Path) -> dict:
    """read_bundle + embedded-store load into a fresh workspace: time and peak memory."""
    from bidgraph.graph.embedded.store import EmbeddedStore
    from bidgraph.loaders.bundle import read_bundle

    t0 = time.perf_counter()
    bundle_data = read_bundle(bundle)
    t_read = time.perf_counter() - t0
    EmbeddedStore(workspace).load(bundle_data)
    return {
        "bids": int(bundle_data.counts["bids"]["taken"]),
        "read_s": round(t_read, 1),
        "load_s": round(time.perf_counter() - t0, 1),
        "load_peak_rss_mb": _peak_mb(),
    }


def measure_queries(workspace: Path, samples: int, seed: int) -> dict:
    """Open the store (index build), then time expansions and 4-hop path searches."""
    from bidgraph.graph.embedded.store import EmbeddedStore

    store = EmbeddedStore(workspace)
    t0 = time.perf_counter()
    index = store.index
    t_index = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    orgs = index.frames["Organization"].keys
    bidders = [f"Organization:{k}" for k in rng.choice(orgs, size=min(samples, len(orgs)), replace=False)]
    degree = np.diff(index.indptr)
    hubs = [index.uid(int(v)) for v in np.argsort(-degree)[:10]]
    expand = []
    for uid in bidders + hubs:
        t = time.perf_counter()
        store.expand(uid, limit=50)
        expand.append(time.perf_counter() - t)
    # Half the pairs are random organizations (mostly not within 4 hops: the search must give
    # up quickly), half are firms that met on a lot (always within 4 hops: it must find them).
    bids = index.tables["bids"][["lot_id", "org_id"]]
    met = bids.merge(bids, on="lot_id").query("org_id_x < org_id_y").drop_duplicates(["org_id_x", "org_id_y"])
    met = met.iloc[rng.choice(len(met), size=min(samples // 2, len(met)), replace=False)]
    pairs = list(zip(bidders[: samples // 2], bidders[samples // 2 :]))
    pairs += [(f"Organization:{a}", f"Organization:{b}") for a, b in zip(met["org_id_x"], met["org_id_y"])]
    paths, found = [], 0
    for a, b in pairs:
        t = time.perf_counter()
        found += bool(store.paths(a, b, max_hops=4, limit=10)["paths"])
        paths.append(time.perf_counter() - t)
    return {
        "nodes": int(index.n),
        "relationships": int(len(index.src)),
        "index_s": round(t_index, 1),
        "open_peak_rss_mb": _peak_mb(),
        "expand": percentiles(expand),
        "paths": percentiles(paths),
        "paths_found": f"{found}/{len(pairs)}",
    }


def _peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", nargs="+", default=["city", "province"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--samples", type=int, default=200, help="random organizations per latency series")
    parser.add_argument("--cache", type=Path, default=CACHE, help="generated bundles (see bench/worlds.py)")
    parser.add_argument("--load", nargs=2, type=Path, help=argparse.SUPPRESS)  # child: BUNDLE WORKSPACE
    parser.add_argument("--queries", type=Path, help=argparse.SUPPRESS)  # child: WORKSPACE
    args = parser.parse_args()
    if args.load:
        print(json.dumps(measure_load(*args.load)))
        return
    if args.queries:
        print(json.dumps(measure_queries(args.queries, args.samples, args.seed)))
        return
    for scale in args.scales:
        bundle = cached_bundle(scale, args.seed, args.cache)
        workspace = Path(tempfile.mkdtemp(prefix="bidgraph-bench-load-"))
        result = _child("--load", str(bundle), str(workspace))
        result |= _child("--queries", str(workspace), "--samples", str(args.samples), "--seed", str(args.seed))
        print(f"[{scale}] " + ", ".join(f"{k}: {v}" for k, v in result.items()), flush=True)


if __name__ == "__main__":
    main()
