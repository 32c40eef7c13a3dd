"""What the pages read, through the query API only: the API itself plus findings-derived views
(table rows, per-entity index), computed once per loaded graph version."""

from __future__ import annotations

import threading

from bidgraph.errors import NotFound
from bidgraph.workbench.views import finding_rows, findings_by_entity

__all__ = ["WorkbenchData"]


class WorkbenchData:
    """Wraps a query-API store (``bidgraph.graph.api.GraphStore``) for the workbench.

    ``api`` is used as is for node, expand, paths, subgraph and search; ``findings()``,
    ``rows()`` and ``by_entity()`` are cached per graph version (``info()["version"]``).
    """

    def __init__(self, api):
        self.api = api
        self._lock = threading.Lock()
        self._version = None
        self._cache: dict = {}

    def _views(self) -> dict:
        version = self.api.info().get("version")
        with self._lock:
            if version != self._version or not self._cache:
                findings = self.api.findings()
                self._cache = {
                    "findings": findings,
                    "by_id": {f["id"]: f for f in findings},
                    "rows": None,
                    "by_entity": None,
                }
                self._version = version
            return self._cache

    def findings(self) -> list[dict]:
        return self._views()["findings"]

    def finding(self, finding_id: str) -> dict:
        try:
            return self._views()["by_id"][finding_id]
        except KeyError:
            raise NotFound(f"no finding {finding_id!r}") from None

    def rows(self):
        """The findings as a table (see :func:`bidgraph.workbench.views.finding_rows`)."""
        views = self._views()
        if views["rows"] is None:
            views["rows"] = finding_rows(views["findings"], self.api.snapshot())
        return views["rows"]

    def by_entity(self) -> dict[str, list[str]]:
        views = self._views()
        if views["by_entity"] is None:
            views["by_entity"] = findings_by_entity(views["findings"])
        return views["by_entity"]
