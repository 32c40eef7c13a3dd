"""The specialty (专业) of each lot: who is qualified to bid on it.

A water-works lot is open only to the dozen firms qualified for water works; its bidders meet
on nearly every such lot by necessity, not by arrangement. A null model that draws bidders from
all construction firms of the region calls that necessity collusion. The platform records the
specialty where a lot was evaluated by a panel: the specialty its experts were drawn in
(评标专家专业). Lots without a panel (lowest-price evaluation) take the specialty their bidders
are usually evaluated in: each bidder votes for the specialty of most of its panelled lots.

Firms that no panel ever saw vote for nothing; a lot nobody can place has no specialty and
stays in its region-and-category market.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidgraph.graph.snapshot import Snapshot, positions

__all__ = ["lot_specialty"]


def lot_specialty(snapshot: Snapshot, bids: pd.DataFrame) -> pd.Series:
    """The specialty of each lot of ``bids`` (index lot_id; missing where it cannot be placed).

    Parameters
    ----------
    snapshot : Snapshot
        Reads ``expert_scores`` (lot, expert) and ``experts`` (specialty).
    bids : DataFrame
        Bids with ``lot_id`` and ``org_id``.
    """
    lot, lots = pd.factorize(bids["lot_id"])
    lots = pd.Index(lots, name="lot_id")
    # Integer codes (counting on id strings costs seconds at province scale). Only the bids' lots
    # matter; specialties are coded in name order, which breaks ties between them.
    scores, experts = snapshot["expert_scores"], snapshot["experts"][["expert_id", "specialty"]].dropna()
    expert = pd.factorize(pd.concat([scores["expert_id"], experts["expert_id"]], ignore_index=True))[0]
    specialty, names = pd.factorize(experts["specialty"], sort=True)
    panels = pd.DataFrame({"lot": positions(lots, scores["lot_id"]), "expert": expert[: len(scores)]})
    panels = panels[panels["lot"] >= 0].drop_duplicates()
    panels = panels.merge(pd.DataFrame({"expert": expert[len(scores) :], "specialty": specialty}), on="expert")
    if panels.empty:
        return pd.Series(pd.NA, index=lots, dtype=object)
    panelled = _mode(panels["lot"], panels["specialty"], len(lots))
    entries = pd.DataFrame({"lot": lot, "org": pd.factorize(bids["org_id"])[0]}).drop_duplicates()
    entries = entries[(entries["lot"] >= 0) & (entries["org"] >= 0)].to_numpy().T
    voting = panelled[entries[0]] >= 0
    firm_votes = _mode(entries[1][voting], panelled[entries[0][voting]], int(entries[1].max(initial=-1)) + 1)
    votes = firm_votes[entries[1][~voting]]
    voted = _mode(entries[0][~voting][votes >= 0], votes[votes >= 0], len(lots))
    placed = np.where(panelled >= 0, panelled, voted)
    return pd.Series(names.take(placed, allow_fill=True, fill_value=np.nan), index=lots)


def _mode(key: np.ndarray, specialty: np.ndarray, n_keys: int) -> np.ndarray:
    """The most frequent ``specialty`` code per ``key`` code (ties: the lowest code), -1 for a
    key without any."""
    counts = pd.DataFrame({"key": key, "specialty": specialty}).groupby(["key", "specialty"]).size()
    counts = counts.rename("n").reset_index().sort_values(["key", "n", "specialty"], ascending=[True, False, True])
    first = counts.drop_duplicates("key")
    out = np.full(n_keys, -1, dtype=np.int64)
    out[first["key"].to_numpy()] = first["specialty"].to_numpy()
    return out
