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

Its ``detect(snapshot, params, seed)`` function (plus ``findings=`` for a detector that combines
the batch's findings) must be a pure function of its input: same snapshot, parameters and seed,
same findings in the same order. ``detectors/core/registry.py`` lists the detectors;
``tests/test_detector_contract.py`` checks each of them against this contract.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

from bidgraph.detectors.core.finding import Finding
from bidgraph.graph.snapshot import Snapshot

__all__ = ["Detector", "ModuleDetector", "Requirement", "missing_input", "not_applicable_reason"]

Requirement = str | tuple[str, ...]


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

    def detect(
        self, snapshot: Snapshot, params: Mapping[str, Any], seed: int, findings: list[dict] | None = None
    ) -> list[Finding]:
        """The findings of this detector on ``snapshot``."""


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

    @property
    def source(self) -> ModuleType:
        """The module that implements the detector."""
        return importlib.import_module(self.module)

    def detect(
        self, snapshot: Snapshot, params: Mapping[str, Any], seed: int, findings: list[dict] | None = None
    ) -> list[Finding]:
        function = self.source.detect
        if self.combines:
            return function(snapshot, params, seed, findings=list(findings or []))
        return function(snapshot, params, seed)


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
