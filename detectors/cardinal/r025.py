"""R025 excessive unsuccessful bids: a frequent tenderer that rarely wins.

Per tenderer, pooled over the file: processes won / processes bid in (valid bids, counted
once per process) among processes with one complete award to one supplier. Flagged if its
process count reaches the ``percentile`` of all counts and its win ratio is at or below
``threshold`` or Tukey's lower fence of all win ratios (only if Q1 > 0 and the fence > 0).
"""

from __future__ import annotations

from typing import Any, ClassVar

from bidgraph.detectors.cardinal.common import (
    Flag,
    Indicator,
    State,
    get_list,
    get_str,
    low_outlier_fence,
    org_id,
    quantile,
    single_award,
)


class R025(Indicator):
    code = "R025"

    defaults: ClassVar[dict[str, Any]] = {"percentile": 75, "threshold": None}

    def start(self) -> None:
        self.wins: dict[str, list[int]] = {}  # tenderer -> [processes won, processes bid in]

    def fold(self, state: State, release: dict, ocid: str) -> None:
        award = single_award(release)
        if award is None:
            return
        supplier, bids = award
        tenderers = set()
        for bid in bids:
            bidders = get_list(bid, "tenderers")
            if get_str(bid, "status") == "valid" and bidders is not None and len(bidders) == 1:
                if org_id(bidders[0]) is not None:
                    tenderers.add(bidders[0]["id"])
        for tenderer in tenderers:
            counts = self.wins.setdefault(tenderer, [0, 0])
            counts[0] += tenderer == supplier
            counts[1] += 1

    def finalize(self, state: State) -> None:
        bid_fence = quantile([float(d) for _, d in self.wins.values()], self.option["percentile"] / 100)
        state.set_meta(self.code, "upper_fence", bid_fence)
        ratios = {tenderer: won / bid for tenderer, (won, bid) in self.wins.items()}
        q1, fence = low_outlier_fence(state, self.code, ratios.values(), self.option["threshold"])
        if not (q1 > 0 and fence > 0):
            return
        for tenderer, ratio in ratios.items():
            if self.wins[tenderer][1] >= bid_fence and ratio <= fence:
                state.flag(Flag("Tenderer", tenderer, self.code, ratio, ratio, fence, "<="))
