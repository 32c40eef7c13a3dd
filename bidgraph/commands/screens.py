"""bidgraph screens evaluate DATASET.csv: the price-screen model's AUC on a labelled cartel file."""

from __future__ import annotations

from bidgraph.commands._actions import Command, arg
from bidgraph.detectors.screens.datasets import read_collusion_csv
from bidgraph.detectors.screens.model import load_model
from bidgraph.detectors.screens.validation import score_dataset

COMMAND = Command("screens", "price screens and the price_screen model / 报价筛查")
register = COMMAND.register


@COMMAND.action(
    "AUC of the price-screen model on a cartel dataset file (bids with the "
    "tender-level label Collusive_competitor) / 在标注数据集上评估模型AUC",
    arg("dataset", metavar="DATASET.csv", help="file in the format of shared/data/collusion / 数据集文件"),
    arg("--model", help="model JSON to evaluate (default: the shipped model) / 模型文件"),
)
def handle_evaluate(args) -> int:
    model = load_model(args.model)
    result = score_dataset(read_collusion_csv(args.dataset), model)
    print(
        f"dataset {result['dataset']}: {result['lots']} lots with >= {model.min_bids} bids "
        f"({result['rigged']} rigged), {result['skipped_lots']} lots skipped (too few bids)"
    )
    print(f"AUC {result['auc']:.3f}")
    return 0
