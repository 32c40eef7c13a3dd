"""What the supervision record holds about one firm, expert or project: the cases, dispatched
warnings (督办) and complaints that touched it, for its portrait (``bidgraph.graph.profiles``).

:func:`touching` is a pure selection over lists as the cases and supervision modules return
them; :func:`gather` reads those lists through a desk (the workbench's
:class:`~bidgraph.workbench.casedesk.CaseDesk` or anything with its reading methods), so
every list is already authorized for the user and cut to their region. A role that may not
read a list gets none of it (an empty list, not an error).
"""

from __future__ import annotations

from collections.abc import Iterable

from bidgraph.cases.users import AccessDenied
from bidgraph.graph.schema import schema

__all__ = ["touching", "gather", "names_any"]

Key = tuple[str, str]  # (finding entity type, id), e.g. ("company", "ORG1")
COMPLAINT_COLUMNS = (("project_id", "project"), ("lot_id", "lot"), ("complainant_org_id", "company"))


def names_any(finding: dict, keys: set[Key]) -> bool:
    """Whether ``finding`` names any of ``keys`` among its entities."""
    return any((e.get("type"), str(e.get("id"))) in keys for e in finding.get("entities") or [])


def _uids(keys: Iterable[Key]) -> set[str]:
    labels = schema().entity_labels
    return {f"{labels.get(t, t)}:{i}" for t, i in keys}


def touching(
    keys: set[Key], finding_ids: set[str], cases: list[dict], dispatches: list[dict], complaints: list[dict]
) -> dict[str, list[dict]]:
    """The cases, dispatches and complaints about ``keys``.

    A case touches it when one of its findings names a key or is one of ``finding_ids`` (the
    findings of the portrait), or its pinned nodes include the entity; a dispatch when its
    warning names a key or is one of ``finding_ids``, or its case touches it; a complaint when
    its project, lot or complainant is a key, or it is linked to one of ``finding_ids``.
    Each list keeps its input order.
    """
    uids = _uids(keys)
    hit_cases = [
        c
        for c in cases
        if any(f.get("id") in finding_ids or names_any(f, keys) for f in c.get("findings") or [])
        or uids & set(c.get("nodes") or [])
    ]
    case_ids = {c["id"] for c in hit_cases}

    def dispatched(d: dict) -> bool:
        if d.get("subject_kind") == "case":
            return d.get("subject_id") in case_ids
        return d.get("subject_id") in finding_ids or names_any(d.get("subject") or {}, keys)

    hit_complaints = [
        q
        for q in complaints
        if any((kind, str(q.get(col) or "")) in keys for col, kind in COMPLAINT_COLUMNS)
        or finding_ids & set(q.get("findings") or [])
    ]
    return {
        "cases": hit_cases,
        "dispatches": [d for d in dispatches if dispatched(d)],
        "complaints": hit_complaints,
    }


def _read(call, *args) -> list[dict]:
    try:
        return list(call(*args))
    except AccessDenied:
        return []


def gather(desk, keys: set[Key], finding_ids: set[str]) -> dict[str, list[dict]]:
    """:func:`touching` over what ``desk`` lets the user read (None: no cases store, nothing).

    ``desk`` needs ``list_cases()``, ``get_case(id)`` and ``list_dispatches()``; complaints are
    read when it has ``list_complaints()``.
    """
    if desk is None:
        return touching(keys, finding_ids, [], [], [])
    cases: list[dict] = []
    for summary in _read(desk.list_cases):
        cases += _read(lambda case_id: [desk.get_case(case_id)], summary["id"])
    complaints = _read(desk.list_complaints) if hasattr(desk, "list_complaints") else []
    return touching(keys, finding_ids, cases, _read(desk.list_dispatches), complaints)
