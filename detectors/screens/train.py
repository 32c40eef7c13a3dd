"""Rebuild the shipped price-screen model: ``python -m bidgraph.detectors.screens.train``.

Reads every cartel dataset in ``shared/data/collusion`` (``$BIDGRAPH_SHARED`` overrides where
shared/ is), prints the leave-one-dataset-out AUC of the model beside the paper-style
reference, then fits on all datasets and writes ``price_screen_model.json``. Fixed seed and no
timestamps: the same data gives the same file, byte for byte.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bidgraph.detectors.screens.datasets import collusion_files, read_collusion_csv, shared_dir
from bidgraph.detectors.screens.model import MODEL_FEATURES, MODEL_PATH, file_sha256, fit_model
from bidgraph.detectors.screens.validation import Fold, dataset_screens, leave_one_dataset_out
from bidgraph.errors import BidgraphError, InputError

__all__ = ["SEED", "C", "MIN_BIDS", "train", "lodo_table", "main"]

SEED = 20240601
C = 0.1
MIN_BIDS = 3


def train(out: Path = MODEL_PATH) -> list[Fold]:
    """Evaluate leave-one-dataset-out, fit on every dataset, write the model to ``out``."""
    files = collusion_files()
    if len(files) < 2:
        raise InputError(
            f"need at least two cartel datasets in {shared_dir() / 'data' / 'collusion'}, found {len(files)}"
        )
    datasets = [read_collusion_csv(f) for f in files.values()]
    folds = leave_one_dataset_out(datasets, C, MIN_BIDS, SEED)
    meta = {
        "trained_on": {d.name: int(d.labels.size) for d in datasets},
        # the files' content, so an evaluation recognises a training file under any name
        "trained_on_sha256": {name: file_sha256(f) for name, f in files.items()},
        "leave_one_dataset_out_auc": {f.held_out: round(f.auc_model, 4) for f in folds},
        "reference_auc": {f.held_out: round(f.auc_reference, 4) for f in folds},
    }
    model = fit_model([(dataset_screens(d), d.labels) for d in datasets], MODEL_FEATURES, C, MIN_BIDS, SEED, meta)
    out.write_text(model.to_json(), encoding="utf-8")
    return folds


def lodo_table(folds: list[Fold]) -> str:
    """The folds as a Markdown table (the one in docs/model-card-price-screen.md)."""
    rows = [
        "| held-out dataset | lots (>= 3 bids) | rigged | bidgraph model | all ten screens | paper-style reference |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    rows += [
        f"| {f.held_out} | {f.lots} | {f.rigged} | {f.auc_model:.3f} | {f.auc_all_screens:.3f} | {f.auc_reference:.3f} |"
        for f in folds
    ]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bidgraph.detectors.screens.train", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help=f"model file to write (default {MODEL_PATH.name})")
    args = parser.parse_args(argv)
    try:
        folds = train(args.out)
    except BidgraphError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(lodo_table(folds))
    beaten = all(f.auc_model > f.auc_reference for f in folds)
    print(f"\nmodel written to {args.out}; beats the reference on every held-out dataset: {'yes' if beaten else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
