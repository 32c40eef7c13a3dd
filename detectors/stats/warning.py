"""The finding shape the rule-based warnings share (contract_change, quantity_growth,
personnel_change, identical_errors, statutory_presumption, efficiency_anomaly): one ``kind`` of
rule, its text and source in Chinese and English, the numbers, the fences and the graph that
shows it."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from bidgraph.detectors.core.common import bilingual, uid
from bidgraph.detectors.core.finding import Entity, Finding

__all__ = ["day", "bid_graph", "warning"]


def day(value) -> str | None:
    """An ISO date, or None for a missing one."""
    return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()


def bid_graph(bids: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Nodes and edges showing bids (columns bid_id, org_id, lot_id): firm → bid → lot."""
    nodes, edges = [], []
    shown = bids.sort_values("bid_id")  # columns as lists: iterating Arrow-backed rows is slow
    for org_id, bid_id, lot_id in zip(*(shown[c].tolist() for c in ("org_id", "bid_id", "lot_id"))):
        firm, bid, lot = uid("Organization", org_id), uid("Bid", bid_id), uid("Lot", lot_id)
        nodes += [firm, bid, lot]
        edges += [[firm, "SUBMITTED", bid], [bid, "FOR_LOT", lot]]
    return list(dict.fromkeys(nodes)), edges


def warning(
    detector: str,
    kind: str,
    score: float,
    entities: Iterable[Entity],
    rule: tuple[str, str],
    explanation: tuple[str, str],
    measured: dict,
    thresholds: dict,
    graph: tuple[list[str], list[list[str]]],
    **extra,
) -> Finding:
    """A finding of rule ``kind``: the summary is the English explanation, prefixed by the kind.

    ``rule`` and ``explanation`` are (zh, en) pairs; ``graph`` is (nodes, edges); ``extra``
    goes into the evidence as it is (records, pairs, shared values).
    """
    nodes, edges = graph
    unique_edges = list(dict.fromkeys(tuple(e) for e in edges))
    return Finding(
        detector,
        score,
        list(dict.fromkeys(entities)),
        f"{kind}: {explanation[1]}",
        {
            "kind": kind,
            "rule": bilingual(*rule),
            "explanation": bilingual(*explanation),
            "measured": measured,
            "thresholds": thresholds,
            "nodes": list(dict.fromkeys(nodes)),
            "edges": [list(e) for e in unique_edges],
            **extra,
        },
    )
