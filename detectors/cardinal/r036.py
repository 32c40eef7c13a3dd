"""R036 lowest bid disqualified: the cheapest submitted bid was disqualified, though valid
priced bids exist and a contract was awarded."""

from __future__ import annotations

from bidgraph.detectors.cardinal.common import Flag, PriceComparisonIndicator, State, is_awarded, priced_submitted_bids


class R036(PriceComparisonIndicator):
    code = "R036"

    def fold_compared(self, state: State, release: dict, ocid: str) -> None:
        if not is_awarded(release):
            return
        lowest, lowest_status, valid_priced = None, None, False
        for bid, amount, currency in priced_submitted_bids(release):
            if not state.is_main_currency(currency):
                continue
            valid_priced |= bid["status"] == "valid"
            if lowest is None or amount < lowest:  # strict: the first of equal bids stays lowest
                lowest, lowest_status = amount, bid["status"]
        if valid_priced and lowest_status == "disqualified":
            state.flag(Flag("OCID", ocid, self.code, 1.0, lowest, None, "", ocid))
