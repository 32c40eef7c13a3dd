"""R030 late bid won: a valid bid dated after the submission deadline belongs to a winner.

Dates are compared as strings, as Cardinal does (same format and offset assumed).
"""

from __future__ import annotations

from bidgraph.detectors.cardinal.common import Flag, Indicator, State, get_list, get_obj, get_str


class R030(Indicator):
    code = "R030"

    def fold(self, state: State, release: dict, ocid: str) -> None:
        end = get_str(get_obj(get_obj(release, "tender"), "tenderPeriod"), "endDate")
        awards = get_list(release, "awards")
        details = get_list(get_obj(release, "bids"), "details")
        if end is None or awards is None or details is None:
            return
        suppliers = {
            supplier["id"]
            for award in awards
            if get_str(award, "status") == "active"
            for supplier in get_list(award, "suppliers") or []
            if get_str(supplier, "id") is not None
        }
        for bid in details:
            submitted, tenderers = get_str(bid, "date"), get_list(bid, "tenderers")
            if get_str(bid, "status") != "valid" or submitted is None or tenderers is None or not submitted > end:
                continue
            for tenderer in tenderers:
                if get_str(tenderer, "id") in suppliers:
                    state.flag(Flag("OCID", ocid, self.code, 1.0, None, None, f"{submitted} > {end}", ocid))
                    state.flag(
                        Flag("Tenderer", tenderer["id"], self.code, 1.0, None, None, f"{submitted} > {end}", ocid)
                    )
                    state.map_tenderer("ocid_tenderer_r030", ocid, tenderer["id"])
