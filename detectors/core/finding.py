"""The shape every detector returns: findings as in ../shared/design/bundle.md.

What a detector must provide to return them is the contract of
:mod:`bidgraph.detectors.core.contract`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bidgraph.graph.schema import schema

__all__ = ["Entity", "Finding", "severity_for", "ENTITY_TYPES"]

ENTITY_TYPES = schema().finding_entity_types  # graph/schema.toml [entity_types]


@dataclass(frozen=True)
class Entity:
    type: str
    id: str
    role: str

    def __post_init__(self):
        if self.type not in ENTITY_TYPES:
            raise ValueError(f"entity type {self.type!r} is not one of {sorted(ENTITY_TYPES)}")

    def to_json(self) -> dict:
        return {"type": self.type, "id": self.id, "role": self.role}


@dataclass
class Finding:
    """One flag, explained.

    ``evidence`` must hold at least:
      rule        {"zh": ..., "en": ...}   the rule in one sentence
      explanation {"zh": ..., "en": ...}   what was measured here, with the numbers
      measured    {name: value}            the numbers behind the flag
      thresholds  {name: value}            the fences they crossed
      nodes       ["Label:key", ...]       graph nodes that show it
      edges       [["Label:key", "TYPE", "Label:key"], ...]
    plus whatever else the detector finds useful (paths, rotation, shared values).
    """

    detector: str
    score: float
    entities: list[Entity]
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)
    severity: str = ""
    id: str = ""

    def __post_init__(self):
        self.score = float(min(1.0, max(0.0, self.score)))
        if not self.severity:
            self.severity = severity_for(self.score)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "detector": self.detector,
            "score": round(self.score, 6),
            "severity": self.severity,
            "entities": [e.to_json() for e in self.entities],
            "summary": self.summary,
            "evidence": self.evidence,
        }

    @classmethod
    def from_json(cls, d: dict) -> Finding:
        return cls(
            d["detector"],
            d["score"],
            [Entity(**e) for e in d["entities"]],
            d["summary"],
            d.get("evidence", {}),
            d.get("severity", ""),
            d.get("id", ""),
        )


def severity_for(score: float, high: float = 0.8, medium: float = 0.5) -> str:
    return "high" if score >= high else "medium" if score >= medium else "low"
