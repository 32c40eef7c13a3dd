"""R058 heavily discounted bid: the winner's bid is far below the second-lowest bid.

Ratios come from ``second_lowest``; the fence is ``threshold`` or Tukey's upper fence of all
ratios in the file. Runs only if the fence > 0.
"""

from __future__ import annotations

from bidgraph.detectors.cardinal.common import Flag, Indicator, State, quantile, upper_fence
from bidgraph.detectors.cardinal.settings import Settings


class R058(Indicator):
    code = "R058"

    def __init__(self, settings: Settings):
        self.threshold = settings.options(self.code).get("threshold")

    def finalize(self, state: State) -> None:
        if self.threshold is None:
            q1, q3 = quantile(state.ratios.values(), 0.25), quantile(state.ratios.values(), 0.75)
            fence = upper_fence(q1, q3)
            state.set_meta(self.code, "q1", q1)
            state.set_meta(self.code, "q3", q3)
        else:
            fence = self.threshold
        state.set_meta(self.code, "upper_fence", fence)
        if not fence > 0:
            return
        for ocid, ratio in state.ratios.items():
            if ratio >= fence:
                winner = state.pairs[ocid][0]
                state.flag(Flag("OCID", ocid, self.code, ratio, ratio, fence, ">=", ocid))
                state.flag(Flag("Tenderer", winner, self.code, 0.0, ratio, fence, ">=", ocid))
                state.map_tenderer("ocid_tenderer_r058", ocid, winner)
