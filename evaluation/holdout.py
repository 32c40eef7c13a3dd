"""Leave one dataset out: never measure the price-screen model on data it was fitted on.

The shipped model records in its meta the datasets it was fitted on (by the reader's name and by
content SHA-256). When the evaluated file is one of them, the model is refitted without it, the
way ``bidgraph.detectors.screens.train`` fits the shipped one (same features, C, minimum bids and
seed), on the other shared datasets. The paper-style reference forest is fitted on the same
training datasets, so both are compared on lots neither has seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from bidgraph.detectors.screens.datasets import REFERENCE_SCREENS, CollusionData, collusion_files, read_collusion_csv
from bidgraph.detectors.screens.model import ScreenModel, file_sha256, fit_model, load_model
from bidgraph.detectors.screens.validation import dataset_screens, reference_forest
from bidgraph.errors import InputError
from bidgraph.evaluation.cartels import CartelDataset
from bidgraph.evaluation.metrics import auc

__all__ = ["ModelChoice", "choose_model", "reference_auc"]


@dataclass(frozen=True)
class ModelChoice:
    """The model to run, whether it was refitted without the evaluated dataset, and on what."""

    model: ScreenModel
    refitted: bool
    training: tuple[CollusionData, ...]

    def describe(self) -> str:
        """One line naming the model and its training data, for the report."""
        names = ", ".join(d.name for d in self.training) or "-"
        if self.refitted:
            return f"refitted without this dataset (leave-one-dataset-out), on: {names}"
        return f"shipped model (not fitted on this dataset), fitted on: {names}"


def trained_on(model: ScreenModel, dataset: CartelDataset) -> bool:
    """Whether ``model``'s meta names ``dataset`` among its training data (by name or content)."""
    return dataset.name in model.meta.get("trained_on", {}) or dataset.sha256 in set(
        model.meta.get("trained_on_sha256", {}).values()
    )


def choose_model(dataset: CartelDataset, shipped: ScreenModel | None = None) -> ModelChoice:
    """The shipped model, or, when it was fitted on ``dataset``, the same fit without it.

    Raises
    ------
    InputError
        The model must be refitted but no other shared dataset with both labels is available.
    """
    shipped = shipped or load_model()
    others = tuple(
        read_collusion_csv(path)
        for name, path in collusion_files().items()
        if name != dataset.name and file_sha256(path) != dataset.sha256
    )
    if not trained_on(shipped, dataset):
        return ModelChoice(shipped, False, others)
    if not others:
        raise InputError(
            f"the shipped price-screen model was fitted on {dataset.name}; no other shared dataset to refit it without"
        )
    meta = {"trained_on": {d.name: int(d.labels.size) for d in others}, "held_out": dataset.name}
    model = fit_model(
        [(dataset_screens(d), d.labels) for d in others],
        shipped.features,
        float(shipped.meta.get("C", 0.1)),
        shipped.min_bids,
        int(shipped.meta.get("seed", 0)),
        meta,
    )
    return ModelChoice(model, True, others)


def reference_auc(choice: ModelChoice, dataset: CartelDataset) -> float | None:
    """AUC of the paper-style reference forest, fitted on the model's training datasets, on the
    evaluated lots with at least ``min_bids`` bids; None when a file lacks the reference screens."""
    data = dataset.data
    if data.reference is None or not choice.training or any(d.reference is None for d in choice.training):
        return None
    min_bids = choice.model.min_bids
    lots = {d.name: _eligible(d, min_bids) for d in (*choice.training, data)}
    forest = reference_forest(choice.training, lots, int(choice.model.meta.get("seed", 0)))
    held = lots[data.name]
    scores = forest.predict_proba(data.reference.loc[held, list(REFERENCE_SCREENS)].to_numpy())[:, 1]
    return auc(data.labels, pd.Series(scores, index=held))


def _eligible(data: CollusionData, min_bids: int) -> pd.Index:
    screens = dataset_screens(data)
    return screens.index[screens["n_bids"] >= min_bids]
