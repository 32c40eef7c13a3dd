"""How a ring prices its lots in the hard world (``--realism hard``): loosely, and under pressure.

The default ring (``schemes._rig``) always turns out in full, its winner at 96-98.5 % of the
ceiling and its covers packed just above. Real rings are sloppier and have to react to
outsiders, so here:

- each non-designated member files a cover on only 70 % of the ring's lots (at least one cover);
- on 40 % of the lots the covers are *loose*: the winner bids 88-95 % and the covers spread
  above it like honest bids (coefficient of variation of a few per cent);
- when honest outsiders bid (always inside a niche, on 35 % of a district ring's lots), the
  designated member prices defensively, near the cheapest outsider, and loses the lot about
  half the time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidgraph.citygen.market import soft_cap
from bidgraph.citygen.tamper import add_bids

__all__ = ["CONTESTED_SHARE", "rig_loosely"]

CONTESTED_SHARE = 0.35  # district-ring lots on which honest outsiders keep their bids
_SKIP = 0.3  # chance a member files no cover on a ring lot
_LOOSE = 0.4  # share of lots with honest-looking cover spreads


def rig_loosely(
    rng, quality: np.ndarray, ring_lots: np.ndarray, members: np.ndarray, honest: pd.DataFrame, contested: float
) -> pd.DataFrame:
    """The bids of ``ring_lots``: the members' rigged bids plus the honest outsiders kept.

    Parameters
    ----------
    rng : numpy.random.Generator
    quality : ndarray
        Every organization's technical strength (the world's ``quality`` trait).
    ring_lots, members : ndarray
        The lots rigged, in the order the turn rotates, and the member firms.
    honest : DataFrame
        The honest bids drawn for those lots (columns lot, org, ratio, tech, valid); the
        non-members among them are the possible outsiders.
    contested : float
        Chance that a lot keeps its outsiders (1.0: every outsider stays, as inside a niche).
    """
    outsiders = honest[~np.isin(honest["org"].to_numpy(), members)]
    turn = rng.permutation(members)
    rows = []
    for j, lot in enumerate(ring_lots):
        winner = turn[j % len(turn)]
        others = np.setdiff1d(members, [winner])
        covers = others[rng.random(len(others)) >= _SKIP]
        if len(covers) == 0:
            covers = rng.choice(others, 1)
        rivals = outsiders[outsiders["lot"].to_numpy() == lot]
        if rng.random() >= contested:
            rivals = rivals.iloc[:0]
        loose = rng.random() < _LOOSE
        w = rng.uniform(0.88, 0.95) if loose else rng.uniform(0.96, 0.985)
        valid_rivals = rivals[rivals["valid"].to_numpy()]
        if len(valid_rivals):
            # Defensive pricing: near the cheapest outsider, sometimes above it (the ring loses).
            w = float(valid_rivals["ratio"].min()) * rng.uniform(0.965, 1.03)
        spread = np.abs(rng.normal(0.0, 0.035 if loose else 0.012, len(covers))) + 0.003
        # squeezed under the ceiling in order: a hard cap gave covers one price to the yuan
        cover_ratio = soft_cap(w + spread)
        cover_tech = rng.normal(-0.5, 0.8, len(covers))
        ring_bids = add_bids(
            rivals,
            np.full(1 + len(covers), lot),
            np.r_[winner, covers],
            np.r_[w, cover_ratio],
            np.r_[max(0.6 * quality[winner], 0.0) + 1.2, cover_tech],
            True,
        )
        rows.append(ring_bids)
    return pd.concat(rows, ignore_index=True)
