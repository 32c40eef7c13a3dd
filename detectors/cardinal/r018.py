"""R018 single bid received: a competitive process with exactly one tenderer."""

from __future__ import annotations

from bidgraph.detectors.cardinal.common import Flag, Indicator, State, pipe_set, tender_by_method
from bidgraph.detectors.cardinal.settings import Settings


class R018(Indicator):
    code = "R018"

    def __init__(self, settings: Settings):
        self.methods = pipe_set(settings.options(self.code).get("procurement_methods", "open|selective"))

    def fold(self, state: State, release: dict, ocid: str) -> None:
        tender = tender_by_method(release, self.methods)
        if tender is None:
            return
        count = tender.get("numberOfTenderers")
        if type(count) is int and count == 1:  # the JSON integer 1: not 1.0, not true
            state.flag(Flag("OCID", ocid, self.code, 1.0, 1.0, 1.0, "==", ocid))
