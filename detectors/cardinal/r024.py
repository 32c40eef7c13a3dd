"""R024 price close to winning bid: the second-lowest bid is abnormally close to the winner's.

Ratios come from ``second_lowest``; the fence is ``threshold`` or Tukey's lower fence of all
ratios in the file. Runs only if Q1 > 0 and the fence > 0 (else most processes would flag).
"""

from __future__ import annotations

from typing import Any, ClassVar

from bidgraph.detectors.cardinal.common import Flag, Indicator, State, low_outlier_fence


class R024(Indicator):
    code = "R024"

    defaults: ClassVar[dict[str, Any]] = {"threshold": None}

    def finalize(self, state: State) -> None:
        q1, fence = low_outlier_fence(state, self.code, state.ratios.values(), self.option["threshold"])
        if not (q1 > 0 and fence > 0):
            return
        for ocid, ratio in state.ratios.items():
            if ratio <= fence:
                state.flag(Flag("OCID", ocid, self.code, ratio, ratio, fence, "<=", ocid))
                for tenderer in state.pairs[ocid]:
                    state.flag(Flag("Tenderer", tenderer, self.code, 0.0, ratio, fence, "<=", ocid))
                    state.map_tenderer("ocid_tenderer_r024", ocid, tenderer)
