"""The contract every detector satisfies, and the one shape the detector modules use to satisfy it.

A detector module at the top of ``detectors/`` states its rule, why it is a red flag and its
sources in its docstring, declares every parameter it reads with its default in a module-level
``DEFAULTS``, and ends its header with::

    DETECTOR = ModuleDetector("bid_ring", rule_version="1", defaults=DEFAULTS, module=__name__)

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

__all__ = ["Detector", "ModuleDetector"]


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
