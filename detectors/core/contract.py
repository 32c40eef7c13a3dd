"""The contract every detector satisfies, and the one shape the detector modules use to satisfy it.

A detector module at the top of ``detectors/`` states its rule, why it is a red flag and its
sources in its docstring, declares every parameter it reads with its default in a module-level
``DEFAULTS``, and ends its header with::

    DETECTOR = ModuleDetector("bid_ring", rule_version="1", defaults=DEFAULTS, module=__name__)

``requires`` names the input without which the rule cannot be applied at all: a table that must
have rows (``"bid_uploads"``), a column that must have a value somewhere (``"projects.region_code"``),
or a tuple of such alternatives of which one suffices. On a snapshot that lacks it the runner
does not call the detector and reports it *not applicable* with the reason, so that a missing
export never reads as a clean result.

``reads`` names other detectors whose settings it reads as well, so that two detectors applying
one model share one setting: ``params["price_screen"]["model"]`` is the effective value of
``[price_screen] model`` (the runner passes the effective sections as ``sections=``, their code
defaults when it is called without them).

A detector that *ranks* returns :class:`Ranked` findings: its findings, only past its fence as
always, plus ``scores``, the score in [0, 1] (on its findings' scale) of every entity of
``entity_type`` it measured. The runner keeps them with the batch (the summary row's ``scores``)
and gives them to the detectors that combine (``scores=``), so a ranking covers every entity
measured, not only the flagged ones.

Its ``detect(snapshot, params, seed)`` function (plus ``findings=`` and ``scores=`` for a detector
that combines the batch's) must be a pure function of its input: same snapshot, parameters and
seed, same findings in the same order. ``detectors/core/registry.py`` lists the detectors;
``tests/test_detector_contract.py`` checks each of them against this contract.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol, TypedDict, Unpack

from bidgraph.detectors.core.finding import Finding
from bidgraph.graph.snapshot import Snapshot

__all__ = ["Batch", "Detector", "ModuleDetector", "Ranked", "Requirement", "missing_input", "not_applicable_reason"]

Requirement = str | tuple[str, ...]
Scores = Mapping[str, Mapping[str, Any]]  # detector id -> {"entity_type": ..., "values": {entity id: score}}


class Batch(TypedDict, total=False):
    """What the runner passes ``detect`` of the batch besides the snapshot, as keywords: the other
    detectors' findings and scores (for a detector that combines them) and the effective settings
    sections of the detectors it reads."""

    findings: list[dict] | None
    scores: Scores | None
    sections: Mapping[str, Mapping[str, Any]] | None


class Ranked(list[Finding]):
    """A ranking detector's findings (past its fence) and the score of every entity it measured."""

    def __init__(self, findings: Iterable[Finding], entity_type: str, values: Mapping[str, float]):
        super().__init__(findings)
        self.scores = {"entity_type": entity_type, "values": {str(k): float(v) for k, v in values.items()}}


class Detector(Protocol):
    """What the runner, the settings and the registry rely on."""

    @property
    def id(self) -> str:
        """Stable id, never reused: the settings section and the ``detector`` of its findings."""

    @property
    def rule_version(self) -> str:
        """Changes whenever the rule changes what it flags, so findings of two runs compare."""

    @property
    def defaults(self) -> Mapping[str, Any]:
        """Every parameter ``detect`` reads, with its default value (plain TOML values)."""

    @property
    def combines(self) -> bool:
        """True when it needs the batch's other findings (``findings=``) and so runs last."""

    @property
    def requires(self) -> tuple[Requirement, ...]:
        """The input it cannot run without (see the module docstring); empty: bids suffice."""

    @property
    def reads(self) -> tuple[str, ...]:
        """Other detectors whose settings sections it reads (``params[section][key]``)."""

    def detect(self, snapshot: Snapshot, params: Mapping[str, Any], seed: int, **batch: Unpack[Batch]) -> list[Finding]:
        """The findings of this detector on ``snapshot`` (:class:`Ranked` for a ranking detector)."""


@dataclass(frozen=True)
class ModuleDetector:
    """A detector written as a module with a ``detect`` function.

    ``detect`` is looked up on the module at each call, so the module stays the one place its
    behaviour lives (and a test may replace it).
    """

    id: str
    rule_version: str
    defaults: Mapping[str, Any]
    module: str
    combines: bool = False
    requires: tuple[Requirement, ...] = ()
    reads: tuple[str, ...] = ()

    @property
    def source(self) -> ModuleType:
        """The module that implements the detector."""
        return importlib.import_module(self.module)

    def detect(self, snapshot: Snapshot, params: Mapping[str, Any], seed: int, **batch: Unpack[Batch]) -> list[Finding]:
        function = self.source.detect
        if self.reads:
            sections = batch.get("sections") or {}
            params = _WithSections(params, {s: sections.get(s) or _code_defaults(s) for s in self.reads})
        if self.combines:
            findings, scores = batch.get("findings") or [], batch.get("scores") or {}
            return function(snapshot, params, seed, findings=list(findings), scores=dict(scores))
        return function(snapshot, params, seed)


class _WithSections(Mapping):
    """A detector's own parameters, plus the sections of the detectors it reads under their ids."""

    def __init__(self, own: Mapping[str, Any], sections: Mapping[str, Mapping[str, Any]]):
        self.own, self.sections = own, sections

    def __getitem__(self, key: str) -> Any:
        return self.sections[key] if key in self.sections else self.own[key]

    def __iter__(self) -> Iterator[str]:
        yield from self.own
        yield from self.sections

    def __len__(self) -> int:
        return len(self.own) + len(self.sections)


def _code_defaults(detector_id: str) -> Mapping[str, Any]:
    # Imported when needed: the registry imports every detector module, which import this one.
    from bidgraph.detectors.core.registry import by_id

    return by_id()[detector_id].defaults


def _present(snapshot: Snapshot, need: str) -> bool:
    table, _, column = need.partition(".")
    if not column:
        return table in snapshot
    frame = snapshot[table]
    return column in frame and bool(frame[column].notna().any())


def missing_input(detector: Detector, snapshot: Snapshot) -> list[Requirement]:
    """The requirements of ``detector`` that ``snapshot`` does not meet (empty: it can run)."""
    alternatives = [(r,) if isinstance(r, str) else r for r in detector.requires]
    return [r for r, any_of in zip(detector.requires, alternatives) if not any(_present(snapshot, n) for n in any_of)]


def not_applicable_reason(missing: list[Requirement]) -> str:
    """``"不适用：缺少 bid_uploads 数据 / not applicable: no bid_uploads data"`` for what is missing."""
    zh = "、".join(r if isinstance(r, str) else "或".join(r) for r in missing)
    en = ", ".join(r if isinstance(r, str) else " or ".join(r) for r in missing)
    return f"不适用：缺少 {zh} 数据 / not applicable: no {en} data"
