"""R028 identical bid prices: different tenderers submitted exactly the same price.

Within a price-comparison process, two submitted bids with the same amount and currency from
different sets of tenderers flag the process and every tenderer in both sets.
"""

from __future__ import annotations

from bidgraph.detectors.cardinal.common import (
    Flag,
    PriceComparisonIndicator,
    State,
    priced_submitted_bids,
    tenderer_ids,
)


class R028(PriceComparisonIndicator):
    code = "R028"

    def fold_compared(self, state: State, release: dict, ocid: str) -> None:
        seen: dict[tuple[float, str], frozenset[str]] = {}
        for bid, amount, currency in priced_submitted_bids(release):
            ids = frozenset(tenderer_ids(bid))
            if not ids:
                continue
            price = (amount, currency)
            other = seen.get(price)
            if other is not None and other != ids:
                state.flag(Flag("OCID", ocid, self.code, 1.0, amount, amount, "==", ocid))
                for tenderer in sorted(ids | other):
                    state.flag(Flag("Tenderer", tenderer, self.code, 1.0, amount, amount, "==", ocid))
                    state.map_tenderer("ocid_tenderer_r028", ocid, tenderer)
            seen[price] = ids
