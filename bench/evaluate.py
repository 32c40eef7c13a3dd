"""Score the full detector batch against planted truth on several generated worlds.

For each seed: generate a city and load it (both kept for reuse, see bench/worlds.py), run
every detector with the default settings, and evaluate (bidgraph.evaluation.truth). Prints one
markdown row per seed and scheme: findings, precision, recall and average precision, and
precision/recall among the top N (N = number planted). ``--realism`` names the worlds: the
default ones, the hard ones (``bidgraph generate --realism hard``) or both (the default), one
table each, closed by the collusive-firm ranking (AP, and how many honest firms of each decoy
kind truth.json lists reach its top k), the ring ranking (mean Jaccard, and the weak
single-trace findings scored at or above the weakest traceless ring), tenderer favouritism with
and without a person link, the lawful change orders flagged by payment_anomaly, and issue 13's
statutory schemes (precision, recall) and decoys flagged.

    python bench/evaluate.py --scale city --seeds 1 2 3 --realism default hard
"""

from __future__ import annotations

import argparse
from pathlib import Path

from worlds import CACHE, WORK, cached_bundle, loaded_workspace


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
    return score_findings(truth, findings, snapshot)


def _bundle(scale: str, seed: int, cache: Path, realism: str) -> Path:
    """The cached bundle of that world (the hard ones under ``cache/<realism>``)."""
    if realism == "default":
        return cached_bundle(scale, seed, cache)
    bundle = cache / realism / f"{scale}-seed{seed}"
    if not (bundle / "truth.json").exists():
        from bidgraph.citygen import generate_city

        generate_city(bundle, scale=scale, seed=seed, realism=realism)
    return bundle


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
        firms, rings = report["collusive_firms"], report["rings"]
        honest = ", ".join(f"{kind} {len(ids)}" for kind, ids in firms["honest_in_top_k"].items())
        print(
            f"| {seed} | collusive firms | {firms['planted']} | {firms['flagged']} | | | "
            f"{firms['average_precision']:.3g} | honest in top k: {honest} | |",
            flush=True,
        )
        print(
            f"| {seed} | ring ranking | | | | | | mean Jaccard {_fmt(rings['mean_jaccard'])} | "
            f"weak single-trace findings at or above the weakest traceless ring "
            f"({_fmt(rings['traceless_weakest_score'])}): {rings['weak_single_trace_at_or_above']} "
            f"of {rings['weak_single_trace_findings']} |",
            flush=True,
        )
        for group, m in report["favouritism"].items():
            if m["planted"]:
                print(
                    f"| {seed} | tenderer favouritism {group.replace('_', ' ')} | {m['planted']} | | "
                    f"{_fmt(m['precision'])} | {_fmt(m['recall'])} | | | |",
                    flush=True,
                )
        orders = report["change_orders"]
        if orders["lawful"]:
            print(f"| {seed} | lawful change orders flagged | {orders['lawful']} | {orders['flagged']} | | | | | |")
        _statutory(seed, report["statutory"])


def _statutory(seed: int, report: dict) -> None:
    """Issue 13's rows: per planted scheme its detector's findings, precision and recall; per decoy list
    how many a finding names."""
    for scheme, m in report["schemes"].items():
        print(
            f"| {seed} | statutory: {scheme} ({m['detectors'][0]}) | {m['planted']} | {m['findings']} | "
            f"{_fmt(m['precision'])} | {_fmt(m['recall'])} | | | |",
            flush=True,
        )
    for rule, m in report["rules"].items():
        planted = "not planted" if m["planted"] is None else m["planted"]
        print(
            f"| {seed} | statutory rule: {rule} | {planted} | {m['findings']} | "
            f"{_fmt(m['precision'])} | {_fmt(m['recall'])} | | | |",
            flush=True,
        )
    for name, d in report["decoys"].items():
        print(f"| {seed} | statutory decoys flagged: {name} | {d['decoys']} | {d['flagged']} | | | | | |", flush=True)


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.3g}"


if __name__ == "__main__":
    main()
