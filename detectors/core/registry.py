"""The detectors of the batch, listed explicitly: adding a detector is adding its line here."""

from __future__ import annotations

from bidgraph.detectors import (
    agency_affinity,
    bid_ring,
    contract_change,
    contract_splitting,
    cover_bidder,
    efficiency_anomaly,
    expert_affinity,
    expert_bias,
    frequent_winner,
    hidden_link,
    identical_errors,
    payment_anomaly,
    personnel_change,
    price_screen,
    procedure_gap,
    quantity_growth,
    red_flag,
    screen_ring,
    shared_device,
    shared_document,
    shared_personnel,
    smoke_index,
    statutory_presumption,
    tenderer_affinity,
    winner_not_builder,
)
from bidgraph.detectors.core.contract import Detector
from bidgraph.errors import InputError

__all__ = ["DETECTORS", "by_id", "chosen"]

DETECTORS: tuple[Detector, ...] = (
    shared_device.DETECTOR,
    shared_document.DETECTOR,
    shared_personnel.DETECTOR,
    bid_ring.DETECTOR,
    hidden_link.DETECTOR,
    cover_bidder.DETECTOR,
    frequent_winner.DETECTOR,
    tenderer_affinity.DETECTOR,
    agency_affinity.DETECTOR,
    expert_affinity.DETECTOR,
    expert_bias.DETECTOR,
    price_screen.DETECTOR,
    screen_ring.DETECTOR,
    red_flag.DETECTOR,
    contract_splitting.DETECTOR,
    winner_not_builder.DETECTOR,
    payment_anomaly.DETECTOR,
    procedure_gap.DETECTOR,
    contract_change.DETECTOR,
    quantity_growth.DETECTOR,
    personnel_change.DETECTOR,
    identical_errors.DETECTOR,
    statutory_presumption.DETECTOR,
    efficiency_anomaly.DETECTOR,
    smoke_index.DETECTOR,
)


def by_id() -> dict[str, Detector]:
    """The registered detectors by id, in registry order."""
    return {d.id: d for d in DETECTORS}


def chosen(ids: list[str] | None = None) -> list[Detector]:
    """The detectors named by ``ids`` (all when None) in batch order: by id, combiners last.

    An unknown id is an InputError naming the known ones.
    """
    known = by_id()
    unknown = [i for i in ids or [] if i not in known]
    if unknown:
        raise InputError(f"unknown detector(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    picked = [known[i] for i in dict.fromkeys(ids)] if ids else list(DETECTORS)
    return sorted(picked, key=lambda d: (d.combines, d.id))
