"""Load and traversal benchmark (issue 2).

For each scale: generate a city (cached under --cache), then in a fresh process time
`read_bundle` + embedded-store load, its peak memory, the index build, and the latency of
neighbour expansion (random organizations and the biggest hubs) and of 4-hop path search
between random organizations. Prints one table row per scale.

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


def percentiles(values: list[float]) -> str:
    ms = np.array(values) * 1000
    return f"p50 {np.percentile(ms, 50):.1f} ms, p95 {np.percentile(ms, 95):.1f} ms"


def measure(bundle: Path, samples: int, seed: int) -> dict:
    from bidgraph.graph.embedded import EmbeddedStore
    from bidgraph.loaders.bundle import read_bundle

    workspace = Path(tempfile.mkdtemp(prefix="bidgraph-bench-"))
    t0 = time.perf_counter()
    bundle_data = read_bundle(bundle)
    t_read = time.perf_counter() - t0
    store = EmbeddedStore(workspace)
    store.load(bundle_data)
    t_load = time.perf_counter() - t0
    del bundle_data
    t1 = time.perf_counter()
    index = store.index
    t_index = time.perf_counter() - t1
    rss_load = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

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
    paths, found = [], 0
    for a, b in zip(bidders, bidders[1:] + bidders[:1]):
        t = time.perf_counter()
        found += bool(store.paths(a, b, max_hops=4, limit=10)["paths"])
        paths.append(time.perf_counter() - t)
    return {"bids": int(len(index.tables["bids"])), "nodes": int(index.n), "relationships": int(len(index.src)),
            "read_s": round(t_read, 1), "load_s": round(t_load, 1), "index_s": round(t_index, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "peak_rss_after_load_mb": round(rss_load), "expand": percentiles(expand),
            "paths": percentiles(paths), "paths_found": f"{found}/{len(paths)}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", nargs="+", default=["city", "province"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--samples", type=int, default=200, help="random organizations per latency series")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "bidgraph-bench")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # child process mode
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.samples, args.seed)))
        return
    for scale in args.scales:
        bundle = args.cache / f"{scale}-seed{args.seed}"
        if not (bundle / "truth.json").exists():
            from bidgraph.citygen import generate_city
            t = time.perf_counter()
            generate_city(bundle, scale=scale, seed=args.seed)
            print(f"[{scale}] generated in {time.perf_counter() - t:.1f} s", flush=True)
        out = subprocess.run([sys.executable, __file__, "--measure", str(bundle), "--samples", str(args.samples),
                              "--seed", str(args.seed)], capture_output=True, text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"[{scale}] " + ", ".join(f"{k}: {v}" for k, v in result.items()), flush=True)


if __name__ == "__main__":
    main()
