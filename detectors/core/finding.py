"""The shape every detector returns: findings as in ../shared/design/bundle.md.

What a detector must provide to return them is the contract of
:mod:`bidgraph.detectors.core.contract`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from bidgraph.graph.schema import schema

__all__ = ["Entity", "Finding", "severity_for", "ENTITY_TYPES", "defining_entities", "stable_id", "assign_ids"]

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


def defining_entities(finding: dict, roles: tuple[str, ...] = ()) -> list[tuple[str, str, str]]:
    """The sorted ``(type, id, role)`` of the entities that define ``finding`` (a JSON dict):
    those with one of ``roles`` when a detector declares them, else all but ``context`` ones."""
    keep = (lambda r: r in roles) if roles else (lambda r: r != "context")
    return sorted({(e["type"], str(e["id"]), e["role"]) for e in finding["entities"] if keep(e["role"])})


def stable_id(detector: str, rule_version: str, entities: list[tuple[str, str, str]], salt: str = "") -> str:
    """``F-`` and the first 12 hex of the SHA-256 of the canonical text of a lead: its detector,
    rule version and defining entities (``salt`` only to tell apart leads those leave equal)."""
    fields = [detector, rule_version, *("\x1f".join(e) for e in entities), salt]
    return "F-" + hashlib.sha256("\x1e".join(fields).encode("utf-8")).hexdigest()[:12]


def assign_ids(findings: list[dict], rule_version: str, roles: tuple[str, ...] = ()) -> None:
    """Give one detector's findings their stable ids (:func:`stable_id`), in place.

    Findings whose defining entities are equal are told apart by all their entities, context
    included; findings equal in those too by their rank in (summary, evidence) order, so that
    the ids of a batch are unique and the same input always gives the same ids.
    """
    first: dict[str, dict] = {}
    clashes: dict[str, list[dict]] = {}  # no list for the others: 135,325 smoke_index leads at province
    for f in findings:
        f["id"] = stable_id(f["detector"], rule_version, defining_entities(f, roles))
        seen = first.setdefault(f["id"], f)
        if seen is not f:
            clashes.setdefault(f["id"], [seen]).append(f)
    for clash in clashes.values():  # each told apart on its own, in any order
        whole: dict[str, list[dict]] = {}
        for f in clash:
            everything = sorted({(e["type"], str(e["id"]), e["role"]) for e in f["entities"]})
            f["id"] = stable_id(f["detector"], rule_version, everything, salt="all")
            whole.setdefault(f["id"], []).append(f)
        for same in (g for g in whole.values() if len(g) > 1):
            ranked = sorted(same, key=lambda f: (f["summary"], json.dumps(f["evidence"], sort_keys=True, default=str)))
            for n, f in enumerate(ranked):
                f["id"] = stable_id(f["detector"], rule_version, defining_entities(f, roles), salt=f"#{n}")
