"""bidgraph calibrate [--seed N] [--folds K] [--dry-run]: re-weight the smoke index on investigators' verdicts.

Labels: every organization named (not as context) by a finding that got a verdict, 1 when one
of its findings' latest verdicts is ``confirmed``, else 0. Features: the strongest score each
detector gives each of them, from a batch run now with the workspace's settings (so a ranking
detector's score counts below its fence too). A seeded logistic regression turns them into
per-detector weights (:func:`bidgraph.detectors.smoke_index.fit_weights`), reliabilities that
noisy-OR combines: they are written to the workspace's settings.toml ``[smoke_index]`` with
``combine = "noisy_or"``. The figure: the average precision of the index on the labelled
organizations, out of fold (stratified K-fold, seeded), under the current rule and weights
(by default each firm's strongest piece of evidence) and by noisy-OR with weights fitted on the
other folds.
"""

from __future__ import annotations

import pandas as pd
from sklearn.metrics import average_precision_score
from sklearn.model_selection import StratifiedKFold

from bidgraph.cases.cases import feedback_rows
from bidgraph.commands._cases import open_cases
from bidgraph.commands._common import print_table, store_for
from bidgraph.detectors import smoke_index
from bidgraph.detectors.core import settings as detector_settings
from bidgraph.detectors.core.evidence import combine_table
from bidgraph.detectors.core.runner import run_batch
from bidgraph.errors import InputError

NOT_NAMED = {"context"}


def register(sub) -> None:
    p = sub.add_parser(
        "calibrate",
        help="re-fit the smoke index's detector weights on confirmed/dismissed findings / 以核查结论重新校准冒烟指数权重",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the folds and the regression / 随机种子")
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5) / 交叉验证折数")
    p.add_argument("--dry-run", action="store_true", help="print the figure, write nothing / 只输出对比，不写入")
    p.set_defaults(func=handle)


def handle(args) -> int:
    store = store_for(args)
    labels = verdict_labels(store.findings(), feedback_rows(open_cases(args, signing=False)))
    if labels.nunique() < 2 or labels.value_counts().min() < 2:
        raise InputError(
            "calibration needs at least two confirmed and two dismissed organizations "
            "/ 校准至少需要两家核实、两家排除的企业"
        )
    settings = detector_settings.settings_for(args.workspace)
    snapshot = store.snapshot()
    findings, summary = run_batch(snapshot, settings, progress=False)
    ranked = {row["detector"]: row["scores"] for row in summary if "scores" in row}
    params = settings["smoke_index"]
    features = smoke_index.evidence_table(findings, snapshot, params, ranked).reindex(labels.index, fill_value=0.0)
    features = features.loc[:, (features > 0).any()]
    before, after = cross_validated(features, labels, params, args.folds, args.seed)
    fitted = {**params["weights"], **smoke_index.fit_weights(features, labels, args.seed)}
    rows = [{"detector": d, "before": params["weights"][d], "after": fitted[d]} for d in features.columns]
    print_table(rows, ["detector", "before", "after"])
    n, k = len(labels), int(labels.sum())
    print(
        f"交叉验证平均精度（{n}家已核查企业，{k}家核实）：校准前 {before:.3f}，校准后 {after:.3f}\n"
        f"cross-validated AP on {n} labelled organizations ({k} confirmed): before {before:.3f} "
        f"({params['combine']}), after {after:.3f} (noisy_or)"
    )
    if not args.dry_run:
        detector_settings.write_workspace_setting(args.workspace, "smoke_index", "combine", "noisy_or")
        path = detector_settings.write_workspace_setting(args.workspace, "smoke_index", "weights", fitted)
        print(
            f"权重与噪声或规则已写入 / weights and combine = noisy_or written to {path} [smoke_index]; "
            "run `bidgraph detect` to apply them"
        )
    return 0


def verdict_labels(findings: list[dict], feedback: list[dict]) -> pd.Series:
    """1 or 0 per organization named by a finding with a verdict (its latest verdict counts)."""
    latest = {row["finding_id"]: row["verdict"] for row in feedback}
    named: dict[str, int] = {}
    for f in findings:
        if f["id"] in latest:
            for e in f["entities"]:
                if e["type"] == "company" and e["role"] not in NOT_NAMED and e["role"] != "tenderer":
                    named[e["id"]] = max(named.get(e["id"], 0), int(latest[f["id"]] == "confirmed"))
    return pd.Series(named, dtype=int).sort_index()


def cross_validated(
    features: pd.DataFrame, labels: pd.Series, params: dict, folds: int, seed: int
) -> tuple[float, float]:
    """Out-of-fold AP of the index under ``params`` (its ``combine`` rule and ``weights``) and by
    noisy-OR with weights fitted on the other folds."""
    splits = StratifiedKFold(n_splits=min(folds, int(labels.value_counts().min())), shuffle=True, random_state=seed)
    refitted = pd.Series(0.0, index=labels.index)
    for train, test in splits.split(features, labels):
        fitted = smoke_index.fit_weights(features.iloc[train], labels.iloc[train], seed)
        refitted.iloc[test] = combine_table(features.iloc[test], fitted, "noisy_or")
    before = average_precision_score(labels, combine_table(features, params["weights"], params["combine"]))
    return float(before), float(average_precision_score(labels, refitted))
