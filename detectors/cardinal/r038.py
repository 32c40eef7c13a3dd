"""R038 excessive disqualified bids: a buyer, procuring entity or tenderer whose share of
disqualified bids (pooled over the file) is a high outlier.

Per group, ids with at least the minimum number of submitted bids are kept (Cardinal compares
``minimum_contracting_processes`` with the number of bids, not of processes); the fence is
``threshold`` or Tukey's upper fence of the kept ratios, used only if it is above 0.
"""

from __future__ import annotations

from typing import Any, ClassVar

from bidgraph.detectors.cardinal.common import (
    Flag,
    Indicator,
    State,
    get_obj,
    get_str,
    high_outlier_fence,
    submitted_bids,
    tenderer_ids,
)


class R038(Indicator):
    code = "R038"

    defaults: ClassVar[dict[str, Any]] = {
        "threshold": None,
        "minimum_contracting_processes": 2,
        "minimum_submitted_bids": 2,
    }

    def start(self) -> None:
        processes = self.option["minimum_contracting_processes"]
        self.minimum = {
            "Buyer": processes,
            "ProcuringEntity": processes,
            "Tenderer": self.option["minimum_submitted_bids"],
        }
        # group -> id -> [disqualified bids, submitted bids]
        self.counts: dict[str, dict[str, list[int]]] = {group: {} for group in self.minimum}

    def fold(self, state: State, release: dict, ocid: str) -> None:
        bids = submitted_bids(release)
        if not bids:
            return
        disqualified = 0
        for bid in bids:
            hit = bid["status"] == "disqualified"
            disqualified += hit
            for tenderer in tenderer_ids(bid):
                self._add("Tenderer", tenderer, int(hit), 1)
        for group, name, holder in (
            ("Buyer", "ocid_buyer_r038", get_obj(release, "buyer")),
            ("ProcuringEntity", "ocid_procuringentity_r038", get_obj(get_obj(release, "tender"), "procuringEntity")),
        ):
            org = get_str(holder, "id")
            if org is not None:
                self._add(group, org, disqualified, len(bids))
                if state.map and disqualified:
                    state.maps[name][ocid] = org

    def _add(self, group: str, org: str, disqualified: int, submitted: int) -> None:
        counts = self.counts[group].setdefault(org, [0, 0])
        counts[0] += disqualified
        counts[1] += submitted

    def finalize(self, state: State) -> None:
        for group, minimum in self.minimum.items():
            ratios = {org: d / s for org, (d, s) in self.counts[group].items() if s >= minimum}
            if not ratios:
                continue
            fence = high_outlier_fence(state, self.code, ratios.values(), self.option["threshold"], f"{group}_")
            if fence > 0:
                for org, ratio in ratios.items():
                    if ratio >= fence:
                        state.flag(Flag(group, org, self.code, ratio, ratio, fence, ">="))
