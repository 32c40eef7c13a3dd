"""``bidgraph evaluate --truth truth.json findings.jsonl [--bundle DIR] [--json]``: score findings
against a generated world's planted schemes; ``bidgraph evaluate --cartels DATASET.csv [--json]``:
run the whole batch on a labelled real cartel dataset and measure it (see docs/EVALUATION.md)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from bidgraph.commands._common import print_table
from bidgraph.errors import InputError
from bidgraph.evaluation.cartel_run import evaluate_cartels
from bidgraph.evaluation.truth import SCHEME_METRICS, score_findings
from bidgraph.graph.snapshot import Snapshot
from bidgraph.loaders.bundle import read_bundle

FIRM_METRICS = ("planted", "flagged", "average_precision", "planted_in_top_k")
FIRM_DECOY_COUNTS = ("small_county_in_top_k", "big_winners_in_top_k")  # lists of ids, shown as counts


def register(sub) -> None:
    p = sub.add_parser(
        "evaluate",
        help="score findings against a generated world's truth, or the batch on a real cartel dataset "
        "/ 用合成数据真值或真实围标案数据评估检测模型",
        description="With --truth: precision, recall and average precision of the findings for each planted "
        "scheme, collusive-firm ranking, ring Jaccard and decoy checks. With --cartels: the whole batch on a "
        "labelled cartel dataset against the naive counts, price_screen's AUC leave-one-dataset-out, and "
        "the recovery of named cartels.",
    )
    p.add_argument(
        "findings", nargs="?", type=Path, metavar="findings.jsonl", help="findings written by bidgraph detect --out"
    )
    p.add_argument("--truth", type=Path, metavar="truth.json", help="the generator's truth file")
    p.add_argument("--bundle", type=Path, help="the world's bundle folder: also score the plain baseline screen")
    p.add_argument(
        "--cartels",
        type=Path,
        metavar="DATASET.csv",
        help="a labelled cartel dataset (García Rodríguez et al. 2022 format) / 标注的围标案数据集",
    )
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
    if args.cartels:
        if args.truth or args.findings:
            raise InputError("--cartels takes a dataset alone: no --truth and no findings file")
        result = evaluate_cartels(args.cartels)
        if args.json:
            _print_json(result)
        else:
            print_cartel_report(result)
        return 0
    if not (args.truth and args.findings):
        raise InputError("give --truth truth.json and a findings file, or --cartels DATASET.csv")
    truth = read_truth(args.truth)
    findings = read_findings(args.findings)
    snapshot = None
    if args.bundle:
        snapshot = Snapshot(read_bundle(args.bundle).tables)
    result = score_findings(truth, findings, snapshot)
    if args.json:
        _print_json(result)
        return 0
    print_report(result)
    return 0


def _print_json(result: dict) -> None:
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


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


RANKING_LABELS = {
    "project": "本项目排名（冒烟指数）/ project ranking (smoke index)",
    "bids": "投标次数 / number of bids",
    "max_shared": "与同一伙伴最多共同投标 / most tenders shared with one partner",
}


def print_cartel_report(result: dict) -> None:
    """The real-cartel figures as readable tables, labels in Chinese and English."""
    firms = "-" if result["firms"] is None else f"{result['firms']} firms, {result['cartel_firms']} in cartels"
    print(f"数据集 / dataset {result['dataset']}: {result['tenders']} tenders, {result['bids']} bids, {firms}")
    print()
    print_table(
        [
            {"detector": r["detector"], "status": r["status"], "findings": r["findings"], "reason": r.get("reason", "")}
            for r in result["detectors"]
        ],
        ["detector", "status", "findings", "reason"],
    )
    print()
    ranking = result["firm_ranking"]
    if ranking is None:
        print("企业排名：数据集未列出投标人 / firm ranking: the dataset names no bidders")
    else:
        print("围标企业排名（k = 围标企业数）/ cartel firms ranked (k = cartel firms):")
        print_table(
            [
                {
                    "ranking": RANKING_LABELS.get(name, name),
                    "ranked": r["ranked"],
                    "AP": _fmt(r["average_precision"]),
                    "P@k": _fmt(r["precision_at_k"]),
                }
                for name, r in ranking.items()
            ],
            ["ranking", "ranked", "AP", "P@k"],
        )
    screen = result["price_screen"]
    print()
    print(f"报价筛查模型 / price_screen model: {screen['model']}")
    print(
        f"标段级 AUC / tender-level AUC on {screen['lots']} lots ({screen['rigged']} rigged): "
        f"price_screen {_fmt(screen['auc'])}, 参照随机森林 / reference forest {_fmt(screen['reference_auc'])}"
    )
    cartels = result["cartels"]
    if cartels:
        print()
        print(f"围标团伙识别 / cartel recovery: mean best Jaccard {_fmt(cartels['mean_jaccard'])}")
        print_table(
            [{**c, "best_jaccard": _fmt(c["best_jaccard"])} for c in cartels["per_cartel"]],
            ["cartel", "members", "best_jaccard"],
        )
