"""The figures every evaluation reports: average precision, precision at k, AUC and Jaccard.

Rankings break ties in a fixed random order (seeded), never by id, so a firm named ``A01`` is not
ranked above ``Z99`` only because of its name.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from bidgraph.detectors.screens.model import auc

__all__ = ["average_precision", "rank_by_score", "ranking_figures", "jaccard", "auc"]

TIE_SEED = 0


def average_precision(relevant: list[bool], n_positive: int) -> float:
    """AP of a ranked list: the mean, over all ``n_positive`` positives, of the precision at the
    rank where each was retrieved (positives never retrieved count 0)."""
    if n_positive == 0:
        return float("nan")
    hits = np.cumsum(relevant)
    ranks = np.arange(1, len(relevant) + 1)
    return float((hits / ranks)[np.asarray(relevant, dtype=bool)].sum() / n_positive)


def rank_by_score(scores: pd.Series) -> pd.Series:
    """The entities with a positive score, highest first, ties in a fixed random order."""
    scores = scores[scores > 0]
    order = np.random.default_rng(TIE_SEED).permutation(len(scores))
    return scores.iloc[order].sort_values(ascending=False, kind="stable")


def ranking_figures(scores: pd.Series, positives: Collection[str]) -> dict:
    """AP and precision at k (k = number of positives) of entities ranked by ``scores``.

    Returns ``positives`` (k), ``ranked`` (entities with a score), ``average_precision`` and
    ``precision_at_k`` (positives among the top k, over k).
    """
    order = rank_by_score(scores)
    k = len(positives)
    hits = [e in positives for e in order.index]
    return {
        "positives": k,
        "ranked": int(len(order)),
        "average_precision": average_precision(hits, k),
        "precision_at_k": float(sum(hits[:k]) / k) if k else float("nan"),
    }


def jaccard(a: Collection, b: Collection) -> float:
    """|a ∩ b| / |a ∪ b|, 0 when both are empty."""
    a, b = set(a), set(b)
    return len(a & b) / len(a | b) if a | b else 0.0
