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

import pandas as pd

from bidgraph.graph.snapshot import Snapshot

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
    lots = pd.Index(bids["lot_id"].unique(), name="lot_id")
    panels = snapshot["expert_scores"][["lot_id", "expert_id"]].drop_duplicates()
    panels = panels.merge(snapshot["experts"][["expert_id", "specialty"]], on="expert_id").dropna(subset=["specialty"])
    if panels.empty:
        return pd.Series(pd.NA, index=lots, dtype=object)
    panelled = _mode(panels, "lot_id")
    entries = bids[["lot_id", "org_id"]].drop_duplicates()
    firm_votes = _mode(entries.assign(specialty=entries["lot_id"].map(panelled)).dropna(subset=["specialty"]), "org_id")
    votes = entries[~entries["lot_id"].isin(panelled.index)]
    voted = _mode(votes.assign(specialty=votes["org_id"].map(firm_votes)).dropna(subset=["specialty"]), "lot_id")
    return pd.concat([panelled, voted]).reindex(lots)


def _mode(rows: pd.DataFrame, key: str) -> pd.Series:
    """The most frequent ``specialty`` per ``key`` (ties: the first in sort order)."""
    counts = rows.groupby([key, "specialty"]).size().rename("n").reset_index()
    counts = counts.sort_values([key, "n", "specialty"], ascending=[True, False, True])
    return counts.drop_duplicates(key).set_index(key)["specialty"]
