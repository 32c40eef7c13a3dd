"""R058 heavily discounted bid: the winner's bid is far below the second-lowest bid.

Ratios come from ``second_lowest``; the fence is ``threshold`` or Tukey's upper fence of all
ratios in the file. Runs only if the fence > 0.
"""

from __future__ import annotations

from typing import Any, ClassVar

from bidgraph.detectors.cardinal.common import Flag, Indicator, State, high_outlier_fence


class R058(Indicator):
    code = "R058"

    defaults: ClassVar[dict[str, Any]] = {"threshold": None}

    def finalize(self, state: State) -> None:
        fence = high_outlier_fence(state, self.code, state.ratios.values(), self.option["threshold"])
        if not fence > 0:
            return
        for ocid, ratio in state.ratios.items():
            if ratio >= fence:
                winner = state.pairs[ocid][0]
                state.flag(Flag("OCID", ocid, self.code, ratio, ratio, fence, ">=", ocid))
                state.flag(Flag("Tenderer", winner, self.code, 0.0, ratio, fence, ">=", ocid))
                state.map_tenderer("ocid_tenderer_r058", ocid, winner)
