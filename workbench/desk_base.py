"""What every part of the workbench's cases desk shares: the private cases store, the regions
of the loaded graph and the request's session, and :meth:`DeskBase._actor`, which authorizes
each call (see :mod:`bidgraph.workbench.casedesk`)."""

from __future__ import annotations

from collections.abc import Callable

from bidgraph.cases import users
from bidgraph.cases.db import CasesStore
from bidgraph.cases.scope import RegionIndex

__all__ = ["DeskBase", "Session"]

Session = tuple[str | None, str | None]  # (session token, CSRF token sent with the request)


class DeskBase:
    """Holds the cases store privately and asks the session who acts.

    Parameters
    ----------
    store : CasesStore
        Accounts, sessions, cases and the audit trail (kept private).
    regions : callable returning a :class:`~bidgraph.cases.scope.RegionIndex`
        Regions of the loaded graph, to place cases and check county users' reach.
    session : callable returning ``(session token, CSRF token)``
        The credentials of the request being served.
    """

    def __init__(self, store: CasesStore, regions: Callable[[], RegionIndex], session: Callable[[], Session]):
        self._store, self._regions, self._session = store, regions, session

    def _actor(self, action: str) -> users.User:
        token, csrf = self._session()
        return users.authorize(self._store, token, csrf, action)

    def _cut_index(self, actor: users.User) -> RegionIndex | None:
        """The region index where ``actor``'s view must be cut or checked with it (a county
        user); None for city staff, who see everything whole. Placing what is recorded (a
        case's, a dispatch's or a view's regions) needs :attr:`_regions` for everyone."""
        return None if actor.region_code is None else self._regions()
