"""Case settings kept in the store (admin only; every change is audited with old and new value).

Keys and values:

``calendar.holidays``   list of ISO dates off work, added to the built-in PRC 2026 schedule
``calendar.workdays``   list of ISO dates worked on a weekend (调休), added likewise
``deadline.challenge``  working days to answer a challenge (质疑), default 7
``deadline.complaint``  working days for a complaint (投诉), default 15
``scope.cross_region``  what a county user sees of a case spanning counties: ``own_part``
                        (default: only the findings, nodes, verdicts and history of their
                        region) or ``none`` (such a case is not shown to county users at all)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

from bidgraph.cases import audit
from bidgraph.cases.db import CasesStore
from bidgraph.cases.users import User, require
from bidgraph.cases.workdays import CN_HOLIDAYS, CN_WORKDAYS, DEADLINE_WORKDAYS, Calendar
from bidgraph.errors import InputError

__all__ = ["KEYS", "CROSS_REGION_POLICIES", "get_setting", "set_setting", "calendar", "deadline_workdays"]

CROSS_REGION_POLICIES = ("own_part", "none")


def _dates(value: object) -> list[str]:
    if not isinstance(value, list):
        raise InputError('expected a list of ISO dates such as ["2027-01-01"]')
    try:
        return sorted({date.fromisoformat(str(v)).isoformat() for v in value})
    except ValueError as exc:
        raise InputError(f"not an ISO date: {exc}") from exc


def _days(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 365:
        raise InputError(f"expected a whole number of working days 1..365, got {value!r}")
    return value


def _policy(value: object) -> str:
    if value not in CROSS_REGION_POLICIES:
        raise InputError(f"expected one of {', '.join(CROSS_REGION_POLICIES)}, got {value!r}")
    return str(value)


# key -> (validator returning the value to store, default)
KEYS: dict[str, tuple[Callable[[object], object], object]] = {
    "calendar.holidays": (_dates, []),
    "calendar.workdays": (_dates, []),
    "deadline.challenge": (_days, DEADLINE_WORKDAYS["challenge"]),
    "deadline.complaint": (_days, DEADLINE_WORKDAYS["complaint"]),
    "scope.cross_region": (_policy, "own_part"),
}


def get_setting(store: CasesStore, key: str):
    """The stored value of ``key``, or its default."""
    _require_known(key)
    row = store.connection().execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return json.loads(row["value"]) if row else KEYS[key][1]


def set_setting(store: CasesStore, actor: User, key: str, value) -> None:
    """Validate and store a setting; audited as ``settings.change`` with old and new value."""
    require(actor, "settings.change")
    _require_known(key)
    checked = KEYS[key][0](value)
    with store.transaction() as conn:
        old = get_setting(store, key)
        conn.execute(
            "INSERT INTO settings (key, value, updated_by, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, "
            "updated_at = excluded.updated_at",
            (key, json.dumps(checked), actor.name, store.now()),
        )
        audit.append(conn, store, actor.name, "settings.change", {"key": key, "old": old, "new": checked})


def calendar(store: CasesStore) -> Calendar:
    """The working-day calendar: built-in PRC schedule plus the stored additions."""
    extra = lambda key: frozenset(date.fromisoformat(d) for d in get_setting(store, key))
    return Calendar(CN_HOLIDAYS | extra("calendar.holidays"), CN_WORKDAYS | extra("calendar.workdays"))


def deadline_workdays(store: CasesStore, kind: str) -> int | None:
    """Working days allowed for a case of ``kind`` (None: no statutory deadline)."""
    key = f"deadline.{kind}"
    return get_setting(store, key) if key in KEYS else None


def _require_known(key: str) -> None:
    if key not in KEYS:
        raise InputError(f"unknown setting {key!r}; known: {', '.join(KEYS)}")
