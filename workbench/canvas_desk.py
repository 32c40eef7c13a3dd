"""The cases desk's part for canvases kept with a case (``cases/views.py``): save the
explorer's canvas as a named view of a case, list a case's views, open one. Each call is
authorized for the request's session, then checked against the case's region scope."""

from __future__ import annotations

from bidgraph.cases import views
from bidgraph.workbench.desk_base import DeskBase

__all__ = ["CanvasDesk"]


class CanvasDesk(DeskBase):
    """Named views of cases for the request's session."""

    def save_view(self, case_id: str, name: str, elements: list[dict]) -> dict:
        actor = self._actor("case.comment")
        return views.save_view(self._store, actor, case_id, name, elements, index=self._regions())

    def list_views(self, case_id: str) -> list[dict]:
        return views.list_views(self._store, self._actor("read"), case_id)

    def open_view(self, case_id: str, name: str) -> dict:
        return views.open_view(self._store, self._actor("read"), case_id, name)
