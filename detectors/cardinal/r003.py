"""R003 short submission period: the tender period is shorter than the threshold in days."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, ClassVar

from bidgraph.detectors.cardinal.common import Flag, State, TenderMethodIndicator, get_obj, get_str

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)
_NS_PER_DAY = 86_400 * 10**9


def rfc3339_ns(text: str) -> int | None:
    """Nanoseconds since the epoch of an RFC 3339 date-time (chrono's rules), else None."""
    m = _RFC3339.fullmatch(text)
    if not m:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    try:
        days = date(year, month, day).toordinal()
    except ValueError:
        return None
    if hour > 23 or minute > 59 or second > 60:
        return None
    offset = 0
    if m.group(9):
        off_h, off_m = int(m.group(10)), int(m.group(11))
        if off_h > 23 or off_m > 59:
            return None
        offset = (off_h * 3600 + off_m * 60) * (1 if m.group(9) == "+" else -1)
    fraction = int((m.group(7) or "0")[:9].ljust(9, "0"))
    seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
    return seconds * 10**9 + fraction


class R003(TenderMethodIndicator):
    code = "R003"

    defaults: ClassVar[dict[str, Any]] = {
        "threshold": 15,
        "procurement_methods": None,
        "procurement_method_details": {},
    }

    def fold_tender(self, state: State, tender: dict, ocid: str) -> None:
        period = get_obj(tender, "tenderPeriod")
        start, end = get_str(period, "startDate"), get_str(period, "endDate")
        start_ns = rfc3339_ns(start) if start is not None else None
        end_ns = rfc3339_ns(end) if end is not None else None
        if start_ns is None or end_ns is None:
            return
        span = end_ns - start_ns
        days = span // _NS_PER_DAY if span >= 0 else -((-span) // _NS_PER_DAY)  # toward zero
        details = get_str(tender, "procurementMethodDetails")
        threshold = self.option["threshold"]
        if details is not None:
            threshold = self.option["procurement_method_details"].get(details, threshold)
        if days < threshold:
            state.flag(Flag("OCID", ocid, self.code, 1.0, float(days), float(threshold), "<", ocid))
