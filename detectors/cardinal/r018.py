"""R018 single bid received: a competitive process with exactly one tenderer."""

from __future__ import annotations

from typing import Any, ClassVar

from bidgraph.detectors.cardinal.common import Flag, State, TenderMethodIndicator


class R018(TenderMethodIndicator):
    code = "R018"

    defaults: ClassVar[dict[str, Any]] = {"procurement_methods": "open|selective"}

    def fold_tender(self, state: State, tender: dict, ocid: str) -> None:
        count = tender.get("numberOfTenderers")
        if type(count) is int and count == 1:  # the JSON integer 1: not 1.0, not true
            state.flag(Flag("OCID", ocid, self.code, 1.0, 1.0, 1.0, "==", ocid))
