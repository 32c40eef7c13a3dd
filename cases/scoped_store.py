"""A user's view of the graph: the query API cut to their region, with an audit trail.

:class:`ScopedStore` has the query API's read methods (``info, node, expand, paths,
subgraph, search, snapshot, findings, batches``). For city staff it passes everything through; for a
county user every answer holds only what lies in their region (``bidgraph.cases.scope``), and
anything outside it is "not found", exactly like something that does not exist; a finding is
cut to its part in the region (:meth:`~bidgraph.cases.scope.Scope.cut_findings`). Searches,
node views, expansions and views of a finding are recorded in the audit trail (``search``,
``view``, ``expand``), and so is every refusal of something outside the region (``denied``);
exports record themselves with :meth:`ScopedStore.record_export`.

The whole graph stays private inside these classes: what they hand out is already cut, so a
caller holding only a :class:`ScopedStore` (or :class:`RegionViews`) cannot read past its scope.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd

from bidgraph.cases import audit
from bidgraph.cases.db import CasesStore
from bidgraph.cases.pack import gather_evidence
from bidgraph.cases.scope import LABEL_TYPES, RegionIndex, Scope
from bidgraph.cases.users import User, require
from bidgraph.errors import NotFound
from bidgraph.graph.snapshot import Snapshot

__all__ = ["ScopedStore", "RegionViews", "RegionIndexCache", "DerivedView", "FETCH_FACTOR"]

FETCH_FACTOR = 5  # search and paths ask the graph for this many times the results, then cut
NEIGHBOURS_CHECKED = 200  # an unplaced node (phone, address) is visible if one of these is
T = TypeVar("T")


@dataclass(frozen=True)
class DerivedView:
    """What a table derived from a user's view is built from (:meth:`ScopedStore.derived`): the
    graph version and region, the embedded store's workspace folder (None for another store),
    where such a table may be kept beside its version, and the view's snapshot, read only when
    called."""

    version: str | None
    region: str | None
    workspace: str | None
    snapshot: Callable[[], Snapshot]


class RegionIndexCache:
    """The :class:`RegionIndex` of the loaded graph, opened again when its version changes: read
    from beside the version, or built and kept there by the first to ask
    (:meth:`RegionIndex.kept`)."""

    def __init__(self, api):
        self._api = api
        self._version, self._index = None, None

    def get(self) -> RegionIndex:
        info = self._api.info()
        version = info.get("version")
        if self._index is None or version != self._version:
            view = DerivedView(version, None, info.get("workspace"), self._api.snapshot)
            self._index, self._version = RegionIndex.kept(view), version
        return self._index


class RegionViews:
    """Scoped stores over one graph, one per region, sharing its region index and audit trail.

    Parameters
    ----------
    api : GraphStore
        The whole graph (kept private).
    cases : CasesStore, optional
        Where the audit trail lives; None keeps no trail (the single-user ``serve --no-auth``).
    user : callable returning the acting :class:`~bidgraph.cases.users.User`, optional
        Called at each audited action; needed with ``cases``.
    """

    def __init__(self, api, cases: CasesStore | None = None, user: Callable[[], User] | None = None):
        self._api, self._cases, self._user = api, cases, user
        self._index = RegionIndexCache(api)
        self._stores: dict[str | None, ScopedStore] = {}

    def store(self, region_code: str | None) -> ScopedStore:
        """The graph as seen from ``region_code`` (None: city-wide, everything)."""
        if region_code not in self._stores:
            self._stores[region_code] = ScopedStore(self._api, Scope(region_code), self._index, self._cases, self._user)
        return self._stores[region_code]

    def regions(self) -> RegionIndex:
        """Regions of the loaded graph's entities (what cases and packs are placed with)."""
        return self._index.get()


