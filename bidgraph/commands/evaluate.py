"""``bidgraph evaluate --truth truth.json findings.jsonl [--bundle DIR] [--json]``: score findings
against a generated world's planted schemes (see docs/EVALUATION.md)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from bidgraph.citygen.scoring import SCHEME_METRICS, score_findings
from bidgraph.commands._common import print_table
from bidgraph.errors import InputError
from bidgraph.graph.snapshot import Snapshot
from bidgraph.loaders.bundle import read_bundle

FIRM_METRICS = ("planted", "flagged", "average_precision", "planted_in_top_k")
FIRM_DECOY_COUNTS = ("small_county_in_top_k", "big_winners_in_top_k")  # lists of ids, shown as counts


def register(sub) -> None:
    p = sub.add_parser(
        "evaluate",
        help="score findings against a generated world's truth",
        description="Precision, recall and average precision of the findings for each planted "
        "scheme, collusive-firm ranking, ring Jaccard and decoy checks.",
    )
    p.add_argument("findings", type=Path, metavar="findings.jsonl", help="findings written by bidgraph detect --out")
    p.add_argument("--truth", type=Path, required=True, metavar="truth.json", help="the generator's truth file")
    p.add_argument("--bundle", type=Path, help="the world's bundle folder: also score the plain baseline screen")
    p.add_argument("--json", action="store_true", help="print the full result as JSON instead of tables")
    p.set_defaults(func=handle)


def read_truth(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            truth = json.load(fh)
    except FileNotFoundError:
        raise InputError(f"truth file {path} does not exist") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"truth file {path} is not JSON: {exc}") from None
    if not isinstance(truth, dict):
        raise InputError(f"truth file {path}: expected a JSON object with keys such as rings, cover_bidders")
    return truth


def read_findings(path: Path) -> list[dict]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"findings file {path} does not exist") from None
    findings = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            f = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"findings file {path}, line {n}: not JSON ({exc.msg})") from None
        missing = [k for k in ("detector", "score", "entities") if not isinstance(f, dict) or k not in f]
        if missing:
            raise InputError(f"findings file {path}, line {n}: missing {', '.join(missing)}")
        findings.append(f)
    return findings


def handle(args) -> int:
    truth = read_truth(args.truth)
    findings = read_findings(args.findings)
    snapshot = None
    if args.bundle:
        snapshot = Snapshot(read_bundle(args.bundle).tables)
    result = score_findings(truth, findings, snapshot)
    if args.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
        return 0
    print_report(result)
    return 0


def _fmt(x) -> str:
    return (
        "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}" if isinstance(x, float) else str(x)
    )


def print_report(result: dict) -> None:
    """The result as readable tables."""
    rows = [
        {"scheme": s, "detectors": ",".join(m["detectors"]), **{k: _fmt(m[k]) for k in SCHEME_METRICS}}
        for s, m in result["schemes"].items()
    ]
    print_table(rows, ["scheme", "detectors", *SCHEME_METRICS])
    print()
    firm_rows = [
        {
            "ranking": name,
            **{k: _fmt(r[k]) for k in FIRM_METRICS},
            **{k: len(r[k]) for k in FIRM_DECOY_COUNTS},
        }
        for name, r in (("detectors", result["collusive_firms"]), ("baseline", result.get("baseline")))
        if r
    ]
    print("Firms in collusive groups (ring members and cover bidders):")
    print_table(firm_rows, ["ranking", *FIRM_METRICS, *FIRM_DECOY_COUNTS])
    print()
    rings = result["rings"]
    print(
        f"Rings: mean best-match Jaccard {_fmt(rings['mean_jaccard'])} (with trace {_fmt(rings['mean_jaccard_with_trace'])}, "
        f"no trace {_fmt(rings['mean_jaccard_no_trace'])})"
    )
    print_table(
        [
            {
                "ring": r["id"],
                "members": len(r["members"]),
                "traces": ",".join(r["traces"]) or "none",
                "best_jaccard": _fmt(r["best_jaccard"]),
                "finding": r["best_finding"] or "-",
            }
            for r in rings["per_ring"]
        ],
        ["ring", "members", "traces", "best_jaccard", "finding"],
    )
    d = result["decoys"]
    print(
        f"\nHigh-severity shared_device findings: {d['high_shared_device']}, "
        f"resting only on a public/NAT IP: {d['high_on_public_or_nat_ip_only']}"
    )
