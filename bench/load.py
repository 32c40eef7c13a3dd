"""Load, open and query benchmark (issues 2 and 14), each figure beside its peer in the same run.

For each scale: generate a city (cached under --cache), then in fresh processes:

- load: ``read_bundle`` + embedded-store load (which writes the version's index), time, CPU
  seconds (of all threads: on a shared machine they vary less than the time) and peak memory;
  beside it DuckDB loading the same CSV files into tables (time and CPU seconds) and a pyarrow
  CSV parse of them (the peers: ``pip install bidgraph[bench]``);
- open: open the store and answer the first expansion (what ``info``, ``serve`` and ``detect``
  pay at start), time and peak memory;
- queries: neighbour expansion (random organizations and the biggest hubs), 4-hop path search
  (random pairs, and pairs of firms that met on a lot) and search (name fragments, USCCs,
  phones, IPs, lot ids), p50/p95, with that process's peak memory.

Prints one line per scale.

    python bench/load.py --scales city province
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
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
    from bidgraph.graph.allocator import arrow_from_the_heap
    from bidgraph.graph.embedded.store import EmbeddedStore
    from bidgraph.loaders.bundle import read_bundle

    arrow_from_the_heap()  # as `bidgraph load` runs
    t0, cpu0 = time.perf_counter(), time.process_time()
    bundle_data = read_bundle(bundle)
    t_read = time.perf_counter() - t0
    EmbeddedStore(workspace).load(bundle_data)
    return {
        "bids": int(bundle_data.counts["bids"]["taken"]),
        "read_s": round(t_read, 1),
        "load_s": round(time.perf_counter() - t0, 1),
        "load_cpu_s": round(time.process_time() - cpu0, 1),
        "load_peak_rss_mb": _peak_mb(),
    }


def measure_duckdb(bundle: Path) -> dict:
    """The peers: DuckDB loading every CSV of the bundle into a table, and pyarrow parsing them."""
    import duckdb
    import pyarrow.csv as pacsv

    files = sorted(bundle.glob("*.csv"))
    t0 = time.perf_counter()
    for f in files:
        pacsv.read_csv(f)
    t_arrow = time.perf_counter() - t0
    folder = Path(tempfile.mkdtemp(prefix="bidgraph-bench-duckdb-"))
    t0, cpu0 = time.perf_counter(), time.process_time()
    con = duckdb.connect(str(folder / "bench.duckdb"))
    for f in files:
        con.execute(f"CREATE TABLE {f.stem} AS SELECT * FROM read_csv_auto(?, all_varchar=false)", [str(f)])
    con.close()
    t_duckdb, cpu_duckdb = time.perf_counter() - t0, time.process_time() - cpu0
    shutil.rmtree(folder, ignore_errors=True)
    return {
        "duckdb_load_s": round(t_duckdb, 1),
        "duckdb_cpu_s": round(cpu_duckdb, 1),
        "pyarrow_csv_s": round(t_arrow, 1),
    }


def measure_open(workspace: Path, uid: str) -> dict:
    """Open the store and answer one expansion: the start-up every command pays."""
    from bidgraph.graph.embedded.store import EmbeddedStore

    t0 = time.perf_counter()
    EmbeddedStore(workspace).expand(uid, limit=50)
    return {"open_first_answer_s": round(time.perf_counter() - t0, 2), "open_first_answer_rss_mb": _peak_mb()}


def measure_queries(workspace: Path, samples: int, seed: int) -> dict:
    """Time expansions, 4-hop path searches and searches on an opened store."""
    from bidgraph.graph.embedded.store import EmbeddedStore

    store = EmbeddedStore(workspace)
    index = store.index
    rng = np.random.default_rng(seed)
    orgs = np.asarray(index.keys("Organization").to_pylist(), dtype=object)
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
    searches = []
    for text in search_texts(index.tables, samples, rng):
        t = time.perf_counter()
        store.search(text)
        searches.append(time.perf_counter() - t)
    return {
        "nodes": int(index.n),
        "relationships": int(len(index.src)),
        "expand": percentiles(expand),
        "paths": percentiles(paths),
        "paths_found": f"{found}/{len(pairs)}",
        "search": percentiles(searches),
        "queries_peak_rss_mb": _peak_mb(),
    }


def search_texts(tables, samples: int, rng) -> list[str]:
    """What an investigator types, as bench/workbench.py draws it: name fragments, USCCs, phones, IPs, lot ids."""
    orgs, uploads = tables["organizations"], tables["bid_uploads"]

    def pick(values, n):
        values = values.dropna().astype(str).to_numpy()
        return [str(values[i]) for i in rng.choice(len(values), size=min(n, len(values)), replace=False)]

    names = [n[3:7] if len(n) > 8 else n for n in pick(orgs["name"], samples // 2)]
    rest = [pick(orgs["uscc"], samples // 8), pick(orgs["phone"], samples // 8), pick(uploads["ip"], samples // 8)]
    return names + sum(rest, []) + pick(tables["lots"]["lot_id"], samples // 8)


def _peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"{' '.join(args[:1])} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _first_organization(bundle: Path) -> str:
    with open(bundle / "organizations.csv", encoding="utf-8-sig", newline="") as fh:
        return f"Organization:{next(csv.DictReader(fh))['org_id']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", nargs="+", default=["city", "province"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--samples", type=int, default=200, help="random organizations per latency series")
    parser.add_argument("--cache", type=Path, default=CACHE, help="generated bundles (see bench/worlds.py)")
    parser.add_argument(
        "--work", type=Path, help="load into WORK/<scale>-seed<seed>, emptied first (default: a new temporary folder)"
    )
    parser.add_argument("--load", nargs=2, type=Path, help=argparse.SUPPRESS)  # child: BUNDLE WORKSPACE
    parser.add_argument("--duckdb", type=Path, help=argparse.SUPPRESS)  # child: BUNDLE
    parser.add_argument("--open", nargs=2, help=argparse.SUPPRESS)  # child: WORKSPACE UID
    parser.add_argument("--queries", type=Path, help=argparse.SUPPRESS)  # child: WORKSPACE
    args = parser.parse_args()
    if args.load:
        print(json.dumps(measure_load(*args.load)))
    elif args.duckdb:
        print(json.dumps(measure_duckdb(args.duckdb)))
    elif args.open:
        print(json.dumps(measure_open(Path(args.open[0]), args.open[1])))
    elif args.queries:
        print(json.dumps(measure_queries(args.queries, args.samples, args.seed)))
    else:
        for scale in args.scales:
            bundle = cached_bundle(scale, args.seed, args.cache)
            if args.work is None:
                workspace = Path(tempfile.mkdtemp(prefix="bidgraph-bench-load-"))
            else:
                workspace = args.work / bundle.name
                shutil.rmtree(workspace, ignore_errors=True)
            result = _child("--load", str(bundle), str(workspace))
            result |= _child("--duckdb", str(bundle))
            result["load_vs_duckdb"] = f"{result['load_s'] / max(result['duckdb_load_s'], 0.05):.1f}x"
            result |= _child("--open", str(workspace), _first_organization(bundle))
            result |= _child("--queries", str(workspace), "--samples", str(args.samples), "--seed", str(args.seed))
            print(f"[{scale}] " + ", ".join(f"{k}: {v}" for k, v in result.items()), flush=True)


if __name__ == "__main__":
    main()
