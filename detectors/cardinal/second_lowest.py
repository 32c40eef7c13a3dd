"""The second-lowest-bid ratio behind R024 and R058 (Cardinal's ``SecondLowestBidRatio``).

For a price-comparison process whose awards are final, with one complete award to one
supplier: ratio = (lowest valid bid of anyone else - winner's lowest valid bid) / winner's bid,
recorded only when the winner's bid is not above the other (price-only award criteria).
"""

from __future__ import annotations

from bidgraph.detectors.cardinal.common import PriceComparisonIndicator, State, single_award, valid_priced_bids


class SecondLowestBidRatio(PriceComparisonIndicator):
    def fold_compared(self, state: State, release: dict, ocid: str) -> None:
        award = single_award(release)
        if award is None:
            return
        supplier, bids = award
        winner = other = None  # (tenderer, amount); strict < keeps the earlier bid on ties
        for tenderer, amount, currency in valid_priced_bids(bids):
            if not state.is_main_currency(currency):
                continue
            if tenderer == supplier:
                if winner is None or amount < winner[1]:
                    winner = (tenderer, amount)
            elif other is None or amount < other[1]:
                other = (tenderer, amount)
        if winner is not None and other is not None and other[1] >= winner[1]:
            state.ratios[ocid] = (other[1] - winner[1]) / winner[1] if winner[1] else _divide_by_zero(other[1])
            state.pairs[ocid] = (winner[0], other[0])


def _divide_by_zero(numerator: float) -> float:
    """IEEE division by a zero winning bid, as Rust computes it: inf, or NaN for 0/0."""
    return float("inf") if numerator > 0 else float("nan")
