"""R018 single bid received: a competitive process with exactly one tenderer."""

from __future__ import annotations

from typing import Any, ClassVar

from bidgraph.detectors.cardinal.common import Flag, Indicator, State, pipe_set, tender_by_method


class R018(Indicator):
    code = "R018"

    defaults: ClassVar[dict[str, Any]] = {"procurement_methods": "open|selective"}

    def start(self) -> None:
        self.methods = pipe_set(self.option["procurement_methods"])

    def fold(self, state: State, release: dict, ocid: str) -> None:
        tender = tender_by_method(release, self.methods)
        if tender is None:
            return
        count = tender.get("numberOfTenderers")
        if type(count) is int and count == 1:  # the JSON integer 1: not 1.0, not true
            state.flag(Flag("OCID", ocid, self.code, 1.0, 1.0, 1.0, "==", ocid))
