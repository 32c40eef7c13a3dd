"""Score the full detector batch against planted truth on several generated worlds.

For each seed: generate a city and load it (both kept for reuse, see bench/worlds.py), run
every detector with the default settings, and evaluate (bidgraph.citygen.scoring). Prints one
markdown row per seed and scheme: findings, precision, recall and average precision, and
precision/recall among the top N (N = number planted).

    python bench/evaluate.py --scale city --seeds 1 2 3
"""

from __future__ import annotations

import argparse
from pathlib import Path

from worlds import CACHE, WORK, cached_bundle, loaded_workspace


def run(scale: str, seed: int, cache: Path, work: Path) -> dict:
    import json

    from bidgraph.citygen.scoring import score_findings
    from bidgraph.detectors.core.runner import run_batch
    from bidgraph.detectors.core.settings import load_settings
    from bidgraph.graph.embedded.store import EmbeddedStore

    bundle = cached_bundle(scale, seed, cache)
    truth = json.loads((bundle / "truth.json").read_text(encoding="utf-8"))
    snapshot = EmbeddedStore(loaded_workspace(bundle, work)).snapshot()
    findings, _ = run_batch(snapshot, load_settings(), progress=False)
    return score_findings(truth, findings, snapshot)


def main() -> None:
    from bidgraph.citygen.scoring import SCHEME_DETECTORS, SCHEME_METRICS

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="city")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--cache", type=Path, default=CACHE, help="generated bundles (see bench/worlds.py)")
    parser.add_argument("--work", type=Path, default=WORK, help="loaded workspaces (see bench/worlds.py)")
    args = parser.parse_args()
    print("| seed | scheme | planted | findings | precision | recall | AP | P@N | R@N |")
    print("|---|---|---|---|---|---|---|---|---|")
    for seed in args.seeds:
        report = run(args.scale, seed, args.cache, args.work)
        for scheme in SCHEME_DETECTORS:
            m = report["schemes"][scheme]
            cells = [m.get(k) for k in SCHEME_METRICS]
            print(
                f"| {seed} | {scheme} | "
                + " | ".join("-" if c is None else f"{c:.3g}" if isinstance(c, float) else str(c) for c in cells)
                + " |",
                flush=True,
            )
        firms = report["collusive_firms"]
        print(
            f"| {seed} | collusive firms | {firms['planted']} | {firms['flagged']} | | | "
            f"{firms['average_precision']:.3g} | small-county in top k: {len(firms['small_county_in_top_k'])} | "
            f"rings mean Jaccard {report['rings']['mean_jaccard']:.3g} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
