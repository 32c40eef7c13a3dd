"""What the pages read: one scoped store and the views derived from its findings.

:class:`WorkbenchData` is the only object the callbacks get (``register(app, data)``): its one
store is a :class:`~bidgraph.cases.scoped_store.ScopedStore` (the user's region, audited; or
the whole graph for the single-user ``serve --no-auth``), and its cases desk authorizes every
call for the request's session. No callback sees the whole graph or the cases store.
"""

from __future__ import annotations

import threading

from bidgraph.cases.scoped_store import ScopedStore
from bidgraph.errors import NotFound
from bidgraph.workbench.casedesk import CaseDesk
from bidgraph.workbench.views import finding_rows, findings_by_entity, smoke_ranking

__all__ = ["WorkbenchData"]


class WorkbenchData:
    """A scoped store plus findings views, cached per graph version (``info()["version"]``).

    Parameters
    ----------
    api : ScopedStore
        Used as is for node, expand, paths, subgraph, search and snapshot.
    cases : CaseDesk, optional
        Cases and verdicts as the logged-in user; None without login.
    """

    def __init__(self, api: ScopedStore, cases: CaseDesk | None = None):
        if not isinstance(api, ScopedStore):
            raise TypeError(f"the workbench reads through a ScopedStore, not {type(api).__name__}")
        self.api, self.cases = api, cases
        self.supervision = cases  # the supervision loop's calls (督办, 考核) live on the same desk
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
                    "ranking": None,
                }
                self._version = version
            return self._cache

    def findings(self) -> list[dict]:
        return self._views()["findings"]

    def finding(self, finding_id: str) -> dict:
        """One finding as the user may see it; an id outside their region (or unknown) is
        refused as not found, and the refusal recorded."""
        try:
            return self._views()["by_id"][finding_id]
        except KeyError:
            self.api.record_denied("finding", finding_id)
            raise NotFound(f"finding {finding_id!r} not found (or outside your region)") from None

    def last_batch(self) -> dict | None:
        """The latest detector batch record, its changes cut to the user's region (None before
        the first batch); read at each call, as a batch may be recorded without a new graph."""
        return self.api.last_batch()

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

    def region_names(self) -> dict[str, str]:
        """Region code → name from the bundle's optional ``regions`` table ({} without it)."""
        views = self._views()
        if views.get("regions") is None:
            names: dict[str, str] = {}
            snapshot = self.api.snapshot()
            if "regions" in snapshot:
                table = snapshot["regions"]
                if {"region_code", "name"} <= set(table.columns):
                    names = {str(c): str(n) for c, n in zip(table["region_code"], table["name"]) if isinstance(n, str)}
            views["regions"] = names
        return views["regions"]

    def ranking(self) -> list[dict]:
        """The stored smoke-index ranking of every level (:func:`~bidgraph.workbench.views.smoke_ranking`)."""
        views = self._views()
        if views["ranking"] is None:
            views["ranking"] = smoke_ranking(views["findings"])
        return views["ranking"]
