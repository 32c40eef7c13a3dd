"""R035 all except winner disqualified: one valid tenderer, who won, and others disqualified."""

from __future__ import annotations

from typing import Any, ClassVar

from bidgraph.detectors.cardinal.common import Flag, Indicator, State, complete_awards_and_bids, get_list, get_str


class R035(Indicator):
    code = "R035"

    defaults: ClassVar[dict[str, Any]] = {"threshold": 1}

    def start(self) -> None:
        self.threshold = max(self.option["threshold"], 1)

    def fold(self, state: State, release: dict, ocid: str) -> None:
        gate = complete_awards_and_bids(release)
        if gate is None:
            return
        awards, details = gate
        suppliers = _ids(s for award in awards for s in get_list(award, "suppliers") or [])
        valid: set[str] = set()
        disqualified: set[str] = set()
        for bid in details:
            status, tenderers = get_str(bid, "status"), get_list(bid, "tenderers")
            if tenderers is not None and status in ("valid", "disqualified"):
                (valid if status == "valid" else disqualified).update(_ids(tenderers))
        others = len(disqualified - valid)
        if len(valid) == 1 and valid == suppliers and others >= self.threshold:
            (winner,) = valid
            state.flag(Flag("OCID", ocid, self.code, float(others), float(others), float(self.threshold), ">=", ocid))
            state.flag(Flag("Tenderer", winner, self.code, 0.0, float(others), float(self.threshold), ">=", ocid))
            state.map_tenderer("ocid_tenderer_r035", ocid, winner)


def _ids(references) -> set[str]:
    return {r["id"] for r in references if get_str(r, "id") is not None}