class ScopedStore:
    """The query API as ``user()`` may see it (see the module docstring).

    Parameters
    ----------
    api : GraphStore
        The whole graph (kept private).
    scope : Scope
        The region every answer is cut to (``Scope(None)``: everything).
    index : RegionIndexCache
        Regions of the loaded graph's entities.
    cases : CasesStore, optional
        Where the audit trail lives; None keeps no trail (the single-user ``serve --no-auth``).
    user : callable returning the acting :class:`~bidgraph.cases.users.User`, optional
        Called at each audited action (the web layer passes the request's user); needed with ``cases``.
    """

    def __init__(
        self,
        api,
        scope: Scope,
        index: RegionIndexCache,
        cases: CasesStore | None = None,
        user: Callable[[], User] | None = None,
    ):
        self._api, self._index, self._cases, self._user = api, index, cases, user
        self.scope = scope
        self._snapshot: tuple | None = None
        self._derived: dict[tuple, object] = {}
        self._derived_lock = threading.Lock()

    def regions(self) -> RegionIndex:
        """Regions of the loaded graph's entities."""
        return self._index.get()

    # -- visibility -----------------------------------------------------------------------
    def visible(self, uid: str, index: RegionIndex | None = None) -> bool:
        """Whether the node ``Label:key`` lies in the scope (nodes without a region, such as
        phones and addresses, when a visible node links to them). Pass ``index`` when
        checking many nodes."""
        if self.scope.is_all:
            return True
        index = index or self.regions()
        label, _, key = str(uid).partition(":")
        typ = LABEL_TYPES.get(label)
        if typ is not None:
            return self.scope.allows(index.regions(typ, key))
        page = self._api.expand(uid, limit=NEIGHBOURS_CHECKED)
        return any(LABEL_TYPES.get(n["label"]) and self.visible(n["id"], index) for n in page["nodes"])

    def _check(self, uid: str, action: str) -> None:
        if not self.visible(uid):
            self._deny({"node": uid, "action": action})
            raise NotFound(f"node {uid!r} not found (or outside your region)")

    def _deny(self, detail: dict) -> None:
        """Record a refusal of something outside the region (or of an id that does not exist:
        the two look alike to the user and are both worth an auditor's look)."""
        self._audit("denied", detail)

    def _cut(self, sub: dict) -> dict:
        if self.scope.is_all:  # city staff: no region index to build
            return sub
        return self.scope.filter_subgraph(sub, self.regions())

    def _audit(self, action: str, detail: dict) -> None:
        if self._cases is not None and self._user is not None:
            audit.record(self._cases, self._user().name, action, detail)

    # -- the query API --------------------------------------------------------------------
    def info(self) -> dict:
        info = self._api.info()
        region = self.scope.region_code
        if region is None:
            return info
        index = self.regions()
        counts = {label: len(index.ids_in(typ, region)) for label, typ in LABEL_TYPES.items() if label in info["nodes"]}
        return {**info, "nodes": counts, "relationships": {}, "quarantine": {}}

    def node(self, uid: str) -> dict:
        self._check(uid, "view")
        node = self._api.node(uid)
        self._audit("view", {"node": uid})
        return node

    def expand(self, uid: str, types: list[str] | None = None, limit: int = 50, offset: int = 0) -> dict:
        self._check(uid, "expand")
        self._audit("expand", {"node": uid, "types": list(types or []), "offset": offset})
        if self.scope.is_all:
            return self._api.expand(uid, types, limit, offset)
        total = self._api.expand(uid, types, limit=1)["total"]  # cut the whole neighbourhood, then page it
        every = self._api.expand(uid, types, limit=max(total, 1))
        whole = self._cut({"nodes": [self._api.node(uid)] + every["nodes"], "edges": every["edges"]})
        neighbours = [n for n in whole["nodes"] if n["id"] != uid]
        page = neighbours[offset : offset + limit]
        keep = {n["id"] for n in page}
        return {
            **every,
            "nodes": page,
            "edges": [e for e in whole["edges"] if {e["source"], e["target"]} & keep],
            "total": len(neighbours),
            "offset": offset,
            "limit": limit,
        }

    def paths(self, a: str, b: str, max_hops: int = 4, limit: int = 10, types: list[str] | None = None) -> dict:
        self._check(a, "paths")
        self._check(b, "paths")
        found = self._api.paths(
            a, b, max_hops=max_hops, limit=limit * (1 if self.scope.is_all else FETCH_FACTOR), types=types
        )
        if self.scope.is_all:
            return found
        index = self.regions()
        kept = [p for p in found["paths"] if all(self.visible(u, index) for u in p["nodes"])][:limit]
        on_path = {u for p in kept for u in p["nodes"]}
        return {**found, "paths": kept, "nodes": [n for n in found["nodes"] if n["id"] in on_path]}

    def subgraph(self, uids: list[str]) -> dict:
        index = None if self.scope.is_all else self.regions()
        hidden = [uid for uid in uids if not self.visible(uid, index)]
        if hidden:
            self._deny({"node": hidden[0], "action": "subgraph"})
            raise NotFound(f"node {hidden[0]!r} not found (or outside your region)")
        return self._cut(self._api.subgraph(uids))

    def search(self, text: str, limit: int = 20) -> list[dict]:
        hits = self._api.search(text, limit=limit * (1 if self.scope.is_all else FETCH_FACTOR))
        index = None if self.scope.is_all else self.regions()
        hits = [h for h in hits if self.visible(h["id"], index)][:limit]
        self._audit("search", {"query": text, "hits": len(hits)})
        return hits

    def snapshot(self) -> Snapshot:
        """The user's view of the tables, one object per graph version, so that what callers
        derive from it (``Snapshot.codes``, ``Snapshot.derived``) is made once, not per request."""
        version = self._api.info().get("version")
        if self._snapshot is None or self._snapshot[0] != version:
            snap = self._api.snapshot()
            if not self.scope.is_all:
                index = self.regions()  # a table without a region rule raises rather than leaks
                tables = {
                    name: self.scope.filter_table(name, df, index) for name, df in snap.tables.items() if df is not None
                }
                snap = Snapshot(tables, version=snap.version)
            self._snapshot = (version, snap)
        return self._snapshot[1]

    def derived(self, name: str, build: Callable[[DerivedView], T]) -> T:
        """``build(view)`` (a :class:`DerivedView` of this store's snapshot), computed once per
        (graph version, region, ``name``) and kept until the version changes: tables derived
        from the user's view (the firm-level tables of ``graph/firm_view.py``, which keep
        themselves on disk per version and region) are never served to another region or version."""
        info = self._api.info()
        version = info.get("version")
        key = (version, self.scope.region_code, name)
        with self._derived_lock:
            if key not in self._derived:
                self._derived = {k: v for k, v in self._derived.items() if k[0] == version}
                view = DerivedView(version, self.scope.region_code, info.get("workspace"), self.snapshot)
                self._derived[key] = build(view)
            return self._derived[key]  # type: ignore[return-value]

    def findings(self) -> list[dict]:
        """The findings in the region, each cut to its part there (city staff: all, whole)."""
        if self.scope.is_all:
            return self._api.findings()
        return self.scope.cut_findings(self._api.findings(), self.regions())

    def batches(self) -> list[dict]:
        """The detector batch records, oldest first (``bidgraph.detectors.core.batches``); a
        county user's with only the new, changed and gone findings of their region, each cut to
        its part there (the detectors' statuses are the same for everyone)."""
        return [self._cut_batch(r) for r in self._api.batches()]

    def last_batch(self) -> dict | None:
        """The latest batch record as :meth:`batches` gives it (None before the first batch)."""
        record = self._api.last_batch()
        return None if record is None else self._cut_batch(record)

    def _cut_batch(self, record: dict) -> dict:
        if self.scope.is_all:
            return record
        index = self.regions()
        changes = {
            kind: [self.scope.cut_finding(e, index) for e in self.scope.filter_findings(entries, index)]
            for kind, entries in record["changes"].items()
        }
        return {**record, "changes": changes}

    def record_view(self, what: str, ident: str) -> None:
        """Record that the user looked at a piece of evidence (``what``: ``finding``, ``case``)."""
        self._audit("view", {what: ident})

    def record_denied(self, what: str, ident: str) -> None:
        """Record a refused request for a ``what`` (``finding``, ...) the user may not see."""
        self._deny({what: ident, "action": "view"})

    # -- evidence and exports -------------------------------------------------------------
    def evidence(self, case: dict) -> tuple[dict[str, pd.DataFrame], dict]:
        """The tables and subgraph of a case (:func:`~bidgraph.cases.pack.gather_evidence`),
        cut to the scope; gathering reads the whole graph without auditing each node it checks."""
        tables, subgraph = gather_evidence(self._api, case)
        if self.scope.is_all:
            return tables, subgraph
        index = self.regions()
        return {name: self.scope.filter_table(name, df, index) for name, df in tables.items()}, self._cut(subgraph)

    def record_export(self, fmt: str, filename: str, items: int) -> None:
        """Check the user may export and record the export (format, file name, cart size);
        without an audit trail (single-user session) there is nothing to check or record."""
        if self._cases is None or self._user is None:
            return
        user = self._user()
        require(user, "export")
        audit.record(self._cases, user.name, "export", {"format": fmt, "file": filename, "items": items})
