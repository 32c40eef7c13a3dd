"""What cases, verdicts and case events are called, [zh, en]: read by the workbench's pages
and by the evidence pack's report, so that neither shows a raw code; the data is
``labels.toml`` beside this file."""

from __future__ import annotations

from pathlib import Path

from bidgraph.graph.vocabulary import pair_tables

__all__ = ["CASE_NAMES", "case_name"]

CASE_NAMES = pair_tables(Path(__file__).with_name("labels.toml"))


def case_name(kind: str, value, lang: str) -> str:
    """``value`` of vocabulary ``kind`` (status, case_kind, verdict, event) in ``lang``; an
    unknown value as it is."""
    pair = CASE_NAMES[kind].get(value)
    return pair[0 if lang == "zh" else 1] if pair else ("" if value is None else str(value))
