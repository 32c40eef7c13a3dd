"""Working days (工作日) for case deadlines: Monday to Friday, minus public holidays, plus
the weekend days worked in exchange (调休).

Built in: the 2026 PRC schedule (国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04).
Other years, or local changes, go in the settings ``calendar.holidays`` and
``calendar.workdays`` (lists of ISO dates; see ``settings.py``), which add to the built-in ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["Calendar", "CN_HOLIDAYS", "CN_WORKDAYS", "DEADLINE_WORKDAYS"]


def _span(first: str, last: str) -> set[date]:
    a, b = date.fromisoformat(first), date.fromisoformat(last)
    return {a + timedelta(days=i) for i in range((b - a).days + 1)}


CN_HOLIDAYS = frozenset(
    _span("2026-01-01", "2026-01-03")  # 元旦
    | _span("2026-02-15", "2026-02-23")  # 春节
    | _span("2026-04-04", "2026-04-06")  # 清明节
    | _span("2026-05-01", "2026-05-05")  # 劳动节
    | _span("2026-06-19", "2026-06-21")  # 端午节
    | _span("2026-09-25", "2026-09-27")  # 中秋节
    | _span("2026-10-01", "2026-10-07")
)  # 国庆节
CN_WORKDAYS = frozenset(
    date.fromisoformat(d)
    for d in (  # weekend days worked (调休上班)
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    )
)

# Case kind -> working days to the deadline, counted from the day after the case is opened.
# challenge (质疑): the purchaser answers within 7 working days (政府采购法 第五十三条);
# complaint (投诉): 15 working days. "review" cases have no statutory deadline.
DEADLINE_WORKDAYS = {"challenge": 7, "complaint": 15, "review": None}


@dataclass(frozen=True)
class Calendar:
    """A working-day calendar: weekdays, minus ``holidays``, plus ``workdays``."""

    holidays: frozenset[date] = CN_HOLIDAYS
    workdays: frozenset[date] = CN_WORKDAYS

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself does not count).

        >>> Calendar().add(date(2026, 2, 12), 3)   # Thu; Fri 13, Sat 14 (调休), then 24 Feb
        datetime.date(2026, 2, 24)
        """
        day, left = start, n
        while left > 0:
            day += timedelta(days=1)
            left -= self.is_workday(day)
        return day

    def between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if end < start)."""
        if end < start:
            return -self.between(end, start)
        return sum(self.is_workday(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))
