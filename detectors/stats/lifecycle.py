"""Shared facts for the lifecycle warnings (contract_splitting, winner_not_builder,
payment_anomaly, procedure_gap): each awarded lot with its winner, contract and dates."""

from __future__ import annotations

import pandas as pd

from bidgraph.detectors.core.common import bids_in_context, uid

__all__ = ["awards", "lot_evidence"]


def awards(snapshot) -> pd.DataFrame:
    """One row per lot with a winning bid: lot_id, org_id (the winner), price, is_valid,
    project_id, tenderer_id, category, procedure, ceiling_price, published_on, opened_on, and
    the winner's contract on the lot if any (contract_id, amount, signed_on)."""
    return snapshot.derived("awards", lambda: _awards(snapshot)).copy(deep=False)


def _awards(snapshot) -> pd.DataFrame:
    bids = bids_in_context(snapshot, valid_only=False)
    won = bids[bids["is_winner"]].drop_duplicates("lot_id")
    contracts = snapshot["contracts"][["contract_id", "lot_id", "org_id", "amount", "signed_on"]]
    out = won.merge(contracts.drop_duplicates(["lot_id", "org_id"]), on=["lot_id", "org_id"], how="left")
    out["signed_on"] = pd.to_datetime(out["signed_on"])  # object dtype when the snapshot has no contracts
    return out


def lot_evidence(lot_id: str, org_id: str | None, contract_id: str | None = None) -> tuple[list, list]:
    """Nodes and edges showing a lot, its winner and the winner's contract."""
    nodes = [uid("Lot", lot_id)]
    edges = []
    if org_id is not None:
        nodes.append(uid("Organization", org_id))
        edges.append([uid("Organization", org_id), "WON", uid("Lot", lot_id)])
    if contract_id is not None and not pd.isna(contract_id):
        nodes.append(uid("Contract", contract_id))
        edges.append([uid("Contract", contract_id), "CONTRACT_FOR", uid("Lot", lot_id)])
    return nodes, edges
