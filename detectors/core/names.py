"""Display names, [zh, en]: what explanations and the workbench call each detector (and the
rules some detectors report under their own names), the roles an entity plays in a finding
(``entities[].role``) and the severities; the data is ``names.toml`` beside this file."""

from __future__ import annotations

from pathlib import Path

from bidgraph.graph.vocabulary import pair_tables

__all__ = [
    "DETECTOR_NAMES",
    "ROLE_NAMES",
    "SEVERITY_NAMES",
    "MEASURE_NAMES",
    "VALUE_NAMES",
    "PRESUMPTION_SHARED",
    "detector_name",
]

_NAMES = pair_tables(Path(__file__).with_name("names.toml"))
DETECTOR_NAMES = _NAMES["detector"]
ROLE_NAMES = _NAMES["role"]
SEVERITY_NAMES = _NAMES["severity"]
# measures whose word-by-word reading is poor, and words and codes that appear as measured values
MEASURE_NAMES = _NAMES["measure"]
VALUE_NAMES = _NAMES["value"]
PRESUMPTION_SHARED = _NAMES["presumption_shared"]  # what two bidders share under each statutory rule


def detector_name(detector: str, lang: str) -> str:
    """The detector's name in ``lang`` (``zh`` or ``en``); its id when it has none."""
    names = DETECTOR_NAMES.get(detector)
    return detector if names is None else names[0 if lang == "zh" else 1]
