"""The price-screen model: logistic regression on within-snapshot percentiles of screens.

A screen's raw level depends on the market (Japanese bids sit within 1 % of each other in
honest and rigged tenders alike; Swiss bids spread 5-10 %), so a threshold learned in one
country does not carry to another. What carries is *rank*: a rigged lot has a lower CV,
smaller gaps between neighbouring bids and more near-identical bids than most lots of the
same market. The model therefore sees each screen as its percentile among the lots scored
together (one dataset in training, one snapshot in ``price_screen``) and learns a logistic
regression on those percentiles. It is shipped as JSON (a few hundred bytes of coefficients),
so loading it runs no code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from bidgraph.detectors.screens.features import SCREENS, percentiles
from bidgraph.errors import InputError

__all__ = [
    "ScreenModel",
    "MODEL_FEATURES",
    "MODEL_PATH",
    "design_matrix",
    "fit_model",
    "load_model",
    "auc",
    "file_sha256",
]

MODEL_FEATURES = ("cv", "gap_median", "close_share")
MODEL_PATH = Path(__file__).with_name("price_screen_model.json")


@dataclass(frozen=True)
class ScreenModel:
    """Coefficients over centred percentiles (percentile - 0.5) of ``features``."""

    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    min_bids: int = 3
    meta: dict = field(default_factory=dict)

    def predict_proba(self, screens: pd.DataFrame) -> pd.Series:
        """Probability that each lot of ``screens`` (the output of ``lot_screens``) was rigged.

        Percentiles are taken among the rows of ``screens`` with at least ``min_bids`` bids;
        lots with fewer bids get NaN.
        """
        eligible = screens[screens["n_bids"] >= self.min_bids]
        x = design_matrix(eligible, self.features)
        z = self.intercept + x @ np.asarray(self.coef)
        prob = pd.Series(1.0 / (1.0 + np.exp(-z)), index=eligible.index, name="probability")
        return prob.reindex(screens.index)

    def coordination_index(self, screens: pd.DataFrame, reference: pd.DataFrame | None = None) -> pd.Series:
        """The model's logit rescaled to [0, 1]: 0 for a lot at the competitive end of every
        feature, 1 at the coordinated end of every one.

        It equals the mean of the features' percentiles, each turned so that high means
        coordinated and weighted by its coefficient's size; it orders lots exactly as
        :meth:`predict_proba` does, but does not depend on the training base rate. With
        ``reference`` (other lots' screens), percentiles are taken among those lots instead.
        """
        eligible = screens[screens["n_bids"] >= self.min_bids]
        coef = np.asarray(self.coef)
        turned = design_matrix(eligible, self.features, reference) * np.sign(coef) + 0.5
        index = turned @ (np.abs(coef) / np.abs(coef).sum())
        return pd.Series(index, index=eligible.index, name="coordination_index").reindex(screens.index)

    def to_json(self) -> str:
        body = {
            "kind": "logistic_regression_on_percentiles",
            "features": list(self.features),
            "coef": [round(c, 10) for c in self.coef],
            "intercept": round(self.intercept, 10),
            "min_bids": self.min_bids,
            "meta": self.meta,
        }
        return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "model") -> ScreenModel:
        try:
            d = json.loads(text)
            unknown = set(d["features"]) - set(SCREENS)
            if unknown or len(d["coef"]) != len(d["features"]):
                raise ValueError(f"unknown features {sorted(unknown)} or coefficient count mismatch")
            return cls(
                tuple(d["features"]),
                tuple(float(c) for c in d["coef"]),
                float(d["intercept"]),
                int(d["min_bids"]),
                d.get("meta", {}),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{source}: not a price-screen model ({exc})") from None


def design_matrix(
    screens: pd.DataFrame, features: Sequence[str] = MODEL_FEATURES, reference: pd.DataFrame | None = None
) -> np.ndarray:
    """Centred percentiles of ``features`` among the rows (or among ``reference``'s rows); a
    missing screen counts as the median."""
    cols = list(features)
    ref = None if reference is None else reference[cols]
    return (percentiles(screens[cols], ref).fillna(0.5) - 0.5).to_numpy(dtype=float)


def fit_model(
    training: Sequence[tuple[pd.DataFrame, pd.Series]],
    features: Sequence[str] = MODEL_FEATURES,
    c: float = 0.1,
    min_bids: int = 3,
    seed: int = 0,
    meta: dict | None = None,
) -> ScreenModel:
    """Fit on several datasets, each ``(lot_screens(...), labels)``; labels indexed like the screens.

    Percentiles are taken within each dataset. Each dataset weighs the same in total, and
    within it rigged and clean lots weigh the same, so neither the largest dataset nor the
    base rate of one cartel case decides the coefficients.
    """
    xs, ys, ws = [], [], []
    for screens, labels in training:
        eligible = screens[screens["n_bids"] >= min_bids]
        y = labels.loc[eligible.index].to_numpy(dtype=int)
        if y.min() == y.max():
            raise InputError("every training dataset needs both rigged and clean lots")
        xs.append(design_matrix(eligible, features))
        ys.append(y)
        ws.append(np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean())) / len(y))
    w = np.concatenate(ws)
    lr = LogisticRegression(C=c, max_iter=5000, random_state=seed)
    lr.fit(np.vstack(xs), np.concatenate(ys), sample_weight=w / w.mean())
    return ScreenModel(
        tuple(features),
        tuple(float(v) for v in lr.coef_[0]),
        float(lr.intercept_[0]),
        min_bids,
        dict(meta or {}, C=c, seed=seed),
    )


def load_model(path: str | Path | None = None) -> ScreenModel:
    """The shipped model (``price_screen_model.json`` beside this module), or the one at ``path``."""
    path = Path(path) if path else MODEL_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"price-screen model {path}: cannot read ({exc.strerror})") from None
    return ScreenModel.from_json(text, str(path))


def auc(labels: pd.Series, scores: pd.Series) -> float:
    """ROC AUC of ``scores`` against ``labels`` over the lots that have a score."""
    s = scores.dropna()
    y = labels.loc[s.index]
    if y.nunique() < 2:
        raise InputError(f"AUC needs both rigged and clean lots among the {len(s)} scored lots")
    return float(roc_auc_score(labels.loc[s.index].to_numpy(dtype=int), s.to_numpy()))


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes: how a model's meta (``trained_on_sha256``) names its training files."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
