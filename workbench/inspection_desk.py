"""The cases desk's part for 双随机、一公开 (docs/supervision.md): the pool a user's filters
choose, the officers' pool, the seed announced and audited before the draw, the draw, results
and the repeat of a draw from its seed. Each call is authorized for the session, then checked
by ``cases.inspections`` against its role table and scope."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd

from bidgraph.cases import draw_plans, inspections, supervision, users
from bidgraph.errors import InputError
from bidgraph.workbench.desk_base import DeskBase

__all__ = ["InspectionDesk", "POOL_FILTERS"]

POOL_FILTERS = ("region", "category", "procedure", "from", "to")  # the keys of a pool's filters


class InspectionDesk(DeskBase):
    """Random inspections for the request's session."""

    def officers(self) -> list[str]:
        """The officers' pool: active accounts that may record a result, of the user's region
        (city staff: every region)."""
        actor = self._actor("supervision.read")
        roles = supervision.ACTIONS["inspect.record"]
        return [
            u["name"]
            for u in users.list_users(self._store)
            if u["active"] and u["role"] in roles and actor.region_code in (None, u["region_code"])
        ]

    def pool(self, tables: Mapping[str, pd.DataFrame], target: str, filters: dict) -> list[str]:
        """Ids of the projects (or firms) ``filters`` choose in ``tables`` (the user's view)."""
        region = self._actor("supervision.read").region_code or filters.get("region") or None
        if target == "firm":
            if any(filters.get(k) for k in ("category", "procedure", "from", "to")):
                raise InputError("category, procedure and period filter projects, not firms / 该筛选条件仅适用于项目")
            return inspections.firm_pool(tables, self._regions(), region)
        equal = {k: filters[k] for k in ("category", "procedure") if filters.get(k)}
        days = [date.fromisoformat(filters[k]) if filters.get(k) else None for k in ("from", "to")]
        return draw_plans.period_pool(tables, region, *days, **equal)

    def announce_draw(self, target: str, pool: list[str], n: int, officers_pool: list[str], officers: int, filters):
        """Fix and audit the seed before the draw; the announcement (with its audit ``seq``)."""
        actor = self._actor("supervision.write")
        request = inspections.DrawRequest(target, pool, n, officers_pool, officers, filters)
        return draw_plans.announce(self._store, actor, request)

    def draw_announced(self, seq: int, pool: list[str]) -> dict:
        return draw_plans.draw_announced(self._store, self._actor("supervision.write"), seq, pool)

    def list_inspections(self) -> list[dict]:
        return inspections.list_inspections(self._store, self._actor("supervision.read"))

    def get_inspection(self, inspection_id: str) -> dict:
        return inspections.get_inspection(self._store, self._actor("supervision.read"), inspection_id)

    def record_inspection(self, inspection_id: str, item_id: str, result: str, note: str) -> dict:
        actor = self._actor("supervision.write")
        return inspections.record_result(self._store, actor, inspection_id, item_id, result, note)

    def repeat_inspection(self, inspection_id: str, tables: Mapping[str, pd.DataFrame]) -> dict:
        """The draw of ``inspection_id`` repeated from its seed over the pool its filters choose
        now (:func:`~bidgraph.cases.draw_plans.check_repeat`)."""
        inspection = self.get_inspection(inspection_id)
        filters = {k: v for k, v in inspection["filters"].items() if k in POOL_FILTERS}
        return draw_plans.check_repeat(inspection, self.pool(tables, inspection["target"], filters))
