"""Score the full detector batch against planted truth on several generated worlds.

For each seed: generate a city and load it (both kept for reuse, see bench/worlds.py), run
every detector with the default settings, and evaluate (bidgraph.evaluation.truth). Prints one
markdown row per seed and scheme: findings, precision, recall and average precision, and
precision/recall among the top N (N = number planted). ``--realism`` names the worlds: the
default ones, the hard ones (``bidgraph generate --realism hard``) or both (the default), one
table each; the hard table also says which honest niche, local-county, frequent-winner and
serviced-office firms reach the top k of the collusive-firm ranking.

    python bench/evaluate.py --scale city --seeds 1 2 3 --realism default hard
"""

from __future__ import annotations

import argparse
from pathlib import Path

from worlds import CACHE, WORK, cached_bundle, loaded_workspace

# The honest firms of the hard world that must stay out of the top k, by the truth's decoy lists.
HONEST_IN_TOP_K = {
    "niche": lambda d: [o for n in d.get("niche_firms", []) for o in n["org_ids"]],
    "local county": lambda d: d.get("small_county", {}).get("org_ids", []),
    "frequent winner": lambda d: d.get("frequent_winners", []),
    "serviced office": lambda d: [o for s in d.get("serviced_offices", []) for o in s["org_ids"]],
}


def run(scale: str, seed: int, cache: Path, work: Path, realism: str = "default") -> dict:
    import json

    from bidgraph.detectors.core.runner import run_batch
    from bidgraph.detectors.core.settings import load_settings
    from bidgraph.evaluation.truth import score_findings
    from bidgraph.graph.embedded.store import EmbeddedStore

    bundle = _bundle(scale, seed, cache, realism)
    truth = json.loads((bundle / "truth.json").read_text(encoding="utf-8"))
    snapshot = EmbeddedStore(loaded_workspace(bundle, work / realism if realism != "default" else work)).snapshot()
    findings, _ = run_batch(snapshot, load_settings(), progress=False)
    report = score_findings(truth, findings, snapshot)
    if realism != "default":
        report["honest_in_top_k"] = _honest_in_top_k(truth, findings)
    return report


def _bundle(scale: str, seed: int, cache: Path, realism: str) -> Path:
    """The cached bundle of that world (the hard ones under ``cache/<realism>``)."""
    if realism == "default":
        return cached_bundle(scale, seed, cache)
    bundle = cache / realism / f"{scale}-seed{seed}"
    if not (bundle / "truth.json").exists():
        from bidgraph.citygen import generate_city

        generate_city(bundle, scale=scale, seed=seed, realism=realism)
    return bundle


def _honest_in_top_k(truth: dict, findings: list[dict]) -> dict:
    """Honest decoy firms in the collusive-firm top k, by kind: scored as the small-county
    check is, with every honest kind standing in for the small county."""
    from bidgraph.evaluation.truth import score_findings

    kinds = {kind: set(map(str, ids(truth["decoys"]))) for kind, ids in HONEST_IN_TOP_K.items()}
    stand_in = {"small_county": {"org_ids": sorted(set().union(*kinds.values()))}, "big_winners": []}
    top = set(score_findings({**truth, "decoys": stand_in}, findings)["collusive_firms"]["small_county_in_top_k"])
    return {kind: sorted(top & ids) for kind, ids in kinds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="city")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--cache", type=Path, default=CACHE, help="generated bundles (see bench/worlds.py)")
    parser.add_argument("--work", type=Path, default=WORK, help="loaded workspaces (see bench/worlds.py)")
    parser.add_argument("--realism", nargs="+", choices=["default", "hard"], default=["default", "hard"])
    args = parser.parse_args()
    for realism in args.realism:
        print(f"\n### {realism} worlds ({args.scale})\n")
        _table(args, realism)


def _table(args, realism: str) -> None:
    from bidgraph.evaluation.truth import SCHEME_DETECTORS, SCHEME_METRICS

    print("| seed | scheme | planted | findings | precision | recall | AP | P@N | R@N |")
    print("|---|---|---|---|---|---|---|---|---|")
    for seed in args.seeds:
        report = run(args.scale, seed, args.cache, args.work, realism)
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
        if "honest_in_top_k" in report:
            honest = ", ".join(f"{kind} {len(ids)}" for kind, ids in report["honest_in_top_k"].items())
            print(f"| {seed} | honest firms in top k | | | | | | {honest} | |", flush=True)


if __name__ == "__main__":
    main()
