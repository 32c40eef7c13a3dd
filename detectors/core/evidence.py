"""Combining pieces of evidence about one entity into an index (0-100) that decomposes into them.

A piece of evidence is ``weight * score`` in [0, 1], from one detector. One detector is one piece:
its strongest evidence on the entity counts (the first such row on a tie), its other rows carry 0
points. The detector pieces then combine by one of :data:`RULES`:

- ``strongest``: ``index = 100 * max(evidence)``; the strongest piece (the first on a tie) carries
  every point, the others are listed as supporting evidence with 0 points;
- ``noisy_or``: ``index = 100 * (1 - prod(1 - evidence))``, the chance that at least one piece
  is right if each were independent (Pearl 1988); each piece carries
  ``index * log(1 - e) / sum(log(1 - e))`` points.

Either way the points of an entity's rows add up to its index. The smoke index
(``detectors/smoke_index.py``) and the region-scoped part of a smoke-index finding
(``cases/scope.py``) both combine here, so a part is summed exactly as the whole was.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["RULES", "MOST_EVIDENCE", "combine", "combine_table"]

RULES = ("strongest", "noisy_or")
MOST_EVIDENCE = 0.999  # noisy-OR: one piece of evidence short of certainty, so every share of the index is finite


def combine(pieces: pd.DataFrame, by: list[str], rule: str) -> tuple[pd.DataFrame, pd.Series]:
    """Per group of the ``by`` columns, the index (rounded to 0.1, column ``index``); per row of
    ``pieces`` (columns ``by``, ``detector`` and ``evidence``), the points it carries."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r} for combining evidence; expected one of {', '.join(RULES)}")
    if pieces.empty:
        return pd.DataFrame(columns=[*by, "index"]), pd.Series(dtype=float)
    group = pieces.groupby(by, sort=False).ngroup()  # 0, 1, ... in order of first appearance
    strongest = pieces.groupby([*by, "detector"], sort=False)["evidence"].idxmax().to_numpy()
    evidence = pieces.loc[strongest, "evidence"].astype(float)
    of = group.loc[strongest].to_numpy()
    points = pd.Series(0.0, index=pieces.index)
    if rule == "strongest":
        index = 100 * evidence.groupby(of).max()
        carrier = evidence.groupby(of).idxmax()
        points[carrier.to_numpy()] = index.loc[carrier.index].to_numpy()
    else:
        weight_of_evidence = -np.log1p(-evidence.clip(upper=MOST_EVIDENCE))
        total = weight_of_evidence.groupby(of).sum()
        index = 100 * -np.expm1(-total)
        totals = total.loc[of].to_numpy()
        shares = np.divide(weight_of_evidence.to_numpy(), totals, out=np.zeros_like(totals), where=totals > 0)
        points[strongest] = index.loc[of].to_numpy() * shares
    keys = pieces.drop_duplicates(by)[by].reset_index(drop=True)
    return keys.assign(index=index.sort_index().round(1).to_numpy()), points


def combine_table(features: pd.DataFrame, weights: dict[str, float], rule: str) -> np.ndarray:
    """The index (0-100) of each row of ``features`` (entities x detectors, the strongest score
    each detector gives each entity) under ``weights`` and ``rule``."""
    evidence = features.fillna(0.0) * pd.Series({d: float(weights.get(d, 0.0)) for d in features.columns})
    pieces = evidence.rename_axis(index="entity", columns="detector").stack().rename("evidence").reset_index()
    index, _ = combine(pieces, ["entity"], rule)
    return index.set_index("entity")["index"].reindex(features.index).fillna(0.0).to_numpy()
