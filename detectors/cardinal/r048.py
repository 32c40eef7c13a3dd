"""R048 heterogeneous supplier: a supplier awarded items from unusually many categories.

Per supplier (single-supplier active awards), the distinct first ``digits`` characters of the
items' classification ids; suppliers in at least ``minimum_contracting_processes`` processes are
compared with ``threshold`` or Tukey's upper fence of all kept varieties.
"""

from __future__ import annotations

from typing import Any, ClassVar

from bidgraph.detectors.cardinal.common import (
    Flag,
    Indicator,
    State,
    get_list,
    get_obj,
    get_str,
    high_outlier_fence,
    single_supplier,
)


class R048(Indicator):
    code = "R048"

    defaults: ClassVar[dict[str, Any]] = {"digits": 2, "threshold": None, "minimum_contracting_processes": 20}

    def start(self) -> None:
        threshold = self.option["threshold"]
        self.threshold = None if threshold is None else float(threshold)
        self.codes: dict[str, set[str]] = {}
        self.processes: dict[str, int] = {}

    def fold(self, state: State, release: dict, ocid: str) -> None:
        counted = set()
        for award in get_list(release, "awards") or []:
            items = get_list(award, "items")
            supplier = single_supplier(award)
            if get_str(award, "status") != "active" or items is None or supplier is None:
                continue
            for item in items:
                code = get_str(get_obj(item, "classification"), "id")
                if code is None:
                    continue
                self.codes.setdefault(supplier, set()).add(code[: self.option["digits"]])
                if supplier not in counted:
                    counted.add(supplier)
                    self.processes[supplier] = self.processes.get(supplier, 0) + 1

    def finalize(self, state: State) -> None:
        variety = {
            s: float(len(codes))
            for s, codes in self.codes.items()
            if self.processes[s] >= self.option["minimum_contracting_processes"]
        }
        fence = high_outlier_fence(state, self.code, variety.values(), self.threshold)
        for supplier, count in variety.items():
            if count >= fence:
                state.flag(Flag("Tenderer", supplier, self.code, count, count, fence, ">="))
