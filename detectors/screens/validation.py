"""Measuring the price-screen model on the cartel datasets: per file, and leave one dataset out.

The paper-style reference (García Rodríguez et al. 2022) is a random forest on the seven
screens each file ships precomputed; it is computed here fold by fold so bidgraph's model is
always compared with it on the same lots.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from sklearn.ensemble import RandomForestClassifier

from bidgraph.detectors.screens.datasets import REFERENCE_SCREENS, CollusionData
from bidgraph.detectors.screens.features import SCREENS, lot_screens
from bidgraph.detectors.screens.model import MODEL_FEATURES, ScreenModel, auc, fit_model
from bidgraph.errors import InputError

__all__ = ["Fold", "dataset_screens", "score_dataset", "leave_one_dataset_out", "reference_forest"]

REFERENCE_TREES = 100  # scikit-learn's default forest


@dataclass(frozen=True)
class Fold:
    held_out: str
    lots: int
    rigged: int
    auc_model: float
    auc_all_screens: float
    auc_reference: float


def dataset_screens(data: CollusionData) -> pd.DataFrame:
    """``lot_screens`` of a dataset's bids (the PTE as ceiling where the file has one)."""
    return lot_screens(data.bids, ceiling="ceiling_price")


def score_dataset(data: CollusionData, model: ScreenModel) -> dict:
    """AUC of ``model`` on one dataset, over its lots with at least ``model.min_bids`` bids."""
    scores = model.predict_proba(dataset_screens(data)).dropna()
    labels = data.labels.loc[scores.index]
    return {
        "dataset": data.name,
        "lots": len(scores),
        "rigged": int(labels.sum()),
        "skipped_lots": int(len(data.labels) - len(scores)),
        "auc": auc(labels, scores),
    }


def reference_forest(train: Sequence[CollusionData], lots: Mapping[str, pd.Index], seed: int) -> RandomForestClassifier:
    """The paper-style reference: a random forest on the files' precomputed screens."""
    x = pd.concat([_reference(d).loc[lots[d.name]] for d in train])
    y = pd.concat([d.labels.loc[lots[d.name]] for d in train])
    forest = RandomForestClassifier(n_estimators=REFERENCE_TREES, random_state=seed, n_jobs=1)
    return forest.fit(x[list(REFERENCE_SCREENS)].to_numpy(), y.to_numpy())


def _reference(data: CollusionData) -> pd.DataFrame:
    """The file's precomputed screens, which the reference forest needs."""
    if data.reference is None:
        raise InputError(f"dataset {data.name} lacks the precomputed screens {', '.join(REFERENCE_SCREENS)}")
    return data.reference


def leave_one_dataset_out(datasets: Sequence[CollusionData], c: float, min_bids: int, seed: int) -> list[Fold]:
    """For each dataset: fit on the others, score it; the shipped feature set, all screens, and
    the reference forest, all on the held-out lots with at least ``min_bids`` bids."""
    screens = {d.name: dataset_screens(d) for d in datasets}
    lots = {name: s.index[s["n_bids"] >= min_bids] for name, s in screens.items()}
    folds = []
    for held in datasets:
        train = [d for d in datasets if d.name != held.name]
        pairs = [(screens[d.name], d.labels) for d in train]
        idx = lots[held.name]
        labels = held.labels.loc[idx]
        model = fit_model(pairs, MODEL_FEATURES, c, min_bids, seed)
        wide = fit_model(pairs, SCREENS, c, min_bids, seed)
        forest = reference_forest(train, lots, seed)
        ref = pd.Series(
            forest.predict_proba(_reference(held).loc[idx, list(REFERENCE_SCREENS)].to_numpy())[:, 1], index=idx
        )
        folds.append(
            Fold(
                held.name,
                len(idx),
                int(labels.sum()),
                auc(labels, model.predict_proba(screens[held.name])),
                auc(labels, wide.predict_proba(screens[held.name])),
                auc(labels, ref),
            )
        )
    return folds
